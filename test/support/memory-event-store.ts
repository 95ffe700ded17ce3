/**
 * An in-memory EventStore for domain tests (chaos, runner). It passes the same contract suite as
 * the real adapters, so it cannot drift from them unnoticed.
 */
import type { AppendResult, EventStore, IndexEntry, VersionItem } from '../../shared/core/ports.js';
import { VersionConflictError } from '../../shared/core/ports.js';
import type { ResourceKey } from '../../shared/core/types.js';
import {
  appendResult,
  decodeVersionItem,
  encodeVersionItem,
} from '../../shared/adapters/version-item-codec.js';

export class MemoryEventStore implements EventStore {
  private readonly versions = new Map<ResourceKey, VersionItem[]>();
  private readonly index = new Map<string, IndexEntry>();
  /** Counts, for benchmarks and assertions. */
  readonly stats = { appends: 0, bytesAppended: 0 };

  async readTail(key: ResourceKey, maxItems: number): Promise<VersionItem[]> {
    const all = this.versions.get(key) ?? [];
    const out: VersionItem[] = [];
    for (let i = all.length - 1; i >= 0 && out.length < maxItems; i--) {
      out.push(clone(all[i]!));
      if (all[i]!.snapshot !== undefined) break;
    }
    return out;
  }

  async read(key: ResourceKey, version: number): Promise<VersionItem | undefined> {
    const item = this.versions.get(key)?.[version - 1];
    return item ? clone(item) : undefined;
  }

  async readRange(key: ResourceKey, range: { from: number; to?: number; limit?: number }) {
    const all = this.versions.get(key) ?? [];
    const to = Math.min(range.to ?? all.length, all.length);
    const limit = range.limit ?? Infinity;
    const out: VersionItem[] = [];
    for (let v = Math.max(1, range.from); v <= to && out.length < limit; v++)
      out.push(clone(all[v - 1]!));
    return out;
  }

  async append(item: VersionItem): Promise<AppendResult> {
    // The real adapters' codec decides sizes and limits, and what a read returns.
    const encoded = encodeVersionItem(item);
    const all = this.versions.get(item.key) ?? [];
    if (item.version !== all.length + 1) {
      if (item.version <= all.length) throw new VersionConflictError(item.key, item.version);
      throw new Error(`version ${item.version} of ${item.key} leaves a gap after ${all.length}`);
    }
    all.push(decodeVersionItem(encoded));
    this.versions.set(item.key, all);
    this.stats.appends++;
    this.stats.bytesAppended += encoded.bytes;
    return appendResult(encoded);
  }

  async putIndex(entry: IndexEntry): Promise<void> {
    const id = `${entry.kind}\n${entry.key}`;
    const existing = this.index.get(id);
    if (!existing || existing.version < entry.version) this.index.set(id, clone(entry));
  }

  async listIndex(kind: string, filter: { cluster?: string; namespace?: string } = {}) {
    return [...this.index.values()]
      .filter((e) => e.kind === kind && e.object !== null)
      .filter((e) => !filter.cluster || e.cluster === filter.cluster)
      .filter((e) => !filter.namespace || e.namespace === filter.namespace)
      .map(clone);
  }

  async listKeys(prefix = ''): Promise<ResourceKey[]> {
    return [...this.versions.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

function clone<T>(v: T): T {
  return structuredClone(v);
}
