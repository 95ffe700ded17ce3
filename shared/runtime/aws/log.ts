import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../../core/log.js';

/** The core's Log on Powertools' structured logger (level from POWERTOOLS_LOG_LEVEL). */
export function powertoolsLog(serviceName: string): Log {
  const logger = new Logger({ serviceName });
  return {
    debug: (message, fields) => logger.debug(message, { ...fields }),
    info: (message, fields) => logger.info(message, { ...fields }),
    warn: (message, fields) => logger.warn(message, { ...fields }),
    error: (message, fields) => logger.error(message, { ...fields }),
  };
}
