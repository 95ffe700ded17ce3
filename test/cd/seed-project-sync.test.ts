/**
 * The seed AppProject (../shared/corpus/seeds/appproject.yaml) as the Application machine applies
 * it at sync: a destination or a kind it does not allow is refused before anything is written,
 * and what it allows syncs. (Its roles are checked through the API in test/api/rbac.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/objects.js';
import { parseYamlDocuments } from '../../shared/resources/yaml.js';
import { AppDriver, application, configMap } from './app-harness.js';

const seed = parseYamlDocuments(
  readFileSync(new URL('../../../shared/corpus/seeds/appproject.yaml', import.meta.url), 'utf8'),
)[0] as KubeObject;
const KEY = 'in-cluster/Application/argocd/web';
const SHA = 'c'.repeat(40);
const REPO = 'https://github.com/myorg/k8s-configs.git';

function driver(destinationNamespace: string, manifests: KubeObject[]) {
  const d = new AppDriver(
    KEY,
    application({
      project: 'production',
      source: { repoURL: REPO, targetRevision: 'main', path: 'app' },
      destination: { server: 'https://kubernetes.default.svc', namespace: destinationNamespace },
    }),
  );
  d.cp.objects.set('in-cluster/AppProject/argocd/production', seed);
  d.git.commit('main', SHA, manifests);
  return d;
}

const quota: KubeObject = {
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'quota' },
  spec: { hard: { pods: '10' } },
};

describe('the seed AppProject at sync', () => {
  it('refuses a destination namespace it does not list, writing nothing', async () => {
    const d = driver('staging', [configMap('cfg', { a: '1' })]);
    await d.settle();
    await d.send({ type: 'Sync' });
    expect(d.status().operationState).toMatchObject({
      phase: 'Failed',
      message: expect.stringContaining(
        "namespace 'staging' do not match any of the allowed destinations in project 'production'",
      ),
    });
    expect(d.kube.calls).toEqual([]);
  });

  it('refuses a blacklisted kind (ResourceQuota), writing nothing', async () => {
    const d = driver('production-eu', [configMap('cfg', { a: '1' }), quota]);
    await d.settle();
    await d.send({ type: 'Sync' });
    expect(d.status().operationState).toMatchObject({
      phase: 'Failed',
      message: 'one or more synchronization tasks are not valid',
    });
    const results = d.status().operationState!.syncResult!.resources as {
      kind: string;
      status: string;
      message: string;
    }[];
    expect(results.find((r) => r.kind === 'ResourceQuota')).toMatchObject({
      status: 'SyncFailed',
      message: 'resource :ResourceQuota is not permitted in project production',
    });
    expect(d.kube.calls).toEqual([]);
  });

  it('syncs what it allows (a destination matching production-*)', async () => {
    const d = driver('production-eu', [configMap('cfg', { a: '1' })]);
    await d.settle();
    await d.send({ type: 'Sync' });
    expect(d.status().operationState).toMatchObject({ phase: 'Succeeded' });
    expect(d.kube.calls.length).toBeGreaterThan(0);
  });
});
