/**
 * Group commit for LevelDB: writes that arrive while a batch is being written wait and go
 * together into the next one, so many concurrent commits share one fsync. Each write's promise
 * resolves only once the batch that holds it is durable.
 */
import type { ClassicLevel } from 'classic-level';

export type LevelOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

interface Pending {
  ops: LevelOp[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private writing = false;
  /** Batches written, and ops in them (for benchmarks). */
  readonly stats = { batches: 0, ops: 0, bytes: 0 };

  constructor(
    private readonly db: ClassicLevel<string, string>,
    private readonly sync: boolean,
  ) {}

  write(ops: LevelOp[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      if (!this.writing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      const ops = group.flatMap((p) => p.ops);
      try {
        await this.db.batch(ops, { sync: this.sync });
        this.stats.batches++;
        this.stats.ops += ops.length;
        for (const op of ops)
          if (op.type === 'put') this.stats.bytes += op.key.length + op.value.length;
        for (const p of group) p.resolve();
      } catch (err) {
        for (const p of group) p.reject(err);
      }
    }
    this.writing = false;
  }
}
