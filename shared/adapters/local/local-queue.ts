/**
 * The embedded queue: SQS semantics in one process, persisted in LevelDB so a crash loses
 * nothing that was acknowledged. Dedup by id within a window, FIFO groups (in order, one batch of
 * a group in flight at a time), per-message delays (the persistent timer wheel), visibility
 * timeout and redelivery, and a dead-letter store after maxReceiveCount deliveries.
 */
import { ClassicLevel } from 'classic-level';
import type { BatchHandler, Outbox, QueueCodec, Received } from '../../core/ports.js';
import { GroupCommitter } from './group-commit.js';
import type { LevelOp } from './group-commit.js';

const SEP = '\u0000';
const END = '\uffff';
const messageKey = (seq: number) => `m${SEP}${String(seq).padStart(16, '0')}`;
const dedupKey = (id: string) => `d${SEP}${id}`;
const deadKey = (seq: number) => `x${SEP}${String(seq).padStart(16, '0')}`;

interface Stored {
  seq: number;
  id: string;
  group: string;
  body: string;
  /** Epoch ms before which it is not delivered (delay, or invisible after a failed delivery). */
  visibleAt: number;
  receiveCount: number;
}

export interface LocalQueueOptions<T> {
  path: string;
  codec: QueueCodec<T>;
  /** FIFO: per-group order, one batch per group in flight. Otherwise every message on its own. */
  fifo: boolean;
  visibilityTimeoutMs?: number;
  maxReceiveCount?: number;
  dedupWindowMs?: number;
  durability?: 'fsync' | 'none';
  now?: () => number;
}

export interface ConsumerOptions {
  batchSize?: number;
  concurrency?: number;
}

export class LocalQueue<T> implements Outbox<T> {
  private seq = 0;
  /** Every pending message by seq (ready, delayed, in flight or invisible). */
  private readonly pending = new Map<number, Stored>();
  /** FIFO: per group, pending seqs in order. */
  private readonly groups = new Map<string, number[]>();
  private readonly busyGroups = new Set<string>();
  private readonly inFlight = new Set<number>();
  private readonly dedup = new Map<string, number>();
  private readonly committer: GroupCommitter;
  private handler: BatchHandler<T> | undefined;
  private consumer: Required<ConsumerOptions> = { batchSize: 10, concurrency: 4 };
  private activeBatches = 0;
  private wakeTimer: NodeJS.Timeout | undefined;
  private pumpScheduled = false;
  private drainWaiters: (() => void)[] = [];
  private readonly visibilityTimeoutMs: number;
  private readonly maxReceiveCount: number;
  private readonly dedupWindowMs: number;
  private readonly now: () => number;

