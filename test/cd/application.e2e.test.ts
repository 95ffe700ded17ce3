/**
 * The issue's "Must show", end to end on the embedded runtime with a real git server: an
 * Application like the seed's (kustomize overlay + image override, automated prune + selfHeal,
 * CreateNamespace, ServerSideApply, PruneLast) syncs to the simulated cluster; a new commit and
 * its push webhook make it sync the new revision; a change made on the cluster is reverted by
 * selfHeal; a resource removed from git is pruned last; a PreSync hook Job runs before wave 0 and
 * a failing one stops the sync with the SyncFail hook run.
 *
 * Timing: Argo CD's own knobs through the environment (reconcile every 6 s so self-heal sees the
 * drift soon, waves 1 s apart).
 */
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KubeObject } from '../../shared/core/objects.js';
import type { Json } from '../../shared/core/types.js';
import type { Embedded } from '../../shared/runtime/local/embedded.js';
import { startEmbedded } from '../../shared/runtime/local/embedded.js';
import { createApiServer } from '../../shared/api/http-server.js';
import { corpusRoot } from '../support/corpus.js';
import { startGitServer } from '../support/git-server.js';
import type { GitServer } from '../support/git-server.js';
import { until } from '../support/embedded-workflows.js';

// Before any import: the registry builds the Application kind from the environment when loaded.
const TIMING = vi.hoisted(() => {
  const env = {
    ARGOCD_RECONCILIATION_TIMEOUT: '6s',
    ARGOCD_RECONCILIATION_JITTER: '0',
    ARGOCD_SYNC_WAVE_DELAY: '1',
  };
  Object.assign(process.env, env);
  return env;
});

const KEY = 'in-cluster/Application/argocd/web-app';
const REPO = 'myorg/k8s-configs';
const SECRET = 'webhook-secret';

const BASE = 'apps/web-app/base';
const OVERLAY = 'apps/web-app/overlays/production';

const deploymentYaml = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-app
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web-app
  template:
    metadata:
      labels:
        app: web-app
    spec:
      containers:
        - name: web
          image: myregistry/web-app:latest
`;
const serviceYaml = `apiVersion: v1
kind: Service
metadata:
  name: web-app
spec:
  selector:
    app: web-app
  ports:
    - port: 80
      targetPort: 8080
`;
const configMapYaml = (greeting: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: ${greeting}
`;
const hookYaml = (name: string, hook: string, exitCode: number) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  annotations:
    argocd.argoproj.io/hook: ${hook}
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        sim.argo-serverless.dev/exit-code: "${exitCode}"
    spec:
      restartPolicy: Never
      containers:
        - name: run
          image: busybox
`;
const kustomization = (resources: string[]) =>
  `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
