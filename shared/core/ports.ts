/**
 * Ports: the only way domain code reaches the outside world. Each has an AWS adapter
 * (shared/adapters/aws) and an embedded one (shared/adapters/local), and one contract test suite
 * that both must pass (test/contracts).
 */
import type { Effect, Json, JsonObject, Message, ResourceKey, SecretRef } from './types.js';

// ---------------------------------------------------------------------------------------------
// EventStore
// ---------------------------------------------------------------------------------------------

/** A message folded into a version: kept so duplicates are recognised later. */
export interface AppliedMessage {
  id: string;
  /** Ingress time of the message (epoch ms). */
  at: number;
}

/** One event as recorded in the log: the message's event plus its ingress time and id. */
export interface LoggedEvent {
  messageId: string;
  at: number;
  event: { type: string; [field: string]: unknown };
  /** Set when the runner refused the command (bad patch, unknown resource...): kept for audit. */
  rejected?: string;
}

/**
 * One version of one resource: `PK = key`, `SK = v#<zero-padded version>` in DynamoDB.
 * Versions start at 1 and have no gaps. Version 1 always carries a snapshot, and a snapshot is
 * never more than the runner's snapshot interval behind the newest version.
 */
export interface VersionItem {
  key: ResourceKey;
  version: number;
  /** Ingress time of the newest event folded into this version (epoch ms). */
  at: number;
  events: LoggedEvent[];
  effects: Effect[];
  /** The machine that produced this version: snapshots are only valid for the same id+version. */
  machine: { id: string; version: number };
  /** The full state after this version, on snapshot versions only. Opaque to the store. */
  snapshot?: Json;
  /** The newest version at or before this one that carries a snapshot (where a load starts). */
  snapshotAt?: number;
  /** Set by the store on read: the snapshot's size as JSON, when this item carries one. */
  snapshotBytes?: number;
}

/** What an append wrote. */
export interface AppendResult {
  /** Bytes stored for the version (all of its items). */
  bytes: number;
  /** The snapshot's size as JSON, when the version carries one. */
  snapshotBytes?: number;
}

export class VersionConflictError extends Error {
  constructor(
    readonly key: ResourceKey,
    readonly version: number,
  ) {
    super(`version ${version} of ${key} was written by someone else first`);
    this.name = 'VersionConflictError';
  }
}

export class ItemTooLargeError extends Error {
  constructor(
    readonly key: ResourceKey,
    readonly version: number,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      `version ${version} of ${key} would be ${bytes} bytes, over the ${limit}-byte limit of ` +
        `one version: move large payloads to the artifact store and keep their hash`,
    );
    this.name = 'ItemTooLargeError';
  }
}

/** The current object of a resource, for list queries (DESIGN.md: index items). */
export interface IndexEntry {
  key: ResourceKey;
  kind: string;
  cluster: string;
  namespace: string;
  name: string;
  version: number;
  /** null once the resource is deleted (a tombstone, so a stale writer cannot resurrect it). */
  object: JsonObject | null;
}

export interface EventStore {
  /**
   * The newest versions, newest first, down to and including the newest one that carries a
   * snapshot. `maxItems` bounds the read (the runner's snapshot interval). Empty: no resource.
   */
  readTail(key: ResourceKey, maxItems: number): Promise<VersionItem[]>;
  /** One version, or undefined. */
  read(key: ResourceKey, version: number): Promise<VersionItem | undefined>;
  /** Versions `from`..`to` (inclusive), oldest first, at most `limit`. */
  readRange(
    key: ResourceKey,
    range: { from: number; to?: number; limit?: number },
  ): Promise<VersionItem[]>;
  /**
   * Conditional put of a new version: throws VersionConflictError when that version exists,
   * ItemTooLargeError (before writing) when the version would exceed the store's size limit.
   * A version too large for one item is stored in parts and read back whole.
   */
  append(item: VersionItem): Promise<AppendResult>;
  /** Writes the index entry unless the stored one has an equal or newer version. */
  putIndex(entry: IndexEntry): Promise<void>;
  /** Live (non-deleted) index entries of one kind, optionally narrowed. */
  listIndex(kind: string, filter?: { cluster?: string; namespace?: string }): Promise<IndexEntry[]>;
  /** Every resource key the store has seen whose key starts with `prefix` (admin, replay). */
  listKeys(prefix?: string): Promise<ResourceKey[]>;
}

