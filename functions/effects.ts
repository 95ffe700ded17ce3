/** Lambda: the effect worker, consuming the effects queue. */
import { awsPorts, effectsHandler } from '../shared/runtime/aws/wiring.js';
import { configFromEnv } from '../shared/runtime/aws/config.js';
import { lazyHandler } from '../shared/runtime/aws/lazy.js';
import { powertoolsLog } from '../shared/runtime/aws/log.js';
import { secretsOnAws } from '../shared/runtime/aws/secrets.js';
import { deployedSubsystemDeps } from '../shared/runtime/aws/subsystems.js';
import { kindMachines, subsystemEffectHandlers } from '../shared/runtime/registry.js';

export const handler = lazyHandler(() => {
  const config = configFromEnv();
  const ports = awsPorts(config);
  const secrets = secretsOnAws(config);
  return effectsHandler(
    ports,
    subsystemEffectHandlers(deployedSubsystemDeps(ports, kindMachines, config, secrets)),
    secrets,
    {
      log: powertoolsLog('effects'),
    },
  );
});
