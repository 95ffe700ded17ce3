/**
 * How a VersionItem is laid out in an item store (DynamoDB, and the embedded store that mirrors
 * it): the snapshot gzip-compressed, everything else as JSON. An item that would not fit in one
 * DynamoDB item (400 KB) is stored in parts: the whole item gzip-compressed and cut into part
 * items written before the version item, which then holds only a stub naming them. So a large
 * workflow's snapshot or a large submitted spec is stored, not refused; only an item beyond
 * VERSION_SIZE_LIMIT is.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AppendResult, VersionItem } from '../core/ports.js';
import { ItemTooLargeError } from '../core/ports.js';
import type { Json } from '../core/types.js';

/** DynamoDB's item limit: names and values of all attributes, in bytes. */
export const ITEM_SIZE_LIMIT = 400 * 1024;
/** Bytes of compressed item per part item (leaves room for the part's keys and names). */
export const PART_BYTES = 384 * 1024;
/** The largest version accepted at all (compressed): beyond it the runner refuses the event. */
export const VERSION_SIZE_LIMIT = 16 * 1024 * 1024;

/** The stub a parted version item stores in place of its content. */
interface PartedStub {
  key: string;
  version: number;
  at: number;
  machine: VersionItem['machine'];
  snapshotAt?: number;
  parted: { id: string; count: number; snapshot: boolean };
}

export interface EncodedItem {
  /** The item without its snapshot as JSON, or, when parted, the stub naming the parts. */
  body: string;
  /** The snapshot, gzip-compressed, when the item carries one inline. */
  snapshot?: Buffer;
  /** When parted: the gzip-compressed item cut into parts, named by `partsId`. */
  parts?: Buffer[];
  partsId?: string;
  /** Bytes written for this item, parts included. */
  bytes: number;
  /** The snapshot's size as JSON, when the item carries one. */
  snapshotBytes?: number;
}

/** What the store's append reports for an encoded item. */
export function appendResult(encoded: EncodedItem): AppendResult {
  return encoded.snapshotBytes === undefined
    ? { bytes: encoded.bytes }
    : { bytes: encoded.bytes, snapshotBytes: encoded.snapshotBytes };
}

/** Attribute names and fixed overhead of the stored layout (PK, SK, body, snapshot). */
const OVERHEAD_BYTES = 64;

export function encodeVersionItem(item: VersionItem): EncodedItem {
  const { snapshot, snapshotBytes: _derived, ...rest } = item;
  const snapshotJson = snapshot === undefined ? undefined : JSON.stringify(snapshot);
  const stored =
    snapshotJson === undefined ? rest : { ...rest, snapshotBytes: snapshotJson.length };
  const body = JSON.stringify(stored);
  const compressed = snapshotJson === undefined ? undefined : gzipSync(snapshotJson);
  const keyBytes = Buffer.byteLength(item.key) * 2;
  const inlineBytes =
    OVERHEAD_BYTES + keyBytes + Buffer.byteLength(body) + (compressed?.length ?? 0);
  const snapshotBytes = snapshotJson === undefined ? {} : { snapshotBytes: snapshotJson.length };
  if (inlineBytes <= ITEM_SIZE_LIMIT) {
    return compressed
      ? { body, snapshot: compressed, bytes: inlineBytes, ...snapshotBytes }
      : { body, bytes: inlineBytes };
  }
  // Too large for one item: compress the whole item (body and snapshot) and cut it into parts.
  const whole = gzipSync(
    snapshotJson === undefined ? body : `${body.slice(0, -1)},"snapshot":${snapshotJson}}`,
  );
  if (whole.length > VERSION_SIZE_LIMIT)
    throw new ItemTooLargeError(item.key, item.version, whole.length, VERSION_SIZE_LIMIT);
  const parts: Buffer[] = [];
  for (let at = 0; at < whole.length; at += PART_BYTES)
    parts.push(whole.subarray(at, at + PART_BYTES));
  // Named by content: a writer that loses the race for this version leaves its parts under a
  // different id, never overwriting the winner's.
  const partsId = createHash('sha256').update(whole).digest('base64url').slice(0, 22);
  const stub: PartedStub = {
    key: item.key,
    version: item.version,
    at: item.at,
    machine: item.machine,
    ...(item.snapshotAt !== undefined ? { snapshotAt: item.snapshotAt } : {}),
    parted: { id: partsId, count: parts.length, snapshot: snapshot !== undefined },
  };
  const stubBody = JSON.stringify(stub);
  const bytes =
    OVERHEAD_BYTES +
    keyBytes +
    stubBody.length +
    parts.length * (OVERHEAD_BYTES + keyBytes) +
    whole.length;
  return { body: stubBody, parts, partsId, bytes, ...snapshotBytes };
}

/** The parts a stored body refers to, or undefined when the item is stored whole. */
export function partsOf(body: string): { id: string; count: number } | undefined {
  // Cheap check first: most bodies are not stubs and can be large.
  if (!body.includes('"parted":')) return undefined;
  const parsed = JSON.parse(body) as Partial<PartedStub>;
  return parsed.parted ? { id: parsed.parted.id, count: parsed.parted.count } : undefined;
}

/** Decodes a stored item; a parted one needs its parts, in order. */
export function decodeVersionItem(encoded: { body: string; snapshot?: Buffer; parts?: Buffer[] }) {
  if (encoded.parts) {
    const item = JSON.parse(gunzipSync(Buffer.concat(encoded.parts)).toString('utf8'));
    return item as VersionItem;
  }
  const item = JSON.parse(encoded.body) as VersionItem;
  if (encoded.snapshot)
    item.snapshot = JSON.parse(gunzipSync(encoded.snapshot).toString('utf8')) as Json;
  return item;
}