// ---------------------------------------------------------------------------------------------
// Queues
// ---------------------------------------------------------------------------------------------

/** Sends to a queue. Every item carries its own dedup id and ordering group (see codecs). */
export interface Outbox<T> {
  send(items: readonly T[]): Promise<void>;
}

/** Maps an item to the queue's wire fields. */
export interface QueueCodec<T> {
  /** Stable across redeliveries; FIFO dedup id. */
  id(item: T): string;
  /** FIFO message group: items of one group are delivered in order, one batch at a time. */
  group(item: T): string;
  encode(item: T): string;
  decode(body: string): T;
}

/** A message as a consumer receives it. */
export interface Received<T> {
  /** The transport's handle for this delivery (SQS messageId / local delivery id). */
  deliveryId: string;
  group: string;
  body: T;
  /** 1 on first delivery. */
  receiveCount: number;
}

/** Consumer of a batch; returns the deliveryIds that failed (partial batch response). */
export type BatchHandler<T> = (batch: Received<T>[]) => Promise<{ failed: string[] }>;

export type CommandQueue = Outbox<Message>;
export type EffectQueue = Outbox<Effect>;

export const messageCodec: QueueCodec<Message> = {
  id: (m) => m.id,
  group: (m) => m.key,
  encode: (m) => JSON.stringify(m),
  decode: (s) => JSON.parse(s) as Message,
};

/** Each effect is its own group: effects of one resource run in parallel, each deduplicated. */
export const effectCodec: QueueCodec<Effect> = {
  id: (e) => e.id,
  group: (e) => e.id,
  encode: (e) => JSON.stringify(e),
  decode: (s) => JSON.parse(s) as Effect,
};

// ---------------------------------------------------------------------------------------------
// Timers, Clock, Secrets
// ---------------------------------------------------------------------------------------------

export interface Timer {
  key: ResourceKey;
  timerId: string;
  /** Machines bump the generation to re-arm; a fired stale generation is dropped by the machine. */
  generation: number;
  /** Epoch ms. */
  fireAt: number;
}

/**
 * When a timer is due, the commands queue receives a TimerFired message for its key, with the
 * id timerMessageId(key, timerId, generation). Scheduling the same timer twice is harmless.
 */
export interface Timers {
  schedule(timer: Timer): Promise<void>;
}

export interface Clock {
  /** Epoch ms. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface SecretObject {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** Decoded values. */
  data: Record<string, string>;
}

export class SecretNotFoundError extends Error {
  constructor(readonly ref: SecretRef) {
    super(
      `secret ${ref.namespace ?? '(default namespace)'}/${ref.name} or its key "${ref.key}" does not exist`,
    );
    this.name = 'SecretNotFoundError';
  }
}

export interface Secrets {
  /** The value of one key; throws SecretNotFoundError. */
  get(ref: SecretRef & { namespace: string }): Promise<string>;
  /** Secrets whose labels include every pair of `selector` (Argo CD finds clusters this way). */
  listByLabel(selector: Record<string, string>): Promise<SecretObject[]>;
}

/** The embedded store also takes writes (Secrets applied through the API). */
export interface WritableSecrets extends Secrets {
  put(secret: SecretObject): Promise<void>;
  delete(namespace: string, name: string): Promise<boolean>;
}

/**
 * Where workflow artifacts and large payloads live: content under a key (S3 on AWS, files in the
 * data directory embedded). Keys are relative paths (`<workflow>/<pod>/<artifact>.tgz`).
 */
export interface ArtifactStore {
  put(key: string, data: Buffer): Promise<void>;
  /** undefined when there is no such key. */
  get(key: string): Promise<Buffer | undefined>;
  /** Keys under a prefix (`a/b/` lists `a/b/x`, `a/b/c/y`), sorted. */
  list(prefix: string): Promise<string[]>;
}

/** Reads another resource's current object from the control plane (templates, parents). */
export interface ResourceReader {
  get(key: string): Promise<import('./objects.js').KubeObject | null>;
}
