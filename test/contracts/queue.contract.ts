/**
 * The queue contract (SQS semantics the runner relies on), run against the embedded queue and
 * against SQS (fauxqs) through the Lambda event source emulation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchHandler, Outbox, QueueCodec } from '../../shared/core/ports.js';

export interface TestItem {
  id: string;
  group: string;
  n: number;
}

export const testCodec: QueueCodec<TestItem> = {
  id: (i) => i.id,
  group: (i) => i.group,
  encode: (i) => JSON.stringify(i),
  decode: (s) => JSON.parse(s) as TestItem,
};

export interface QueueHarness {
  outbox: Outbox<TestItem>;
  consume(handler: BatchHandler<TestItem>): void;
  /** Resolves when everything sent has been acknowledged or dead-lettered. */
  idle(): Promise<void>;
  deadLetters(): Promise<TestItem[]>;
  close(): Promise<void>;
}

/** `maxReceiveCount` of the harness's queue must be 3; its visibility timeout short (~1 s). */
export function describeQueueContract(name: string, open: () => Promise<QueueHarness>): void {
  describe(`queue contract: ${name}`, () => {
    let harness: QueueHarness | undefined;
    afterEach(async () => {
      await harness?.close();
      harness = undefined;
    });

    it('delivers every message of a group in order, groups concurrently', async () => {
      harness = await open();
      const seen = new Map<string, number[]>();
      harness.consume(async (batch) => {
        for (const r of batch)
          seen.set(r.body.group, [...(seen.get(r.body.group) ?? []), r.body.n]);
        await new Promise((res) => setTimeout(res, 1));
        return { failed: [] };
      });
      const items: TestItem[] = [];
      for (let n = 0; n < 20; n++)
        for (const g of ['a', 'b', 'c']) items.push({ id: `${g}${n}`, group: g, n });
      await harness.outbox.send(items);
      await harness.idle();
      for (const g of ['a', 'b', 'c'])
        expect(seen.get(g)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    });

    it('a failed message is redelivered and the rest of its group waits for it', async () => {
      harness = await open();
      const order: string[] = [];
      let failOnce = true;
      harness.consume(async (batch) => {
        const failed: string[] = [];
        let groupFailed = false;
        for (const r of batch) {
          if (groupFailed || (r.body.id === 'g1' && failOnce)) {
            failOnce = false;
            groupFailed = true;
            failed.push(r.deliveryId);
            continue;
          }
          order.push(`${r.body.id}#${r.receiveCount}`);
        }
        return { failed };
      });
      await harness.outbox.send([0, 1, 2, 3].map((n) => ({ id: `g${n}`, group: 'g', n })));
      await harness.idle();
      expect(order).toEqual([
        'g0#1',
        'g1#2',
        expect.stringMatching(/^g2#/),
        expect.stringMatching(/^g3#/),
      ]);
    });

    it('drops a duplicate id sent again within the dedup window', async () => {
      harness = await open();
      const got: string[] = [];
      harness.consume(async (batch) => {
        got.push(...batch.map((r) => r.body.id));
        return { failed: [] };
      });
      await harness.outbox.send([{ id: 'x', group: 'g', n: 1 }]);
      await harness.outbox.send([{ id: 'x', group: 'g', n: 2 }]);
      await harness.idle();
      expect(got).toEqual(['x']);
    });

    it('moves a message that keeps failing to the dead letters after maxReceiveCount', async () => {
      harness = await open();
      let deliveries = 0;
      harness.consume(async (batch) => {
        deliveries += batch.length;
        return { failed: batch.map((r) => r.deliveryId) };
      });
      await harness.outbox.send([{ id: 'poison', group: 'p', n: 0 }]);
      await harness.idle();
      expect(deliveries).toBe(3);
      expect((await harness.deadLetters()).map((i) => i.id)).toEqual(['poison']);
    });

    it('a handler that throws fails the whole batch, which is redelivered', async () => {
      harness = await open();
      let calls = 0;
      const got: string[] = [];
      harness.consume(async (batch) => {
        if (calls++ === 0) throw new Error('crash');
        got.push(...batch.map((r) => r.body.id));
        return { failed: [] };
      });
      await harness.outbox.send([{ id: 'a', group: 'g', n: 0 }]);
      await harness.idle();
      expect(got).toEqual(['a']);
    });
  });
}
