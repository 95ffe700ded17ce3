/**
 * Embedded timers: a TimerFired message put on the commands queue, delayed until the timer is
 * due. The queue persists it, so a timer survives a restart (the persistent timer wheel).
 */
import type { Timer, Timers } from '../../core/ports.js';
import type { Message } from '../../core/types.js';
import type { LocalQueue } from './local-queue.js';
import { timerMessage } from '../../core/timers.js';

export class LocalTimers implements Timers {
  constructor(private readonly commands: LocalQueue<Message>) {}

  async schedule(timer: Timer): Promise<void> {
    await this.commands.sendDelayed([timerMessage(timer)], timer.fireAt);
  }
}
