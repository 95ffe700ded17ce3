/**
 * The functions' Secrets: AWS Secrets Manager under the deployment's prefix (SECRETS_PREFIX,
 * default `argo-serverless/`): Secret `namespace/name` is `<prefix><namespace>/<name>`, its keys a
 * JSON object, its labels the tags (see shared/adapters/aws/secrets-manager.ts).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecrets } from '../../adapters/aws/secrets-manager.js';
import type { Secrets } from '../../core/ports.js';
import type { AwsConfig } from './config.js';

export function secretsOnAws(config: AwsConfig): Secrets {
  return new SecretsManagerSecrets({
    client: new SecretsManagerClient({
      region: config.region ?? 'us-east-1',
      ...(config.secretsManagerEndpoint ? { endpoint: config.secretsManagerEndpoint } : {}),
    }),
    ...(config.secretsPrefix ? { prefix: config.secretsPrefix } : {}),
  });
}