${resources.map((r) => `  - ${r}`).join('\n')}
`;

let git: GitServer;
let embedded: Embedded;
let api: Server;
let base: string;

beforeAll(async () => {
  git = await startGitServer();
  await git.createRepo(REPO, {
    [`${BASE}/deployment.yaml`]: deploymentYaml,
    [`${BASE}/service.yaml`]: serviceYaml,
    [`${BASE}/configmap.yaml`]: configMapYaml('hello'),
    [`${BASE}/migrate.yaml`]: hookYaml('migrate', 'PreSync', 0),
    [`${BASE}/kustomization.yaml`]: kustomization([
      'deployment.yaml',
      'service.yaml',
      'configmap.yaml',
      'migrate.yaml',
    ]),
    [`${OVERLAY}/kustomization.yaml`]: kustomization(['../../base']),
  });
  embedded = await startEmbedded({
    dataDir: await mkdtemp(join(tmpdir(), 'app-e2e-')),
    durability: 'none',
    simulated: { controllers: { podStartMs: 0, podRunMs: 300, tickMs: 20 } },
  });
  api = createApiServer({ controlPlane: embedded.runtime, auth: { none: true }, version: 'test' });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  await embedded.runtime.secrets.put({
    name: 'argocd-secret',
    namespace: 'argocd',
    labels: {},
    data: { 'webhook.github.secret': SECRET },
  });
}, 120_000);

afterAll(async () => {
  for (const name of Object.keys(TIMING)) delete process.env[name];
  api?.close();
  await embedded?.stop();
  await git?.stop();
});

interface AppView {
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string };
    operationState?: {
      phase?: string;
      message?: string;
      syncResult?: {
        revision?: string;
        resources?: {
          kind: string;
          name: string;
          status: string;
          syncPhase?: string;
          hookPhase?: string;
        }[];
      };
    };
  };
}

const app = async () => (await embedded.runtime.get(KEY)).object as unknown as AppView;
const kube = () => embedded.cluster.kubernetes;
const get = (apiVersion: string, kind: string, name: string) =>
  kube().get({ apiVersion, kind, namespace: 'production', name });
const image = async () =>
  (
    ((await get('apps/v1', 'Deployment', 'web-app'))?.spec ?? {}) as {
      template: { spec: { containers: { image: string }[] } };
    }
  ).template.spec.containers[0]!.image;

/** The cd.apply effects since `from` (version), each as the ids of its ops. */
async function applyBatches(from: number): Promise<string[][]> {
  const versions = await embedded.runtime.events(KEY, { from, limit: 1000 });
  return versions.flatMap((v) =>
    v.effects
      .filter(
        (e) =>
          e.kind === 'cd.apply' && String((e.input as { tag?: string }).tag).startsWith('op-apply'),
      )
      .map((e) => ((e.input as { ops: { id: string }[] }).ops ?? []).map((op) => op.id)),
  );
}

async function headVersion(): Promise<number> {
  return (await embedded.runtime.get(KEY)).version;
}

async function push(): Promise<Response> {
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    repository: { html_url: git.url(REPO).replace(/\.git$/, ''), default_branch: 'main' },
    commits: [],
  });
  return fetch(`${base}/api/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': `d-${Date.now()}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
    body,
  });
}

async function syncedAt(revision: string, what: string, tries = 300): Promise<void> {
  await until(
    async () => {
      const s = (await app()).status;
      return (
        s?.sync?.status === 'Synced' &&
        s.sync.revision === revision &&
        s.health?.status === 'Healthy' &&
        s.operationState?.phase === 'Succeeded' &&
        s.operationState.syncResult?.revision === revision
      );
    },
    what,
    tries,
  );
}

