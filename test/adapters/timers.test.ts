import { describe, expect, it } from 'vitest';
import { SqsOutbox } from '../../shared/adapters/aws/sqs-outbox.js';
import {
  SqsTimers,
  forwardDueTimers,
  hopDelaySeconds,
  timerCodec,
} from '../../shared/adapters/aws/sqs-timers.js';
import { sqsBatchHandler } from '../../shared/runtime/aws/sqs-batch.js';
import { messageCodec } from '../../shared/core/ports.js';
import type { Timer } from '../../shared/core/ports.js';
import type { Message } from '../../shared/core/types.js';
import { CollectingOutbox } from '../support/collecting-outbox.js';
import { startFauxqs } from '../support/fauxqs.js';
import { SqsEventSource } from '../support/sqs-event-source.js';
import { describeTimersContract } from '../contracts/timers.contract.js';
import { LocalQueue } from '../../shared/adapters/local/local-queue.js';
import { LocalTimers } from '../../shared/adapters/local/local-timers.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const KEY = 'in-cluster/Rollout/shop/checkout';
const timer = (fireAt: number): Timer => ({
  key: KEY,
  timerId: 'pause-step-2',
  generation: 4,
  fireAt,
});

describe('SQS timer hops', () => {
  it('a timer hops at most 900 s at a time until due, then becomes a TimerFired message', async () => {
    let now = 0;
    const commands = new CollectingOutbox<Message>();
    const timers = new CollectingOutbox<Timer>();
    const forward = forwardDueTimers({ clock: { now: () => now }, commands, timers });
    const t = timer(2_000_000); // 2,000 s ahead
    expect(hopDelaySeconds(t, now)).toBe(900);
    const deliver = () => forward([{ deliveryId: '1', group: KEY, body: t, receiveCount: 1 }]);
    now = 900_000;
    await deliver();
    expect(timers.take()).toEqual([t]);
    expect(hopDelaySeconds(t, now)).toBe(900);
    now = 1_800_000;
    await deliver();
    expect(hopDelaySeconds(t, now)).toBe(200);
    expect(timers.take()).toEqual([t]);
    expect(commands.sent).toEqual([]);
    now = 2_000_000;
    await deliver();
    expect(commands.take()).toEqual([
      {
        id: `${KEY}/timer/pause-step-2/4`,
        key: KEY,
        at: 2_000_000,
        event: { type: 'TimerFired', timerId: 'pause-step-2', generation: 4, fireAt: 2_000_000 },
      },
    ]);
    expect(timers.sent).toEqual([]);
  });
});

describeTimersContract('SQS timers queue hops (fauxqs)', async () => {
  const sqs = await startFauxqs();
  const clock = { now: () => Date.now() };
  const { url: timersUrl } = await sqs.createQueue('timers', { fifo: false });
  const { url: commandsUrl } = await sqs.createQueue('commands', { fifo: true });
  const timersOutbox = new SqsOutbox<Timer>({
    client: sqs.client,
    queueUrl: timersUrl,
    codec: timerCodec,
    fifo: false,
    delaySeconds: (t) => hopDelaySeconds(t, clock.now()),
  });
  const commands = new SqsOutbox<Message>({
    client: sqs.client,
    queueUrl: commandsUrl,
    codec: messageCodec,
    fifo: true,
  });
  const delivered: { message: Message; at: number }[] = [];
  const forwarder = new SqsEventSource({
    client: sqs.client,
    queueUrl: timersUrl,
    handler: sqsBatchHandler(
      timerCodec,
      forwardDueTimers({ clock, commands, timers: timersOutbox }),
    ),
  });
  const consumer = new SqsEventSource({
    client: sqs.client,
    queueUrl: commandsUrl,
    handler: sqsBatchHandler(messageCodec, async (batch) => {
      for (const r of batch) delivered.push({ message: r.body, at: Date.now() });
      return { failed: [] };
    }),
  });
  return {
    timers: new SqsTimers(timersOutbox),
    delivered: () => delivered,
    async close() {
      await forwarder.stop();
      await consumer.stop();
      await sqs.stop();
    },
  };
});

describeTimersContract('embedded timer wheel (LevelDB queue)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'argosls-timers-'));
  const queue = await LocalQueue.open<Message>({
    path: dir,
    codec: messageCodec,
    fifo: true,
    durability: 'none',
  });
  const delivered: { message: Message; at: number }[] = [];
  queue.start(async (batch) => {
    for (const r of batch) delivered.push({ message: r.body, at: Date.now() });
    return { failed: [] };
  });
  return {
    timers: new LocalTimers(queue),
    delivered: () => delivered,
    async close() {
      await queue.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
