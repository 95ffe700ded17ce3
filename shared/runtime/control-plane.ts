/**
 * What the HTTP API (and the CLI, console, webhooks) need from a running control plane, whether
 * embedded (one process) or on AWS (queues + table). Keeps the API free of wiring details.
 */
import type { Clock, IndexEntry, VersionItem, WritableSecrets } from '../core/ports.js';
import type { Message, ResourceKey } from '../core/types.js';
import type { KubeObject } from '../core/objects.js';
import type { MessageOutcome } from '../core/runner.js';

export interface ControlPlane {
  clock: Clock;
  /**
   * Enqueues messages on the commands queue and waits up to `waitMs` for each to be committed.
   * Resolves with the outcomes that arrived in time (missing ones: still queued, will apply).
   */
  submit(messages: Message[], options?: { waitMs?: number }): Promise<Map<string, MessageOutcome>>;
  /** The current object, or null when it does not exist (never existed or deleted). */
  get(key: ResourceKey): Promise<{ object: KubeObject | null; version: number }>;
  list(kind: string, filter?: { cluster?: string; namespace?: string }): Promise<IndexEntry[]>;
  /** The resource's event log, oldest first. */
  events(key: ResourceKey, range: { from: number; limit: number }): Promise<VersionItem[]>;
  secrets: WritableSecrets;
  /** A fresh unique message id. */
  newMessageId(): string;
}
