import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientNodeKubernetes } from '../../shared/adapters/kubernetes/client-node-kubernetes.js';
import {
  startSimCluster,
  LOGS_ANNOTATION,
  PROXY_ANNOTATION,
} from '../../shared/adapters/local/sim-cluster/server.js';
import type { SimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import { simClient } from '../support/sim-kube.js';
import { KubernetesError } from '../../shared/core/kubernetes.js';
import type { KubeObject } from '../../shared/core/objects.js';
import { EffectWorker } from '../../shared/core/effects.js';
import type { Message } from '../../shared/core/types.js';
import { CollectingOutbox } from '../support/collecting-outbox.js';

let sim: SimCluster;
let k8s: ClientNodeKubernetes;

beforeAll(async () => {
  sim = await startSimCluster();
  ({ k8s } = simClient(sim));
});
afterAll(async () => sim.stop());

it('keeps connections alive across requests (client-node alone opens one per request)', async () => {
  await k8s.apply(configMap('keepalive', { a: '1' }));
  const before = sim.connections;
  for (let i = 0; i < 20; i++)
    await k8s.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'keepalive' });
  expect(sim.connections - before).toBeLessThanOrEqual(1);
});

it('watches a kind by label: added, modified, deleted, and nothing after stop', async () => {
  const seen: string[] = [];
  const handle = await k8s.watch(
    'v1',
    'ConfigMap',
    { namespace: 'default', labelSelector: 'watched=yes' },
    (type, o) =>
      seen.push(`${type} ${o.metadata.name} ${(o as { data?: { v?: string } }).data?.v}`),
  );
  await k8s.create(configMap('w1', { v: '1' }, { labels: { watched: 'yes' } }));
  await k8s.create(configMap('unwatched', { v: '1' }));
  await k8s.patch(
    { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'w1' },
    { data: { v: '2' } },
    'merge',
  );
  await k8s.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'w1' });
  await expect.poll(() => seen.length).toBe(3);
  expect(seen).toEqual(['ADDED w1 1', 'MODIFIED w1 2', 'DELETED w1 2']);
  handle.stop();
  await k8s.create(configMap('w2', { v: '1' }, { labels: { watched: 'yes' } }));
  await new Promise((r) => setTimeout(r, 200));
  expect(seen).toHaveLength(3);
});

it('lists by label through the label index as labels change and objects go', async () => {
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'indexed' };
  const names = async (selector: string) =>
    (await k8s.list('v1', 'ConfigMap', { namespace: 'default', labelSelector: selector })).map(
      (o) => o.metadata.name,
    );
  await k8s.create(configMap('indexed', {}, { labels: { tier: 'one', keep: 'yes' } }));
  expect(await names('tier=one')).toEqual(['indexed']);
  await k8s.patch(ref, { metadata: { labels: { tier: 'two' } } }, 'merge');
  expect(await names('tier=one')).toEqual([]);
  expect(await names('tier in (two,three),keep=yes')).toEqual(['indexed']);
  expect(await names('tier=two,keep!=yes')).toEqual([]);
  // Same label on another kind: not listed as a ConfigMap.
  await k8s.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'indexed', namespace: 'default', labels: { tier: 'two' } },
  });
  expect(await names('tier=two')).toEqual(['indexed']);
  await k8s.delete(ref);
  expect(await names('tier=two')).toEqual([]);
});

const configMap = (
  name: string,
  data: Record<string, string>,
  extra: Partial<KubeObject['metadata']> = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', ...extra },
  data,
});

const deployment = (name: string, image: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default', labels: { app: name } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          { name: 'web', image, ports: [{ containerPort: 80 }] },
          { name: 'sidecar', image: 'envoy:1' },
        ],
      },
    },
  },
});

const ref = (o: KubeObject) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  namespace: o.metadata.namespace!,
});

