import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { simClient } from '../support/sim-kube.js';
import { startSimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import type { SimCluster } from '../../shared/adapters/local/sim-cluster/server.js';

let sim: SimCluster;
let kc: KubeConfig;
beforeAll(async () => {
  sim = await startSimCluster({ controllers: { podStartMs: 20, podRunMs: 50, tickMs: 10 } });
  ({ kc } = simClient(sim));
});
afterAll(async () => sim.stop());

const post = (path: string, body: unknown) =>
  fetch(sim.url + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('watch on the simulated cluster (client-node Watch)', () => {
  it('streams a pod from ADDED through its phases to DELETED', async () => {
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      void new Watch(kc).watch(
        '/api/v1/namespaces/default/pods',
        { fieldSelector: 'metadata.name=w1' },
        (type, obj: { status?: { phase?: string } }) => {
          seen.push(`${type}:${obj.status?.phase ?? ''}`);
          if (type === 'DELETED') resolve();
        },
        () => undefined,
      );
    });
    await new Promise((r) => setTimeout(r, 50));
    await post('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'w1' },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] },
    });
    await new Promise((r) => setTimeout(r, 300));
    await fetch(`${sim.url}/api/v1/namespaces/default/pods/w1`, { method: 'DELETE' });
    await done;
    expect(seen[0]).toBe('ADDED:');
    expect(seen).toContain('MODIFIED:Running');
    expect(seen).toContain('MODIFIED:Succeeded');
    expect(seen.at(-1)).toMatch(/^DELETED:/);
  });

  it('a resourceVersion older than the retained history is Expired (410); a recent one resumes', async () => {
    const small = await startSimCluster({ watchHistory: 5 });
    try {
      const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
      const make = (name: string) =>
        fetch(`${small.url}/api/v1/namespaces/default/configmaps`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(cm(name)),
        });
      const first = (await (await make('a')).json()) as { metadata: { resourceVersion: string } };
      for (const n of ['b', 'c', 'd', 'e', 'f', 'g']) await make(n);
      const expired = await fetch(
        `${small.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${first.metadata.resourceVersion}`,
      );
      const line = JSON.parse((await expired.text()).split('\n')[0]!) as {
        type: string;
        object: { code: number; reason: string };
      };
      expect(line).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
      const list = (await (
        await fetch(`${small.url}/api/v1/namespaces/default/configmaps`)
      ).json()) as { metadata: { resourceVersion: string } };
      const resumed = await fetch(
        `${small.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=1`,
      );
      await make('h');
      const lines = (await resumed.text())
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
      expect(lines.map((l) => `${l.type}:${l.object.metadata.name}`)).toEqual(['ADDED:h']);
    } finally {
      await small.stop();
    }
  });
});
