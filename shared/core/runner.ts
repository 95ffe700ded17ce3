/**
 * The machine runner: per batch of messages, per resource key, load the head, drop what was
 * already applied, fold the rest through the kind's machine, append one version with a
 * conditional put, then dispatch that version's effects. DESIGN.md "Data flow" steps 1-5.
 */
import type {
  AppendResult,
  Clock,
  CommandQueue,
  EventStore,
  EffectQueue,
  LoggedEvent,
  VersionItem,
} from './ports.js';
import { ItemTooLargeError, VersionConflictError, systemClock } from './ports.js';
import { CoreEffects, sentMessage } from './effects.js';
import type { Effect, Json, Message, ResourceKey } from './types.js';
import { effectId, parseKey } from './types.js';
import type { MachineRegistry } from './machines.js';
import type { KubeObject } from './objects.js';
import type { AppliedWindowOptions, LiveResource, PersistedResource } from './resource-state.js';
import {
  objectView,
  emptyResource,
  foldCommit,
  fromPersisted,
  machineIdentity,
  toPersisted,
} from './resource-state.js';
import type { Log } from './log.js';
import { silentLog } from './log.js';

export interface RunnerOptions {
  /** A full snapshot at least every N versions (bounds the events replayed on load). */
  snapshotEvery: number;
  /** ...or sooner, once the events since the last snapshot exceed this many bytes of JSON. */
  snapshotAfterBytes: number;
  /**
   * ...but, once a snapshot is larger than `snapshotAfterBytes`, not before the events since it
   * weigh this many times its size (JSON bytes): a large state (a 100,000-node workflow) is then snapshotted rarely enough that
   * snapshots cost at most 1/ratio of the event bytes, however large the state grows, and a load
   * replays at most ratio x its size in events.
   */
  snapshotCostRatio: number;
  /** How long and how many applied message ids the head remembers (late duplicates). */
  appliedWindow: AppliedWindowOptions;
  /** Load-fold-append attempts per key before the messages fail and are redelivered. */
  maxAttempts: number;
  /**
   * Resources kept in memory between batches (0: none). A cached resource is brought up to date
   * with one read of the versions after it, so a warm Lambda or the embedded runtime does not
   * replay from the snapshot on every message.
   */
  cacheSize: number;
}

export const defaultRunnerOptions: RunnerOptions = {
  snapshotEvery: 32,
  snapshotAfterBytes: 64 * 1024,
  snapshotCostRatio: 1,
  // SQS keeps a message at most 14 days, but redeliveries come within minutes; an hour of ids
  // (capped) catches late duplicates without making every snapshot large.
  appliedWindow: { windowMs: 60 * 60 * 1000, maxIds: 2000 },
  maxAttempts: 8,
  cacheSize: 10_000,
};

/** What became of one message. */
export interface MessageOutcome {
  messageId: string;
  key: ResourceKey;
  /** The version that applied it (for a duplicate: the version that applied it first). */
  version: number;
  duplicate: boolean;
  rejected?: { reason: string; code: string };
}

/** Told after each commit or recognised duplicate (the embedded API waits on these). */
export interface CommitNotice {
  key: ResourceKey;
  version: number;
  object: KubeObject | null;
  outcomes: MessageOutcome[];
}

export interface RunnerDeps {
  store: EventStore;
  effects: EffectQueue;
  /**
   * The commands queue. When given, `message.send` effects go straight to it after the commit
   * (the same message ids an effect worker would send) instead of through the effects queue:
   * one queue hop less for resources that talk to each other (Sensor -> Workflow).
   */
  messages?: CommandQueue;
  /** Stamps the messages sent directly. Default: the system clock. */
  clock?: Clock;
  kinds: MachineRegistry;
  options?: Partial<RunnerOptions>;
  onCommit?: (notice: CommitNotice) => void;
  log?: Log;
  /** Sleep between conflicting attempts; injectable so tests stay fast. */
  backoff?: (attempt: number) => Promise<void>;
}

/** A resource as loaded from its log. */
export interface LoadedResource {
  key: ResourceKey;
  /** 0 for a resource with no log yet. */
  version: number;
  live: LiveResource;
  /** Newest versions read on load, oldest first (used to re-dispatch without another read). */
  tail: VersionItem[];
  snapshotVersion: number;
  /** The size of that snapshot (JSON bytes). */
  snapshotBytes: number;
  bytesSinceSnapshot: number;
  /** The snapshot was written by another machine version: write a fresh one on next commit. */
  snapshotStale: boolean;
}

