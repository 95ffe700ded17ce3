/**
 * Event sources fed by the deployment's wiring rather than by HTTP: S3 / MinIO notifications to
 * the ingress queue and Kafka event source mappings. An EventSource naming a bucket or topic the
 * deployment does not deliver would be accepted and silently dead; instead the EventSource asks
 * (`events.wiring`) and shows what is not wired in its status, with what to do.
 */
import type { Json } from '../core/types.js';

export interface WiredSource {
  type: 's3' | 'minio' | 'kafka';
  eventName: string;
  /** The bucket or the topic. */
  target: string;
}

export interface WiringCheck {
  /** The sources no notification or mapping delivers, each with why and what to do. */
  check(sources: readonly WiredSource[]): Promise<{ source: WiredSource; reason: string }[]>;
}

/** The queue-fed sources an EventSource spec declares. */
export function wiredSources(spec: Json | undefined): WiredSource[] {
  const out: WiredSource[] = [];
  const s = (spec ?? {}) as Record<string, Record<string, Record<string, unknown>> | undefined>;
  for (const type of ['s3', 'minio'] as const)
    for (const [eventName, entry] of Object.entries(s[type] ?? {}))
      out.push({
        type,
        eventName,
        target: String((entry['bucket'] as { name?: string })?.name ?? ''),
      });
  for (const [eventName, entry] of Object.entries(s['kafka'] ?? {}))
    out.push({ type: 'kafka', eventName, target: String(entry['topic'] ?? '') });
  return out;
}

/** Embedded: every source is delivered, through `POST /api/v1/ingress`. */
export const everythingWired: WiringCheck = { check: async () => [] };

/**
 * On AWS: what the CDK app wired, from the environment (`EVENT_WIRING`, JSON
 * `{"s3Buckets": [...], "kafkaTopics": [...]}`).
 */
export function wiringFromEnv(env: NodeJS.ProcessEnv = process.env): WiringCheck {
  let wired: { s3Buckets?: string[]; kafkaTopics?: string[] } = {};
  try {
    wired = JSON.parse(env['EVENT_WIRING'] ?? '{}') as typeof wired;
  } catch {
    // A malformed value wires nothing; every source then says so.
  }
  return {
    check: async (sources) =>
      sources.flatMap((source) => {
        if (source.type === 'kafka')
          return (wired.kafkaTopics ?? []).includes(source.target)
            ? []
            : [
                {
                  source,
                  reason: `no Kafka event source mapping delivers topic "${source.target}": add it to the CDK context "kafka" and deploy`,
                },
              ];
        return (wired.s3Buckets ?? []).includes(source.target)
          ? []
          : [
              {
                source,
                reason: `bucket "${source.target}" sends no notifications to the ingress queue: add it to the CDK context "eventBuckets" and deploy`,
              },
            ];
      }),
  };
}
