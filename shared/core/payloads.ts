/**
 * Queue messages too large for SQS (256 KB) travel by reference: the sender stores the body,
 * gzip-compressed and content-addressed, in the payload store (the deployment's bucket) and sends a
 * small stub naming it; the consumer reads it back before decoding. Same body, same key, so a
 * re-send stores nothing new and dedup ids are unchanged (they come from the item, not the body).
 * The log still records the whole event (a large version is stored in parts).
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ArtifactStore } from './ports.js';

/** Bodies above this go by reference: SQS's 256 KB less room for attributes and the batch. */
export const MAX_INLINE_MESSAGE_BYTES = 240 * 1024;

const STUB_PREFIX = '{"$payload":';

export type PayloadStore = Pick<ArtifactStore, 'put' | 'get'>;

interface Stub {
  $payload: { key: string; sha256: string; bytes: number };
}

/** The body to send: itself, or a stub after storing it. Throws when too large with no store. */
export async function offloadBody(
  body: string,
  store: PayloadStore | undefined,
  what: string,
): Promise<string> {
  const bytes = Buffer.byteLength(body);
  if (bytes <= MAX_INLINE_MESSAGE_BYTES) return body;
  if (!store)
    throw new Error(
      `${what} is ${bytes} bytes, over the ${MAX_INLINE_MESSAGE_BYTES}-byte queue message limit, ` +
        'and no payload store is configured (ARTIFACTS_BUCKET)',
    );
  const sha256 = createHash('sha256').update(body).digest('hex');
  const key = `payloads/${sha256.slice(0, 2)}/${sha256}.json.gz`;
  await store.put(key, gzipSync(body));
  const stub: Stub = { $payload: { key, sha256, bytes } };
  return JSON.stringify(stub);
}

/** The body as sent: a stub is replaced by what it names (checked against its hash). */
export async function restoreBody(body: string, store: PayloadStore | undefined): Promise<string> {
  if (!body.startsWith(STUB_PREFIX)) return body;
  const stub = (JSON.parse(body) as Stub).$payload;
  if (!store)
    throw new Error(`message body ${stub.key} is in the payload store, which is not configured`);
  const data = await store.get(stub.key);
  if (!data) throw new Error(`message body ${stub.key} is missing from the payload store`);
  const text = gunzipSync(data).toString('utf8');
  if (createHash('sha256').update(text).digest('hex') !== stub.sha256)
    throw new Error(`message body ${stub.key} does not match its hash`);
  return text;
}
