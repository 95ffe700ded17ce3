/**
 * The seed ApplicationSet and AppProject on the embedded runtime: the ApplicationSet machine as
 * registered, its generate effect reading the control plane and the cluster Secrets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/objects.js';
import type { JsonObject } from '../../shared/core/types.js';
import { LocalRuntime } from '../../shared/runtime/local/runtime.js';
import { kindMachines } from '../../shared/runtime/registry.js';
import { appSetEffectHandlers } from '../../shared/cd/appset/effect-handlers.js';
import { APPSET_OWNER_ANNOTATION } from '../../shared/cd/appset/applicationset.js';
import { RESOURCES_FINALIZER } from '../../shared/cd/appset/types.js';
import { isDestinationPermitted } from '../../shared/cd/project.js';
import { projectFor } from '../../shared/cd/projects.js';
import { seedDocuments } from '../support/corpus.js';
import { until } from '../support/embedded-workflows.js';
import { tempDirs } from '../support/temp-dirs.js';
import { startGitServer } from '../support/git-server.js';
import type { GitServer } from '../support/git-server.js';
import { IsomorphicGitSource } from '../../shared/adapters/git/isomorphic-git-source.js';
import type { GitSource } from '../../shared/cd/ports.js';

const tempDir = tempDirs('appset-embedded');
const APPSET_KEY = 'in-cluster/ApplicationSet/argocd/cluster-apps';
const appKey = (name: string) => `in-cluster/Application/argocd/${name}`;

let runtime: LocalRuntime | undefined;
let gitServer: GitServer | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  await gitServer?.stop();
  gitServer = undefined;
});

/** The runtime with the registry's ApplicationSet machine; Applications are stored machine-less. */
async function start(git?: GitSource): Promise<LocalRuntime> {
  runtime = await LocalRuntime.start({
    dataDir: await tempDir(),
    durability: 'none',
    kinds: kindMachines.filter((k) => k.kind === 'ApplicationSet'),
    effectHandlers: (rt) =>
      appSetEffectHandlers({
        resources: { get: async (key) => (await rt.get(key)).object },
        listResources: async (kind, filter) =>
          (await rt.list(kind, filter)).flatMap((e) =>
            e.object ? [e.object as unknown as KubeObject] : [],
          ),
        secrets: rt.secrets,
        ...(git ? { git } : {}),
      }),
  });
  return runtime;
}

async function registerCluster(rt: LocalRuntime, name: string, server: string) {
  await rt.secrets.put({
    name: `cluster-${name}`,
    namespace: 'argocd',
    labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
    data: { name, server, config: '{"bearerToken":"not-in-the-log"}' },
  });
}

async function apply(rt: LocalRuntime, key: string, object: KubeObject) {
  const id = rt.newMessageId();
  const outcomes = await rt.submit([
    { id, key, at: rt.clock.now(), event: { type: 'Apply', object } },
  ]);
  expect(outcomes.get(id)?.rejected).toBeUndefined();
}

const seedAppSet = () => seedDocuments('applicationset.yaml')[0] as unknown as KubeObject;
const get = async (rt: LocalRuntime, key: string) => (await rt.get(key)).object;

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
const conditions = async (rt: LocalRuntime) =>
  (((await get(rt, APPSET_KEY))?.status as JsonObject | undefined)?.['conditions'] ??
    []) as unknown as Condition[];

