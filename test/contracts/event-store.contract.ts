/**
 * The EventStore contract: every adapter (DynamoDB, embedded LevelDB, the in-memory fake used by
 * domain tests) must pass all of it.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore, IndexEntry, VersionItem } from '../../shared/core/ports.js';
import { ItemTooLargeError, VersionConflictError } from '../../shared/core/ports.js';

/** Random text that gzip cannot shrink much. */
function noise(bytes: number): string {
  return randomBytes(Math.ceil((bytes * 3) / 4))
    .toString('base64')
    .slice(0, bytes);
}

export type StoreFactory = () => Promise<{ store: EventStore; close(): Promise<void> }>;

const KEY = 'in-cluster/Workflow/argo/hello-world';

export function item(version: number, extra: Partial<VersionItem> = {}, key = KEY): VersionItem {
  return {
    key,
    version,
    at: 1_000 + version,
    events: [
      { messageId: `m${version}`, at: 1_000 + version, event: { type: 'Add', amount: version } },
    ],
    effects: [
      {
        id: `${key}@${version}#0`,
        key,
        version,
        kind: 'counter.add',
        input: { amount: version },
        at: 1,
      },
    ],
    machine: { id: 'counter', version: 1 },
    ...extra,
  };
}

function entry(
  key: string,
  version: number,
  object: IndexEntry['object'] = { kind: 'Workflow' },
): IndexEntry {
  const [cluster, kind, namespace, name] = key.split('/') as [string, string, string, string];
  return { key, kind, cluster, namespace, name, version, object };
}

