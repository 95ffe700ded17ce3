import type { Outbox } from '../../shared/core/ports.js';

/** An Outbox that keeps what was sent, for domain tests. */
export class CollectingOutbox<T> implements Outbox<T> {
  readonly sent: T[] = [];
  async send(items: readonly T[]): Promise<void> {
    this.sent.push(...structuredClone(items as T[]));
  }
  take(): T[] {
    return this.sent.splice(0, this.sent.length);
  }
}
