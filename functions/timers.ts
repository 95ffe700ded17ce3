/** Lambda: forwards due timers from the timers queue to the commands queue. */
import { awsPorts, timersHandler } from '../shared/runtime/aws/wiring.js';
import { configFromEnv } from '../shared/runtime/aws/config.js';
import { lazyHandler } from '../shared/runtime/aws/lazy.js';
import { powertoolsLog } from '../shared/runtime/aws/log.js';

export const handler = lazyHandler(() =>
  timersHandler(awsPorts(configFromEnv()), powertoolsLog('timers')),
);
