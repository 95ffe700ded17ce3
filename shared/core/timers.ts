import type { Timer } from './ports.js';
import type { Message } from './types.js';
import { CoreEvents, timerMessageId } from './types.js';

/** The message a due timer becomes, the same for every Timers adapter. */
export function timerMessage(timer: Timer): Message {
  return {
    id: timerMessageId(timer.key, timer.timerId, timer.generation),
    key: timer.key,
    // The due time, not the delivery time: replay must not depend on how late it fired.
    at: timer.fireAt,
    event: {
      type: CoreEvents.TimerFired,
      timerId: timer.timerId,
      generation: timer.generation,
      fireAt: timer.fireAt,
    },
  };
}
