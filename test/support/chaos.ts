/**
 * A seeded, reproducible chaos simulation of the core's delivery semantics: the commands and
 * effects queues are simulated (at-least-once, any order, redelivery), the runner and effect
 * worker are the real ones, and faults are injected at the seams named in the Core issue.
 * Everything random comes from one PRNG and no real timers are used, so a seed replays exactly.
 */
import { Runner } from '../../shared/core/runner.js';
import { EffectWorker, TransientError } from '../../shared/core/effects.js';
import type { EffectHandler } from '../../shared/core/effects.js';
import { machineRegistry } from '../../shared/core/machines.js';
import type { EventStore, Outbox, Secrets } from '../../shared/core/ports.js';
import type { Effect, Message } from '../../shared/core/types.js';
import { counterKind } from './counter-machine.js';

export interface ChaosScenario {
  seed: number;
  amounts: number[];
  /** Handlers running at once (all on one key). */
  concurrency: number;
  /** Probabilities, 0..1. */
  duplicate: number;
  putThenTimeout: number;
  crashAfterPut: number;
  crashBeforeReport: number;
  transientEffectFailure: number;
}

/** The external system the demo effects change: idempotent on effect id, counting invocations. */
export class Ledger {
  readonly changes = new Map<string, number>();
  readonly amounts = new Map<string, number>();
  invocations = 0;
  apply(effectId: string, amount: number): void {
    this.invocations++;
    if (this.amounts.has(effectId)) return;
    this.amounts.set(effectId, amount);
    this.changes.set(effectId, (this.changes.get(effectId) ?? 0) + 1);
  }
  total(): number {
    return [...this.amounts.values()].reduce((a, b) => a + b, 0);
  }
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Crash extends Error {
  constructor(where: string) {
    super(`injected crash ${where}`);
  }
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Runs `messages` to quiescence through the runner and effect worker under the scenario's faults. */
export async function runChaos(
  scenario: ChaosScenario,
  store: EventStore,
  messages: Message[],
): Promise<{ ledger: Ledger; runner: Runner; stats: Record<string, number> }> {
  const rng = mulberry32(scenario.seed);
  const chance = (p: number) => rng() < p;
  const stats = { deliveries: 0, redeliveries: 0, crashes: 0, timeouts: 0, effectRuns: 0 };
  const commandQ: Message[] = [];
  const effectQ: { effect: Effect; receiveCount: number }[] = [];
  const ledger = new Ledger();

  // At-least-once: each send may be delivered 1-3 times, anywhere later in the queue (so a
  // duplicate can arrive after messages sent after it).
  const enqueue = <T>(queue: T[], item: T) => {
    const copies = chance(scenario.duplicate) ? 1 + Math.floor(rng() * 2) + 1 : 1;
    for (let i = 0; i < copies; i++) {
      const at = i === 0 ? queue.length : Math.floor(rng() * (queue.length + 1));
      queue.splice(at, 0, structuredClone(item));
    }
  };

  const faultyStore: EventStore = Object.assign(Object.create(store) as EventStore, {
    append: async (item: Parameters<EventStore['append']>[0]) => {
      await store.append(item);
      if (chance(scenario.putThenTimeout)) {
        stats.timeouts++;
        throw new Error('injected: the put succeeded but the client saw a timeout');
      }
    },
  });
  const effectsOutbox: Outbox<Effect> = {
    async send(effects) {
      if (chance(scenario.crashAfterPut)) {
        stats.crashes++;
        throw new Crash('after the put, before dispatch');
      }
      for (const effect of effects) enqueue(effectQ, { effect, receiveCount: 0 });
    },
  };
  const reportsOutbox: Outbox<Message> = {
    async send(reports) {
      if (chance(scenario.crashBeforeReport)) {
        stats.crashes++;
        throw new Crash('between dispatch and report');
      }
      for (const m of reports) enqueue(commandQ, m);
    },
  };
  const ledgerHandler: EffectHandler = {
    kind: 'counter.add',
    async run(effect) {
      stats.effectRuns++;
      if (chance(scenario.transientEffectFailure))
        throw new TransientError('injected: ledger busy');
      const amount = (effect.input as { amount: number }).amount;
      ledger.apply(effect.id, amount);
      return { amount };
    },
  };

  const runner = new Runner({
    store: faultyStore,
    effects: effectsOutbox,
    kinds: machineRegistry([counterKind]),
    backoff: async () => {
      const spins = Math.floor(rng() * 4);
      for (let i = 0; i < spins; i++) await tick();
    },
  });
  const worker = new EffectWorker({
    handlers: [ledgerHandler],
    commands: reportsOutbox,
    timers: { schedule: async () => {} },
    secrets: noSecrets,
    clock: { now: () => 0 },
    options: { maxDeliveries: 1_000, attemptsPerDelivery: 2 },
    sleep: tick,
  });

  for (const m of messages) enqueue(commandQ, m);
  while (commandQ.length > 0 || effectQ.length > 0) {
    const handlers = 1 + Math.floor(rng() * scenario.concurrency);
    const commandBatch = takeRandom(commandQ, handlers, rng);
    const effectBatch = takeRandom(effectQ, 1 + Math.floor(rng() * 4), rng);
    stats.deliveries += commandBatch.length + effectBatch.length;
    await Promise.all([
      ...commandBatch.map(async (m) => {
        const { failed } = await runner.handle([m]);
        if (failed.length > 0) {
          stats.redeliveries++;
          commandQ.splice(Math.floor(rng() * (commandQ.length + 1)), 0, m);
        }
      }),
      ...effectBatch.map(async (d) => {
        try {
          await worker.runDelivery({ body: d.effect, receiveCount: d.receiveCount + 1 });
        } catch {
          stats.redeliveries++;
          effectQ.push({ effect: d.effect, receiveCount: d.receiveCount + 1 });
        }
      }),
    ]);
  }
  return { ledger, runner, stats };
}

function takeRandom<T>(queue: T[], n: number, rng: () => number): T[] {
  const out: T[] = [];
  // Mostly from the head (queues are roughly ordered), sometimes from anywhere.
  for (let i = 0; i < n && queue.length > 0; i++) {
    const at = rng() < 0.7 ? 0 : Math.floor(rng() * queue.length);
    out.push(queue.splice(at, 1)[0]!);
  }
  return out;
}

const noSecrets: Secrets = {
  get: async () => {
    throw new Error('no secrets in the chaos test');
  },
  listByLabel: async () => [],
};
