/**
 * Argo's `github` event source, receiving side: `X-Hub-Signature-256` checked over the exact body
 * when `webhookSecret` is set; data `{headers, body, metadata}` where, as Argo does, the body also
 * carries the `X-GitHub-Event` and `X-GitHub-Delivery` header values. Creating the hook on GitHub
 * (Argo's `repositories` + `apiToken` management) is not done: point the hook at the route.
 */
import type { Json, JsonObject } from '../../core/types.js';
import type { SecretSelector, WebhookContext } from '../types.js';
import type { HttpRoute, InboundRequest } from './http-source.js';
import { goHeaders, header, jsonBody, RequestRejected, routeFromContext } from './http-source.js';

export interface GithubSourceEntry {
  webhook?: WebhookContext;
  webhookSecret?: SecretSelector;
  events?: string[];
  contentType?: 'json' | 'form';
  metadata?: Record<string, string>;
  [other: string]: unknown;
}

export function githubRoutes(entries: Record<string, GithubSourceEntry>): HttpRoute[] {
  return Object.entries(entries)
    .filter(([, entry]) => entry.webhook)
    .map(([eventName, entry]) =>
      routeFromContext('github', eventName, entry.webhook!, {
        ...(entry.webhookSecret
          ? { credential: { kind: 'hub-signature' as const, secret: entry.webhookSecret } }
          : {}),
        data: (request) => ({
          headers: goHeaders(request.headers),
          body: githubBody(request),
          ...(entry.metadata ? { metadata: entry.metadata } : {}),
        }),
      }),
    );
}

function githubBody(request: InboundRequest): Json {
  const type = (header(request, 'content-type') ?? '').split(';')[0]!.trim();
  let payload: Json;
  if (type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(request.body).get('payload');
    if (form === null) throw new RequestRejected(400, 'form body without a "payload" field');
    payload = jsonBody({ ...request, body: form });
  } else {
    payload = jsonBody(request);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new RequestRejected(400, 'a GitHub payload must be a JSON object');
  const out: JsonObject = { ...payload };
  out['X-GitHub-Event'] = header(request, 'x-github-event') ?? '';
  out['X-GitHub-Delivery'] = header(request, 'x-github-delivery') ?? '';
  return out;
}
