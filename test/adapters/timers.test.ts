import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
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
import type { Fauxqs } from '../support/fauxqs.js';
import { SqsEventSource } from '../support/sqs-event-source.js';

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

describe('SQS timers on the wire (fauxqs)', () => {
  let sqs: Fauxqs;
  beforeAll(async () => {
    sqs = await startFauxqs();
  });
  afterAll(async () => sqs.stop());

  it('a timer scheduled 2 s ahead reaches the commands queue no earlier than due', async () => {
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
    const source = new SqsEventSource({
      client: sqs.client,
      queueUrl: timersUrl,
      handler: sqsBatchHandler(
        timerCodec,
        forwardDueTimers({ clock, commands, timers: timersOutbox }),
      ),
    });
    const fireAt = Date.now() + 2_000;
    await new SqsTimers(timersOutbox).schedule(timer(fireAt));
    let got: Message | undefined;
    while (!got) {
      const out = await sqs.client.send(
        new ReceiveMessageCommand({ QueueUrl: commandsUrl, WaitTimeSeconds: 1 }),
      );
      if (out.Messages?.[0]) got = messageCodec.decode(out.Messages[0].Body!);
    }
    expect(Date.now()).toBeGreaterThanOrEqual(fireAt);
    expect(got).toMatchObject({
      key: KEY,
      at: fireAt,
      event: { type: 'TimerFired', generation: 4 },
    });
    await source.stop();
  });
});
