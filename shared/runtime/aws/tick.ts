/**
 * functions/tick: the reconcile backstop. Each Application arms its own reconcile timer (Argo
 * CD's `timeout.reconciliation`, 120 s plus jitter); an EventBridge rule invokes this every
 * `tickMinutes` (default 15) and it sends a `Refresh` command to every resource of the kinds
 * that Argo reconciles periodically (TICK_KINDS, default `Application`), so a timer lost to an
 * outage costs at most one tick, never the resource's reconciliation for good.
 *
 * Why a function and not the commands queue as the rule's target: a rule sends one fixed message
 * to one message group, while a tick must fan out to one message per resource (their keys are
 * the groups), which needs the table's index.
 */
import type { ScheduledEvent } from 'aws-lambda';
import type { Clock, CommandQueue, IndexEntry } from '../../core/ports.js';
import type { Message } from '../../core/types.js';
import type { Log } from '../../core/log.js';
import { silentLog } from '../../core/log.js';

/** The event a tick delivers (the Application machine refreshes from git and compares). */
export const REFRESH_EVENT = 'Refresh';
export const DEFAULT_TICK_KINDS = ['Application'];

export interface TickDeps {
  list: (kind: string) => Promise<IndexEntry[]>;
  commands: CommandQueue;
  clock: Clock;
  kinds: readonly string[];
  log?: Log;
}

/** TICK_KINDS: a comma-separated list of kinds. */
export function tickKindsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const kinds = (env['TICK_KINDS'] ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  return kinds.length > 0 ? kinds : DEFAULT_TICK_KINDS;
}

export function tickHandler(deps: TickDeps) {
  const log = deps.log ?? silentLog;
  return async (event: Pick<ScheduledEvent, 'id' | 'time'>): Promise<{ refreshed: number }> => {
    const at = deps.clock.now();
    const messages: Message[] = [];
    for (const kind of deps.kinds) {
      for (const entry of await deps.list(kind)) {
        messages.push({
          // EventBridge delivers at least once: a second delivery of one tick (same event id)
          // is deduplicated by the FIFO queue.
          id: `tick:${event.id}:${entry.key}`,
          key: entry.key,
          at,
          event: { type: REFRESH_EVENT, reason: 'reconcile tick', scheduledAt: event.time },
        });
      }
    }
    await deps.commands.send(messages);
    log.info('reconcile tick', { refreshed: messages.length, kinds: deps.kinds.join(',') });
    return { refreshed: messages.length };
  };
}
