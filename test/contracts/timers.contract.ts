/**
 * The Timers contract: a scheduled timer reaches the commands queue as a TimerFired message, not
 * before it is due, and scheduling the same timer twice delivers it once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Timers } from '../../shared/core/ports.js';
import type { Message } from '../../shared/core/types.js';

export interface TimersHarness {
  timers: Timers;
  /** Commands-queue messages delivered so far, with their arrival time. */
  delivered(): { message: Message; at: number }[];
  close(): Promise<void>;
}

const KEY = 'in-cluster/Rollout/shop/checkout';

export function describeTimersContract(name: string, open: () => Promise<TimersHarness>): void {
  describe(`Timers contract: ${name}`, () => {
    let harness: TimersHarness | undefined;
    afterEach(async () => {
      await harness?.close();
      harness = undefined;
    });

    it('fires once, as TimerFired, no earlier than due, even when scheduled twice', async () => {
      harness = await open();
      const fireAt = Date.now() + 1_500;
      const timer = { key: KEY, timerId: 'pause', generation: 2, fireAt };
      await harness.timers.schedule(timer);
      await harness.timers.schedule(timer);
      await harness.timers.schedule({ ...timer, timerId: 'other', fireAt: Date.now() + 100 });
      const deadline = Date.now() + 10_000;
      while (
        harness.delivered().filter((d) => d.message.event['timerId'] === 'pause').length === 0 &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 1_200)); // room for a wrong second delivery
      const pause = harness.delivered().filter((d) => d.message.event['timerId'] === 'pause');
      expect(pause.length).toBe(1);
      expect(pause[0]!.at).toBeGreaterThanOrEqual(fireAt);
      expect(pause[0]!.message).toEqual({
        id: `${KEY}/timer/pause/2`,
        key: KEY,
        at: fireAt,
        event: { type: 'TimerFired', timerId: 'pause', generation: 2, fireAt },
      });
      expect(harness.delivered().map((d) => d.message.event['timerId'])).toEqual([
        'other',
        'pause',
      ]);
    });
  });
}