export class Runner {
  private readonly options: RunnerOptions;
  private readonly log: Log;
  private readonly cache = new Map<ResourceKey, LoadedResource>();
  private readonly locks = new Map<ResourceKey, Promise<void>>();

  constructor(private readonly deps: RunnerDeps) {
    this.options = { ...defaultRunnerOptions, ...deps.options };
    this.log = deps.log ?? silentLog;
  }

  /**
   * Handles a batch (any mix of keys, each key's messages in delivery order). Keys commit
   * independently; returns the ids of messages that must be redelivered.
   */
  async handle(messages: readonly Message[]): Promise<{ failed: string[] }> {
    const byKey = new Map<ResourceKey, Message[]>();
    for (const m of messages) {
      const group = byKey.get(m.key) ?? [];
      group.push(m);
      byKey.set(m.key, group);
    }
    const failed: string[] = [];
    await Promise.all(
      [...byKey].map(async ([key, group]) => {
        try {
          await this.exclusive(key, () => this.process(key, group));
        } catch (err) {
          this.log.warn('resource commit failed; its messages will be redelivered', {
            key,
            messages: group.length,
            error: String(err),
          });
          failed.push(...group.map((m) => m.id));
        }
      }),
    );
    return { failed };
  }

  /**
   * Loads a resource's current state: from the in-process cache plus any versions written since
   * (one query when nothing changed), else from the newest snapshot plus the versions after it.
   */
  /** The current object as readers see it (the kind's full status view applied). */
  async read(key: ResourceKey): Promise<{ object: KubeObject | null; version: number }> {
    return this.exclusive(key, async () => {
      const loaded = await this.load(key);
      const kind = this.deps.kinds.forKind(parseKey(key).kind);
      return { object: objectView(loaded.live, kind), version: loaded.version };
    });
  }

  /**
   * Runs `fn` alone for its key in this runner. Machines fold in place, so the cached head's
   * state is being changed while a commit is in flight: a read that replayed newer versions
   * into it then (they share the state) would apply them twice, and the cache would keep that.
   */
  private exclusive<T>(key: ResourceKey, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return run;
  }

  async load(key: ResourceKey): Promise<LoadedResource> {
    const cached = this.cache.get(key);
    if (cached) {
      const limit = this.options.snapshotEvery;
      const newer = await this.deps.store.readRange(key, { from: cached.version + 1, limit });
      if (newer.length < limit) {
        let loaded: LoadedResource;
        try {
          loaded = this.replay(key, forkLive(cached.live), newer, cached);
        } catch (err) {
          this.cache.delete(key);
          throw err;
        }
        this.remember(loaded);
        return loaded;
      }
    }
    const loaded = await this.loadFromStore(key);
    this.remember(loaded);
    return loaded;
  }

  private async loadFromStore(key: ResourceKey): Promise<LoadedResource> {
    const kind = this.deps.kinds.forKind(parseKey(key).kind);
    const identity = machineIdentity(kind);
    const newestFirst = await this.deps.store.readTail(key, this.options.snapshotEvery);
    const empty: LoadedResource = {
      key,
      version: 0,
      live: emptyResource(),
      tail: [],
      snapshotVersion: 0,
      snapshotBytes: 0,
      bytesSinceSnapshot: 0,
      snapshotStale: false,
    };
    if (newestFirst.length === 0) return empty;
    const tail = await this.backToSnapshot([...newestFirst].reverse());
    const base = tail[0]!;
    const usable =
      base.snapshot !== undefined &&
      base.machine.id === identity.id &&
      (base.machine.version === identity.version || kind?.migrate !== undefined);
    if (!usable) {
      // No usable snapshot in reach (options or machine changed): replay the whole log.
      const all = await this.readAll(key);
      return { ...this.replay(key, emptyResource(), all, empty), snapshotStale: true };
    }
    let persisted = base.snapshot as unknown as PersistedResource;
    if (base.machine.version !== identity.version && kind?.migrate && persisted.machine) {
      persisted = { ...persisted, machine: kind.migrate(persisted.machine, base.machine.version) };
    }
    const loaded = this.replay(key, fromPersisted(persisted, kind), tail.slice(1), {
      version: base.version,
      snapshotVersion: base.version,
      snapshotBytes: base.snapshotBytes ?? 0,
      bytesSinceSnapshot: 0,
      snapshotStale: base.machine.version !== identity.version,
    });
    return { ...loaded, tail };
  }

