/**
 * The embedded runtime: the same runner and effect worker as on AWS, wired to durable local
 * adapters under one data directory. One process, no AWS account, no Docker.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Clock, IndexEntry, VersionItem } from '../../core/ports.js';
import { effectCodec, messageCodec, systemClock } from '../../core/ports.js';
import type { Effect, Message, ResourceKey } from '../../core/types.js';
import { Runner } from '../../core/runner.js';
import type { CommitNotice, MessageOutcome, RunnerOptions } from '../../core/runner.js';
import { EffectWorker } from '../../core/effects.js';
import type { EffectHandler, EffectWorkerOptions } from '../../core/effects.js';
import type { KindMachine } from '../../core/machines.js';
import { machineRegistry } from '../../core/machines.js';
import type { Log } from '../../core/log.js';
import { silentLog } from '../../core/log.js';
import { LevelEventStore } from '../../adapters/local/level-event-store.js';
import { LevelSecrets } from '../../adapters/local/level-secrets.js';
import { LocalQueue } from '../../adapters/local/local-queue.js';
import { LocalTimers } from '../../adapters/local/local-timers.js';
import type { ControlPlane } from '../control-plane.js';
import { runnerBatchHandler } from '../batch-handlers.js';

export type Durability = 'fsync' | 'none';

export interface LocalRuntimeOptions {
  dataDir: string;
  /** fsync: every acknowledged write is on disk (group commit). none: for tests and benchmarks. */
  durability: Durability;
  kinds: readonly KindMachine[];
  /** The effect handlers, or a factory given the runtime (for handlers that read resources). */
  effectHandlers: readonly EffectHandler[] | ((runtime: LocalRuntime) => readonly EffectHandler[]);
  log?: Log;
  clock?: Clock;
  runner?: Partial<RunnerOptions>;
  effectWorker?: Partial<EffectWorkerOptions>;
  /** Concurrent batches per queue consumer. */
  concurrency?: number;
}

export class LocalRuntime implements ControlPlane {
  readonly clock: Clock;
  private readonly waiters = new Map<string, (outcome: MessageOutcome) => void>();
  private readonly commitListeners = new Set<(notice: CommitNotice) => void>();

  private constructor(
    readonly store: LevelEventStore,
    readonly secrets: LevelSecrets,
    readonly commands: LocalQueue<Message>,
    readonly effects: LocalQueue<Effect>,
    readonly runner: Runner,
    clock: Clock,
  ) {
    this.clock = clock;
  }

  static async start(options: LocalRuntimeOptions): Promise<LocalRuntime> {
    const { dataDir, durability } = options;
    const log = options.log ?? silentLog;
    const clock = options.clock ?? systemClock;
    await mkdir(dataDir, { recursive: true });
    const store = await LevelEventStore.open({ path: join(dataDir, 'events'), durability });
    const secrets = await LevelSecrets.open({ path: join(dataDir, 'secrets') });
    const commands = await LocalQueue.open<Message>({
      path: join(dataDir, 'queues', 'commands'),
      codec: messageCodec,
      fifo: true,
      // Timers are delayed messages: they come due by the runtime's clock (a test's clock too).
      now: () => clock.now(),
      visibilityTimeoutMs: 5_000,
      maxReceiveCount: 10,
      durability,
    });
    const effects = await LocalQueue.open<Effect>({
      path: join(dataDir, 'queues', 'effects'),
      codec: effectCodec,
      fifo: true,
      visibilityTimeoutMs: 30_000,
      maxReceiveCount: 10,
      durability,
    });
    // The runner is built before the runtime that listens to its commits.
    const listener: { runtime?: LocalRuntime } = {};
    const runner = new Runner({
      store,
      effects,
      messages: commands,
      clock,
      kinds: machineRegistry(options.kinds),
      options: options.runner,
      log,
      onCommit: (notice) => listener.runtime?.notify(notice),
    });
    const self = new LocalRuntime(store, secrets, commands, effects, runner, clock);
    listener.runtime = self;
    const handlers =
      typeof options.effectHandlers === 'function'
        ? options.effectHandlers(self)
        : options.effectHandlers;
    const worker = new EffectWorker({
      handlers,
      commands,
      timers: new LocalTimers(commands),
      secrets,
      clock,
      log,
      options: { maxDeliveries: 8, ...options.effectWorker },
    });
    const concurrency = options.concurrency ?? 8;
    commands.start(runnerBatchHandler(runner), { batchSize: 10, concurrency });
    effects.start(worker.handleBatch, { batchSize: 10, concurrency });
    return self;
  }

  /** Called for every commit and recognised duplicate (the API, the console and tests listen). */
  onCommit(listener: (notice: CommitNotice) => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  private notify(notice: CommitNotice): void {
    for (const outcome of notice.outcomes) {
      const waiter = this.waiters.get(outcome.messageId);
      if (waiter) {
        this.waiters.delete(outcome.messageId);
        waiter(outcome);
      }
    }
    for (const listener of this.commitListeners) listener(notice);
  }

  async submit(
    messages: Message[],
    options: { waitMs?: number } = {},
  ): Promise<Map<string, MessageOutcome>> {
    const waitMs = options.waitMs ?? 10_000;
    const outcomes = new Map<string, MessageOutcome>();
    const arrived = messages.map(
      (m) =>
        new Promise<void>((resolve) => {
          this.waiters.set(m.id, (outcome) => {
            outcomes.set(m.id, outcome);
            resolve();
          });
        }),
    );
    try {
      await this.commands.send(messages);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(arrived),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, waitMs);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    } finally {
      for (const m of messages) this.waiters.delete(m.id);
    }
    return outcomes;
  }

  get(key: ResourceKey) {
    return this.runner.read(key);
  }

  list(kind: string, filter?: { cluster?: string; namespace?: string }): Promise<IndexEntry[]> {
    return this.store.listIndex(kind, filter);
  }

  events(key: ResourceKey, range: { from: number; limit: number }): Promise<VersionItem[]> {
    return this.store.readRange(key, range);
  }

  newMessageId(): string {
    return randomUUID();
  }

  /** A controlled clock moved on: timers now due are delivered (tests). */
  clockMoved(): void {
    this.commands.recheck();
  }

  /** Resolves when both queues have nothing ready or in flight (tests, benchmarks). */
  async settled(): Promise<void> {
    do {
      await this.commands.drained();
      await this.effects.drained();
      // An effect's report may have re-filled the commands queue meanwhile.
    } while (!this.commands.isDrained() || !this.effects.isDrained());
  }

  async stop(): Promise<void> {
    await this.commands.stop();
    await this.effects.stop();
    await this.commands.close();
    await this.effects.close();
    await this.secrets.close();
    await this.store.close();
  }
}