describe('Kubernetes port over client-node, against the simulated cluster over HTTP', () => {
  it('discovers resources and refuses kinds the cluster does not serve', async () => {
    expect(await k8s.discover('apps/v1', 'Deployment')).toEqual({
      resource: 'deployments',
      namespaced: true,
    });
    expect(await k8s.discover('v1', 'Namespace')).toEqual({
      resource: 'namespaces',
      namespaced: false,
    });
    await expect(k8s.discover('argoproj.io/v1alpha1', 'Rollout')).rejects.toMatchObject({
      code: 'NotFound',
    });
  });

  it('server-side apply creates, then updates; get and list read plain JSON', async () => {
    const created = await k8s.apply(configMap('settings', { a: '1' }, { labels: { team: 'x' } }));
    expect(created.metadata.uid).toBeTruthy();
    const updated = await k8s.apply(configMap('settings', { a: '2' }, { labels: { team: 'x' } }), {
      force: true,
    });
    expect(updated['data']).toEqual({ a: '2' });
    const got = await k8s.get(ref(created));
    expect(typeof got?.metadata.creationTimestamp).toBe('string');
    expect(
      (await k8s.list('v1', 'ConfigMap', { labelSelector: 'team=x' })).map((o) => [
        o.kind,
        o.metadata.name,
      ]),
    ).toEqual([['ConfigMap', 'settings']]);
    expect(
      sim.requests.some((r) => r.method === 'PATCH' && r.path.endsWith('/configmaps/settings')),
    ).toBe(true);
  });

  it('create reports AlreadyExists, and NotFound for a missing namespace', async () => {
    await k8s.create(configMap('once', {}));
    await expect(k8s.create(configMap('once', {}))).rejects.toMatchObject({
      code: 'AlreadyExists',
    });
    await expect(
      k8s.create({ ...configMap('x', {}), metadata: { name: 'x', namespace: 'nowhere' } }),
    ).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('JSON, merge and strategic patches, with the strategy always explicit', async () => {
    const d = await k8s.create(deployment('web', 'nginx:1'));
    const strategic = await k8s.patch(
      ref(d),
      { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } } },
      'strategic',
    );
    const containers = (
      strategic.spec as { template: { spec: { containers: { name: string; image: string }[] } } }
    ).template.spec.containers;
    expect(containers.map((c) => `${c.name}=${c.image}`)).toEqual([
      'web=nginx:2',
      'sidecar=envoy:1',
    ]);
    expect(strategic.metadata.generation).toBe(2);
    const merged = await k8s.patch(ref(d), { metadata: { labels: { tier: 'front' } } }, 'merge');
    expect(merged.metadata.labels).toEqual({ app: 'web', tier: 'front' });
    const json = await k8s.patch(
      ref(d),
      [{ op: 'replace', path: '/spec/replicas', value: 5 }],
      'json',
    );
    expect((json.spec as { replicas: number }).replicas).toBe(5);
    await expect(
      k8s.patch(ref(d), { metadata: { resourceVersion: '1' }, spec: { replicas: 1 } }, 'merge'),
    ).rejects.toMatchObject({ code: 'Conflict' });
  });

  it('custom resources from a CRD; strategic merge on them is refused like a real server', async () => {
    await k8s.apply({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true }],
      },
    });
    const w = await k8s.create({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w1', namespace: 'default' },
      spec: { size: 1 },
    });
    expect((await k8s.patch(ref(w), { spec: { size: 2 } }, 'merge')).spec).toEqual({ size: 2 });
    await expect(k8s.patch(ref(w), { spec: { size: 3 } }, 'strategic')).rejects.toMatchObject({
      code: 'Invalid',
      status: 415,
    });
  });

  it('delete is idempotent, honours finalizers, and the garbage collector follows owner references', async () => {
    const guarded = await k8s.create(
      configMap('guarded', {}, { finalizers: ['example.com/keep'] }),
    );
    expect(await k8s.delete(ref(guarded))).toBe(true);
    expect((await k8s.get(ref(guarded)))?.metadata.deletionTimestamp).toBeTruthy();
    await k8s.patch(ref(guarded), { metadata: { finalizers: null } }, 'merge');
    expect(await k8s.get(ref(guarded))).toBeUndefined();
    expect(await k8s.delete(ref(guarded))).toBe(false);

    const owner = await k8s.create(configMap('owner', {}));
    const owned = await k8s.create(
      configMap(
        'owned',
        {},
        {
          ownerReferences: [
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid! },
          ],
        },
      ),
    );
    const orphanOwner = await k8s.create(configMap('owner2', {}));
    const orphan = await k8s.create(
      configMap(
        'orphan',
        {},
        {
          ownerReferences: [
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner2', uid: orphanOwner.metadata.uid! },
          ],
        },
      ),
    );
    await k8s.delete(ref(owner), { propagationPolicy: 'Background' });
    await k8s.delete(ref(orphanOwner), { propagationPolicy: 'Orphan' });
    expect(await k8s.get(ref(owned))).toBeUndefined();
    expect(await k8s.get(ref(orphan))).toBeDefined();
  });

  it('reads pod logs', async () => {
    await k8s.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'p',
        namespace: 'default',
        annotations: { [LOGS_ANNOTATION]: 'one\ntwo\nthree\n' },
      },
      spec: { containers: [{ name: 'main', image: 'busybox' }] },
    });
    expect(await k8s.podLogs('default', 'p')).toBe('one\ntwo\nthree\n');
    expect(await k8s.podLogs('default', 'p', { tailLines: 1 })).toBe('three\n');
  });

  it('reaches an in-cluster service through the API server proxy', async () => {
    const metrics = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          status: 'success',
          query: new URL(req.url!, 'http://x').searchParams.get('query'),
        }),
      );
    });
    await new Promise<void>((r) => metrics.listen(0, '127.0.0.1', r));
    try {
      const port = (metrics.address() as AddressInfo).port;
      await k8s.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } });
      await k8s.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'prometheus',
          namespace: 'monitoring',
          annotations: { [PROXY_ANNOTATION]: `http://127.0.0.1:${port}` },
        },
        spec: { ports: [{ port: 9090 }] },
      });
      const res = await k8s.proxy(
        { namespace: 'monitoring', name: 'prometheus', port: 9090 },
        '/api/v1/query?query=up',
      );
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ status: 'success', query: 'up' });
    } finally {
      metrics.close();
    }
  });

  it('acts as the service account it is told to impersonate', async () => {
    await k8s.get(
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace: 'default' },
      { impersonate: { serviceAccount: 'argo-workflow', namespace: 'argo' } },
    );
    await new Promise((r) => setImmediate(r));
    expect(sim.requests.filter((r) => r.impersonate).map((r) => r.impersonate)).toEqual([
      'system:serviceaccount:argo:argo-workflow',
    ]);
  });

  it('an injected 429 is a retryable error, and the effect worker retries it', async () => {
    sim.faults.add({
      method: 'PATCH',
      path: /configmaps\/throttled$/,
      status: 429,
      times: 1,
      retryAfterSeconds: 1,
    });
    const err = await k8s.apply(configMap('throttled', { a: '1' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubernetesError);
    expect(err).toMatchObject({ code: 'TooManyRequests', retryable: true, retryAfterSeconds: 1 });

    sim.faults.add({ method: 'PATCH', path: /configmaps\/throttled$/, status: 429, times: 1 });
    const reports = new CollectingOutbox<Message>();
    const worker = new EffectWorker({
      handlers: [
        {
          kind: 'k8s.apply',
          run: async (e) => (await k8s.apply(e.input as unknown as KubeObject)).metadata.name,
        },
      ],
      commands: reports,
      timers: { schedule: async () => {} },
      secrets: { get: async () => '', listByLabel: async () => [] },
      clock: { now: () => 0 },
      sleep: async () => {},
    });
    const before = sim.requests.filter((r) => r.path.endsWith('/throttled')).length;
    const input = configMap('throttled', { a: '2' }) as unknown as Message['event'];
    await worker.runDelivery({
      body: {
        id: 'k@1#0',
        key: 'in-cluster/ConfigMap/default/throttled',
        version: 1,
        kind: 'k8s.apply',
        input: input as never,
        at: 0,
      },
      receiveCount: 1,
    });
    expect(reports.sent[0]?.event).toMatchObject({ type: 'EffectSucceeded', result: 'throttled' });
    const statuses = sim.requests
      .filter((r) => r.path.endsWith('/throttled'))
      .slice(before)
      .map((r) => r.status);
    expect(statuses).toEqual([429, 200]);
  });
});
