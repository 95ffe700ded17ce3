/**
 * Argo's generic `webhook` event source: data `{header, body, metadata}`; GET bodies are the query
 * (`{k: [v]}`), form posts the form, anything else must be JSON. `authSecret` asks for
 * `Authorization: Bearer <token>`. `webhookSecret` (a documented extension, Argo has none on this
 * type) verifies GitHub's `X-Hub-Signature-256`, so a GitHub hook can point at a plain webhook.
 */
import type { Json } from '../../core/types.js';
import type { SecretSelector, WebhookContext } from '../types.js';
import type { HttpRoute, InboundRequest } from './http-source.js';
import { formBody, goHeaders, header, jsonBody, routeFromContext } from './http-source.js';

export interface WebhookSourceEntry extends WebhookContext {
  webhookSecret?: SecretSelector;
  filter?: { expression: string };
}

export function webhookRoutes(entries: Record<string, WebhookSourceEntry>): HttpRoute[] {
  return Object.entries(entries).map(([eventName, entry]) =>
    routeFromContext('webhook', eventName, entry, {
      ...(entry.webhookSecret
        ? { credential: { kind: 'hub-signature' as const, secret: entry.webhookSecret } }
        : entry.authSecret
          ? { credential: { kind: 'bearer' as const, secret: entry.authSecret } }
          : {}),
      data: (request) => ({
        header: goHeaders(request.headers),
        body: webhookBody(request),
        ...(entry.metadata ? { metadata: entry.metadata } : {}),
      }),
    }),
  );
}

function webhookBody(request: InboundRequest): Json {
  if (request.method === 'GET') {
    const out: Record<string, string[]> = {};
    for (const [k, v] of request.query) (out[k] ??= []).push(v);
    return out;
  }
  const type = header(request, 'content-type') ?? '';
  if (type.split(';')[0]!.trim() === 'application/x-www-form-urlencoded') return formBody(request);
  return jsonBody(request);
}
