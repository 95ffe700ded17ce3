import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startSimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import type { SimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import { kubectl } from '../support/kubectl.js';
import { tempDirs } from '../support/temp-dirs.js';

const tempDir = tempDirs('argosls-kubectl');
let sim: SimCluster;
let kubeconfig: string;

beforeAll(async () => {
  sim = await startSimCluster();
  kubeconfig = join(await tempDir(), 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig);
});
afterAll(async () => sim.stop());

const deployment = (image: string) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: { app: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: ${image}
`;

describe('real kubectl v1.33 against the simulated cluster', () => {
  it('lists the namespaces that exist from the start', async () => {
    const out = await kubectl(kubeconfig, ['get', 'namespaces', '-o', 'name']);
    expect(out.split('\n').filter(Boolean).sort()).toEqual([
      'namespace/default',
      'namespace/kube-public',
      'namespace/kube-system',
    ]);
  });

  it('apply creates, apply again configures (strategic merge), get reads it back, delete removes it', async () => {
    expect(
      await kubectl(kubeconfig, ['apply', '--validate=false', '-f', '-'], deployment('nginx:1.27')),
    ).toMatch(/deployment.apps\/web created/);
    expect(
      await kubectl(kubeconfig, ['apply', '--validate=false', '-f', '-'], deployment('nginx:1.28')),
    ).toMatch(/deployment.apps\/web configured/);
    const got = JSON.parse(await kubectl(kubeconfig, ['get', 'deploy', 'web', '-o', 'json'])) as {
      metadata: { generation: number };
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(got.spec.template.spec.containers[0]?.image).toBe('nginx:1.28');
    expect(got.metadata.generation).toBe(2);
    expect(await kubectl(kubeconfig, ['get', 'deployments', '-l', 'app=web', '-o', 'name'])).toBe(
      'deployment.apps/web\n',
    );
    expect(await kubectl(kubeconfig, ['delete', 'deployment', 'web'])).toMatch(/deleted/);
    await expect(kubectl(kubeconfig, ['get', 'deployment', 'web'])).rejects.toThrow(
      /NotFound|not found/,
    );
  });

  it('rollout status completes, pods run, set image rolls to a new ReplicaSet', async () => {
    await kubectl(
      kubeconfig,
      ['apply', '--validate=false', '-f', '-'],
      deployment('nginx:1.27').replace('name: web', 'name: shop'),
    );
    expect(
      await kubectl(kubeconfig, ['rollout', 'status', 'deployment/shop', '--timeout=60s']),
    ).toMatch(/successfully rolled out/);
    const phases = await kubectl(kubeconfig, [
      'get',
      'pods',
      '-l',
      'app=web',
      '-o',
      'jsonpath={.items[*].status.phase}',
    ]);
    expect(phases.split(' ').filter(Boolean)).toEqual(['Running', 'Running']);
    await kubectl(kubeconfig, ['set', 'image', 'deployment/shop', 'web=nginx:1.29']);
    expect(
      await kubectl(kubeconfig, ['rollout', 'status', 'deployment/shop', '--timeout=60s']),
    ).toMatch(/successfully rolled out/);
    const images = await kubectl(kubeconfig, [
      'get',
      'pods',
      '-l',
      'app=web',
      '-o',
      'jsonpath={.items[*].spec.containers[0].image}',
    ]);
    expect(images.split(' ').filter(Boolean)).toEqual(['nginx:1.29', 'nginx:1.29']);
    const sets = await kubectl(kubeconfig, [
      'get',
      'rs',
      '-o',
      'jsonpath={.items[*].spec.replicas}',
    ]);
    expect(sets.split(' ').sort()).toEqual(['0', '2']);
    expect(await kubectl(kubeconfig, ['scale', 'deployment/shop', '--replicas=3'])).toMatch(
      /scaled/,
    );
    expect(
      await kubectl(kubeconfig, ['rollout', 'status', 'deployment/shop', '--timeout=60s']),
    ).toMatch(/successfully rolled out/);
    const running = await kubectl(kubeconfig, [
      'get',
      'pods',
      '-l',
      'app=web',
      '-o',
      'jsonpath={.items[*].status.phase}',
    ]);
    expect(running.split(' ')).toEqual(['Running', 'Running', 'Running']);
  });
});