  private constructor(
    private readonly db: ClassicLevel<string, string>,
    private readonly options: LocalQueueOptions<T>,
  ) {
    this.committer = new GroupCommitter(db, (options.durability ?? 'fsync') === 'fsync');
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? 30_000;
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
    this.dedupWindowMs = options.dedupWindowMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  static async open<T>(options: LocalQueueOptions<T>): Promise<LocalQueue<T>> {
    const db = new ClassicLevel<string, string>(options.path, { valueEncoding: 'utf8' });
    await db.open();
    const queue = new LocalQueue(db, options);
    await queue.recover();
    return queue;
  }

  /** Everything not acknowledged before a crash or stop is pending again, in its old order. */
  private async recover(): Promise<void> {
    for await (const [, value] of this.db.iterator({ gte: `m${SEP}`, lt: `m${SEP}${END}` })) {
      const stored = JSON.parse(value) as Stored;
      this.track(stored);
      this.seq = Math.max(this.seq, stored.seq);
    }
    for await (const key of this.db.keys({
      gte: `x${SEP}`,
      lt: `x${SEP}${END}`,
      reverse: true,
      limit: 1,
    })) {
      this.seq = Math.max(this.seq, Number(key.slice(2)));
    }
    const cutoff = this.now() - this.dedupWindowMs;
    for await (const [key, value] of this.db.iterator({ gte: `d${SEP}`, lt: `d${SEP}${END}` })) {
      const at = Number(value);
      if (at >= cutoff) this.dedup.set(key.slice(2), at);
    }
  }

  async send(items: readonly T[]): Promise<void> {
    await this.sendAt(items, 0);
  }

  /** Sends items that become deliverable at `deliverAt` (epoch ms): the timer wheel. */
  async sendDelayed(items: readonly T[], deliverAt: number): Promise<void> {
    await this.sendAt(items, deliverAt);
  }

  private async sendAt(items: readonly T[], visibleAt: number): Promise<void> {
    const now = this.now();
    const ops: LevelOp[] = [];
    const accepted: Stored[] = [];
    const seenHere = new Set<string>();
    for (const item of items) {
      const id = this.options.codec.id(item);
      const last = this.dedup.get(id);
      if ((last !== undefined && last >= now - this.dedupWindowMs) || seenHere.has(id)) continue;
      seenHere.add(id);
      const stored: Stored = {
        seq: ++this.seq,
        id,
        group: this.options.fifo ? this.options.codec.group(item) : `#${this.seq}`,
        body: this.options.codec.encode(item),
        visibleAt,
        receiveCount: 0,
      };
      accepted.push(stored);
      ops.push({ type: 'put', key: messageKey(stored.seq), value: JSON.stringify(stored) });
      ops.push({ type: 'put', key: dedupKey(id), value: String(now) });
    }
    if (ops.length === 0) return;
    await this.committer.write(ops);
    for (const stored of accepted) {
      this.dedup.set(stored.id, now);
      this.track(stored);
    }
    this.sweepDedup(now);
    this.schedulePump();
  }

  private track(stored: Stored): void {
    this.pending.set(stored.seq, stored);
    const list = this.groups.get(stored.group);
    if (list) list.push(stored.seq);
    else this.groups.set(stored.group, [stored.seq]);
  }

  private lastSweep = 0;
  private sweepDedup(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    const cutoff = now - this.dedupWindowMs;
    const ops: LevelOp[] = [];
    for (const [id, at] of this.dedup) {
      if (at < cutoff) {
        this.dedup.delete(id);
        ops.push({ type: 'del', key: dedupKey(id) });
      }
    }
    if (ops.length > 0) void this.committer.write(ops).catch(() => undefined);
  }

  start(handler: BatchHandler<T>, options: ConsumerOptions = {}): void {
    this.handler = handler;
    this.consumer = { batchSize: options.batchSize ?? 10, concurrency: options.concurrency ?? 4 };
    this.schedulePump();
  }

  /** Stops taking new batches and waits for those in flight. */
  async stop(): Promise<void> {
    this.handler = undefined;
    clearTimeout(this.wakeTimer);
    while (this.activeBatches > 0) await new Promise((r) => setTimeout(r, 5));
  }

  async close(): Promise<void> {
    await this.stop();
    await this.db.close();
  }

  /** Messages moved aside after maxReceiveCount failed deliveries. */
  async deadLetters(): Promise<T[]> {
    const out: T[] = [];
    for await (const value of this.db.values({ gte: `x${SEP}`, lt: `x${SEP}${END}` })) {
      out.push(this.options.codec.decode((JSON.parse(value) as Stored).body));
    }
    return out;
  }

  /** Pending messages, delayed ones included. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Resolves once nothing is deliverable now or in flight. Messages delayed into the future do
   * not count; messages waiting out a visibility timeout after a failure do.
   */
  drained(): Promise<void> {
    if (this.isDrained()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Looks again for delayed items now due (the clock it reads was moved on). */
  recheck(): void {
    this.schedulePump();
  }

  /** Nothing deliverable now or in flight (see drained()). */
  isDrained(): boolean {
    if (this.inFlight.size > 0) return false;
    const now = this.now();
    for (const stored of this.pending.values()) {
      if (stored.visibleAt <= now || stored.receiveCount > 0) return false;
    }
    return true;
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.drainWaiters.length > 0 && this.isDrained()) {
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
    if (!this.handler) return;
    while (this.activeBatches < this.consumer.concurrency) {
      const batch = this.takeBatch();
      if (batch.length === 0) break;
      this.activeBatches++;
      void this.deliver(batch).finally(() => {
        this.activeBatches--;
        this.schedulePump();
      });
    }
    this.armWakeTimer();
  }

  /** Heads of idle groups that are visible now; several consecutive messages of one group. */
  private takeBatch(): Stored[] {
    const now = this.now();
    const batch: Stored[] = [];
    for (const [group, seqs] of this.groups) {
      if (batch.length >= this.consumer.batchSize) break;
      if (this.busyGroups.has(group)) continue;
      let took = false;
      for (const seq of seqs) {
        const stored = this.pending.get(seq)!;
        // A delayed message (timer) does not hold back the messages behind it.
        if (stored.visibleAt > now && stored.receiveCount === 0) continue;
        if (stored.visibleAt > now) break;
        batch.push(stored);
        took = true;
        if (batch.length >= this.consumer.batchSize || !this.options.fifo) break;
      }
      if (took) this.busyGroups.add(group);
    }
    for (const stored of batch) {
      stored.receiveCount++;
      this.inFlight.add(stored.seq);
    }
    return batch;
  }

  private armWakeTimer(): void {
    clearTimeout(this.wakeTimer);
    if (!this.handler && this.drainWaiters.length === 0) return;
    let next = Infinity;
    for (const stored of this.pending.values()) {
      if (!this.inFlight.has(stored.seq)) next = Math.min(next, stored.visibleAt);
    }
    if (next === Infinity) return;
    this.wakeTimer = setTimeout(() => this.schedulePump(), Math.max(0, next - this.now()));
    this.wakeTimer.unref();
  }

  private async deliver(batch: Stored[]): Promise<void> {
    const received: Received<T>[] = batch.map((s) => ({
      deliveryId: String(s.seq),
      group: s.group,
      body: this.options.codec.decode(s.body),
      receiveCount: s.receiveCount,
    }));
    let failed: Set<string>;
    try {
      failed = new Set((await this.handler!(received)).failed);
    } catch {
      failed = new Set(received.map((r) => r.deliveryId));
    }
    // FIFO: after a failure in a group, the later messages of that group wait behind it.
    const failedGroups = new Set<string>();
    const ops: LevelOp[] = [];
    const now = this.now();
    for (const stored of batch) {
      this.inFlight.delete(stored.seq);
      if (
        !failed.has(String(stored.seq)) &&
        !(this.options.fifo && failedGroups.has(stored.group))
      ) {
        this.forget(stored);
        ops.push({ type: 'del', key: messageKey(stored.seq) });
        continue;
      }
      failedGroups.add(stored.group);
      if (stored.receiveCount >= this.maxReceiveCount) {
        this.forget(stored);
        ops.push({ type: 'del', key: messageKey(stored.seq) });
        ops.push({ type: 'put', key: deadKey(stored.seq), value: JSON.stringify(stored) });
      } else {
        stored.visibleAt = now + this.visibilityTimeoutMs;
        ops.push({ type: 'put', key: messageKey(stored.seq), value: JSON.stringify(stored) });
      }
    }
    for (const stored of batch) this.busyGroups.delete(stored.group);
    await this.committer.write(ops);
  }

  private forget(stored: Stored): void {
    this.pending.delete(stored.seq);
    const seqs = this.groups.get(stored.group);
    if (!seqs) return;
    const at = seqs.indexOf(stored.seq);
    if (at >= 0) seqs.splice(at, 1);
    if (seqs.length === 0) this.groups.delete(stored.group);
  }
}