describe('the seed ApplicationSet on the embedded runtime', () => {
  it('generates its two Applications with the templated names, paths and destinations, then removes one the list drops', async () => {
    const rt = await start();
    await registerCluster(rt, 'production', 'https://prod-cluster.example.com');
    await registerCluster(rt, 'staging', 'https://staging-cluster.example.com');
    await apply(rt, APPSET_KEY, seedAppSet());

    await until(
      async () =>
        (await get(rt, appKey('production-web-app'))) !== null &&
        (await get(rt, appKey('staging-web-app'))) !== null,
      'the two generated Applications',
    );
    const expected = [
      ['production-web-app', 'prod', 'https://prod-cluster.example.com', '5'],
      ['staging-web-app', 'staging', 'https://staging-cluster.example.com', '2'],
    ] as const;
    for (const [name, env, server, replicas] of expected) {
      const app = (await get(rt, appKey(name)))!;
      const spec = app.spec as JsonObject;
      expect(app.metadata.labels).toEqual({ environment: env });
      expect(app.metadata.annotations?.[APPSET_OWNER_ANNOTATION]).toBe(APPSET_KEY);
      expect(app.metadata.finalizers).toEqual([RESOURCES_FINALIZER]);
      expect(app.metadata['ownerReferences']).toEqual([
        expect.objectContaining({ kind: 'ApplicationSet', name: 'cluster-apps', controller: true }),
      ]);
      expect(spec['source']).toEqual({
        repoURL: 'https://github.com/myorg/k8s-configs.git',
        targetRevision: 'main',
        path: `apps/web-app/overlays/${env}`,
        helm: { parameters: [{ name: 'replicaCount', value: replicas }] },
      });
      expect(spec['destination']).toEqual({ server, namespace: 'production' });
      expect(spec['project']).toBe('default');
    }
    await until(
      async () => (await conditions(rt)).some((c) => c.type === 'ResourcesUpToDate'),
      'the ApplicationSet status',
    );
    expect(await conditions(rt)).toContainEqual(
      expect.objectContaining({ type: 'ResourcesUpToDate', status: 'True' }),
    );
    const status = (await get(rt, APPSET_KEY))!.status as JsonObject;
    expect((status['resources'] as JsonObject[]).map((r) => r['name'])).toEqual([
      'production-web-app',
      'staging-web-app',
    ]);
    // Cluster credentials are read by the effect and never stored in the log.
    const log = await rt.events(APPSET_KEY, { from: 1, limit: 100 });
    expect(JSON.stringify(log)).not.toContain('not-in-the-log');

    // The list loses staging: under the default policy (sync) its Application is deleted. It
    // carries the resources finalizer, which the Application's own controller removes.
    const changed = structuredClone(seedAppSet());
    const generators = (changed.spec as JsonObject)['generators'] as JsonObject[];
    const list = generators[0]!['list'] as JsonObject;
    list['elements'] = (list['elements'] as JsonObject[]).slice(0, 1);
    await apply(rt, APPSET_KEY, changed);
    await until(
      async () =>
        (await get(rt, appKey('staging-web-app')))?.metadata.deletionTimestamp !== undefined,
      'staging-web-app being deleted',
    );
    const production = await get(rt, appKey('production-web-app'));
    expect(production?.metadata.deletionTimestamp).toBeUndefined();
    await until(async () => {
      const s = (await get(rt, APPSET_KEY))!.status as JsonObject;
      return (s['resources'] as JsonObject[]).length === 1;
    }, 'status.resources without staging');

    // Deleting the ApplicationSet deletes what it still owns.
    const id = rt.newMessageId();
    await rt.submit([{ id, key: APPSET_KEY, at: rt.clock.now(), event: { type: 'Delete' } }]);
    await until(
      async () =>
        (await get(rt, appKey('production-web-app')))?.metadata.deletionTimestamp !== undefined,
      'production-web-app being deleted with its ApplicationSet',
    );
    expect(await get(rt, APPSET_KEY)).toBeNull();
  });

  it('destinations naming no registered cluster are refused with Argo’s message, and nothing is created', async () => {
    const rt = await start();
    await apply(rt, APPSET_KEY, seedAppSet());
    await until(
      async () => (await conditions(rt)).some((c) => c.type === 'ErrorOccurred'),
      'the ApplicationSet error condition',
    );
    expect(await conditions(rt)).toContainEqual({
      type: 'ErrorOccurred',
      status: 'True',
      reason: 'ApplicationValidationError',
      message:
        'application destination spec is invalid: error getting cluster by server "https://staging-cluster.example.com": rpc error: code = NotFound desc = cluster "https://staging-cluster.example.com" not found (and 1 more)',
      lastTransitionTime: expect.any(String),
    });
    expect(await get(rt, appKey('production-web-app'))).toBeNull();
    expect(await get(rt, appKey('staging-web-app'))).toBeNull();
  });
});

describe('a git directories generator against a real git server', () => {
  it('generates one Application per directory, and a new commit’s directory after the requeue', async () => {
    gitServer = await startGitServer();
    await gitServer.createRepo('configs', {
      'apps/web/kustomization.yaml': 'resources: []\n',
      'apps/api/kustomization.yaml': 'resources: []\n',
      'README.md': '# configs\n',
    });
    const repoURL = gitServer.url('configs');
    const rt = await start(new IsomorphicGitSource({ cacheDir: await tempDir() }));
    const key = 'in-cluster/ApplicationSet/argocd/from-git';
    await apply(rt, key, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'from-git', namespace: 'argocd' },
      spec: {
        generators: [
          {
            git: {
              repoURL,
              revision: 'main',
              directories: [{ path: 'apps/*' }],
              requeueAfterSeconds: 1,
            },
          },
        ],
        template: {
          metadata: { name: '{{path.basename}}' },
          spec: {
            project: 'default',
            source: { repoURL, targetRevision: 'main', path: '{{path}}' },
            destination: {
              server: 'https://kubernetes.default.svc',
              namespace: '{{path.basename}}',
            },
          },
        },
      },
    });
    await until(
      async () =>
        (await get(rt, appKey('web'))) !== null && (await get(rt, appKey('api'))) !== null,
      'one Application per directory',
      600,
    );
    expect(((await get(rt, appKey('api')))!.spec as JsonObject)['source']).toEqual({
      repoURL,
      targetRevision: 'main',
      path: 'apps/api',
    });
    await gitServer.commit('configs', { 'apps/worker/kustomization.yaml': 'resources: []\n' });
    await until(
      async () => (await get(rt, appKey('worker'))) !== null,
      'the new directory’s Application',
      600,
    );
  });
});

describe('AppProjects on the embedded runtime', () => {
  it('the default project is present on a fresh runtime', async () => {
    const rt = await start();
    const read = async (key: string) => get(rt, key);
    const project = await projectFor('default', read);
    expect(project?.spec.sourceRepos).toEqual(['*']);
    expect(await projectFor('production', read)).toBeNull();
  });

  it('the seed AppProject is applied and read back with its rules', async () => {
    const rt = await start();
    const seed = seedDocuments('appproject.yaml')[0] as unknown as KubeObject;
    await apply(rt, 'in-cluster/AppProject/argocd/production', seed);
    const stored = await get(rt, 'in-cluster/AppProject/argocd/production');
    expect(stored?.spec).toEqual(seed.spec);
    const project = await projectFor('production', async (key) => get(rt, key));
    expect(project?.spec.roles?.map((r) => r.name)).toEqual(['developer', 'admin']);
    expect(
      isDestinationPermitted(project!, {
        server: 'https://kubernetes.default.svc',
        namespace: 'production',
      }).allowed,
    ).toBe(true);
  });
});
