/**
 * The ingress queue's consumer: turns what arrived (events built at the HTTP door, S3 bucket
 * notifications, Kafka records from an event source mapping) into Argo events and routes each to
 * the Sensors of the EventSource's namespace that depend on it, as EventArrived commands. The
 * command id is the Sensor's key + the event id, so a redelivered or re-posted delivery is
 * recognised by the Sensor's runner and fires nothing twice.
 */
import type { KubeObject } from '../core/objects.js';
import { createHash } from 'node:crypto';
import type { BatchHandler, Clock, CommandQueue, IndexEntry, QueueCodec } from '../core/ports.js';
import type { Message } from '../core/types.js';
import { formatKey, HOME_CLUSTER } from '../core/types.js';
import type { Log } from '../core/log.js';
import { silentLog } from '../core/log.js';
import type { ArgoEvent, EventDependency } from './types.js';
import { eventId, makeEvent } from './event.js';
import { isS3Notification, matchS3Records } from './sources/s3.js';
import type { S3SourceEntry } from './sources/s3.js';
import { isLambdaKafkaEvent, matchKafkaRecords } from './sources/kafka.js';
import type { KafkaSourceEntry, LambdaKafkaEvent } from './sources/kafka.js';

/** What travels on the ingress queue. */
export type IngressItem =
  /** An event built at the HTTP door. */
  | { kind: 'event'; cluster: string; namespace: string; at: number; event: ArgoEvent }
  /** Anything else that lands on the queue as it was sent (an S3 notification's body). */
  | { kind: 'raw'; id: string; at: number; body: string };

export const SensorEvents = { EventArrived: 'EventArrived' } as const;

export interface IngestDeps {
  /** EventSources of a cluster (every namespace): S3 and Kafka records find theirs by content. */
  eventSources(cluster: string): Promise<KubeObject[]>;
  sensors(cluster: string, namespace: string): Promise<KubeObject[]>;
  commands: CommandQueue;
  clock: Clock;
  log?: Log;
}

export class Ingest {
  private readonly log: Log;

  constructor(private readonly deps: IngestDeps) {
    this.log = deps.log ?? silentLog;
  }

  /** The ingress queue consumer (embedded and functions/ingest). */
  readonly handleBatch: BatchHandler<IngressItem> = async (batch) => {
    const failed: string[] = [];
    for (const received of batch) {
      try {
        await this.ingest(received.body);
      } catch (err) {
        this.log.warn('ingress item will be redelivered', { error: String(err) });
        failed.push(received.deliveryId);
      }
    }
    return { failed };
  };

  async ingest(item: IngressItem): Promise<number> {
    if (item.kind === 'event') return this.route(item.cluster, item.namespace, item.at, item.event);
    let body: unknown;
    try {
      body = JSON.parse(item.body);
    } catch {
      this.log.warn('ingress message is not JSON: dropped', { id: item.id });
      return 0;
    }
    // A raw body carries no ingress time: the record's own time, else now, is stamped here once.
    const at = item.at || this.deps.clock.now();
    if (isS3Notification(body)) return this.s3(body.Records, at);
    if (isLambdaKafkaEvent(body)) return this.kafka(body, at);
    this.log.warn('ingress message of unknown shape: dropped', { id: item.id });
    return 0;
  }

  /** S3 (and MinIO) notifications reach EventSources of type `s3` or `minio`, home cluster. */
  async s3(records: Parameters<typeof matchS3Records>[1], at: number): Promise<number> {
    let sent = 0;
    for (const es of await this.deps.eventSources(HOME_CLUSTER)) {
      const spec = es.spec as
        { s3?: Record<string, S3SourceEntry>; minio?: Record<string, S3SourceEntry> } | undefined;
      for (const type of ['s3', 'minio'] as const) {
        const entries = spec?.[type];
        if (!entries) continue;
        for (const match of matchS3Records(entries, records, type)) {
          sent += await this.routeMatch(es, type, match, at);
        }
      }
    }
    return sent;
  }

