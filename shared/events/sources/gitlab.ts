/**
 * Argo's `gitlab` event source, receiving side: `X-Gitlab-Token` compared in constant time with
 * `secretToken`; data `{headers, body, metadata}`. Creating the project hook on GitLab (Argo's
 * `projects` + `accessToken` management) is not done: point the hook at the route.
 */
import type { SecretSelector, WebhookContext } from '../types.js';
import type { HttpRoute } from './http-source.js';
import { goHeaders, jsonBody, routeFromContext } from './http-source.js';

export interface GitlabSourceEntry {
  webhook?: WebhookContext;
  secretToken?: SecretSelector;
  events?: string[];
  metadata?: Record<string, string>;
  [other: string]: unknown;
}

export function gitlabRoutes(entries: Record<string, GitlabSourceEntry>): HttpRoute[] {
  return Object.entries(entries)
    .filter(([, entry]) => entry.webhook)
    .map(([eventName, entry]) =>
      routeFromContext('gitlab', eventName, entry.webhook!, {
        ...(entry.secretToken
          ? { credential: { kind: 'gitlab-token' as const, secret: entry.secretToken } }
          : {}),
        data: (request) => ({
          headers: goHeaders(request.headers),
          body: jsonBody(request),
          ...(entry.metadata ? { metadata: entry.metadata } : {}),
        }),
      }),
    );
}
