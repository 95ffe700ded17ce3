/**
 * How a VersionItem is laid out in an item store (DynamoDB, and the embedded store that mirrors
 * it): the snapshot gzip-compressed, everything else as JSON, and the size checked against
 * DynamoDB's 400 KB item limit before anything is written.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { VersionItem } from '../core/ports.js';
import { ItemTooLargeError } from '../core/ports.js';
import type { Json } from '../core/types.js';

/** DynamoDB's item limit: names and values of all attributes, in bytes. */
export const ITEM_SIZE_LIMIT = 400 * 1024;

export interface EncodedItem {
  /** The item without its snapshot, as JSON. */
  body: string;
  /** The snapshot, gzip-compressed, when the item carries one. */
  snapshot?: Buffer;
}

/** Attribute names and fixed overhead of the stored layout (PK, SK, body, snapshot). */
const OVERHEAD_BYTES = 64;

export function encodeVersionItem(item: VersionItem): EncodedItem {
  const { snapshot, ...rest } = item;
  const encoded: EncodedItem = { body: JSON.stringify(rest) };
  if (snapshot !== undefined) encoded.snapshot = gzipSync(JSON.stringify(snapshot));
  const bytes =
    OVERHEAD_BYTES +
    Buffer.byteLength(item.key) * 2 +
    Buffer.byteLength(encoded.body) +
    (encoded.snapshot?.length ?? 0);
  if (bytes > ITEM_SIZE_LIMIT)
    throw new ItemTooLargeError(item.key, item.version, bytes, ITEM_SIZE_LIMIT);
  return encoded;
}

export function decodeVersionItem(encoded: EncodedItem): VersionItem {
  const item = JSON.parse(encoded.body) as VersionItem;
  if (encoded.snapshot)
    item.snapshot = JSON.parse(gunzipSync(encoded.snapshot).toString('utf8')) as Json;
  return item;
}

/** Bytes an encoded item costs to write (what `bytes written per transition` counts). */
export function encodedSize(encoded: EncodedItem): number {
  return Buffer.byteLength(encoded.body) + (encoded.snapshot?.length ?? 0);
}
