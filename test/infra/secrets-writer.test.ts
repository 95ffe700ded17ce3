/**
 * Secrets applied through the API on AWS land in Secrets Manager under the deployment's prefix,
 * in the layout the functions read (JSON keys, labels as tags). The client is a fake that keeps
 * secrets as Secrets Manager would and raises its exceptions.
 */
import { describe, expect, it } from 'vitest';
import {
  ResourceExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerWriter } from '../../shared/runtime/aws/secrets-writer.js';

type Input = Record<string, unknown> & { SecretId?: string; Name?: string };
type Tag = { Key: string; Value: string };

function fakeClient() {
  const secrets = new Map<string, { value: string; tags: Tag[] }>();
  const missing = () => new ResourceNotFoundException({ message: 'not found', $metadata: {} });
  const send = (command: { constructor: { name: string }; input: Input }) => {
    const input = command.input;
    const id = (input.SecretId ?? input.Name)!;
    const s = secrets.get(id);
    switch (command.constructor.name) {
      case 'CreateSecretCommand':
        if (s) throw new ResourceExistsException({ message: 'exists', $metadata: {} });
        secrets.set(id, {
          value: input['SecretString'] as string,
          tags: (input['Tags'] as Tag[]) ?? [],
        });
        return {};
      case 'PutSecretValueCommand':
        if (!s) throw missing();
        s.value = input['SecretString'] as string;
        return {};
      case 'DescribeSecretCommand':
        if (!s) throw missing();
        return { Name: id, Tags: s.tags };
      case 'TagResourceCommand':
        for (const t of input['Tags'] as Tag[]) {
          s!.tags = [...s!.tags.filter((x) => x.Key !== t.Key), t];
        }
        return {};
      case 'UntagResourceCommand':
        s!.tags = s!.tags.filter((t) => !(input['TagKeys'] as string[]).includes(t.Key));
        return {};
      case 'DeleteSecretCommand':
        if (!s) throw missing();
        secrets.delete(id);
        return {};
      case 'GetSecretValueCommand':
        if (!s) throw missing();
        return { Name: id, SecretString: s.value };
      default:
        throw new Error(`unexpected ${command.constructor.name}`);
    }
  };
  return {
    secrets,
    client: {
      send: (c: never) => Promise.resolve().then(() => send(c)),
    } as unknown as SecretsManagerClient,
  };
}

describe('Secrets applied through the API on AWS', () => {
  it('creates <prefix><namespace>/<name> with the keys as JSON and the labels as tags', async () => {
    const { secrets, client } = fakeClient();
    const writer = new SecretsManagerWriter({ client, prefix: 'team/' });
    await writer.put({
      namespace: 'argocd',
      name: 'repo',
      labels: { 'argocd.argoproj.io/secret-type': 'repository' },
      data: { password: 'p1' },
    });
    expect(secrets.get('team/argocd/repo')).toEqual({
      value: '{"password":"p1"}',
      tags: [{ Key: 'argocd.argoproj.io/secret-type', Value: 'repository' }],
    });
    expect(await writer.get({ namespace: 'argocd', name: 'repo', key: 'password' })).toBe('p1');
  });

  it('applying again replaces the value and the labels as a whole', async () => {
    const { secrets, client } = fakeClient();
    const writer = new SecretsManagerWriter({ client });
    await writer.put({ namespace: 'ns', name: 's', labels: { a: '1', b: '2' }, data: { k: 'v1' } });
    await writer.put({ namespace: 'ns', name: 's', labels: { b: '3' }, data: { k: 'v2' } });
    expect(secrets.get('argo-serverless/ns/s')).toEqual({
      value: '{"k":"v2"}',
      tags: [{ Key: 'b', Value: '3' }],
    });
    // Read straight after the write: no stale cached value.
    expect(await writer.get({ namespace: 'ns', name: 's', key: 'k' })).toBe('v2');
  });

  it('deletes at once and says whether there was a secret', async () => {
    const { secrets, client } = fakeClient();
    const writer = new SecretsManagerWriter({ client });
    await writer.put({ namespace: 'ns', name: 's', labels: {}, data: { k: 'v' } });
    expect(await writer.delete('ns', 's')).toBe(true);
    expect(secrets.size).toBe(0);
    expect(await writer.delete('ns', 's')).toBe(false);
  });
});
