/**
 * Lambda: the HTTP API (apply, list, get, patch, delete, events, version) behind API Gateway, which
 * authenticates callers (IAM or JWT). Writes go to the commands queue; see shared/runtime/aws/api.ts.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsPorts } from '../shared/runtime/aws/wiring.js';
import { configFromEnv } from '../shared/runtime/aws/config.js';
import { lazyHandler } from '../shared/runtime/aws/lazy.js';
import { powertoolsLog } from '../shared/runtime/aws/log.js';
import { API_DEFAULT_WAIT_MS, AwsControlPlane, apiHandler } from '../shared/runtime/aws/api.js';
import { SecretsManagerWriter } from '../shared/runtime/aws/secrets-writer.js';
import { kindMachines } from '../shared/runtime/registry.js';

export const handler = lazyHandler(() => {
  const config = configFromEnv();
  const ports = awsPorts(config);
  const secrets = new SecretsManagerWriter({
    client: new SecretsManagerClient({ region: config.region ?? 'us-east-1' }),
    ...(config.secretsPrefix ? { prefix: config.secretsPrefix } : {}),
  });
  return apiHandler(
    new AwsControlPlane({
      store: ports.store,
      commands: ports.commands,
      kinds: kindMachines,
      secrets,
      clock: ports.clock,
    }),
    {
      version: process.env['API_VERSION'] ?? 'unknown',
      log: powertoolsLog('api'),
      defaultWaitMs: Number(process.env['API_WAIT_MS'] ?? API_DEFAULT_WAIT_MS),
    },
  );
});
