import { describe, expect, it } from 'vitest';
import { tempDirs } from '../support/temp-dirs.js';
import { LocalQueue } from '../../shared/adapters/local/local-queue.js';
import { LocalTimers } from '../../shared/adapters/local/local-timers.js';
import { messageCodec } from '../../shared/core/ports.js';
import type { Message } from '../../shared/core/types.js';
import { describeQueueContract, testCodec } from '../contracts/queue.contract.js';
import type { TestItem } from '../contracts/queue.contract.js';

const tempDir = tempDirs('argosls-queue');

async function openQueue(path: string) {
  return LocalQueue.open<TestItem>({
    path,
    codec: testCodec,
    fifo: true,
    visibilityTimeoutMs: 50,
    maxReceiveCount: 3,
    durability: 'none',
  });
}

describeQueueContract('embedded LevelDB queue', async () => {
  const queue = await openQueue(await tempDir());
  return {
    outbox: queue,
    consume: (handler) => queue.start(handler, { batchSize: 10, concurrency: 4 }),
    idle: () => queue.drained(),
    deadLetters: () => queue.deadLetters(),
    close: () => queue.close(),
  };
});

describe('embedded queue specifics', () => {
  it('a message not acknowledged before close is delivered again after reopening', async () => {
    const path = await tempDir();
    const a = await openQueue(path);
    await a.send([{ id: 'kept', group: 'g', n: 1 }]);
    await a.close();
    const b = await openQueue(path);
    const got: string[] = [];
    b.start(async (batch) => {
      got.push(...batch.map((r) => r.body.id));
      return { failed: [] };
    });
    await b.drained();
    expect(got).toEqual(['kept']);
    await b.close();
    const c = await openQueue(path);
    expect(c.size).toBe(0);
    await c.close();
  });

  it('a delayed message is not delivered before it is due and does not hold back its group', async () => {
    const queue = await openQueue(await tempDir());
    const got: { id: string; at: number }[] = [];
    const t0 = Date.now();
    queue.start(async (batch) => {
      got.push(...batch.map((r) => ({ id: r.body.id, at: Date.now() - t0 })));
      return { failed: [] };
    });
    await queue.sendDelayed([{ id: 'later', group: 'g', n: 1 }], t0 + 300);
    await queue.send([{ id: 'now', group: 'g', n: 2 }]);
    await queue.drained();
    expect(got.map((g) => g.id)).toEqual(['now']);
    await new Promise((r) => setTimeout(r, 400));
    await queue.drained();
    expect(got.map((g) => g.id)).toEqual(['now', 'later']);
    expect(got[1]!.at).toBeGreaterThanOrEqual(300);
    await queue.close();
  });

  it('timers survive a restart and fire as TimerFired messages', async () => {
    const path = await tempDir();
    const open = () =>
      LocalQueue.open<Message>({ path, codec: messageCodec, fifo: true, durability: 'fsync' });
    const a = await open();
    const fireAt = Date.now() + 200;
    await new LocalTimers(a).schedule({
      key: 'in-cluster/Rollout/ns/r',
      timerId: 'pause',
      generation: 3,
      fireAt,
    });
    await a.close();
    const b = await open();
    const got: Message[] = [];
    b.start(async (batch) => {
      got.push(...batch.map((r) => r.body));
      return { failed: [] };
    });
    await new Promise((r) => setTimeout(r, 350));
    await b.drained();
    expect(got).toEqual([
      {
        id: 'in-cluster/Rollout/ns/r/timer/pause/3',
        key: 'in-cluster/Rollout/ns/r',
        at: fireAt,
        event: { type: 'TimerFired', timerId: 'pause', generation: 3, fireAt },
      },
    ]);
    await b.close();
  });

  it('a standard (non-FIFO) queue delivers messages of one group in parallel', async () => {
    const queue = await LocalQueue.open<TestItem>({
      path: await tempDir(),
      codec: testCodec,
      fifo: false,
      durability: 'none',
    });
    let concurrent = 0;
    let peak = 0;
    queue.start(
      async (batch) => {
        concurrent++;
        peak = Math.max(peak, concurrent);
        await new Promise((r) => setTimeout(r, 20));
        concurrent--;
        return { failed: batch.length ? [] : [] };
      },
      { batchSize: 1, concurrency: 4 },
    );
    await queue.send([1, 2, 3, 4].map((n) => ({ id: `s${n}`, group: 'same', n })));
    await queue.drained();
    expect(peak).toBeGreaterThan(1);
    await queue.close();
  });
});
