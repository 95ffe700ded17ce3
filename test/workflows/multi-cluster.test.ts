/**
 * Beyond Argo (argoproj/argo-workflows#3523): a template may run its pods on another registered
 * cluster, named by the `workflows.argo-serverless.dev/cluster` annotation in its metadata (or in
 * the workflow's podMetadata for all of them). Clusters are registered the Argo CD way.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import type { SimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import { startEmbedded } from '../../shared/runtime/local/embedded.js';
import type { Embedded } from '../../shared/runtime/local/embedded.js';
import { CLUSTER_ANNOTATION } from '../../shared/workflows/operator.js';
import { simClient } from '../support/sim-kube.js';

let edge: SimCluster;
let embedded: Embedded;

beforeAll(async () => {
  edge = await startSimCluster({ controllers: { podStartMs: 0, podRunMs: 0, tickMs: 10 } });
  embedded = await startEmbedded({
    dataDir: await mkdtemp(join(tmpdir(), 'multi-')),
    durability: 'none',
    simulated: { controllers: { podStartMs: 0, podRunMs: 0, tickMs: 10 } },
  });
  await embedded.runtime.secrets.put({
    name: 'edge-cluster',
    namespace: 'argocd',
    labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
    data: {
      name: 'edge',
      server: edge.url,
      config: JSON.stringify({ bearerToken: 'edge-token', tlsClientConfig: { insecure: true } }),
    },
  });
});
afterAll(async () => {
  await embedded?.stop();
  await edge?.stop();
});

describe('multi-cluster workflows', () => {
  it(
    'a template annotated with a registered cluster runs its pod there; the others run at home',
    { timeout: 30_000 },
    async () => {
      const key = 'in-cluster/Workflow/default/spread';
      const object = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { name: 'spread', namespace: 'default' },
        spec: {
          entrypoint: 'main',
          templates: [
            {
              name: 'main',
              steps: [[{ name: 'home', template: 'here' }], [{ name: 'away', template: 'there' }]],
            },
            { name: 'here', container: { image: 'busybox', command: ['true'] } },
            {
              name: 'there',
              metadata: { annotations: { [CLUSTER_ANNOTATION]: 'edge' } },
              container: { image: 'busybox', command: ['true'] },
            },
          ],
        },
      };
      await embedded.runtime.submit([
        { id: 'w1', key, at: Date.now(), event: { type: 'Apply', object } },
      ]);
      let phase = '';
      for (let i = 0; i < 200 && !['Succeeded', 'Failed', 'Error'].includes(phase); i++) {
        await new Promise((r) => setTimeout(r, 50));
        phase =
          ((await embedded.runtime.get(key)).object?.['status'] as { phase?: string } | undefined)
            ?.phase ?? '';
      }
      expect(phase).toBe('Succeeded');
      const edgePods = await simClient(edge).k8s.list('v1', 'Pod', { namespace: 'default' });
      const homePods = await embedded.cluster.kubernetes.list('v1', 'Pod', {
        namespace: 'default',
      });
      expect(
        edgePods.map((p) => p.metadata.annotations?.['workflows.argoproj.io/node-name']),
      ).toEqual(['spread[1].away']);
      expect(
        homePods.map((p) => p.metadata.annotations?.['workflows.argoproj.io/node-name']),
      ).toEqual(['spread[0].home']);
      expect(edge.requests.some((r) => r.authorization === 'Bearer edge-token')).toBe(true);
      const status = (await embedded.runtime.get(key)).object?.['status'] as {
        nodes: Record<string, { displayName: string; cluster?: string }>;
      };
      const nodes = Object.values(status.nodes);
      expect(nodes.find((n) => n.displayName === 'away')?.cluster).toBe('edge');
      expect(nodes.find((n) => n.displayName === 'home')?.cluster).toBeUndefined();
    },
  );
});
