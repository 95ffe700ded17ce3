/** Lambda: the machine runner, consuming the commands FIFO queue. */
import { awsPorts, controllerHandler } from '../shared/runtime/aws/wiring.js';
import { configFromEnv } from '../shared/runtime/aws/config.js';
import { lazyHandler } from '../shared/runtime/aws/lazy.js';
import { powertoolsLog } from '../shared/runtime/aws/log.js';
import { kindMachines } from '../shared/runtime/registry.js';

export const handler = lazyHandler(() =>
  controllerHandler(awsPorts(configFromEnv()), kindMachines, { log: powertoolsLog('controller') }),
);
