import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { INDEX_SPEC_LIMIT, Runner, SPEC_OMITTED_ANNOTATION } from '../../shared/core/runner.js';
import type { CommitNotice } from '../../shared/core/runner.js';
import { machineRegistry } from '../../shared/core/machines.js';
import type { Effect, Message } from '../../shared/core/types.js';
import { VersionConflictError } from '../../shared/core/ports.js';
import { MemoryEventStore } from '../support/memory-event-store.js';
import { CollectingOutbox } from '../support/collecting-outbox.js';
import { counterKind, counterObject } from '../support/counter-machine.js';

const KEY = 'in-cluster/Counter/default/c1';
let seq = 0;
const msg = (event: Message['event'], at = 1_000 + seq, id = `m${++seq}`): Message => ({
  id,
  key: KEY,
  at,
  event,
});
/** Text gzip cannot shrink much. */
const noise = (bytes: number) => randomBytes(bytes).toString('base64').slice(0, bytes);
const apply = (at?: number) => msg({ type: 'Apply', object: counterObject('c1') }, at);
const add = (amount: number, at?: number) => msg({ type: 'Add', amount }, at);

function setup(
  options: ConstructorParameters<typeof Runner>[0]['options'] = {},
  backoff: ConstructorParameters<typeof Runner>[0]['backoff'] = async () => {},
) {
  const store = new MemoryEventStore();
  const effects = new CollectingOutbox<Effect>();
  const notices: CommitNotice[] = [];
  const runner = new Runner({
    store,
    effects,
    kinds: machineRegistry([counterKind]),
    options,
    onCommit: (n) => notices.push(n),
    backoff,
  });
  return { store, effects, notices, runner };
}