  async kafka(event: LambdaKafkaEvent, at: number): Promise<number> {
    let sent = 0;
    for (const es of await this.deps.eventSources(HOME_CLUSTER)) {
      const entries = (es.spec as { kafka?: Record<string, KafkaSourceEntry> } | undefined)?.kafka;
      if (!entries) continue;
      for (const match of matchKafkaRecords(entries, event)) {
        sent += await this.routeMatch(es, 'kafka', match, at);
      }
    }
    return sent;
  }

  private routeMatch(
    es: KubeObject,
    type: string,
    match: { eventName: string; data: ArgoEvent['data']; dedupKey: string },
    at: number,
  ): Promise<number> {
    const namespace = es.metadata.namespace ?? 'default';
    const origin = { namespace, eventSource: es.metadata.name, eventName: match.eventName, type };
    const event = makeEvent(origin, eventId(origin, match.dedupKey), at, match.data);
    return this.route(HOME_CLUSTER, namespace, at, event);
  }

  /** Sends the event to every Sensor of the namespace with a dependency on it. */
  async route(cluster: string, namespace: string, at: number, event: ArgoEvent): Promise<number> {
    const messages: Message[] = [];
    for (const sensor of await this.deps.sensors(cluster, namespace)) {
      const deps = ((sensor.spec as { dependencies?: EventDependency[] } | undefined)
        ?.dependencies ?? []) as EventDependency[];
      if (!deps.some((d) => listensTo(d, event))) continue;
      const key = formatKey({ cluster, kind: 'Sensor', namespace, name: sensor.metadata.name });
      messages.push({
        id: `${key}/event/${event.context.id}`,
        key,
        at,
        event: { type: SensorEvents.EventArrived, event },
      });
    }
    if (messages.length > 0) await this.deps.commands.send(messages);
    this.log.debug('event routed', { eventId: event.context.id, sensors: messages.length });
    return messages.length;
  }
}

/** Routing over an index of the current objects (the embedded store's, the table's). */
export function ingestOverIndex(deps: {
  list(kind: string, filter: { cluster: string; namespace?: string }): Promise<IndexEntry[]>;
  commands: CommandQueue;
  clock: Clock;
  log?: Log;
}): Ingest {
  const objects = async (kind: string, filter: { cluster: string; namespace?: string }) =>
    (await deps.list(kind, filter)).flatMap((e) =>
      e.object ? [e.object as unknown as KubeObject] : [],
    );
  return new Ingest({
    eventSources: (cluster) => objects('EventSource', { cluster }),
    sensors: (cluster, namespace) => objects('Sensor', { cluster, namespace }),
    commands: deps.commands,
    clock: deps.clock,
    ...(deps.log ? { log: deps.log } : {}),
  });
}

export function listensTo(dependency: EventDependency, event: ArgoEvent): boolean {
  return (
    dependency.eventSourceName === event.context.source &&
    dependency.eventName === event.context.subject
  );
}

/**
 * The ingress queue's wire format. Besides our own items the queue receives S3 notifications as S3
 * sends them, so anything that is not an item is taken as a raw body (its id: the body's hash).
 */
export const ingressCodec: QueueCodec<IngressItem> = {
  id: (item) => (item.kind === 'event' ? item.event.context.id : item.id),
  group: (item) => (item.kind === 'event' ? item.event.context.id : item.id),
  encode: (item) => (item.kind === 'raw' ? item.body : JSON.stringify(item)),
  decode: (body) => {
    try {
      const parsed = JSON.parse(body) as Partial<IngressItem>;
      if (parsed.kind === 'event' && parsed.event) return parsed as IngressItem;
    } catch {
      // not JSON: handed on raw, the consumer drops it with a warning
    }
    return { kind: 'raw', id: createHash('sha256').update(body).digest('hex'), at: 0, body };
  },
};
