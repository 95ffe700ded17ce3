/**
 * The `s3` event source (an extension: Argo has only `minio`, whose spec shape it shares): S3
 * bucket notifications delivered to the ingress SQS queue (S3 cannot notify a FIFO queue). One
 * event per record that matches the bucket, the event patterns and the key filter; data
 * `{notification: <record>}` with the object key URL-decoded, so `notification.s3.object.key`
 * reads as written in the bucket.
 */
import type { Json, JsonObject } from '../../core/types.js';

export interface S3SourceEntry {
  bucket: { name: string; key?: string };
  events?: string[];
  filter?: { prefix?: string; suffix?: string };
  endpoint?: string;
  region?: string;
  metadata?: Record<string, string>;
  [other: string]: unknown;
}

/** One record of an S3 event notification (the parts we read). */
export interface S3Record {
  eventSource?: string;
  eventName?: string;
  eventTime?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string; sequencer?: string } };
  [other: string]: unknown;
}

export interface MatchedRecord {
  eventName: string;
  data: Json;
  /** Stable across redeliveries of the notification: bucket, key, sequencer, event. */
  dedupKey: string;
  time?: string;
}

/** True for the body of an S3 event notification (`s3:TestEvent` bodies have no Records). */
export function isS3Notification(body: unknown): body is { Records: S3Record[] } {
  const records = (body as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => ['aws:s3', 'minio:s3'].includes(String((r as S3Record)?.eventSource)))
  );
}

/** S3 encodes keys as form values: `+` is a space, the rest percent-escapes. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** `s3:ObjectCreated:*` against a record's `ObjectCreated:Put` (records omit the `s3:` prefix). */
export function matchesS3Event(pattern: string, eventName: string): boolean {
  const p = pattern.replace(/^s3:/, '');
  const e = eventName.replace(/^s3:/, '');
  if (p.endsWith('*')) return e.startsWith(p.slice(0, -1));
  return p === e;
}

export function matchS3Records(
  entries: Record<string, S3SourceEntry>,
  records: readonly S3Record[],
  shape: 's3' | 'minio' = 's3',
): MatchedRecord[] {
  const out: MatchedRecord[] = [];
  for (const record of records) {
    const bucket = record.s3?.bucket?.name ?? '';
    const rawKey = record.s3?.object?.key ?? '';
    const key = decodeS3Key(rawKey);
    const event = record.eventName ?? '';
    for (const [eventName, entry] of Object.entries(entries)) {
      if (entry.bucket?.name !== bucket) continue;
      if (entry.bucket.key && entry.bucket.key !== key) continue;
      if (entry.events?.length && !entry.events.some((p) => matchesS3Event(p, event))) continue;
      if (entry.filter?.prefix && !key.startsWith(entry.filter.prefix)) continue;
      if (entry.filter?.suffix && !key.endsWith(entry.filter.suffix)) continue;
      const decoded = structuredClone(record) as JsonObject;
      ((decoded['s3'] as JsonObject)['object'] as JsonObject)['key'] = key;
      out.push({
        eventName,
        data: {
          notification: shape === 'minio' ? [decoded] : decoded,
          ...(entry.metadata ? { metadata: entry.metadata } : {}),
        },
        dedupKey: `${bucket}/${rawKey}/${record.s3?.object?.sequencer ?? ''}/${event}`,
        ...(record.eventTime ? { time: record.eventTime } : {}),
      });
    }
  }
  return out;
}