describe('machine runner', () => {
  it('creates the object on Apply with server-owned metadata and the machine status', async () => {
    const { runner, store } = setup();
    await runner.handle([apply(5_000)]);
    const { live, version } = await runner.load(KEY);
    expect(version).toBe(1);
    expect(live.object?.metadata).toMatchObject({
      name: 'c1',
      namespace: 'default',
      generation: 1,
      resourceVersion: '1',
    });
    expect(live.object?.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(live.object?.metadata.creationTimestamp).toBe(new Date(5_000).toISOString());
    expect(live.object?.status).toEqual({ total: 0, adds: 0, confirmed: 0, failed: 0 });
    expect((await store.listIndex('Counter')).map((e) => e.key)).toEqual([KEY]);
  });

  it('dispatches the effects of a version with ids key@version#i', async () => {
    const { runner, effects } = setup();
    await runner.handle([apply()]);
    await runner.handle([add(2), add(3)]);
    const sent = effects.take();
    expect(sent.map((e) => e.id)).toEqual([`${KEY}@2#0`, `${KEY}@2#1`]);
    expect(sent.map((e) => e.input)).toEqual([{ amount: 2 }, { amount: 3 }]);
  });

  it('folds a batch of one key into one version', async () => {
    const { runner, store } = setup();
    await runner.handle([apply(), add(1), add(2), add(3)]);
    expect((await store.readRange(KEY, { from: 1 })).length).toBe(1);
    expect((await runner.load(KEY)).live.object?.status).toMatchObject({ total: 6, adds: 3 });
  });

  it('a redelivered message changes nothing and re-dispatches its version effects', async () => {
    const { runner, store, effects, notices } = setup();
    const a = add(4);
    await runner.handle([apply()]);
    await runner.handle([a]);
    const first = effects.take();
    await runner.handle([a]);
    expect((await runner.load(KEY)).version).toBe(2);
    expect(effects.take()).toEqual(first);
    expect(notices.at(-1)?.outcomes).toEqual([
      { messageId: a.id, key: KEY, version: 2, duplicate: true },
    ]);
    expect(store.stats.appends).toBe(2);
  });

  it('a late duplicate, after later messages, is still recognised', async () => {
    const { runner, effects } = setup();
    const a = add(4);
    await runner.handle([apply()]);
    await runner.handle([a]);
    await runner.handle([add(1)]);
    await runner.handle([add(1)]);
    effects.take();
    await runner.handle([a, add(10)]);
    const { live, version } = await runner.load(KEY);
    expect(version).toBe(5);
    expect(live.object?.status).toMatchObject({ total: 16, adds: 4 });
    expect(effects.take().map((e) => e.id)).toEqual([`${KEY}@2#0`, `${KEY}@5#0`]);
  });

  it('a message duplicated within one batch is applied once', async () => {
    const { runner } = setup();
    const a = add(4);
    await runner.handle([apply(), a, a]);
    expect((await runner.load(KEY)).live.object?.status).toMatchObject({ total: 4, adds: 1 });
  });

  it('racing handlers on one key each land their messages exactly once', async () => {
    // Jittered backoff: without it, 16 writers keep colliding until attempts run out.
    const jitter = () => new Promise<void>((r) => setTimeout(r, Math.random() * 5));
    const { runner, store } = setup({ maxAttempts: 30 }, jitter);
    await runner.handle([apply()]);
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => runner.handle([add(i + 1)])),
    );
    expect(results.flatMap((r) => r.failed)).toEqual([]);
    expect((await runner.load(KEY)).live.object?.status).toMatchObject({ total: 136, adds: 16 });
    expect((await store.readRange(KEY, { from: 1 })).length).toBe(17);
  });

  it('gives up after maxAttempts conflicts and reports the messages as failed', async () => {
    const { store, effects } = setup();
    const runner = new Runner({
      store: Object.assign(Object.create(store) as MemoryEventStore, {
        append: async (item: { key: string; version: number }) => {
          throw new VersionConflictError(item.key, item.version);
        },
      }),
      effects,
      kinds: machineRegistry([counterKind]),
      options: { maxAttempts: 3 },
      backoff: async () => {},
    });
    const m = apply();
    expect(await runner.handle([m])).toEqual({ failed: [m.id] });
  });

  it('snapshots every N versions and loads the same state as a full replay', async () => {
    const { runner, store } = setup({ snapshotEvery: 3 });
    await runner.handle([apply()]);
    for (let i = 1; i <= 10; i++) await runner.handle([add(i)]);
    const items = await store.readRange(KEY, { from: 1 });
    expect(items.filter((i) => i.snapshot !== undefined).map((i) => i.version)).toEqual([
      1, 4, 7, 10,
    ]);
    const viaSnapshot = await runner.load(KEY);
    const replayed = new Runner({
      store,
      effects: new CollectingOutbox(),
      kinds: machineRegistry([counterKind]),
      options: { snapshotEvery: 1000 },
    });
    // snapshotEvery larger than the distance to the newest snapshot still finds it.
    expect((await replayed.load(KEY)).live).toEqual(viaSnapshot.live);
    expect(viaSnapshot.live.object?.status).toMatchObject({ total: 55, adds: 10 });
  });

  it('snapshots sooner when the events since the last snapshot grow large', async () => {
    const { runner, store } = setup({ snapshotEvery: 1000, snapshotAfterBytes: 2_000 });
    await runner.handle([apply()]);
    for (let i = 0; i < 30; i++)
      await runner.handle([msg({ type: 'Add', amount: 1, note: 'x'.repeat(200) })]);
    const snaps = (await store.readRange(KEY, { from: 1 })).filter((i) => i.snapshot !== undefined);
    expect(snaps.length).toBeGreaterThan(2);
  });

  it('replays the whole log when the machine version changed and no migration exists', async () => {
    const { runner, store } = setup();
    await runner.handle([apply()]);
    await runner.handle([add(5)]);
    const v2 = new Runner({
      store,
      effects: new CollectingOutbox(),
      kinds: machineRegistry([{ ...counterKind, version: 2 }]),
    });
    const loaded = await v2.load(KEY);
    expect(loaded.live.object?.status).toMatchObject({ total: 5 });
    expect(loaded.snapshotStale).toBe(true);
    await v2.handle([add(1)]);
    const head = (await store.readTail(KEY, 1))[0]!;
    expect(head.snapshot).toBeDefined();
    expect(head.machine).toEqual({ id: 'counter', version: 2 });
  });

  it('spaces the snapshots of a large state by its size, and loads across the gap', async () => {
    const { runner, store } = setup({ snapshotEvery: 4, snapshotAfterBytes: 1024 });
    const big = { ...counterObject('c1'), spec: { padding: 'p'.repeat(8_000) } };
    await runner.handle([msg({ type: 'Apply', object: big })]);
    for (let i = 1; i <= 300; i++) await runner.handle([add(i)]);
    const items = await store.readRange(KEY, { from: 1 });
    const snapshots = items.filter((i) => i.snapshot !== undefined).map((i) => i.version);
    // The events since a snapshot must weigh as much as the 8 KB state before the next one.
    const eventBytes = JSON.stringify(items.slice(1).map((i) => i.events)).length;
    expect(eventBytes).toBeGreaterThan(16_000);
    expect(snapshots.length).toBeGreaterThan(1);
    expect(snapshots.length).toBeLessThanOrEqual(1 + Math.ceil(eventBytes / 8_000));
    expect(items.at(-1)?.snapshotAt).toBe(snapshots.at(-1));
    // The snapshot is further back than a tail read reaches: a cold runner still loads it.
    expect(items.length - snapshots.at(-1)!).toBeGreaterThan(4);
    const cold = new Runner({
      store,
      effects: new CollectingOutbox(),
      kinds: machineRegistry([counterKind]),
      options: { snapshotEvery: 4 },
    });
    const loaded = await cold.load(KEY);
    expect(loaded.version).toBe(301);
    expect(loaded.snapshotVersion).toBe(snapshots.at(-1));
    // Loaded from that snapshot, not by replaying the whole log (which marks the head stale).
    expect(loaded.snapshotStale).toBe(false);
    expect(loaded.live.object?.status).toMatchObject({ total: (300 * 301) / 2, adds: 300 });
  });

  it('leaves a large spec out of the index entry, not out of the object', async () => {
    const { runner, store } = setup();
    const big = { ...counterObject('c1'), spec: { padding: 'p'.repeat(INDEX_SPEC_LIMIT) } };
    await runner.handle([msg({ type: 'Apply', object: big })]);
    const [entry] = await store.listIndex('Counter');
    expect(entry?.object?.['spec']).toBeUndefined();
    expect(entry?.object?.['metadata']).toMatchObject({
      annotations: { [SPEC_OMITTED_ANNOTATION]: expect.stringMatching(/bytes/) },
    });
    expect((await runner.read(KEY)).object?.['spec']).toEqual(big.spec);
    await runner.handle([msg({ type: 'Apply', object: counterObject('c1') })]);
    expect((await store.listIndex('Counter'))[0]?.object?.['spec']).toEqual({});
  });

  it('stores a message too large for one item in parts and applies it', async () => {
    const { runner, notices } = setup();
    await runner.handle([apply()]);
    const large = msg({ type: 'Add', amount: 5, blob: noise(600 * 1024) });
    expect(await runner.handle([large])).toEqual({ failed: [] });
    expect(notices.at(-1)?.outcomes[0]?.rejected).toBeUndefined();
    expect((await runner.load(KEY)).live.object?.status).toMatchObject({ total: 5, adds: 1 });
  });

  it('refuses a message over the version size limit, records why, and keeps going', async () => {
    const { runner, notices } = setup();
    await runner.handle([apply()]);
    const huge = msg({ type: 'Add', amount: 1, blob: noise(24 * 1024 * 1024) });
    const small = add(2);
    expect(await runner.handle([huge, small])).toEqual({ failed: [] });
    const outcomes = notices.flatMap((n) => n.outcomes);
    expect(outcomes.find((o) => o.messageId === huge.id)?.rejected?.code).toBe('TooLarge');
    expect((await runner.load(KEY)).live.object?.status).toMatchObject({ total: 2, adds: 1 });
  });

  it('an event for a resource that does not exist is recorded as refused', async () => {
    const { runner, notices } = setup();
    await runner.handle([add(1)]);
    expect(notices[0]?.outcomes[0]?.rejected?.code).toBe('NotFound');
  });

  it('forgets applied ids outside the time window or beyond the cap', async () => {
    const { runner } = setup({ appliedWindow: { windowMs: 10_000, maxIds: 3 } });
    await runner.handle([apply(0)]);
    await runner.handle([add(1, 1_000), add(1, 2_000)]);
    expect((await runner.load(KEY)).live.applied.map((a) => a.at)).toEqual([0, 1_000, 2_000]);
    await runner.handle([add(1, 20_000)]);
    expect((await runner.load(KEY)).live.applied.map((a) => a.at)).toEqual([20_000]);
    await runner.handle([add(1, 20_001), add(1, 20_002), add(1, 20_003)]);
    expect((await runner.load(KEY)).live.applied.map((a) => a.at)).toEqual([
      20_001, 20_002, 20_003,
    ]);
  });

  it('a warm runner catches up with versions another runner wrote', async () => {
    const { runner: a, store, effects } = setup();
    const b = new Runner({ store, effects, kinds: machineRegistry([counterKind]) });
    await a.handle([apply()]);
    await a.handle([add(1)]);
    await b.handle([add(10)]);
    await b.handle([add(100)]);
    await a.handle([add(1000)]);
    expect((await a.load(KEY)).live.object?.status).toMatchObject({ total: 1111, adds: 4 });
    expect((await b.load(KEY)).version).toBe(5);
    expect((await b.load(KEY)).live).toEqual((await a.load(KEY)).live);
  });

  it('a warm runner far behind reloads from the newest snapshot', async () => {
    const { runner: a, store, effects } = setup({ snapshotEvery: 4 });
    const b = new Runner({
      store,
      effects,
      kinds: machineRegistry([counterKind]),
      options: { snapshotEvery: 4 },
    });
    await a.handle([apply()]);
    await a.handle([add(1)]);
    for (let i = 0; i < 9; i++) await b.handle([add(1)]);
    expect((await a.load(KEY)).live.object?.status).toMatchObject({ total: 10, adds: 10 });
  });
});
