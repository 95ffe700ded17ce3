/**
 * The front door for HTTP-fed event sources: a request is matched to its EventSource's route
 * (endpoint + method), its credentials are checked, Argo's event is built from it and put on the
 * ingress queue; only then is it answered 202. Nothing is enqueued for a refused request, and
 * every refusal is logged. Deduplication happens downstream (the event id derives from the hook
 * and delivery ids), so a crash after enqueueing never loses an accepted delivery.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Webhooks } from '@octokit/webhooks';
import type { KubeObject } from '../core/objects.js';
import type { Clock, Outbox, Secrets } from '../core/ports.js';
import type { Log } from '../core/log.js';
import { silentLog } from '../core/log.js';
import type { Credential, HttpRoute, InboundRequest } from './sources/http-source.js';
import { header, RequestRejected } from './sources/http-source.js';
import { httpRoutes } from './sources/index.js';
import { eventId, makeEvent } from './event.js';
import type { IngressItem } from './ingest.js';

/** Where a request is addressed: `/webhooks/<namespace>/<eventsource>/<event>` on the API. */
export interface WebhookTarget {
  cluster: string;
  namespace: string;
  eventSource: string;
  eventName: string;
}

export interface IngressResponse {
  status: number;
  message: string;
}

export interface WebhookIngressDeps {
  eventSource(cluster: string, namespace: string, name: string): Promise<KubeObject | null>;
  secrets: Secrets;
  ingress: Outbox<IngressItem>;
  clock: Clock;
  log?: Log;
  /** A fresh id for requests that carry no delivery id. */
  newId(): string;
  /** Default body limit when the route sets no `maxPayloadSize` (bytes). */
  maxBodyBytes?: number;
}

/** Argo's default `maxPayloadSize` (1 MiB): larger bodies get 413 unless the route says more. */
export const DEFAULT_MAX_EVENT_BODY_BYTES = 1024 * 1024;

/**
 * What fits one SQS message with the event around it: the limit where queue messages cannot go by
 * reference (no payload store configured on AWS).
 */
export const INLINE_EVENT_BODY_BYTES = 200 * 1024;

export class WebhookIngress {
  private readonly log: Log;

  constructor(private readonly deps: WebhookIngressDeps) {
    this.log = deps.log ?? silentLog;
  }

  async handle(target: WebhookTarget, request: InboundRequest): Promise<IngressResponse> {
    try {
      const object = await this.deps.eventSource(
        target.cluster,
        target.namespace,
        target.eventSource,
      );
      const route = object
        ? httpRoutes(object).find((r) => r.eventName === target.eventName)
        : undefined;
      if (!route)
        throw new RequestRejected(
          404,
          `no event "${target.eventName}" in EventSource ${target.namespace}/${target.eventSource}`,
        );
      return await this.accept(target, route, request);
    } catch (err) {
      if (!(err instanceof RequestRejected)) throw err;
      this.log.warn('webhook request refused', {
        status: err.status,
        reason: err.message,
        eventSource: `${target.namespace}/${target.eventSource}`,
        eventName: target.eventName,
      });
      return { status: err.status, message: err.message };
    }
  }

  private async accept(
    target: WebhookTarget,
    route: HttpRoute,
    request: InboundRequest,
  ): Promise<IngressResponse> {
    if (request.method !== route.method)
      throw new RequestRejected(
        405,
        `${request.method} not allowed: this endpoint takes ${route.method}`,
      );
    const limit = route.maxPayloadSize ?? this.deps.maxBodyBytes ?? DEFAULT_MAX_EVENT_BODY_BYTES;
    if (Buffer.byteLength(request.body) > limit)
      throw new RequestRejected(413, `request body over ${limit} bytes`);
    if (route.credential) await this.verify(target, route.credential, request);
    const data = route.data(request);
    const at = this.deps.clock.now();
    const origin = {
      namespace: target.namespace,
      eventSource: target.eventSource,
      eventName: route.eventName,
      type: route.type,
    };
    const id = eventId(origin, deliveryKey(request) ?? this.deps.newId());
    const event = makeEvent(origin, id, at, data);
    await this.deps.ingress.send([
      { kind: 'event', cluster: target.cluster, namespace: target.namespace, at, event },
    ]);
    this.log.info('webhook event accepted', {
      eventSource: `${target.namespace}/${target.eventSource}`,
      eventName: route.eventName,
      eventId: id,
    });
    return { status: 202, message: `accepted event ${id}` };
  }

  private async verify(
    target: WebhookTarget,
    credential: Credential,
    request: InboundRequest,
  ): Promise<void> {
    const secret = await this.deps.secrets
      .get({ ...credential.secret, namespace: target.namespace })
      .catch((err: unknown) => {
        this.log.error('webhook secret unavailable', {
          secret: `${target.namespace}/${credential.secret.name}`,
          error: String(err),
        });
        throw new RequestRejected(401, 'the request cannot be verified: its secret is missing');
      });
    switch (credential.kind) {
      case 'hub-signature': {
        const signature = header(request, 'x-hub-signature-256');
        if (!signature) throw new RequestRejected(401, 'missing X-Hub-Signature-256 header');
        const ok = await new Webhooks({ secret })
          .verify(request.body, signature)
          .catch(() => false);
        if (!ok) throw new RequestRejected(401, 'X-Hub-Signature-256 does not match the body');
        return;
      }
      case 'gitlab-token': {
        if (!sameSecret(header(request, 'x-gitlab-token') ?? '', secret))
          throw new RequestRejected(401, 'missing or wrong X-Gitlab-Token');
        return;
      }
      case 'bearer': {
        const auth = header(request, 'authorization') ?? '';
        if (!auth.startsWith('Bearer '))
          throw new RequestRejected(401, 'Invalid Authorization Header');
        if (!sameSecret(auth.slice('Bearer '.length), secret))
          throw new RequestRejected(401, 'Invalid Auth token');
        return;
      }
    }
  }
}

/** Constant time whatever the lengths: compare digests. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * What identifies a delivery across retries. GitHub reuses `X-GitHub-Delivery` for every hook
 * subscribed to the event, so the hook id is part of it (FACTS.md).
 */
export function deliveryKey(request: InboundRequest): string | undefined {
  const github = header(request, 'x-github-delivery');
  if (github) return `github/${header(request, 'x-github-hook-id') ?? ''}/${github}`;
  const gitlab = header(request, 'x-gitlab-event-uuid');
  if (gitlab) return `gitlab/${header(request, 'x-gitlab-webhook-uuid') ?? ''}/${gitlab}`;
  const key = header(request, 'idempotency-key');
  return key ? `key/${key}` : undefined;
}
