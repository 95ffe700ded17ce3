/**
 * The `kafka` event source fed by a Lambda Kafka event source mapping (MSK or self-managed)
 * instead of a consumer running around the clock. The mapping's payload groups records by
 * `topic-partition`, with base64 keys and values and header values as byte arrays (FACTS.md);
 * each record becomes Argo's Kafka event data `{topic, key, partition, body, timestamp, headers}`.
 */
import type { Json } from '../../core/types.js';
import { goTimeString } from './go-time.js';

export interface KafkaSourceEntry {
  url?: string;
  topic: string;
  partition?: string;
  jsonBody?: boolean;
  metadata?: Record<string, string>;
  [other: string]: unknown;
}

export interface LambdaKafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType?: string;
  key?: string | null;
  value?: string | null;
  headers?: Record<string, number[]>[];
}

export interface LambdaKafkaEvent {
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  eventSourceArn?: string;
  bootstrapServers?: string;
  records: Record<string, LambdaKafkaRecord[]>;
}

export function isLambdaKafkaEvent(body: unknown): body is LambdaKafkaEvent {
  const b = body as Partial<LambdaKafkaEvent> | null;
  return (
    (b?.eventSource === 'aws:kafka' || b?.eventSource === 'SelfManagedKafka') &&
    typeof b.records === 'object' &&
    b.records !== null
  );
}

export interface KafkaMatch {
  eventName: string;
  data: Json;
  dedupKey: string;
  time: string;
}

export function matchKafkaRecords(
  entries: Record<string, KafkaSourceEntry>,
  event: LambdaKafkaEvent,
): KafkaMatch[] {
  const out: KafkaMatch[] = [];
  for (const records of Object.values(event.records)) {
    for (const record of records) {
      for (const [eventName, entry] of Object.entries(entries)) {
        if (entry.topic !== record.topic) continue;
        if (
          entry.partition !== undefined &&
          entry.partition !== '' &&
          Number(entry.partition) !== record.partition
        )
          continue;
        const value = Buffer.from(record.value ?? '', 'base64');
        let body: Json;
        if (entry.jsonBody) {
          try {
            body = JSON.parse(value.toString('utf8')) as Json;
          } catch {
            // Argo hands the bytes on as a RawMessage; not JSON, they cannot be read as JSON.
            body = value.toString('utf8');
          }
        } else {
          // Go marshals a []byte body as base64, which is what the mapping already gives us.
          body = record.value ?? '';
        }
        const headers: Record<string, string> = {};
        for (const h of record.headers ?? [])
          for (const [k, bytes] of Object.entries(h))
            headers[k] = Buffer.from(bytes).toString('utf8');
        out.push({
          eventName,
          data: {
            topic: record.topic,
            key: Buffer.from(record.key ?? '', 'base64').toString('utf8'),
            partition: record.partition,
            body,
            timestamp: goTimeString(record.timestamp),
            headers,
            ...(entry.metadata ? { metadata: entry.metadata } : {}),
          },
          dedupKey: `${record.topic}/${record.partition}/${record.offset}`,
          time: new Date(record.timestamp).toISOString(),
        });
      }
    }
  }
  return out;
}
