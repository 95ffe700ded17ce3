/**
 * Timers on AWS without a scheduler: a timer is a message on a standard "timers" queue delayed by
 * DelaySeconds (at most 900 s). Its consumer forwards a due timer to the commands queue and sends
 * one that is not yet due back for another hop, so any duration works with one queue, and the
 * AWS-protocol stand-in (fauxqs) can test all of it. A day-long timer costs 96 hops.
 */
import type { BatchHandler, Clock, Outbox, QueueCodec, Timer, Timers } from '../../core/ports.js';
import type { Message } from '../../core/types.js';
import { timerMessageId } from '../../core/types.js';
import { timerMessage } from '../../core/timers.js';

export const MAX_HOP_SECONDS = 900;

export const timerCodec: QueueCodec<Timer> = {
  id: (t) => timerMessageId(t.key, t.timerId, t.generation),
  group: (t) => t.key,
  encode: (t) => JSON.stringify(t),
  decode: (s) => JSON.parse(s) as Timer,
};

/** The DelaySeconds for the next hop of a timer (0 when due). */
export function hopDelaySeconds(timer: Timer, now: number): number {
  return Math.max(0, Math.min(MAX_HOP_SECONDS, Math.ceil((timer.fireAt - now) / 1000)));
}

export class SqsTimers implements Timers {
  /** `timers` must be an SqsOutbox built with `delaySeconds: (t) => hopDelaySeconds(t, clock.now())`. */
  constructor(private readonly timers: Outbox<Timer>) {}

  async schedule(timer: Timer): Promise<void> {
    await this.timers.send([timer]);
  }
}

/** The timers queue's consumer. */
export function forwardDueTimers(deps: {
  clock: Clock;
  commands: Outbox<Message>;
  timers: Outbox<Timer>;
}): BatchHandler<Timer> {
  return async (batch) => {
    const now = deps.clock.now();
    const due: Message[] = [];
    const notYet: Timer[] = [];
    for (const { body: timer } of batch) {
      if (hopDelaySeconds(timer, now) > 0) notYet.push(timer);
      else due.push(timerMessage(timer));
    }
    // A failure throws and the whole batch is redelivered: forwarding twice is harmless, the
    // TimerFired id is the same and the commands queue and runner deduplicate it.
    if (notYet.length > 0) await deps.timers.send(notYet);
    if (due.length > 0) await deps.commands.send(due);
    return { failed: [] };
  };
}
