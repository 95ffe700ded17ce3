/**
 * The Application's effect handlers against the simulated cluster (a real API server over HTTP):
 * what observe reads, how apply writes, what goes to the control plane instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import type { SimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import type { KubeObject } from '../../shared/core/objects.js';
import type { Json } from '../../shared/core/types.js';
import { TransientError } from '../../shared/core/effects.js';
import type { ClientNodeKubernetes } from '../../shared/adapters/kubernetes/client-node-kubernetes.js';
import { apply, observe, render } from '../../shared/cd/effect-handlers.js';
import type { ApplicationEffectDeps } from '../../shared/cd/effect-handlers.js';
import type { ObserveInput } from '../../shared/cd/application.js';
import { TRACKING_ANNOTATION, withTracking } from '../../shared/cd/tracking.js';
import { simClient } from '../support/sim-kube.js';
import { configMap, FakeControlPlane, FakeGit } from './app-harness.js';

let sim: SimCluster;
let k8s: ClientNodeKubernetes;
let deps: ApplicationEffectDeps;
const cp = new FakeControlPlane();

beforeAll(async () => {
  sim = await startSimCluster();
  ({ k8s } = simClient(sim));
  deps = { clusters: { forCluster: async () => k8s }, controlPlane: cp };
  await k8s.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
});
afterAll(() => sim.stop());

const inNs = (obj: KubeObject, namespace = 'team'): KubeObject => ({
  ...obj,
  metadata: { ...obj.metadata, namespace },
});

const observeInput = (extra: Partial<ObserveInput> = {}): ObserveInput => ({
  tag: 'observe#1',
  cluster: 'in-cluster',
  tracking: 'web',
  kinds: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
  controlPlane: [],
  destinationNamespace: 'team',
  project: { cluster: 'in-cluster', namespace: 'argocd', name: 'default' },
  ...extra,
});

describe('cd.observe', () => {
  it('reads only the objects whose tracking id names the app and the object itself', async () => {
    await k8s.create(withTracking('web', inNs(configMap('mine', { a: '1' }))));
    await k8s.create(withTracking('other', inNs(configMap('theirs', { a: '1' }))));
    await k8s.create(inNs(configMap('untracked', { a: '1' })));
    // A copy of a tracked object keeps the annotation, but it names another object.
    const copy = withTracking('web', inNs(configMap('mine', { a: '1' })));
    copy.metadata.name = 'copy';
    await k8s.create(copy);
    const out = await observe(deps, observeInput());
    expect(out.live.map((o) => o.metadata.name)).toEqual(['mine']);
    expect(out.namespaced).toEqual({ '/ConfigMap': true });
    expect(out.namespace?.metadata.name).toBe('team');
    expect(out.project).toBeNull();
  });

  it('compares the desired objects with them (compareApp), with the patch of what differs', async () => {
    const desired = [
      withTracking('web', inNs(configMap('mine', { a: '2' }))),
      withTracking('web', inNs(configMap('missing', { b: '1' }))),
    ];
    const out = await observe(deps, observeInput({ compare: { desired, ignoreDifferences: [] } }));
    expect(out.comparison?.status).toBe('OutOfSync');
    expect(out.comparison?.resources.map((r) => [r.name, r.status])).toEqual([
      ['mine', 'OutOfSync'],
      ['missing', 'OutOfSync'],
    ]);
    expect(out.comparison?.diffs[0]).toEqual([{ op: 'replace', path: '/data/a', value: '2' }]);
  });

  it('ignoreDifferences (the seed ConfigMap jq rule) leaves a field out of the verdict', async () => {
    await k8s.create(
      withTracking('web', inNs(configMap('jq', { 'config.json': '{"live":true}', x: '1' }))),
    );
    const desired = [withTracking('web', inNs(configMap('jq', { 'config.json': '{}', x: '1' })))];
    const out = await observe(
      deps,
      observeInput({
        compare: {
          desired,
          ignoreDifferences: [
            { group: '', kind: 'ConfigMap', jqPathExpressions: ['.data["config.json"]'] },
          ] as unknown as Json[],
        },
      }),
    );
    const jq = out.comparison?.resources.find((r) => r.name === 'jq');
    expect(jq?.status).toBe('Synced');
  });

  it('reads argoproj.io objects and the AppProject from the control plane', async () => {
    const rollout = withTracking('web', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'r', namespace: 'team' },
    });
    cp.objects.set('in-cluster/Rollout/team/r', rollout);
    cp.objects.set('in-cluster/AppProject/argocd/default', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'default', namespace: 'argocd' },
      spec: { sourceRepos: ['https://only.example.com/*'] },
    });
    const out = await observe(
      deps,
      observeInput({
        kinds: [],
        controlPlane: [
          { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', namespace: 'team', name: 'r' },
        ],
      }),
    );
    expect(out.live.map((o) => o.kind)).toEqual(['Rollout']);
    expect(out.project?.spec.sourceRepos).toEqual(['https://only.example.com/*']);
    cp.objects.clear();
  });
});

describe('cd.apply', () => {
  it('applies, creates and prunes in order, reporting each op', async () => {
    const target = withTracking('web', inNs(configMap('applied', { a: '1' })));
    const out = await apply(
      deps,
      {
        tag: 'apply#1',
        cluster: 'in-cluster',
        ops: [
          { id: 'a', action: 'apply', object: target, serverSideApply: true },
          {
            id: 'b',
            action: 'create',
            object: withTracking('web', inNs(configMap('created', {}))),
          },
          {
            id: 'c',
            action: 'delete',
            ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team', name: 'mine' },
            propagationPolicy: 'Foreground',
          },
          {
            id: 'd',
            action: 'delete',
            ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team', name: 'never-existed' },
          },
        ],
      },
      'effect-1',
    );
    expect(out.results).toEqual([
      { id: 'a', ok: true, message: 'configmap/applied created (server-side)' },
      { id: 'b', ok: true, message: 'configmap/created created' },
      { id: 'c', ok: true, message: 'configmap/mine deleted' },
      { id: 'd', ok: true, message: 'already deleted' },
    ]);
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team' };
    expect(
      (await k8s.get({ ...ref, name: 'applied' }))?.metadata.annotations?.[TRACKING_ANNOTATION],
    ).toBe('web:/ConfigMap:team/applied');
    expect(await k8s.get({ ...ref, name: 'mine' })).toBeUndefined();
  });

  it('a create redelivered finds its own object; another object of that name is a failed op', async () => {
    const created = withTracking('web', inNs(configMap('created', {})));
    const foreign = inNs(configMap('created', {}));
    const out = await apply(
      deps,
      {
        tag: 'apply#2',
        cluster: 'in-cluster',
        ops: [
          { id: 'again', action: 'create', object: created },
          { id: 'foreign', action: 'create', object: withTracking('other', foreign) },
        ],
      },
      'effect-2',
    );
    expect(out.results[0]).toMatchObject({ ok: true });
    expect(out.results[1]).toMatchObject({
      ok: false,
      message: expect.stringMatching(/already exists/),
    });
  });

  it('client-side apply records last-applied-configuration for the next three-way diff', async () => {
    const target = withTracking('web', inNs(configMap('csa', { a: '1' })));
    await apply(
      deps,
      { tag: 't', cluster: 'in-cluster', ops: [{ id: 'x', action: 'apply', object: target }] },
      'e3',
    );
    const live = await k8s.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'team',
      name: 'csa',
    });
    const recorded = JSON.parse(
      live?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}',
    ) as KubeObject;
    expect(recorded['data']).toEqual({ a: '1' });
  });

  it('a hook keeps its finalizer until released; delete releases it first', async () => {
    const hook = withTracking(
      'web',
      inNs({
        ...configMap('hooked', {}),
        metadata: { name: 'hooked', finalizers: ['argocd.argoproj.io/hook-finalizer'] },
      }),
    );
    await k8s.create(hook);
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team', name: 'hooked' };
    const out = await apply(
      deps,
      {
        tag: 't',
        cluster: 'in-cluster',
        ops: [{ id: 'del', action: 'delete', ref, waitForDeletion: true }],
      },
      'e4',
    );
    expect(out.results[0]).toMatchObject({ ok: true });
    expect(await k8s.get(ref)).toBeUndefined();
  });

  it('argoproj.io objects are submitted to the control plane, never to the cluster', async () => {
    const before = sim.requests.length;
    const rollout = withTracking('web', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'r', namespace: 'team' },
      spec: { replicas: 1 },
    });
    const out = await apply(
      deps,
      {
        tag: 't',
        cluster: 'in-cluster',
        ops: [
          { id: 'r', action: 'apply', object: rollout, controlPlane: true },
          {
            id: 'gone',
            action: 'delete',
            controlPlane: true,
            ref: {
              apiVersion: 'argoproj.io/v1alpha1',
              kind: 'Rollout',
              namespace: 'team',
              name: 'r',
            },
          },
        ],
      },
      'e5',
    );
    expect(out.results.map((r) => r.message)).toEqual(['rollout/r created', 'rollout/r deleted']);
    expect(cp.submitted.slice(-2)).toEqual([
      { key: 'in-cluster/Rollout/team/r', type: 'Apply' },
      { key: 'in-cluster/Rollout/team/r', type: 'Delete' },
    ]);
    expect(sim.requests.length).toBe(before);
  });

  it('throttling from the cluster is transient: the whole effect is tried again', async () => {
    sim.faults.add({ method: 'PATCH', path: /configmaps\/throttled/, status: 429, times: 1 });
    await expect(
      apply(
        deps,
        {
          tag: 't',
          cluster: 'in-cluster',
          ops: [
            {
              id: 'x',
              action: 'apply',
              object: withTracking('web', inNs(configMap('throttled', {}))),
            },
          ],
        },
        'e6',
      ),
    ).rejects.toSatisfy(
      (err: unknown) =>
        (err as { retryable?: boolean }).retryable === true || err instanceof TransientError,
    );
    sim.faults.clear();
  });
});

describe('cd.render', () => {
  const input = {
    tag: 'render#1',
    appName: 'web',
    appNamespace: 'argocd',
    destinationNamespace: 'team',
    sources: [{ repoURL: 'https://git.example.com/r.git', targetRevision: 'main', path: '.' }],
    sourcesHash: 'h1',
  };

  it('without a git source, says so', async () => {
    await expect(render(deps, input)).rejects.toThrow(/^no git source configured/);
  });

  it('resolves the revision and skips rendering an unchanged commit and sources', async () => {
    const git = new FakeGit();
    git.commit('main', 'c'.repeat(40), [configMap('x', {})]);
    const withGit = { ...deps, git, renderer: git };
    const first = await render(withGit, input);
    expect(first).toMatchObject({ revisions: ['c'.repeat(40)], sourceTypes: ['Directory'] });
    expect(first.manifests?.map((m) => m.metadata.name)).toEqual(['x']);
    const again = await render(withGit, {
      ...input,
      known: { revisions: first.revisions, sourcesHash: 'h1' },
    });
    expect(again).toEqual({
      tag: 'render#1',
      revisions: first.revisions,
      sourcesHash: 'h1',
      unchanged: true,
    });
    expect(git.renders).toBe(1);
    const changed = await render(withGit, {
      ...input,
      sourcesHash: 'h2',
      known: { revisions: first.revisions, sourcesHash: 'h1' },
    });
    expect(changed.unchanged).toBeUndefined();
    expect(git.renders).toBe(2);
  });
});
