/** Lambda: the effect worker, consuming the effects queue. */
import { awsPorts, effectsHandler } from '../shared/runtime/aws/wiring.js';
import { configFromEnv } from '../shared/runtime/aws/config.js';
import { lazyHandler } from '../shared/runtime/aws/lazy.js';
import { powertoolsLog } from '../shared/runtime/aws/log.js';
import { secretsOnAws } from '../shared/runtime/aws/secrets.js';
import { eventDepsOnAws } from '../shared/runtime/aws/subsystems.js';
import { deployedEffectHandlers } from '../shared/runtime/registry.js';

export const handler = lazyHandler(() => {
  const config = configFromEnv();
  const ports = awsPorts(config);
  return effectsHandler(
    ports,
    deployedEffectHandlers(eventDepsOnAws(ports)),
    secretsOnAws(config),
    {
      log: powertoolsLog('effects'),
    },
  );
});
