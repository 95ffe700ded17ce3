import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelSecrets } from '../../shared/adapters/local/level-secrets.js';
import { SecretNotFoundError } from '../../shared/core/ports.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('embedded secrets store', () => {
  it('puts, gets by key, lists by label, deletes, and keeps them across a reopen', async () => {
    const path = await mkdtemp(join(tmpdir(), 'argosls-secrets-'));
    dirs.push(path);
    const a = await LevelSecrets.open({ path });
    const cluster = { 'argocd.argoproj.io/secret-type': 'cluster' };
    await a.put({
      name: 'prod',
      namespace: 'argocd',
      labels: cluster,
      data: { name: 'prod', server: 'https://prod' },
    });
    await a.put({
      name: 'repo',
      namespace: 'argocd',
      labels: { 'argocd.argoproj.io/secret-type': 'repository' },
      data: { url: 'https://git' },
    });
    await a.close();
    const b = await LevelSecrets.open({ path });
    expect(await b.get({ name: 'prod', namespace: 'argocd', key: 'server' })).toBe('https://prod');
    expect((await b.listByLabel(cluster)).map((s) => s.name)).toEqual(['prod']);
    expect((await b.listByLabel({})).length).toBe(2);
    await expect(b.get({ name: 'prod', namespace: 'argocd', key: 'token' })).rejects.toBeInstanceOf(
      SecretNotFoundError,
    );
    await expect(b.get({ name: 'nope', namespace: 'argocd', key: 'x' })).rejects.toThrow(
      /argocd\/nope or its key "x" does not exist/,
    );
    expect(await b.delete('argocd', 'prod')).toBe(true);
    expect(await b.delete('argocd', 'prod')).toBe(false);
    expect(await b.listByLabel(cluster)).toEqual([]);
    await b.close();
  });
});