describe('the seed Application, end to end', () => {
  it('syncs to the simulated cluster and reports Synced / Healthy, the PreSync hook first', async () => {
    const seed = parseYaml(
      await readFile(join(corpusRoot, 'seeds/application.yaml'), 'utf8'),
    ) as KubeObject;
    (seed.spec as { source: { repoURL: string } }).source.repoURL = git.url(REPO);
    const id = embedded.runtime.newMessageId();
    const outcomes = await embedded.runtime.submit(
      [
        {
          id,
          key: KEY,
          at: embedded.runtime.clock.now(),
          event: { type: 'Apply', object: seed as unknown as Json },
        },
      ],
      { waitMs: 5_000 },
    );
    expect(outcomes.get(id)?.rejected).toBeUndefined();
    const first = await git.revParse(REPO, 'main');
    await syncedAt(first, 'the first sync');

    expect(await image()).toBe('myregistry/web-app:v1.2.0');
    expect(
      await kube().get({ apiVersion: 'v1', kind: 'Namespace', name: 'production' }),
    ).toBeDefined();
    const cm = await get('v1', 'ConfigMap', 'web-config');
    expect(cm?.metadata.annotations?.['argocd.argoproj.io/tracking-id']).toBe(
      'web-app:/ConfigMap:production/web-config',
    );
    // The PreSync wave (the namespace CreateNamespace makes, the hook) ran alone, before wave 0.
    const batches = await applyBatches(1);
    expect(batches[0]).toEqual([
      '/Namespace//production:PreSync',
      'batch/Job/production/migrate:PreSync',
    ]);
    expect(batches[1]).toEqual(
      expect.arrayContaining([
        '/ConfigMap/production/web-config:Sync',
        'apps/Deployment/production/web-app:Sync',
      ]),
    );
    const results = (await app()).status?.operationState?.syncResult?.resources ?? [];
    expect(results.find((r) => r.name === 'migrate')).toMatchObject({
      syncPhase: 'PreSync',
      hookPhase: 'Succeeded',
    });
  });

  it('a new commit and its push webhook make it sync the new revision within seconds', async () => {
    const from = await headVersion();
    const second = await git.commit(REPO, { [`${BASE}/configmap.yaml`]: configMapYaml('bonjour') });
    const started = Date.now();
    const res = await push();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: 'refreshed', applications: [KEY] });
    await syncedAt(second, 'the pushed commit', 200);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(
      ((await get('v1', 'ConfigMap', 'web-config'))?.['data'] as { greeting: string }).greeting,
    ).toBe('bonjour');
    // The webhook's Refresh, not the periodic refresh, brought the render of the new commit.
    const log = await embedded.runtime.events(KEY, { from, limit: 1000 });
    const events = log.flatMap((v) => v.events.map((e) => e.event));
    const rendered = events.findIndex((e) => {
      const result = (e as { result?: { tag?: string; revisions?: string[] } }).result;
      return String(result?.tag).startsWith('refresh-render') && result?.revisions?.[0] === second;
    });
    expect(rendered).toBeGreaterThan(0);
    const cause = events
      .slice(0, rendered)
      .reverse()
      .find((e) => e.type === 'Refresh' || e.type === 'TimerFired');
    expect(cause?.type).toBe('Refresh');
  });

  it('a webhook signed with another secret is refused', async () => {
    const res = await fetch(`${base}/api/webhook`, {
      method: 'POST',
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=00' },
      body: '{}',
    });
    expect(res.status).toBe(401);
  });

  it('a change made on the cluster is reverted by selfHeal', async () => {
    await kube().patch(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'production', name: 'web-app' },
      { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:drifted' }] } } } },
      'strategic',
    );
    expect(await image()).toBe('nginx:drifted');
    await until(async () => (await image()) === 'myregistry/web-app:v1.2.0', 'self-heal', 400);
    await until(async () => (await app()).status?.sync?.status === 'Synced', 'Synced again', 200);
  });

  it('a resource removed from git is pruned, last (PruneLast)', async () => {
    const from = await headVersion();
    const third = await git.commit(REPO, {
      [`${BASE}/configmap.yaml`]: null,
      [`${BASE}/kustomization.yaml`]: kustomization([
        'deployment.yaml',
        'service.yaml',
        'migrate.yaml',
      ]),
    });
    await push();
    await syncedAt(third, 'the prune', 300);
    expect(await get('v1', 'ConfigMap', 'web-config')).toBeUndefined();
    const batches = await applyBatches(from);
    expect(batches.at(-1)).toEqual(['/ConfigMap/production/web-config:Sync']);
    expect(batches.at(-2)).toEqual(
      expect.arrayContaining(['apps/Deployment/production/web-app:Sync']),
    );
  });

  it('a failing PreSync hook stops the sync, and the SyncFail hook runs', async () => {
    const fourth = await git.commit(REPO, {
      [`${BASE}/migrate.yaml`]: hookYaml('migrate', 'PreSync', 1),
      [`${BASE}/cleanup.yaml`]: hookYaml('cleanup', 'SyncFail', 0),
      [`${BASE}/deployment.yaml`]: deploymentYaml.replace(
        'replicas: 2',
        'replicas: 2\n  minReadySeconds: 1',
      ),
      [`${BASE}/kustomization.yaml`]: kustomization([
        'deployment.yaml',
        'service.yaml',
        'migrate.yaml',
        'cleanup.yaml',
      ]),
    });
    await push();
    await until(
      async () => /Retrying attempt #1/.test((await app()).status?.operationState?.message ?? ''),
      'the failed sync',
      400,
    );
    const state = (await app()).status?.operationState;
    expect(state?.message).toMatch(/^one or more synchronization tasks completed unsuccessfully/);
    expect(state?.syncResult?.revision).toBe(fourth);
    const results = state?.syncResult?.resources ?? [];
    expect(results.find((r) => r.name === 'migrate')).toMatchObject({ hookPhase: 'Failed' });
    expect(results.find((r) => r.name === 'cleanup')).toMatchObject({
      syncPhase: 'SyncFail',
      hookPhase: 'Succeeded',
    });
    // Nothing of the Sync phase was applied.
    expect(results.find((r) => r.kind === 'Deployment')).toBeUndefined();
    const deployment = await get('apps/v1', 'Deployment', 'web-app');
    expect((deployment?.spec as { minReadySeconds?: number }).minReadySeconds).toBeUndefined();
    expect(await get('batch/v1', 'Job', 'cleanup')).toBeDefined();
  });
});