  /**
   * Extends a tail read (oldest first) back to the snapshot its newest version names, when the
   * snapshot lies beyond the read (snapshots of large states are far apart).
   */
  private async backToSnapshot(tail: VersionItem[]): Promise<VersionItem[]> {
    const at = tail.at(-1)!.snapshotAt;
    if (tail[0]!.snapshot !== undefined || at === undefined || at >= tail[0]!.version) return tail;
    const older: VersionItem[] = [];
    for (let from = at; from < tail[0]!.version; from += 500) {
      older.push(
        ...(await this.deps.store.readRange(tail[0]!.key, {
          from,
          to: Math.min(from + 499, tail[0]!.version - 1),
        })),
      );
    }
    return [...older, ...tail];
  }

  /** Folds `items` (the versions after `from.version`, oldest first) into `live`. */
  private replay(
    key: ResourceKey,
    live: LiveResource,
    items: VersionItem[],
    from: Pick<
      LoadedResource,
      'version' | 'snapshotVersion' | 'snapshotBytes' | 'bytesSinceSnapshot' | 'snapshotStale'
    >,
  ): LoadedResource {
    let { snapshotVersion, snapshotBytes, bytesSinceSnapshot, snapshotStale } = from;
    for (const item of items) {
      foldCommit(live, item.events, this.foldContext(key, item.version));
      if (item.snapshot !== undefined) {
        snapshotVersion = item.version;
        snapshotBytes = item.snapshotBytes ?? 0;
        bytesSinceSnapshot = 0;
        snapshotStale = false;
      } else {
        bytesSinceSnapshot += eventBytesOf(item.events);
      }
    }
    const version = items.at(-1)?.version ?? from.version;
    return {
      key,
      version,
      live,
      tail: items,
      snapshotVersion,
      snapshotBytes,
      bytesSinceSnapshot,
      snapshotStale,
    };
  }

  /** Keeps a loaded or committed resource for the next batch (LRU, bounded). */
  private remember(loaded: LoadedResource): void {
    if (this.options.cacheSize <= 0) return;
    this.cache.delete(loaded.key);
    this.cache.set(loaded.key, loaded);
    if (this.cache.size > this.options.cacheSize) {
      this.cache.delete(this.cache.keys().next().value as ResourceKey);
    }
  }

  private async readAll(key: ResourceKey): Promise<VersionItem[]> {
    const all: VersionItem[] = [];
    for (;;) {
      const page = await this.deps.store.readRange(key, { from: all.length + 1, limit: 500 });
      all.push(...page);
      if (page.length < 500) return all;
    }
  }

  private foldContext(key: ResourceKey, version: number) {
    return { key, version, kinds: this.deps.kinds, window: this.options.appliedWindow };
  }

  private async process(key: ResourceKey, messages: Message[]): Promise<void> {
    let pending = messages;
    for (let attempt = 1; ; attempt++) {
      const head = await this.load(key);
      const { duplicates, fresh } = this.partition(head, pending);
      await this.redispatch(head, duplicates);
      if (fresh.length === 0) return;
      try {
        await this.commit(head, fresh);
        return;
      } catch (err) {
        // Machines may fold in place for speed: a failed commit leaves the cached head unusable.
        this.cache.delete(key);
        if (err instanceof ItemTooLargeError && fresh.length > 1) {
          // Too much for one item: commit the messages one version each instead.
          for (const m of fresh) await this.process(key, [m]);
          return;
        }
        if (err instanceof ItemTooLargeError) {
          await this.commitRejected(head, fresh[0]!, err);
          return;
        }
        if (attempt >= this.options.maxAttempts) throw err;
        // A conflict, or an append whose outcome we do not know (a timeout after a successful
        // write looks like this): reload; anything that did land is then a duplicate.
        if (!(err instanceof VersionConflictError)) {
          this.log.warn('append failed; reloading', { key, attempt, error: String(err) });
        }
        pending = fresh;
        await (this.deps.backoff ?? defaultBackoff)(attempt);
      }
    }
  }

  private partition(head: LoadedResource, messages: Message[]) {
    // One pass over the remembered ids (thousands) for the few ids of a batch, not a map of them
    // all per commit.
    const incoming = new Set(messages.map((m) => m.id));
    const applied = new Map<string, number>();
    for (const a of head.live.applied) if (incoming.has(a.id)) applied.set(a.id, a.version);
    const duplicates: { message: Message; version: number }[] = [];
    const fresh: Message[] = [];
    const seen = new Set<string>();
    for (const m of messages) {
      const version = applied.get(m.id);
      if (version !== undefined) duplicates.push({ message: m, version });
      else if (!seen.has(m.id)) fresh.push(m);
      seen.add(m.id);
    }
    return { duplicates, fresh };
  }

