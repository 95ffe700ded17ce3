/** Lambda: records from a Kafka event source mapping (MSK or self-managed) -> the Sensors. */
import { awsPorts } from '../shared/runtime/aws/wiring.js';
import { configFromEnv } from '../shared/runtime/aws/config.js';
import { lazyHandler } from '../shared/runtime/aws/lazy.js';
import { powertoolsLog } from '../shared/runtime/aws/log.js';
import { kafkaHandler } from '../shared/runtime/aws/events.js';

export const handler = lazyHandler(() =>
  kafkaHandler(awsPorts(configFromEnv()), powertoolsLog('ingest-kafka')),
);
