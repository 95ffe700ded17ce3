import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientNodeKubernetes } from '../../shared/adapters/kubernetes/client-node-kubernetes.js';
import { simClient } from '../support/sim-kube.js';
import { startSimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import type { SimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import { POD_ANNOTATIONS } from '../../shared/adapters/local/sim-cluster/controllers.js';
import type { KubeObject } from '../../shared/core/objects.js';

let sim: SimCluster;
let k8s: ClientNodeKubernetes;

beforeAll(async () => {
  sim = await startSimCluster({ controllers: { podStartMs: 30, podRunMs: 100, tickMs: 10 } });
  ({ k8s } = simClient(sim));
});
afterAll(async () => sim.stop());

async function until<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const deployment = (image: string, replicas = 3): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image }] },
    },
  },
});

type DeploymentStatus = {
  availableReplicas?: number;
  updatedReplicas?: number;
  replicas?: number;
  conditions?: { type: string; status: string; reason: string }[];
};
const statusOf = (o: KubeObject | undefined) => (o?.status ?? {}) as DeploymentStatus;
const condition = (o: KubeObject | undefined, type: string) =>
  statusOf(o).conditions?.find((c) => c.type === type);
const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'default' };

describe('simulated controllers, observed through the Kubernetes port', () => {
  it('a Deployment becomes Available with all replicas Running, and an image change rolls to a new ReplicaSet', async () => {
    await k8s.apply(deployment('nginx:1.27'));
    const ready = await until(
      'available',
      () => k8s.get(ref),
      (d) =>
        condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' &&
        statusOf(d).availableReplicas === 3,
    );
    expect(condition(ready, 'Available')?.status).toBe('True');
    const pods = await k8s.list('v1', 'Pod', { namespace: 'default', labelSelector: 'app=web' });
    expect(pods.map((p) => (p.status as { phase: string }).phase)).toEqual([
      'Running',
      'Running',
      'Running',
    ]);
    const firstRs = (await k8s.list('apps/v1', 'ReplicaSet', { namespace: 'default' })).map(
      (r) => r.metadata.name,
    );
    expect(firstRs.length).toBe(1);

    await k8s.apply(deployment('nginx:1.28'));
    await until(
      'rolled',
      () => k8s.get(ref),
      (d) =>
        (d?.status as { observedGeneration?: number } | undefined)?.observedGeneration === 2 &&
        condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' &&
        statusOf(d).updatedReplicas === 3 &&
        statusOf(d).replicas === 3,
    );
    const sets = await k8s.list('apps/v1', 'ReplicaSet', { namespace: 'default' });
    const byName = Object.fromEntries(
      sets.map((s) => [s.metadata.name, (s.spec as { replicas: number }).replicas]),
    );
    expect(Object.keys(byName).length).toBe(2);
    expect(byName[firstRs[0]!]).toBe(0);
    const images = (
      await k8s.list('v1', 'Pod', { namespace: 'default', labelSelector: 'app=web' })
    ).map((p) => (p.spec as { containers: { image: string }[] }).containers[0]!.image);
    expect(images).toEqual(['nginx:1.28', 'nginx:1.28', 'nginx:1.28']);
  });

  it('a pod the kubelet fails with exit code 1 reads as Failed, with its exit code', async () => {
    await k8s.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'step',
        namespace: 'default',
        annotations: { [POD_ANNOTATIONS.exitCode]: '1' },
      },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'alpine' }] },
    });
    const pod = await until(
      'failed',
      () => k8s.get({ apiVersion: 'v1', kind: 'Pod', name: 'step', namespace: 'default' }),
      (p) => (p?.status as { phase?: string })?.phase === 'Failed',
    );
    expect(
      (pod?.status as { containerStatuses: { state: unknown }[] }).containerStatuses[0]?.state,
    ).toMatchObject({ terminated: { exitCode: 1, reason: 'Error' } });
  });

  it('bare pods succeed; OOMKilled is exit 137', async () => {
    const pod = (name: string, annotations: Record<string, string>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', annotations },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'alpine' }] },
    });
    await k8s.create(pod('ok', {}));
    await k8s.create(pod('oom', { [POD_ANNOTATIONS.oom]: 'true' }));
    const get = (name: string) =>
      k8s.get({ apiVersion: 'v1', kind: 'Pod', name, namespace: 'default' });
    const phase = (p: KubeObject | undefined) => (p?.status as { phase?: string })?.phase;
    expect(
      phase(
        await until(
          'ok',
          () => get('ok'),
          (p) => ['Succeeded', 'Failed'].includes(phase(p) ?? ''),
        ),
      ),
    ).toBe('Succeeded');
    const oom = await until(
      'oom',
      () => get('oom'),
      (p) => phase(p) === 'Failed',
    );
    expect(
      (oom?.status as { containerStatuses: { state: unknown }[] }).containerStatuses[0]?.state,
    ).toMatchObject({ terminated: { exitCode: 137, reason: 'OOMKilled' } });
  });

  it('a Deployment whose pods never become ready reports ProgressDeadlineExceeded', async () => {
    await k8s.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'stuck', namespace: 'default' },
      spec: {
        replicas: 1,
        progressDeadlineSeconds: 1,
        selector: { matchLabels: { app: 'stuck' } },
        template: {
          metadata: {
            labels: { app: 'stuck' },
            annotations: { [POD_ANNOTATIONS.startSeconds]: '3600' },
          },
          spec: { containers: [{ name: 'c', image: 'never' }] },
        },
      },
    });
    const d = await until(
      'deadline',
      () => k8s.get({ ...ref, name: 'stuck' }),
      (x) => condition(x, 'Progressing')?.reason === 'ProgressDeadlineExceeded',
    );
    expect(condition(d, 'Available')?.status).toBe('False');
  });

  it('a Job runs its completions and reports Complete; a failing one stops at its backoffLimit', async () => {
    const job = (
      name: string,
      spec: Record<string, unknown>,
      annotations: Record<string, string> = {},
    ): KubeObject => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: 'default' },
      spec: {
        ...spec,
        template: {
          metadata: { annotations },
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] },
        },
      },
    });
    const get = (name: string) =>
      k8s.get({ apiVersion: 'batch/v1', kind: 'Job', name, namespace: 'default' });
    const conditions = (j: KubeObject | undefined) =>
      (j?.status as { conditions?: { type: string; reason?: string }[] })?.conditions ?? [];
    await k8s.create(job('twice', { completions: 2, parallelism: 1 }));
    const done = await until(
      'complete',
      () => get('twice'),
      (j) => conditions(j).some((c) => c.type === 'Complete'),
    );
    expect(done?.status).toMatchObject({ succeeded: 2, active: 0 });
    expect(
      (await k8s.list('v1', 'Pod', { namespace: 'default', labelSelector: 'job-name=twice' }))
        .length,
    ).toBe(2);

    await k8s.create(job('broken', { backoffLimit: 1 }, { [POD_ANNOTATIONS.exitCode]: '2' }));
    const failed = await until(
      'failed',
      () => get('broken'),
      (j) => conditions(j).some((c) => c.type === 'Failed'),
    );
    expect(conditions(failed)[0]).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded' });
    expect(failed?.status).toMatchObject({ failed: 2 });
  });

  it('the scale subresource changes replicas, and the controllers follow', async () => {
    const res = await fetch(`${sim.url}/apis/apps/v1/namespaces/default/deployments/web/scale`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { replicas: 1 } }),
    });
    expect(await res.json()).toMatchObject({ kind: 'Scale', spec: { replicas: 1 } });
    await until(
      'scaled down',
      () => k8s.list('v1', 'Pod', { namespace: 'default', labelSelector: 'app=web' }),
      (pods) => pods.length === 1,
    );
  });
});
