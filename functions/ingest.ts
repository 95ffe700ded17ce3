/** Lambda: the ingress queue (webhook events, S3 notifications) -> the Sensors listening. */
import { awsPorts } from '../shared/runtime/aws/wiring.js';
import { configFromEnv } from '../shared/runtime/aws/config.js';
import { lazyHandler } from '../shared/runtime/aws/lazy.js';
import { powertoolsLog } from '../shared/runtime/aws/log.js';
import { ingestHandler } from '../shared/runtime/aws/events.js';

export const handler = lazyHandler(() =>
  ingestHandler(awsPorts(configFromEnv()), powertoolsLog('ingest')),
);