  /**
   * A duplicate may be the redelivery of a message whose commit landed but whose effects were
   * never dispatched (a crash in between): dispatch that version's effects again. Their dedup ids
   * are unchanged and effect workers are idempotent, so this is always safe.
   */
  private async redispatch(
    head: LoadedResource,
    duplicates: { message: Message; version: number }[],
  ): Promise<void> {
    if (duplicates.length === 0) return;
    const versions = [...new Set(duplicates.map((d) => d.version))];
    for (const version of versions) {
      const item =
        head.tail.find((i) => i.version === version) ??
        (await this.deps.store.read(head.key, version));
      if (item) await this.dispatch(item.effects);
    }
    await this.writeIndex(head.key, head.version, head.live.object);
    this.deps.onCommit?.({
      key: head.key,
      version: head.version,
      object: head.live.object,
      outcomes: duplicates.map(({ message, version }) => ({
        messageId: message.id,
        key: head.key,
        version,
        duplicate: true,
      })),
    });
  }

  /** Sends a version's effects: messages to other resources directly when it can. */
  private async dispatch(effects: Effect[]): Promise<void> {
    if (effects.length === 0) return;
    const messages = this.deps.messages;
    const direct = messages ? effects.filter((e) => e.kind === CoreEffects.SendMessage) : [];
    const queued =
      direct.length > 0 ? effects.filter((e) => e.kind !== CoreEffects.SendMessage) : effects;
    const now = (this.deps.clock ?? systemClock).now();
    await Promise.all([
      queued.length > 0 ? this.deps.effects.send(queued) : undefined,
      direct.length > 0 ? messages!.send(direct.map((e) => sentMessage(e, now))) : undefined,
    ]);
  }

  private async commit(head: LoadedResource, fresh: Message[]): Promise<void> {
    const key = head.key;
    const version = head.version + 1;
    const live = forkLive(head.live);
    const events: LoggedEvent[] = fresh.map((m) => ({ messageId: m.id, at: m.at, event: m.event }));
    const fold = foldCommit(live, events, this.foldContext(key, version));
    fold.outcomes.forEach((o, i) => {
      if (o.rejected) events[i]!.rejected = o.rejected.reason;
    });
    const at = Math.max(...fresh.map((m) => m.at));
    const effects: Effect[] = fold.effects.map((e, i) => ({
      ...e,
      id: effectId(key, version, i),
      key,
      version,
      at,
    }));
    const item = this.versionItem(head, live, { at, events, effects });
    const written = await this.deps.store.append(item);
    this.remember(this.replay(key, live, [], afterCommit(head, item, written)));
    await this.dispatch(effects);
    if (fold.objectChanged) await this.writeIndex(key, version, live.object);
    this.deps.onCommit?.({
      key,
      version,
      object: live.object,
      outcomes: fresh.map((m, i) => ({
        messageId: m.id,
        key,
        version,
        duplicate: false,
        ...(fold.outcomes[i]!.rejected ? { rejected: fold.outcomes[i]!.rejected } : {}),
      })),
    });
  }

  /** The next version item, with a snapshot when the policy (or a changed machine) wants one. */
  private versionItem(
    head: LoadedResource,
    live: LiveResource,
    content: Pick<VersionItem, 'at' | 'events' | 'effects'>,
  ): VersionItem {
    const version = head.version + 1;
    const bytesSince = head.bytesSinceSnapshot + eventBytesOf(content.events);
    const due =
      version - head.snapshotVersion >= this.options.snapshotEvery ||
      bytesSince >= this.options.snapshotAfterBytes;
    // Small states snapshot on the interval alone; a large one waits for its cost to be earned.
    const worthIt =
      head.snapshotBytes <= this.options.snapshotAfterBytes ||
      bytesSince >= head.snapshotBytes * this.options.snapshotCostRatio;
    const needsSnapshot = version === 1 || head.snapshotStale || (due && worthIt);
    const machine = machineIdentity(this.deps.kinds.forKind(parseKey(head.key).kind));
    const item: VersionItem = {
      key: head.key,
      version,
      ...content,
      machine,
      snapshotAt: needsSnapshot ? version : head.snapshotVersion,
    };
    if (needsSnapshot) item.snapshot = toPersisted(live) as unknown as Json;
    return item;
  }

