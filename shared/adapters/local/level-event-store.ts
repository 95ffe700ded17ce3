/**
 * The embedded EventStore: LevelDB (classic-level) with the same logical layout and limits as
 * the DynamoDB table, conditional appends serialised in-process (one process owns the
 * directory: LevelDB locks it), and group commit with fsync for durability.
 */
import { ClassicLevel } from 'classic-level';
import type { AppendResult, EventStore, IndexEntry, VersionItem } from '../../core/ports.js';
import { VersionConflictError } from '../../core/ports.js';
import type { ResourceKey } from '../../core/types.js';
import { GroupCommitter } from './group-commit.js';
import type { LevelOp } from './group-commit.js';
import {
  appendResult,
  decodeVersionItem,
  encodeVersionItem,
  partsOf,
} from '../version-item-codec.js';

// NUL separates key parts: it cannot occur in a resource key, so prefixes never collide.
const SEP = '\u0000';
const END = '\uffff';
const versionKey = (key: ResourceKey, version: number) =>
  `v${SEP}${key}${SEP}${String(version).padStart(10, '0')}`;
const versionPrefix = (key: ResourceKey) => `v${SEP}${key}${SEP}`;
const partKey = (key: ResourceKey, version: number, id: string, i: number) =>
  `p${SEP}${key}${SEP}${String(version).padStart(10, '0')}${SEP}${id}${SEP}${String(i).padStart(4, '0')}`;
const indexKey = (kind: string, key: ResourceKey) => `i${SEP}${kind}${SEP}${key}`;
const keyMarker = (key: ResourceKey) => `k${SEP}${key}`;

export type Durability = 'fsync' | 'none';

export class LevelEventStore implements EventStore {
  private readonly latest = new Map<ResourceKey, number>();
  private readonly loading = new Map<ResourceKey, Promise<number>>();
  private readonly indexLocks = new Map<string, Promise<void>>();
  private readonly committer: GroupCommitter;

  private constructor(
    private readonly db: ClassicLevel<string, string>,
    durability: Durability,
  ) {
    this.committer = new GroupCommitter(db, durability === 'fsync');
  }

  static async open(options: { path: string; durability?: Durability }): Promise<LevelEventStore> {
    const db = new ClassicLevel<string, string>(options.path, { valueEncoding: 'utf8' });
    await db.open();
    return new LevelEventStore(db, options.durability ?? 'fsync');
  }