export function describeEventStoreContract(name: string, factory: StoreFactory): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ store, close } = await factory());
    });
    afterEach(async () => close());

    it('an unknown key has an empty tail and no versions', async () => {
      expect(await store.readTail('in-cluster/X/ns/none', 10)).toEqual([]);
      expect(await store.read('in-cluster/X/ns/none', 1)).toBeUndefined();
      expect(await store.readRange('in-cluster/X/ns/none', { from: 1 })).toEqual([]);
    });

    it('appends and reads versions back intact', async () => {
      const v1 = item(1, { snapshot: { object: null, machine: null, applied: [] } });
      await store.append(v1);
      await store.append(item(2));
      // The store adds the snapshot's size on read.
      const snapshotBytes = JSON.stringify(v1.snapshot).length;
      expect(await store.read(KEY, 1)).toEqual({ ...v1, snapshotBytes });
      expect(await store.read(KEY, 2)).toEqual(item(2));
      expect(await store.read(KEY, 3)).toBeUndefined();
    });

    it('readRange is ascending, inclusive and limited', async () => {
      await store.append(item(1, { snapshot: {} }));
      for (let v = 2; v <= 12; v++) await store.append(item(v));
      expect((await store.readRange(KEY, { from: 3, to: 5 })).map((i) => i.version)).toEqual([
        3, 4, 5,
      ]);
      expect((await store.readRange(KEY, { from: 10 })).map((i) => i.version)).toEqual([
        10, 11, 12,
      ]);
      expect((await store.readRange(KEY, { from: 2, limit: 2 })).map((i) => i.version)).toEqual([
        2, 3,
      ]);
      expect((await store.readRange(KEY, { from: 13 })).length).toBe(0);
    });

    it('readTail returns newest first down to the newest snapshot, within maxItems', async () => {
      await store.append(item(1, { snapshot: { n: 1 } }));
      await store.append(item(2));
      await store.append(item(3, { snapshot: { n: 3 } }));
      await store.append(item(4));
      await store.append(item(5));
      expect((await store.readTail(KEY, 10)).map((i) => i.version)).toEqual([5, 4, 3]);
      expect((await store.readTail(KEY, 10))[2]?.snapshot).toEqual({ n: 3 });
      expect((await store.readTail(KEY, 2)).map((i) => i.version)).toEqual([5, 4]);
    });

    it('a second append of the same version is a VersionConflictError', async () => {
      await store.append(item(1, { snapshot: {} }));
      await expect(store.append(item(1, { at: 5 }))).rejects.toBeInstanceOf(VersionConflictError);
      expect((await store.read(KEY, 1))?.at).toBe(1_001);
    });

    it('of 16 racing appends of one version exactly one wins', async () => {
      await store.append(item(1, { snapshot: {} }));
      const results = await Promise.allSettled(
        Array.from({ length: 16 }, (_, i) => store.append(item(2, { at: i }))),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(won.length).toBe(1);
      expect(lost.every((r) => r.reason instanceof VersionConflictError)).toBe(true);
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      expect((await store.read(KEY, 2))?.at).toBe(winner);
    });

    it('refuses a version over the size limit (compressed) before writing anything', async () => {
      await store.append(item(1, { snapshot: {} }));
      const huge = item(2, {
        events: [{ messageId: 'big', at: 1, event: { type: 'X', blob: noise(24 * 1024 * 1024) } }],
      });
      await expect(store.append(huge)).rejects.toBeInstanceOf(ItemTooLargeError);
      expect(await store.read(KEY, 2)).toBeUndefined();
      await store.append(item(2));
    });

    it('a version over one item (400 KB) is stored in parts and read back whole', async () => {
      // Incompressible, so neither the event nor the snapshot fits one item even gzipped.
      const event = { messageId: 'big', at: 1, event: { type: 'X', blob: noise(900 * 1024) } };
      const snapshot = { nodes: noise(1200 * 1024) };
      const result = await store.append(item(1, { events: [event], snapshot }));
      expect(result.bytes).toBeGreaterThan(1.5 * 1024 * 1024);
      expect(result.snapshotBytes).toBe(JSON.stringify(snapshot).length);
      await store.append(item(2));
      const [first] = await store.readRange(KEY, { from: 1, to: 1 });
      expect(first?.events).toEqual([event]);
      expect(first?.snapshot).toEqual(snapshot);
      expect(first?.snapshotBytes).toBe(JSON.stringify(snapshot).length);
      expect((await store.read(KEY, 1))?.snapshot).toEqual(snapshot);
      const tail = await store.readTail(KEY, 10);
      expect(tail.map((i) => i.version)).toEqual([2, 1]);
      expect(tail[1]?.events).toEqual([event]);
      expect(await store.listKeys()).toEqual([KEY]);
    });

    it('a version records where its snapshot is and the store reports snapshot sizes', async () => {
      const first = await store.append(item(1, { snapshot: { n: 1 }, snapshotAt: 1 }));
      expect(first.snapshotBytes).toBe(JSON.stringify({ n: 1 }).length);
      const second = await store.append(item(2, { snapshotAt: 1 }));
      expect(second.snapshotBytes).toBeUndefined();
      expect(second.bytes).toBeGreaterThan(0);
      expect((await store.read(KEY, 2))?.snapshotAt).toBe(1);
      expect((await store.read(KEY, 1))?.snapshotBytes).toBe(JSON.stringify({ n: 1 }).length);
    });

    it('a snapshot that compresses under the limit round-trips', async () => {
      const big = {
        nodes: Array.from({ length: 6_000 }, (_, i) => ({
          id: `node-${i}`,
          phase: 'Succeeded',
          message: 'ok',
        })),
      };
      expect(JSON.stringify(big).length).toBeGreaterThan(300_000);
      await store.append(item(1, { snapshot: big }));
      expect((await store.read(KEY, 1))?.snapshot).toEqual(big);
    });

    it('keys with unusual characters stay apart', async () => {
      const a = 'in-cluster/ConfigMap/ns/a.b-c';
      const b = 'in-cluster/ConfigMap/ns/a.b-c.d';
      await store.append(item(1, { snapshot: {} }, a));
      await store.append(item(1, { snapshot: {} }, b));
      await store.append(item(2, {}, b));
      expect((await store.readRange(a, { from: 1 })).map((i) => i.key)).toEqual([a]);
      expect((await store.readTail(a, 5)).length).toBe(1);
      expect(await store.listKeys('in-cluster/ConfigMap/')).toEqual([a, b]);
    });

    it('putIndex keeps the newest version; tombstones are not listed; filters apply', async () => {
      const a = 'in-cluster/Workflow/argo/a';
      const b = 'in-cluster/Workflow/other/b';
      const c = 'prod/Workflow/argo/c';
      await store.putIndex(entry(a, 2, { v: 2 }));
      await store.putIndex(entry(a, 1, { v: 1 }));
      await store.putIndex(entry(b, 1));
      await store.putIndex(entry(c, 1));
      expect((await store.listIndex('Workflow')).map((e) => e.key).sort()).toEqual([a, b, c]);
      expect((await store.listIndex('Workflow')).find((e) => e.key === a)?.object).toEqual({
        v: 2,
      });
      expect(
        (await store.listIndex('Workflow', { namespace: 'argo' })).map((e) => e.key).sort(),
      ).toEqual([a, c]);
      expect((await store.listIndex('Workflow', { cluster: 'prod' })).map((e) => e.key)).toEqual([
        c,
      ]);
      await store.putIndex(entry(b, 2, null));
      await store.putIndex(entry(b, 1, { resurrected: true }));
      expect((await store.listIndex('Workflow')).map((e) => e.key).sort()).toEqual([a, c]);
      expect(await store.listIndex('Rollout')).toEqual([]);
    });

    it('concurrent putIndex of many versions ends with the newest', async () => {
      const a = 'in-cluster/Workflow/argo/a';
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.putIndex(entry(a, 20 - i, { v: 20 - i }))),
      );
      expect((await store.listIndex('Workflow'))[0]?.object).toEqual({ v: 20 });
    });
  });
}
