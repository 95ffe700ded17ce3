/**
 * Embedded timers: a TimerFired message put on the commands queue, delayed until the timer is
 * due. The queue persists it, so a timer survives a restart (the persistent timer wheel).
 */
import type { Timer, Timers } from '../../core/ports.js';
import type { Message } from '../../core/types.js';
import { CoreEvents, timerMessageId } from '../../core/types.js';
import type { LocalQueue } from './local-queue.js';

export class LocalTimers implements Timers {
  constructor(private readonly commands: LocalQueue<Message>) {}

  async schedule(timer: Timer): Promise<void> {
    const message: Message = {
      id: timerMessageId(timer.key, timer.timerId, timer.generation),
      key: timer.key,
      // Stamped with its due time: delivery is at or after it, and replay must not depend on
      // how late the process was to fire it.
      at: timer.fireAt,
      event: {
        type: CoreEvents.TimerFired,
        timerId: timer.timerId,
        generation: timer.generation,
        fireAt: timer.fireAt,
      },
    };
    await this.commands.sendDelayed([message], timer.fireAt);
  }
}
