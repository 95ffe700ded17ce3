import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EffectHandler } from '../../shared/core/effects.js';
import { SqsOutbox } from '../../shared/adapters/aws/sqs-outbox.js';
import { messageCodec } from '../../shared/core/ports.js';
import type { Message } from '../../shared/core/types.js';
import { Runner } from '../../shared/core/runner.js';
import { machineRegistry } from '../../shared/core/machines.js';
import { counterKind, counterObject } from '../support/counter-machine.js';
import { CollectingOutbox } from '../support/collecting-outbox.js';
import { Ledger, mulberry32 } from '../support/chaos.js';
import { startAwsLane } from '../support/aws-lane.js';
import { controllerHandler } from '../../shared/runtime/aws/wiring.js';
import type { AwsLane } from '../support/aws-lane.js';
import { startDynalite } from '../support/dynalite.js';
import type { Dynalite } from '../support/dynalite.js';
import { startFauxqs } from '../support/fauxqs.js';
import type { Fauxqs } from '../support/fauxqs.js';

let servers: { dynalite: Dynalite; fauxqs: Fauxqs };
beforeAll(async () => {
  servers = { dynalite: await startDynalite(), fauxqs: await startFauxqs() };
});
afterAll(async () => {
  await servers.fauxqs.stop();
  await servers.dynalite.stop();
});

const ledgerHandler = (ledger: Ledger): EffectHandler => ({
  kind: 'counter.add',
  async run(effect) {
    const amount = (effect.input as { amount: number }).amount;
    ledger.apply(effect.id, amount);
    return { amount };
  },
});

// Ingress times from the real clock, as the API stamps them: the applied-id window is measured
// against the effect reports' times, which the effect worker stamps from the same clock.
function counterMessages(name: string, amounts: number[]): Message[] {
  const key = `in-cluster/Counter/lane/${name}`;
  const now = Date.now();
  return [
    {
      id: `${name}-create`,
      key,
      at: now,
      event: { type: 'Apply', object: counterObject(name, 'lane') },
    },
    ...amounts.map((amount, i) => ({
      id: `${name}-add-${i}`,
      key,
      at: now + 1 + i,
      event: { type: 'Add', amount },
    })),
  ];
}

async function statusOf(lane: AwsLane, name: string) {
  const runner = new Runner({
    store: lane.ports.store,
    effects: new CollectingOutbox(),
    kinds: machineRegistry([counterKind]),
  });
  return (await runner.load(`in-cluster/Counter/lane/${name}`)).live.object?.status;
}

describe('AWS-protocol lane: functions/* on dynalite + fauxqs', () => {
  it('messages of several resources flow through controller, effects and back', async () => {
    const ledger = new Ledger();
    const lane = await startAwsLane({
      kinds: [counterKind],
      effectHandlers: [ledgerHandler(ledger)],
      servers,
    });
    try {
      const amounts = Array.from({ length: 12 }, (_, i) => i + 1);
      for (const name of ['a', 'b', 'c']) await lane.send(counterMessages(name, amounts));
      await lane.drained();
      for (const name of ['a', 'b', 'c']) {
        expect(await statusOf(lane, name)).toEqual({
          total: 78,
          adds: 12,
          confirmed: 12,
          failed: 0,
        });
      }
      expect(ledger.changes.size).toBe(36);
    } finally {
      await lane.stop();
    }
  });

  it('redelivery, late duplicates, crashes between put and dispatch and put timeouts give the same state', async () => {
    const ledger = new Ledger();
    const rng = mulberry32(42);
    let crashes = 0;
    let timeouts = 0;
    const lane = await startAwsLane({
      kinds: [counterKind],
      effectHandlers: [ledgerHandler(ledger)],
      servers,
      faults: {
        ports: (ports) => ({
          ...ports,
          store: Object.assign(Object.create(ports.store) as typeof ports.store, {
            append: async (item: Parameters<typeof ports.store.append>[0]) => {
              await ports.store.append(item);
              if (rng() < 0.15) {
                timeouts++;
                throw new Error('injected: put landed, client saw a timeout');
              }
            },
          }),
          effects: {
            send: async (effects: Parameters<typeof ports.effects.send>[0]) => {
              if (rng() < 0.2) {
                crashes++;
                throw new Error('injected: crash between put and dispatch');
              }
              await ports.effects.send(effects);
            },
          } as typeof ports.effects,
        }),
      },
    });
    try {
      const amounts = Array.from({ length: 15 }, (_, i) => (i + 1) * 10);
      const messages = counterMessages('chaos', amounts);
      await lane.send(messages);
      await lane.send(messages.slice(1, 6)); // duplicates right behind the originals
      await lane.drained();
      // Late duplicates that get past SQS's own deduplication (as after its 5-minute window):
      // other dedup ids, the same message ids.
      const late = new SqsOutbox<Message>({
        client: servers.fauxqs.client,
        queueUrl: lane.config.commandsQueueUrl,
        codec: { ...messageCodec, id: (m) => `${m.id}/late` },
        fifo: true,
      });
      await late.send(messages.slice(3, 9));
      await lane.drained();
      expect(crashes + timeouts).toBeGreaterThan(0);
      expect(await statusOf(lane, 'chaos')).toEqual({
        total: 1200,
        adds: 15,
        confirmed: 15,
        failed: 0,
      });
      expect(ledger.total()).toBe(1200);
      expect([...ledger.changes.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await lane.stop();
    }
  });

  it('a batch holding several messages of one group (as AWS sends them) commits once, in order', async () => {
    const lane = await startAwsLane({
      kinds: [counterKind],
      effectHandlers: [ledgerHandler(new Ledger())],
      servers,
    });
    try {
      // fauxqs hands out one message per group per receive, unlike AWS: build the AWS shape here.
      const messages = counterMessages('batched', [5, 6, 7]);
      const records = messages.map((m, i) => ({
        messageId: `sqs-${i}`,
        receiptHandle: `r-${i}`,
        body: JSON.stringify(m),
        attributes: {
          ApproximateReceiveCount: '1',
          MessageGroupId: m.key,
          SentTimestamp: '0',
          SenderId: 'x',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:commands.fifo',
        awsRegion: 'us-east-1',
      }));
      const handler = controllerHandler(lane.ports, [counterKind]);
      expect(await handler({ Records: records })).toEqual({ batchItemFailures: [] });
      const versions = await lane.ports.store.readRange(messages[0]!.key, { from: 1 });
      expect(versions[0]!.events.map((e) => e.messageId)).toEqual(messages.map((m) => m.id));
      expect(versions[0]!.effects.map((e) => e.id)).toEqual(
        [0, 1, 2].map((i) => `${messages[0]!.key}@1#${i}`),
      );
      // Redelivered whole (as after a timeout): none of them is applied again.
      expect(await handler({ Records: records })).toEqual({ batchItemFailures: [] });
      await lane.drained();
      const applied = (await lane.ports.store.readRange(messages[0]!.key, { from: 1 })).flatMap(
        (v) => v.events.map((e) => e.messageId),
      );
      for (const m of messages) expect(applied.filter((id) => id === m.id)).toEqual([m.id]);
    } finally {
      await lane.stop();
    }
  });
});
