/**
 * The event source types we run, and how each is fed: over HTTP (webhook, github, gitlab), from
 * the ingress queue (s3 and minio bucket notifications), from a Kafka event source mapping
 * (kafka), or by the Timers port (calendar). Everything else Argo offers (its sqs source
 * included, for now) is refused by name when an EventSource is applied (see validation.ts).
 */
import type { KubeObject } from '../../core/objects.js';
import type { HttpRoute } from './http-source.js';
import { webhookRoutes } from './webhook.js';
import type { WebhookSourceEntry } from './webhook.js';
import { githubRoutes } from './github.js';
import type { GithubSourceEntry } from './github.js';
import { gitlabRoutes } from './gitlab.js';
import type { GitlabSourceEntry } from './gitlab.js';

export const HTTP_SOURCE_TYPES = ['webhook', 'github', 'gitlab'] as const;
export const SUPPORTED_SOURCE_TYPES = [...HTTP_SOURCE_TYPES, 's3', 'minio', 'kafka', 'calendar'];

/** Spec fields of an EventSource that are not event source types. */
export const EVENT_SOURCE_SPEC_FIELDS = ['eventBusName', 'template', 'service', 'replicas'];

type Entries<T> = Record<string, T>;

export function httpRoutes(object: KubeObject): HttpRoute[] {
  const spec = (object.spec ?? {}) as {
    webhook?: Entries<WebhookSourceEntry>;
    github?: Entries<GithubSourceEntry>;
    gitlab?: Entries<GitlabSourceEntry>;
  };
  return [
    ...webhookRoutes(spec.webhook ?? {}),
    ...githubRoutes(spec.github ?? {}),
    ...gitlabRoutes(spec.gitlab ?? {}),
  ];
}
