import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Runner } from '../../shared/core/runner.js';
import { machineRegistry } from '../../shared/core/machines.js';
import type { EventStore } from '../../shared/core/ports.js';
import type { Message } from '../../shared/core/types.js';
import { MemoryEventStore } from '../support/memory-event-store.js';
import { CollectingOutbox } from '../support/collecting-outbox.js';
import { counterKind, counterObject } from '../support/counter-machine.js';
import { runChaos } from '../support/chaos.js';
import type { ChaosScenario } from '../support/chaos.js';

const KEY = 'in-cluster/Counter/default/chaos';

function addMessages(amounts: number[]): Message[] {
  return amounts.map((amount, i) => ({
    id: `add-${i}`,
    key: KEY,
    at: 10_000 + i,
    event: { type: 'Add', amount },
  }));
}

async function created(): Promise<EventStore> {
  const store = new MemoryEventStore();
  const runner = new Runner({
    store,
    effects: new CollectingOutbox(),
    kinds: machineRegistry([counterKind]),
  });
  await runner.handle([
    { id: 'create', key: KEY, at: 1_000, event: { type: 'Apply', object: counterObject('chaos') } },
  ]);
  return store;
}

const calm = {
  duplicate: 0,
  putThenTimeout: 0,
  crashAfterPut: 0,
  crashBeforeReport: 0,
  transientEffectFailure: 0,
};

const scenarios: fc.Arbitrary<ChaosScenario> = fc.record({
  seed: fc.integer(),
  amounts: fc.array(fc.integer({ min: 1, max: 1_000 }), { minLength: 1, maxLength: 40 }),
  concurrency: fc.integer({ min: 1, max: 16 }),
  duplicate: fc.double({ min: 0, max: 0.6, noNaN: true }),
  putThenTimeout: fc.double({ min: 0, max: 0.2, noNaN: true }),
  crashAfterPut: fc.double({ min: 0, max: 0.2, noNaN: true }),
  crashBeforeReport: fc.double({ min: 0, max: 0.3, noNaN: true }),
  transientEffectFailure: fc.double({ min: 0, max: 0.3, noNaN: true }),
});

describe('chaos: at-least-once delivery, crashes, timeouts and races give exactly-once state', () => {
  it('final state equals a clean single delivery, and each effect changes its target exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios, async (scenario) => {
        const messages = addMessages(scenario.amounts);

        const cleanStore = await created();
        const clean = await runChaos(
          { ...scenario, ...calm, concurrency: 1 },
          cleanStore,
          messages,
        );
        const chaosStore = await created();
        const chaos = await runChaos(scenario, chaosStore, messages);

        const cleanState = (await clean.runner.load(KEY)).live.object?.status;
        const chaosState = (await chaos.runner.load(KEY)).live.object?.status;
        const sum = scenario.amounts.reduce((a, b) => a + b, 0);
        expect(cleanState).toEqual({
          total: sum,
          adds: messages.length,
          confirmed: messages.length,
          failed: 0,
        });
        expect(chaosState).toEqual(cleanState);

        // Every effect the log dispatched changed the ledger exactly once; nothing else did.
        const logged = (await chaosStore.readRange(KEY, { from: 1 })).flatMap((v) =>
          v.effects.map((e) => e.id),
        );
        expect([...chaos.ledger.changes.keys()].sort()).toEqual([...logged].sort());
        expect([...chaos.ledger.changes.values()].every((n) => n === 1)).toBe(true);
        expect(chaos.ledger.total()).toBe(sum);
        expect(chaos.ledger.invocations).toBeGreaterThanOrEqual(logged.length);
      }),
      { seed: 20261124, numRuns: 40, endOnFailure: true },
    );
  });

  it('the faults really happen: a harsh scenario crashes, times out and re-runs effects', async () => {
    const scenario: ChaosScenario = {
      seed: 7,
      amounts: Array.from({ length: 60 }, (_, i) => i + 1),
      concurrency: 16,
      duplicate: 0.5,
      putThenTimeout: 0.2,
      crashAfterPut: 0.2,
      crashBeforeReport: 0.3,
      transientEffectFailure: 0.3,
    };
    const store = await created();
    const { ledger, runner, stats } = await runChaos(
      scenario,
      store,
      addMessages(scenario.amounts),
    );
    expect(stats.crashes).toBeGreaterThan(5);
    expect(stats.timeouts).toBeGreaterThan(5);
    expect(ledger.invocations).toBeGreaterThan(ledger.changes.size);
    expect((await runner.load(KEY)).live.object?.status).toEqual({
      total: 1830,
      adds: 60,
      confirmed: 60,
      failed: 0,
    });
  });
});
