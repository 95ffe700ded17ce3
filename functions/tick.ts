/** Lambda: the reconcile tick (EventBridge rule) -> a Refresh command per Application. */
import { awsPorts } from '../shared/runtime/aws/wiring.js';
import { configFromEnv } from '../shared/runtime/aws/config.js';
import { lazyHandler } from '../shared/runtime/aws/lazy.js';
import { powertoolsLog } from '../shared/runtime/aws/log.js';
import { tickHandler, tickKindsFromEnv } from '../shared/runtime/aws/tick.js';

export const handler = lazyHandler(() => {
  const ports = awsPorts(configFromEnv());
  return tickHandler({
    list: (kind) => ports.store.listIndex(kind),
    commands: ports.commands,
    clock: ports.clock,
    kinds: tickKindsFromEnv(),
    log: powertoolsLog('tick'),
  });
});