  get stats() {
    return this.committer.stats;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  async readTail(key: ResourceKey, maxItems: number): Promise<VersionItem[]> {
    const out: VersionItem[] = [];
    const prefix = versionPrefix(key);
    for await (const value of this.db.values({
      gte: prefix,
      lt: prefix + END,
      reverse: true,
      limit: maxItems,
    })) {
      const item = await this.decode(value);
      out.push(item);
      if (item.snapshot !== undefined) break;
    }
    return out;
  }

  async read(key: ResourceKey, version: number): Promise<VersionItem | undefined> {
    const value = await this.db.get(versionKey(key, version));
    return value === undefined ? undefined : this.decode(value);
  }

  async readRange(key: ResourceKey, range: { from: number; to?: number; limit?: number }) {
    const out: VersionItem[] = [];
    const iterator = this.db.values({
      gte: versionKey(key, Math.max(1, range.from)),
      ...(range.to !== undefined
        ? { lte: versionKey(key, range.to) }
        : { lt: versionPrefix(key) + END }),
      limit: range.limit ?? -1,
    });
    for await (const value of iterator) out.push(await this.decode(value));
    return out;
  }

  async append(item: VersionItem): Promise<AppendResult> {
    const encoded = encodeVersionItem(item);
    await this.latestVersion(item.key);
    // Read again after the await, and from here to the reservation nothing awaits:
    // check-and-reserve is atomic in this process.
    const latest = this.latest.get(item.key) ?? 0;
    if (item.version <= latest) throw new VersionConflictError(item.key, item.version);
    if (item.version !== latest + 1) {
      throw new Error(`version ${item.version} of ${item.key} would leave a gap after ${latest}`);
    }
    this.latest.set(item.key, item.version);
    const ops: LevelOp[] = [
      {
        type: 'put',
        key: versionKey(item.key, item.version),
        value: JSON.stringify({ b: encoded.body, s: encoded.snapshot?.toString('base64') }),
      },
    ];
    if (item.version === 1) ops.push({ type: 'put', key: keyMarker(item.key), value: '' });
    // Parts go in the same batch as their version: both land or neither does.
    encoded.parts?.forEach((part, i) =>
      ops.push({
        type: 'put',
        key: partKey(item.key, item.version, encoded.partsId!, i),
        value: part.toString('base64'),
      }),
    );
    try {
      await this.committer.write(ops);
    } catch (err) {
      // Unknown state on disk: forget the reservation so the next append re-reads it.
      this.latest.delete(item.key);
      throw err;
    }
    return appendResult(encoded);
  }

  private async decode(value: string): Promise<VersionItem> {
    const { b, s } = JSON.parse(value) as { b: string; s?: string };
    const parted = partsOf(b);
    if (!parted) {
      return decodeVersionItem(
        s === undefined ? { body: b } : { body: b, snapshot: Buffer.from(s, 'base64') },
      );
    }
    const { key, version } = JSON.parse(b) as { key: ResourceKey; version: number };
    const parts = await this.db.getMany(
      Array.from({ length: parted.count }, (_, i) => partKey(key, version, parted.id, i)),
    );
    if (parts.some((p) => p === undefined))
      throw new Error(`${key} version ${version}: a part of the stored version is missing`);
    return decodeVersionItem({ body: b, parts: parts.map((p) => Buffer.from(p!, 'base64')) });
  }

  private async latestVersion(key: ResourceKey): Promise<number> {
    const known = this.latest.get(key);
    if (known !== undefined) return known;
    let loading = this.loading.get(key);
    if (!loading) {
      loading = (async () => {
        const prefix = versionPrefix(key);
        for await (const k of this.db.keys({
          gte: prefix,
          lt: prefix + END,
          reverse: true,
          limit: 1,
        })) {
          return Number(k.slice(prefix.length));
        }
        return 0;
      })();
      this.loading.set(key, loading);
    }
    try {
      const found = await loading;
      // Another append may have reserved a newer version while we were reading.
      if (!this.latest.has(key)) this.latest.set(key, found);
      return this.latest.get(key)!;
    } finally {
      this.loading.delete(key);
    }
  }

  async putIndex(entry: IndexEntry): Promise<void> {
    const id = indexKey(entry.kind, entry.key);
    // Read-compare-write per entry, one at a time, so an older version never overwrites a newer.
    const previous = this.indexLocks.get(id) ?? Promise.resolve();
    const next = previous.then(async () => {
      const existing = await this.db.get(id);
      if (existing !== undefined && (JSON.parse(existing) as IndexEntry).version >= entry.version)
        return;
      await this.committer.write([{ type: 'put', key: id, value: JSON.stringify(entry) }]);
    });
    const settled = next.catch(() => undefined);
    this.indexLocks.set(id, settled);
    void settled.then(() => {
      if (this.indexLocks.get(id) === settled) this.indexLocks.delete(id);
    });
    return next;
  }

  async listIndex(kind: string, filter: { cluster?: string; namespace?: string } = {}) {
    const prefix = `i${SEP}${kind}${SEP}`;
    const out: IndexEntry[] = [];
    for await (const value of this.db.values({ gte: prefix, lt: prefix + END })) {
      const entry = JSON.parse(value) as IndexEntry;
      if (entry.object === null) continue;
      if (filter.cluster && entry.cluster !== filter.cluster) continue;
      if (filter.namespace && entry.namespace !== filter.namespace) continue;
      out.push(entry);
    }
    return out;
  }

  async listKeys(prefix = ''): Promise<ResourceKey[]> {
    const start = keyMarker(prefix);
    const out: ResourceKey[] = [];
    for await (const k of this.db.keys({ gte: start, lt: keyMarker('') + END })) {
      const key = k.slice(keyMarker('').length);
      if (!key.startsWith(prefix)) break;
      out.push(key);
    }
    return out;
  }
}
