/** The Secrets Manager adapter with the real SDK client against a JSON 1.1 protocol stand-in. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecrets } from '../../shared/adapters/aws/secrets-manager.js';
import { SecretNotFoundError } from '../../shared/core/ports.js';
import { startSecretsManagerStandIn } from '../support/secrets-manager-stand-in.js';
import { testCredentials } from '../support/dynalite.js';

let standIn: Awaited<ReturnType<typeof startSecretsManagerStandIn>>;
let secrets: SecretsManagerSecrets;
let now = 0;

beforeAll(async () => {
  const cluster = { 'argocd.argoproj.io/secret-type': 'cluster' };
  standIn = await startSecretsManagerStandIn([
    { name: 'argo-serverless/argo-events/github-webhook-secret', value: '{"secret":"s3cr3t"}' },
    {
      name: 'argo-serverless/argocd/prod',
      value: '{"name":"prod","server":"https://prod"}',
      tags: cluster,
    },
    {
      name: 'argo-serverless/argocd/repo',
      value: '{"url":"https://git"}',
      tags: { 'argocd.argoproj.io/secret-type': 'repository' },
    },
    { name: 'someone-else/argocd/other', value: '{"x":"1"}', tags: cluster },
  ]);
  secrets = new SecretsManagerSecrets({
    client: new SecretsManagerClient({
      endpoint: standIn.endpoint,
      region: 'us-east-1',
      credentials: testCredentials,
    }),
    now: () => now,
  });
});
afterAll(async () => standIn?.stop());

describe('Secrets Manager secrets', () => {
  it('reads a key of <prefix><namespace>/<name>', async () => {
    expect(
      await secrets.get({ namespace: 'argo-events', name: 'github-webhook-secret', key: 'secret' }),
    ).toBe('s3cr3t');
  });

  it('a missing secret or key is SecretNotFoundError', async () => {
    await expect(
      secrets.get({ namespace: 'argo-events', name: 'nope', key: 'x' }),
    ).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(
      secrets.get({ namespace: 'argo-events', name: 'github-webhook-secret', key: 'other' }),
    ).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it('lists by label from tags, only under its prefix', async () => {
    const found = await secrets.listByLabel({ 'argocd.argoproj.io/secret-type': 'cluster' });
    expect(found).toEqual([
      {
        namespace: 'argocd',
        name: 'prod',
        labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
        data: { name: 'prod', server: 'https://prod' },
      },
    ]);
  });

  it('reuses a value for a minute, then reads it again', async () => {
    const before = standIn.calls();
    await secrets.get({ namespace: 'argo-events', name: 'github-webhook-secret', key: 'secret' });
    expect(standIn.calls()).toBe(before);
    now += 61_000;
    await secrets.get({ namespace: 'argo-events', name: 'github-webhook-secret', key: 'secret' });
    expect(standIn.calls()).toBe(before + 1);
  });
});
