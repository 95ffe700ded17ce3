import type { Clock } from '../../shared/core/ports.js';

/** A clock only the test moves: timers come due when it says so, never by waiting. */
export class ManualClock implements Clock {
  constructor(private ms: number) {}

  now(): number {
    return this.ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}