  /** Records a message too large to store as refused, so it is not redelivered forever. */
  private async commitRejected(head: LoadedResource, m: Message, err: ItemTooLargeError) {
    const stub: Message = {
      ...m,
      event: { type: m.event.type, omitted: `payload too large (${err.bytes} bytes)` },
    };
    const live = forkLive(head.live);
    const events: LoggedEvent[] = [
      { messageId: m.id, at: m.at, event: stub.event, rejected: err.message },
    ];
    foldCommit(live, events, this.foldContext(head.key, head.version + 1));
    const item = this.versionItem(head, live, { at: m.at, events, effects: [] });
    const written = await this.deps.store.append(item);
    this.remember(this.replay(head.key, live, [], afterCommit(head, item, written)));
    this.deps.onCommit?.({
      key: head.key,
      version: item.version,
      object: live.object,
      outcomes: [
        {
          messageId: m.id,
          key: head.key,
          version: item.version,
          duplicate: false,
          rejected: { reason: err.message, code: 'TooLarge' },
        },
      ],
    });
  }

  private async writeIndex(key: ResourceKey, version: number, object: KubeObject | null) {
    if (version === 0) return;
    const ref = parseKey(key);
    await this.deps.store.putIndex({
      key,
      ...ref,
      version,
      object: (object && indexedObject(object)) as unknown as PersistedResource['object'] & Json,
    } as Parameters<EventStore['putIndex']>[0]);
  }
}

/** A spec larger than this is left out of index entries (GET reads the whole object). */
export const INDEX_SPEC_LIMIT = 64 * 1024;
export const SPEC_OMITTED_ANNOTATION = 'argo-serverless.dev/spec-omitted';
const specSizes = new WeakMap<object, number>();

/**
 * The object as list queries show it. The index is rewritten on every change of the object (a
 * workflow's status on each step), so a large spec (a 100,000-task DAG written out) would be
 * copied each time and overflow an index item: it is left out, with an annotation saying so.
 */
function indexedObject(object: KubeObject): KubeObject {
  const spec = object['spec'];
  if (!spec || typeof spec !== 'object') return object;
  // Objects are copy-on-write: an unchanged spec is the same object, measured once.
  let bytes = specSizes.get(spec);
  if (bytes === undefined) {
    bytes = JSON.stringify(spec).length;
    specSizes.set(spec, bytes);
  }
  if (bytes <= INDEX_SPEC_LIMIT) return object;
  const { spec: _omitted, ...rest } = object;
  const annotations = { ...(rest.metadata.annotations as Record<string, string> | undefined) };
  annotations[SPEC_OMITTED_ANNOTATION] = `${bytes} bytes; GET the object for its spec`;
  return { ...rest, metadata: { ...rest.metadata, annotations } } as KubeObject;
}

/** The bookkeeping of a head after `item` was appended to it. */
function afterCommit(head: LoadedResource, item: VersionItem, written: AppendResult) {
  const snapshot = item.snapshot !== undefined;
  return {
    version: item.version,
    snapshotVersion: snapshot ? item.version : head.snapshotVersion,
    snapshotBytes: snapshot ? (written.snapshotBytes ?? 0) : head.snapshotBytes,
    bytesSinceSnapshot: snapshot ? 0 : head.bytesSinceSnapshot + eventBytesOf(item.events),
    snapshotStale: snapshot ? false : head.snapshotStale,
  };
}

/** The JSON size of a version's events, memoised: the policy and the bookkeeping both need it. */
const eventBytesMemo = new WeakMap<LoggedEvent[], number>();
function eventBytesOf(events: LoggedEvent[]): number {
  let bytes = eventBytesMemo.get(events);
  if (bytes === undefined) {
    bytes = JSON.stringify(events).length;
    eventBytesMemo.set(events, bytes);
  }
  return bytes;
}

/**
 * A copy to fold into. Machine snapshots are shared: a machine that folds in place (for speed on
 * large state) relies on the runner evicting the cached head when a commit fails.
 */
function forkLive(live: LiveResource): LiveResource {
  return {
    // Object changes are copy-on-write (a new object per change) and a failed commit evicts the
    // cached head, so a shallow copy suffices: a deep one costs the whole spec on every batch.
    object: live.object ? { ...live.object } : null,
    machine: live.machine,
    applied: [...live.applied],
  };
}

async function defaultBackoff(attempt: number): Promise<void> {
  // Full jitter: racing writers on one key spread out instead of colliding again.
  const ms = Math.random() * Math.min(200, 5 * 2 ** attempt);
  await new Promise((r) => setTimeout(r, ms));
}
