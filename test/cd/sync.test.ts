/**
 * Sync planning and wave decisions as gitops-engine's pkg/sync does them. Rows taken from Argo's
 * tests keep the Go test's name (sync_context_test.go, sync_tasks_test.go, hook/*_test.go).
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/objects.js';
import {
  HOOK_FINALIZER,
  deletionHookTypes,
  hookDeletePolicies,
  hookName,
  syncPhasesOf,
  syncWave,
} from '../../shared/cd/sync/hooks.js';
import {
  isDeletedWithApp,
  parseResourceSyncOptions,
  parseSyncOptions,
  requiresPruneConfirmation,
} from '../../shared/cd/sync/options.js';
import {
  KIND_ORDER,
  type PlanSyncInput,
  type SyncTask,
  planSync,
} from '../../shared/cd/sync/tasks.js';
import {
  type TaskObservation,
  type WaveDecision,
  nextWave,
  syncWaveDelayMs,
} from '../../shared/cd/sync/waves.js';

const API: Record<string, string> = {
  Namespace: 'v1',
  Pod: 'v1',
  Service: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  ServiceAccount: 'v1',
  Deployment: 'apps/v1',
  Job: 'batch/v1',
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  CustomResourceDefinition: 'apiextensions.k8s.io/v1',
  Widget: 'example.com/v1',
};

function obj(
  kind: string,
  name: string,
  annotations: Record<string, string> = {},
  extra: Partial<KubeObject> = {},
): KubeObject {
  return {
    apiVersion: API[kind] ?? 'v1',
    kind,
    metadata: { name, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
    ...extra,
  };
}
const wave = (w: number) => ({ 'argocd.argoproj.io/sync-wave': String(w) });
const hook = (types: string, more: Record<string, string> = {}) => ({
  'argocd.argoproj.io/hook': types,
  ...more,
});
const live = (o: KubeObject, namespace = 'app'): KubeObject => ({
  ...o,
  metadata: {
    ...o.metadata,
    ...(o.kind === 'Namespace' || o.kind === 'ClusterRole' ? {} : { namespace }),
  },
});

function plan(input: Partial<PlanSyncInput>): SyncTask[] {
  return planSync({
    desired: [],
    live: [],
    prune: true,
    operationId: 'op-1',
    namespace: 'app',
    ...input,
  });
}
const names = (tasks: readonly SyncTask[]) => tasks.map((t) => t.name);
const summary = (tasks: readonly SyncTask[]) =>
  tasks.map((t) => `${t.phase}/${t.wave} ${t.kind}/${t.name} ${t.action}`);

describe('options', () => {
  it.each([
    ['CreateNamespace=true', 'createNamespace', true],
    ['PruneLast=true', 'pruneLast', true],
    ['Prune=false', 'prune', 'false'],
    ['Prune=confirm', 'prune', 'confirm'],
    ['Delete=false', 'delete', 'false'],
    ['ServerSideApply=true', 'serverSideApply', true],
    ['Replace=true', 'replace', true],
    ['ApplyOutOfSyncOnly=true', 'applyOutOfSyncOnly', true],
    ['PrunePropagationPolicy=background', 'prunePropagationPolicy', 'Background'],
    ['PrunePropagationPolicy=orphan', 'prunePropagationPolicy', 'Orphan'],
    ['Validate=false', 'validate', false],
    ['RespectIgnoreDifferences=true', 'respectIgnoreDifferences', true],
    ['SkipDryRunOnMissingResource=true', 'skipDryRunOnMissingResource', true],
    ['FailOnSharedResource=true', 'failOnSharedResource', true],
  ] as const)('the app option %s sets %s', (entry, field, value) => {
    const { options, warnings } = parseSyncOptions([entry]);
    expect(options[field]).toEqual(value);
    expect(warnings).toEqual([]);
  });

  it('defaults match Argo: foreground propagation, validation on', () => {
    const { options } = parseSyncOptions(undefined);
    expect(options.prunePropagationPolicy).toBe('Foreground');
    expect(options.validate).toBe(true);
    expect(options.createNamespace).toBe(false);
  });

  it('an unknown option is a warning naming it and its place', () => {
    const { warnings } = parseSyncOptions(['CreateNamespace=true', 'Turbo=true']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('spec.syncPolicy.syncOptions[1]');
    expect(warnings[0]).toContain('"Turbo=true"');
  });

  it('a value Argo does not match (it compares whole strings) is a warning, not an effect', () => {
    const { options, warnings } = parseSyncOptions(['CreateNamespace=True']);
    expect(options.createNamespace).toBe(false);
    expect(warnings[0]).toContain('CreateNamespace=true|false');
  });

  it('resource annotations are comma separated and trimmed; ServerSideApply=false wins', () => {
    const o = obj('Pod', 'p', {
      'argocd.argoproj.io/sync-options':
        'Prune=false, ServerSideApply=true,ServerSideApply=false , Replace=true,Bogus',
    });
    const { options, warnings } = parseResourceSyncOptions(o);
    expect(options).toMatchObject({ prune: 'false', serverSideApply: false, replace: true });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Pod p');
    expect(warnings[0]).toContain('"Bogus"');
  });

  it.each([
    ['resource Prune=confirm', 'Prune=confirm', undefined, true],
    ['app Prune=confirm', undefined, 'confirm', true],
    ['resource Prune=true overrides app confirm', 'Prune=true', 'confirm', false],
  ] as const)('prune confirmation: %s', (_name, annotation, app, expected) => {
    const o = obj('Pod', 'p', annotation ? { 'argocd.argoproj.io/sync-options': annotation } : {});
    expect(requiresPruneConfirmation(o, { prune: app })).toBe(expected);
  });

  it.each([
    [
      'Delete=false on the resource',
      { 'argocd.argoproj.io/sync-options': 'Delete=false' },
      undefined,
      false,
    ],
    ['Delete=false on the app', {}, 'false', false],
    ['helm keep', { 'helm.sh/resource-policy': 'keep' }, undefined, false],
    ['plain resource', {}, undefined, true],
  ] as const)('app deletion: %s', (_n, annotations, app, expected) => {
    expect(isDeletedWithApp(obj('Pod', 'p', annotations), { delete: app })).toBe(expected);
  });
});

describe('hooks', () => {
  it.each([
    ['plain resource', {}, ['Sync']],
    ['PreSync', hook('PreSync'), ['PreSync']],
    ['several phases', hook('PostSync, PreSync'), ['PreSync', 'PostSync']],
    ['SyncFail', hook('SyncFail'), ['SyncFail']],
    ['Skip alone is never applied', hook('Skip'), []],
    ['Skip with another type keeps that type', hook('PreSync,Skip'), ['PreSync']],
    ['PostDelete is no sync phase', hook('PostDelete'), []],
    ['helm pre-install', { 'helm.sh/hook': 'pre-install' }, ['PreSync']],
    ['helm pre-upgrade', { 'helm.sh/hook': 'pre-upgrade' }, ['PreSync']],
    [
      'helm post-install,post-upgrade',
      { 'helm.sh/hook': 'post-install,post-upgrade' },
      ['PostSync'],
    ],
    ['helm test hook is ignored', { 'helm.sh/hook': 'test' }, []],
    ['helm crd-install is not a hook', { 'helm.sh/hook': 'crd-install' }, ['Sync']],
    [
      'Argo annotation hides Helm types',
      { ...hook('Sync'), 'helm.sh/hook': 'pre-install' },
      ['Sync'],
    ],
  ] as const)('phases: %s', (_name, annotations, phases) => {
    expect(syncPhasesOf(obj('Job', 'j', annotations))).toEqual(phases);
  });

  it.each([
    ['none named: BeforeHookCreation', {}, ['BeforeHookCreation']],
    [
      'Argo HookSucceeded',
      { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' },
      ['HookSucceeded'],
    ],
    [
      'Argo list',
      { 'argocd.argoproj.io/hook-delete-policy': 'HookFailed,BeforeHookCreation' },
      ['HookFailed', 'BeforeHookCreation'],
    ],
    ['helm hook-succeeded', { 'helm.sh/hook-delete-policy': 'hook-succeeded' }, ['HookSucceeded']],
    ['helm hook-failed', { 'helm.sh/hook-delete-policy': 'hook-failed' }, ['HookFailed']],
    [
      'helm before-hook-creation',
      { 'helm.sh/hook-delete-policy': 'before-hook-creation' },
      ['BeforeHookCreation'],
    ],
    [
      'unknown policy falls back',
      { 'argocd.argoproj.io/hook-delete-policy': 'Never' },
      ['BeforeHookCreation'],
    ],
  ] as const)('delete policies: %s', (_name, annotations, policies) => {
    expect(hookDeletePolicies(obj('Job', 'j', { ...hook('PreSync'), ...annotations }))).toEqual(
      policies,
    );
  });

  it.each([
    ['no annotation', {}, 0],
    ['sync-wave', wave(-1), -1],
    ['helm hook-weight', { 'helm.sh/hook-weight': '5' }, 5],
    ['sync-wave beats hook-weight', { ...wave(2), 'helm.sh/hook-weight': '5' }, 2],
    [
      'unparsable wave falls to hook-weight',
      { 'argocd.argoproj.io/sync-wave': 'x', 'helm.sh/hook-weight': '-3' },
      -3,
    ],
    ['spaces are not a number (Atoi)', { 'argocd.argoproj.io/sync-wave': ' 1' }, 0],
  ] as const)('wave: %s', (_name, annotations, expected) => {
    expect(syncWave(obj('Job', 'j', annotations))).toBe(expected);
  });

  it('PreDelete and PostDelete hooks, Argo or Helm', () => {
    expect(deletionHookTypes(obj('Job', 'j', hook('PreDelete')))).toEqual(['PreDelete']);
    expect(deletionHookTypes(obj('Job', 'j', { 'helm.sh/hook': 'post-delete' }))).toEqual([
      'PostDelete',
    ]);
  });

  it('a generateName hook gets revision, phase and an operation hash; the same operation gives the same name', () => {
    const h = obj('Job', '', hook('PreSync'), {});
    h.metadata.generateName = 'migrate-';
    const a = hookName(h, 'PreSync', 'op-1', '0123456789abcdef');
    expect(a).toMatch(/^migrate-0123456-presync-[0-9a-f]{10}$/);
    expect(hookName(h, 'PreSync', 'op-1', '0123456789abcdef')).toBe(a);
    expect(hookName(h, 'PreSync', 'op-2', '0123456789abcdef')).not.toBe(a);
    expect(hookName(h, 'PostSync', 'op-1', '0123456789abcdef')).toMatch(/-postsync-/);
    expect(hookName(obj('Job', 'named', hook('PreSync')), 'PreSync', 'op-1')).toBe('named');
  });
});

describe('planSync: order', () => {
  it('keeps Argo kind order list (Helm install order)', () => {
    expect(KIND_ORDER.slice(0, 3)).toEqual(['Namespace', 'NetworkPolicy', 'ResourceQuota']);
    expect(KIND_ORDER.indexOf('ConfigMap')).toBeLessThan(KIND_ORDER.indexOf('Deployment'));
    expect(KIND_ORDER.at(-1)).toBe('APIService');
    expect(KIND_ORDER).toHaveLength(35);
  });

  it('orders kinds within a wave, unknown kinds last, then by name (TestSyncCreateInSortedOrder)', () => {
    const tasks = plan({
      desired: [
        obj('Widget', 'a'),
        obj('Deployment', 'web'),
        obj('Service', 'web'),
        obj('ConfigMap', 'b'),
        obj('ConfigMap', 'a'),
        obj('Namespace', 'app'),
        obj('ServiceAccount', 'sa'),
      ],
    });
    expect(tasks.map((t) => `${t.kind}/${t.name}`)).toEqual([
      'Namespace/app',
      'ServiceAccount/sa',
      'ConfigMap/a',
      'ConfigMap/b',
      'Service/web',
      'Deployment/web',
      'Widget/a',
    ]);
  });

  it('orders waves -1, 0, 1 before kind', () => {
    const tasks = plan({
      desired: [
        obj('ConfigMap', 'late', wave(1)),
        obj('Deployment', 'early', wave(-1)),
        obj('Service', 'mid'),
      ],
    });
    expect(summary(tasks)).toEqual([
      'Sync/-1 Deployment/early apply',
      'Sync/0 Service/mid apply',
      'Sync/1 ConfigMap/late apply',
    ]);
  });

  it('orders phases PreSync, Sync, PostSync, SyncFail; hooks have waves too', () => {
    const tasks = plan({
      desired: [
        obj('Job', 'fail', hook('SyncFail')),
        obj('Job', 'post', hook('PostSync')),
        obj('Deployment', 'web'),
        obj('Job', 'pre-b', hook('PreSync')),
        obj('Job', 'pre-a', { ...hook('PreSync'), ...wave(1) }),
      ],
    });
    expect(summary(tasks)).toEqual([
      'PreSync/0 Job/pre-b hook',
      'PreSync/1 Job/pre-a hook',
      'Sync/0 Deployment/web apply',
      'PostSync/0 Job/post hook',
      'SyncFail/0 Job/fail hook',
    ]);
    expect(tasks[0]?.targetObj?.metadata.finalizers).toEqual([HOOK_FINALIZER]);
    expect(tasks[0]?.hookDeletePolicies).toEqual(['BeforeHookCreation']);
  });

  it('gives objects without a namespace the destination one, not cluster-scoped kinds (TestObjectsGetANamespace)', () => {
    const tasks = plan({ desired: [obj('Pod', 'p'), obj('ClusterRole', 'r')] });
    expect(tasks.map((t) => [t.kind, t.namespace, t.targetObj?.metadata.namespace])).toEqual([
      ['ClusterRole', '', undefined],
      ['Pod', 'app', 'app'],
    ]);
  });

  it('moves a Namespace before the first resource in it, taking its wave (TestSyncTasksSort_NamespaceAndObjectInNamespace)', () => {
    const pod = obj('Pod', 'p', wave(-2));
    pod.metadata.namespace = 'other';
    const tasks = plan({ desired: [pod, obj('Namespace', 'other', wave(1))] });
    expect(summary(tasks)).toEqual(['Sync/-2 Namespace/other apply', 'Sync/-2 Pod/p apply']);
  });

  it('moves a CRD before its custom resources (TestSyncTasksSort_CRDAndCR)', () => {
    const crd = obj('CustomResourceDefinition', 'widgets.example.com', wave(1), {
      spec: { group: 'example.com', names: { kind: 'Widget' } },
    });
    const tasks = plan({ desired: [obj('Widget', 'w'), crd] });
    expect(summary(tasks)).toEqual([
      'Sync/0 CustomResourceDefinition/widgets.example.com apply',
      'Sync/0 Widget/w apply',
    ]);
    expect(tasks[1]?.skipDryRunOnMissingResource).toBe(true);
  });

  it('Skip hooks are not applied, nor pruned', () => {
    const skipped = obj('ConfigMap', 'manual', hook('Skip'));
    const tasks = plan({ desired: [skipped, obj('ConfigMap', 'c')], live: [live(skipped)] });
    expect(names(tasks)).toEqual(['c']);
  });

  it('old hooks in the live state are not pruned, and found again by name (TestDoNotSyncOrPruneHooks)', () => {
    const h = obj('Job', 'migrate', hook('PreSync'));
    const tasks = plan({
      desired: [h],
      live: [live(h), live(obj('Job', 'stale-hook', hook('PostSync')))],
    });
    expect(summary(tasks)).toEqual(['PreSync/0 Job/migrate hook']);
    expect(tasks[0]?.liveObj?.metadata.name).toBe('migrate');
  });

  it('gives generateName hooks deterministic names, one per phase (TestUnnamedHooksGetUniqueNames)', () => {
    const h = obj('Pod', '', hook('PreSync,PostSync'));
    h.metadata.generateName = 'check-';
    const tasks = plan({ desired: [h], revision: 'abcdef1234' });
    expect(names(tasks)).toEqual([
      hookName(h, 'PreSync', 'op-1', 'abcdef1234'),
      hookName(h, 'PostSync', 'op-1', 'abcdef1234'),
    ]);
    expect(names(plan({ desired: [h], revision: 'abcdef1234' }))).toEqual(names(tasks));
  });

  it('selective sync keeps only the named resources and runs no hooks (TestSelectiveSyncOnly)', () => {
    const tasks = plan({
      desired: [obj('Pod', 'a'), obj('Pod', 'b'), obj('Job', 'h', hook('PreSync'))],
      resources: [{ kind: 'Pod', name: 'b' }],
    });
    expect(names(tasks)).toEqual(['b']);
  });
});

describe('planSync: prune', () => {
  const withWave = (name: string, w: number, more: Record<string, string> = {}) =>
    live(obj('Pod', name, { ...wave(w), ...more }));

  it('reverses prune waves (TestWaveReorderingOfPruneTasks differentWave_mixedTasks)', () => {
    const ns = obj('Namespace', 'ns', wave(0));
    const pod2 = obj('Pod', 'pod-2', wave(2));
    const tasks = plan({
      desired: [ns, pod2],
      live: [live(ns), withWave('pod-1', 1), withWave('pod-3', 3), withWave('pod-4', 4)],
    });
    const waves = Object.fromEntries(tasks.map((t) => [t.name, t.wave]));
    expect(waves).toEqual({ ns: 0, 'pod-1': 4, 'pod-2': 2, 'pod-3': 3, 'pod-4': 1 });
    expect(tasks.filter((t) => t.action === 'prune').map((t) => t.propagationPolicy)).toEqual([
      'Foreground',
      'Foreground',
      'Foreground',
    ]);
  });

  it('reverses prune waves in the additional mixedTasks case', () => {
    const tasks = plan({
      desired: [
        obj('Namespace', 'ns', wave(-1)),
        obj('Pod', 'pod-2', wave(3)),
        obj('Pod', 'pod-6', wave(5)),
      ],
      live: [
        live(obj('Namespace', 'ns', wave(-1))),
        withWave('pod-1', 1),
        withWave('pod-3', 3),
        withWave('pod-4', 3),
        withWave('pod-5', 4),
        live(obj('Pod', 'pod-6', wave(5))),
        withWave('pod-7', 5),
      ],
    });
    expect(Object.fromEntries(tasks.map((t) => [t.name, t.wave]))).toEqual({
      ns: -1,
      'pod-1': 5,
      'pod-2': 3,
      'pod-3': 4,
      'pod-4': 4,
      'pod-5': 3,
      'pod-6': 5,
      'pod-7': 1,
    });
  });

  it.each([
    [
      'PruneLast app-wide moves every prune after the last Sync wave',
      true,
      {},
      { 'pod-1': 5, 'pod-2': 5, 'pod-3': 5, 'pod-4': 5 },
    ],
    [
      'PruneLast on one resource moves only it',
      false,
      { 'argocd.argoproj.io/sync-options': 'PruneLast=true' },
      { 'pod-1': 4, 'pod-2': 5, 'pod-3': 2, 'pod-4': 1 },
    ],
  ] as const)(
    '%s (TestWaveReorderingOfPruneTasks pruneLast)',
    (_name, appWide, pod2Annotations, expected) => {
      const { options } = parseSyncOptions(appWide ? ['PruneLast=true'] : []);
      const tasks = plan({
        options,
        desired: [obj('Namespace', 'ns', wave(0))],
        live: [
          live(obj('Namespace', 'ns', wave(0))),
          withWave('pod-1', 1),
          withWave('pod-2', 2, pod2Annotations),
          withWave('pod-3', 3),
          withWave('pod-4', 4),
        ],
      });
      expect(Object.fromEntries(tasks.map((t) => [t.name, t.wave]))).toEqual({
        ns: 0,
        ...expected,
      });
      expect(tasks.at(-1)?.wave).toBe(5);
    },
  );

  it('PruneLast with everything in wave 0 prunes in wave 1 (TestPruneLast syncPhaseSameWave)', () => {
    const tasks = plan({
      options: parseSyncOptions(['PruneLast=true']).options,
      desired: [obj('Pod', 'pod-1')],
      live: [live(obj('Pod', 'pod-2')), live(obj('Pod', 'pod-3'))],
    });
    expect(summary(tasks)).toEqual([
      'Sync/0 Pod/pod-1 apply',
      'Sync/1 Pod/pod-2 prune',
      'Sync/1 Pod/pod-3 prune',
    ]);
  });

  it.each([
    ['prune not requested', false, {}, [], 'ignored (requires pruning)'],
    [
      'Prune=false on the resource',
      true,
      { 'argocd.argoproj.io/sync-options': 'Prune=false' },
      [],
      'ignored (no prune)',
    ],
    [
      'Prune=false on the app (TestDoNotPruneAppLevelPruneFalse)',
      true,
      {},
      ['Prune=false'],
      'ignored (no prune)',
    ],
    ['pruning allowed', true, {}, [], undefined],
  ] as const)('prune skip: %s', (_name, prune, annotations, appOptions, message) => {
    const tasks = plan({
      prune,
      options: parseSyncOptions(appOptions).options,
      live: [live(obj('Pod', 'old', annotations))],
    });
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.action).toBe('prune');
    expect(tasks[0]?.skip?.message).toBe(message);
  });

  it('Delete=false does not stop a prune: it only keeps the resource when the app is deleted (Argo)', () => {
    const tasks = plan({
      live: [live(obj('Pod', 'old', { 'argocd.argoproj.io/sync-options': 'Delete=false' }))],
    });
    expect(tasks[0]?.skip).toBeUndefined();
  });
});

describe('planSync: options', () => {
  it('CreateNamespace adds a PreSync Namespace task when the namespace is not live', () => {
    const options = parseSyncOptions(['CreateNamespace=true']).options;
    const tasks = plan({
      options,
      desired: [obj('Job', 'pre', { ...hook('PreSync'), ...wave(-5) }), obj('Pod', 'p')],
    });
    expect(summary(tasks)).toEqual([
      'PreSync/-5 Namespace/app apply',
      'PreSync/-5 Job/pre hook',
      'Sync/0 Pod/p apply',
    ]);
    expect(tasks[0]?.liveObj).toBeUndefined();
  });

  it.each([
    ['namespace exists', { destinationNamespace: live(obj('Namespace', 'app')) }, 0],
    ['namespace declared in the manifests', { desired: [obj('Namespace', 'app')] }, 1],
    ['option off', { options: parseSyncOptions([]).options, destinationNamespace: null }, 0],
  ] as const)(
    'CreateNamespace adds nothing when %s (TestNamespaceAutoCreation)',
    (_name, extra, count) => {
      const tasks = plan({
        options: parseSyncOptions(['CreateNamespace=true']).options,
        destinationNamespace: null,
        ...extra,
      });
      expect(tasks.filter((t) => t.kind === 'Namespace')).toHaveLength(count);
      expect(tasks.every((t) => t.phase === 'Sync')).toBe(true);
    },
  );

  it('managedNamespaceMetadata keeps an existing namespace labelled by server-side apply', () => {
    const tasks = plan({
      options: parseSyncOptions(['CreateNamespace=true']).options,
      destinationNamespace: live(obj('Namespace', 'app')),
      managedNamespaceMetadata: { labels: { team: 'a' } },
    });
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.targetObj?.metadata.labels).toEqual({ team: 'a' });
    expect(tasks[0]?.serverSideApply).toBe(true);
  });

  it('ApplyOutOfSyncOnly skips Synced resources only (TestSync_ApplyOutOfSyncOnly)', () => {
    const desired = [obj('Pod', 'same'), obj('Pod', 'changed'), obj('Pod', 'new')];
    const tasks = plan({
      options: parseSyncOptions(['ApplyOutOfSyncOnly=true']).options,
      desired,
      live: [live(obj('Pod', 'same')), live(obj('Pod', 'changed'))],
      diffs: {
        '/Pod/app/same': 'Synced',
        '/Pod/app/changed': 'OutOfSync',
        '/Pod/app/new': 'Missing',
      },
    });
    expect(tasks.map((t) => [t.name, t.skip?.result])).toEqual([
      ['changed', undefined],
      ['new', undefined],
      ['same', 'Unmodified'],
    ]);
    const without = plan({ desired, live: [live(obj('Pod', 'same'))], diffs: () => 'Synced' });
    expect(without.some((t) => t.skip)).toBe(false);
  });

  it.each([
    ['default: apply', [], {}, true, 'apply'],
    ['Replace=true, live: replace', ['Replace=true'], {}, true, 'replace'],
    ['Replace=true, not live: create', ['Replace=true'], {}, false, 'create'],
    [
      'Replace=true on the resource',
      [],
      { 'argocd.argoproj.io/sync-options': 'Replace=true' },
      true,
      'replace',
    ],
  ] as const)(
    'apply action: %s (TestSync_Replace)',
    (_name, appOptions, annotations, isLive, action) => {
      const pod = obj('Pod', 'p', annotations);
      const tasks = plan({
        options: parseSyncOptions(appOptions).options,
        desired: [pod],
        live: isLive ? [live(pod)] : [],
      });
      expect(tasks[0]?.action).toBe(action);
    },
  );

  it('Replace=true updates a Namespace instead of replacing it', () => {
    const ns = obj('Namespace', 'x');
    const tasks = plan({
      options: parseSyncOptions(['Replace=true']).options,
      desired: [ns],
      live: [ns],
    });
    expect(tasks[0]?.action).toBe('update');
  });

  it.each([
    ['app ServerSideApply', ['ServerSideApply=true'], {}, false, true],
    [
      'resource ServerSideApply',
      [],
      { 'argocd.argoproj.io/sync-options': 'ServerSideApply=true' },
      false,
      true,
    ],
    [
      'resource opts out',
      ['ServerSideApply=true'],
      { 'argocd.argoproj.io/sync-options': 'ServerSideApply=false' },
      false,
      false,
    ],
    ['never in a dry run', ['ServerSideApply=true'], {}, true, false],
  ] as const)(
    'server-side apply: %s (TestSync_ServerSideApply)',
    (_name, appOptions, annotations, dryRun, expected) => {
      const tasks = plan({
        options: parseSyncOptions(appOptions).options,
        desired: [obj('Pod', 'p', annotations)],
        dryRun,
      });
      expect(tasks[0]?.serverSideApply).toBe(expected);
    },
  );

  it('Validate=false on the app or the resource turns validation off (TestSyncOptionValidate)', () => {
    expect(plan({ desired: [obj('Pod', 'p')] })[0]?.validate).toBe(true);
    expect(
      plan({ options: parseSyncOptions(['Validate=false']).options, desired: [obj('Pod', 'p')] })[0]
        ?.validate,
    ).toBe(false);
    const annotated = obj('Pod', 'p', { 'argocd.argoproj.io/sync-options': 'Validate=false' });
    expect(plan({ desired: [annotated] })[0]?.validate).toBe(false);
  });
});

/** Drives nextWave the way the application machine would, recording what it was asked to do. */
function observe(entries: Record<string, TaskObservation>): Record<string, TaskObservation> {
  return entries;
}
const idOf = (tasks: readonly SyncTask[], name: string, phase?: string): string => {
  const task = tasks.find((t) => t.name === name && (phase === undefined || t.phase === phase));
  if (task === undefined) throw new Error(`no task ${name}`);
  return task.id;
};
const ran = (d: WaveDecision): string[] => ('run' in d ? d.run.map((t) => t.name) : []);

describe('nextWave', () => {
  it('a sync without waves or hooks succeeds once applied, without waiting for health', () => {
    const tasks = plan({ desired: [obj('Pod', 'a'), obj('Service', 'b')] });
    const first = nextWave(tasks, { observations: {} });
    expect(ran(first)).toEqual(['b', 'a']);
    expect('run' in first && first.delayMs).toBe(0);
    const after = nextWave(tasks, {
      observations: observe({
        [idOf(tasks, 'a')]: { applied: true, health: 'Degraded' },
        [idOf(tasks, 'b')]: { applied: true },
      }),
    });
    expect(after).toMatchObject({
      done: 'Succeeded',
      message: 'successfully synced (all tasks run)',
    });
  });

  it('waves -1, 0, 1: each waits for the previous one to be healthy, with the wave delay', () => {
    const tasks = plan({
      desired: [
        obj('ConfigMap', 'c', wave(-1)),
        obj('Deployment', 'd'),
        obj('Service', 's', wave(1)),
      ],
    });
    const obs: Record<string, TaskObservation> = {};
    const d1 = nextWave(tasks, { observations: obs, waveDelayMs: 5000 });
    expect(d1).toMatchObject({ phase: 'Sync', wave: -1, delayMs: 5000 });
    expect(ran(d1)).toEqual(['c']);

    obs[idOf(tasks, 'c')] = { applied: true };
    expect(nextWave(tasks, { observations: obs })).toMatchObject({
      wait: true,
      reason: 'waiting for healthy state of /ConfigMap/c',
    });
    obs[idOf(tasks, 'c')] = { applied: true, health: null };
    const d2 = nextWave(tasks, { observations: obs });
    expect(ran(d2)).toEqual(['d']);
    expect(d2).toMatchObject({ wave: 0, delayMs: 2000 });

    obs[idOf(tasks, 'd')] = { applied: true, health: 'Progressing' };
    expect(nextWave(tasks, { observations: obs })).toMatchObject({
      reason: 'waiting for healthy state of apps/Deployment/d',
    });
    obs[idOf(tasks, 'd')] = { applied: true, health: 'Healthy' };
    const d3 = nextWave(tasks, { observations: obs });
    expect(ran(d3)).toEqual(['s']);
    expect(d3).toMatchObject({ wave: 1, delayMs: 0 });

    obs[idOf(tasks, 's')] = { applied: true };
    expect(nextWave(tasks, { observations: obs })).toMatchObject({ done: 'Succeeded' });
  });

  it('a degraded resource in an earlier wave fails the sync', () => {
    const tasks = plan({ desired: [obj('Deployment', 'd'), obj('Service', 's', wave(1))] });
    const decision = nextWave(tasks, {
      observations: {
        [idOf(tasks, 'd')]: { applied: true, health: 'Degraded', message: 'crash loop' },
      },
    });
    expect(decision).toMatchObject({
      failed: 'one or more synchronization tasks completed unsuccessfully',
      syncFail: [],
      operationPhase: 'Failed',
    });
  });

  it('a PreSync hook runs before wave 0 and must complete before Sync starts', () => {
    const tasks = plan({
      desired: [obj('Deployment', 'd', wave(-3)), obj('Job', 'migrate', hook('PreSync'))],
    });
    expect(ran(nextWave(tasks, { observations: {} }))).toEqual(['migrate']);
    const obs: Record<string, TaskObservation> = {
      [idOf(tasks, 'migrate')]: { applied: true, hookPhase: 'Running' },
    };
    expect(nextWave(tasks, { observations: obs })).toMatchObject({
      reason: 'waiting for completion of hook batch/Job/migrate',
    });
    obs[idOf(tasks, 'migrate')] = { applied: true, hookPhase: 'Succeeded' };
    const next = nextWave(tasks, { observations: obs });
    expect(ran(next)).toEqual(['d']);
    expect(next.releaseHooks.map((t) => t.name)).toEqual(['migrate']);
  });

  it('a failing PreSync hook stops the sync and yields the SyncFail hooks, then fails', () => {
    const tasks = plan({
      desired: [
        obj('Deployment', 'd'),
        obj(
          'Job',
          'migrate',
          hook('PreSync', { 'argocd.argoproj.io/hook-delete-policy': 'HookFailed' }),
        ),
        obj('Job', 'notify', hook('SyncFail')),
        obj('Job', 'after', hook('PostSync')),
      ],
    });
    const obs: Record<string, TaskObservation> = {
      [idOf(tasks, 'migrate')]: { applied: true, hookPhase: 'Failed', message: 'exit 1' },
    };
    const failed = nextWave(tasks, { observations: obs });
    expect(failed).toMatchObject({
      failed: 'one or more synchronization tasks completed unsuccessfully',
      operationPhase: 'Running',
    });
    expect('syncFail' in failed && failed.syncFail.map((t) => t.name)).toEqual(['notify']);
    expect(failed.deleteHooks.map((t) => t.name)).toEqual(['migrate']);

    obs[idOf(tasks, 'notify')] = { applied: true, hookPhase: 'Running' };
    expect(nextWave(tasks, { observations: obs })).toMatchObject({
      reason: 'waiting for completion of hook batch/Job/notify',
    });
    obs[idOf(tasks, 'notify')] = { applied: true, hookPhase: 'Succeeded' };
    const final = nextWave(tasks, { observations: obs });
    expect(final).toMatchObject({ syncFail: [], operationPhase: 'Failed' });
    expect(ran(final)).toEqual([]);
  });

  it('an apply error fails the sync with its reason; a failed SyncFail hook is added to the message', () => {
    const tasks = plan({ desired: [obj('Pod', 'bad'), obj('Job', 'notify', hook('SyncFail'))] });
    const obs: Record<string, TaskObservation> = {
      [idOf(tasks, 'bad')]: { error: 'spec.containers: Required value' },
    };
    const first = nextWave(tasks, { observations: obs });
    expect('syncFail' in first && first.syncFail.map((t) => t.name)).toEqual(['notify']);
    obs[idOf(tasks, 'notify')] = { error: 'forbidden' };
    expect(nextWave(tasks, { observations: obs })).toMatchObject({
      failed:
        'one or more synchronization tasks completed unsuccessfully, reason: spec.containers: Required value\n' +
        'one or more SyncFail hooks failed, reason: forbidden',
      operationPhase: 'Failed',
    });
    const alone = plan({ desired: [obj('Pod', 'bad')] });
    expect(
      nextWave(alone, { observations: { [idOf(alone, 'bad')]: { error: 'boom' } } }),
    ).toMatchObject({
      failed: 'one or more objects failed to apply, reason: boom',
    });
  });

  it("an apply error beside a resource that applied is worded as Argo's later pass words it", () => {
    const tasks = plan({ desired: [obj('Pod', 'bad'), obj('Service', 'ok')] });
    const decision = nextWave(tasks, {
      observations: {
        [idOf(tasks, 'bad')]: { error: 'boom' },
        [idOf(tasks, 'ok')]: { applied: true },
      },
    });
    expect(decision).toMatchObject({
      failed: 'one or more synchronization tasks completed unsuccessfully, reason: boom',
      operationPhase: 'Failed',
    });
  });

  it('an apply error while a hook of its wave runs starts the SyncFail hooks at once', () => {
    const tasks = plan({
      desired: [
        obj('Pod', 'bad'),
        obj('Job', 'side', hook('Sync')),
        obj('Job', 'notify', hook('SyncFail')),
      ],
    });
    const decision = nextWave(tasks, {
      observations: {
        [idOf(tasks, 'bad')]: { error: 'boom' },
        [idOf(tasks, 'side')]: { applied: true, hookPhase: 'Running' },
      },
    });
    expect(decision).toMatchObject({
      failed: 'one or more objects failed to apply, reason: boom',
      operationPhase: 'Running',
    });
    expect('syncFail' in decision && decision.syncFail.map((t) => t.name)).toEqual(['notify']);
  });

  it('BeforeHookCreation (the default) deletes the earlier hook before creating it again (TestBeforeHookCreation)', () => {
    const h = obj('Job', 'migrate', hook('PreSync'));
    const tasks = plan({ desired: [h, obj('Pod', 'p')], live: [live(h)] });
    const first = nextWave(tasks, { observations: {} });
    expect('run' in first && first.deleteFirst.map((t) => t.name)).toEqual(['migrate']);
    expect(ran(first)).toEqual([]);
    expect('message' in first && first.message).toBe(
      'waiting for deletion of hook batch/Job/migrate',
    );
    const second = nextWave(tasks, {
      observations: { [idOf(tasks, 'migrate')]: { priorDeleted: true } },
    });
    expect(ran(second)).toEqual(['migrate']);
    expect('run' in second && second.deleteFirst).toEqual([]);
  });

  it('HookSucceeded hooks are deleted when the sync succeeds (TestSync_HooksDeletedAfterSyncSucceeded)', () => {
    const tasks = plan({
      desired: [
        obj('Pod', 'p'),
        obj(
          'Job',
          'done',
          hook('PostSync', { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' }),
        ),
        obj(
          'Job',
          'kept',
          hook('PostSync', { 'argocd.argoproj.io/hook-delete-policy': 'HookFailed' }),
        ),
      ],
    });
    const decision = nextWave(tasks, {
      observations: {
        [idOf(tasks, 'p')]: { applied: true, health: 'Healthy' },
        [idOf(tasks, 'done')]: { applied: true, hookPhase: 'Succeeded' },
        [idOf(tasks, 'kept')]: { applied: true, hookPhase: 'Succeeded' },
      },
    });
    expect(decision).toMatchObject({
      done: 'Succeeded',
      message: 'successfully synced (no more tasks)',
    });
    expect(decision.deleteHooks.map((t) => t.name)).toEqual(['done']);
  });

  it('prunes run before applies in their wave and a prune still being deleted holds the next wave', () => {
    const tasks = plan({
      desired: [obj('Pod', 'new'), obj('Service', 'next', wave(1))],
      live: [live(obj('Pod', 'old'))],
    });
    const first = nextWave(tasks, { observations: {} });
    expect(ran(first)).toEqual(['old', 'new']);
    const decision = nextWave(tasks, {
      observations: {
        [idOf(tasks, 'old')]: { applied: true, deleting: true },
        [idOf(tasks, 'new')]: { applied: true, health: 'Healthy' },
      },
    });
    expect(decision).toMatchObject({ wait: true, reason: 'waiting for deletion of /Pod/old' });
  });

  it('Prune=confirm waits for confirmation, then prunes (TestPruneConfirmResourceLevel)', () => {
    const tasks = plan({
      live: [live(obj('Pod', 'old', { 'argocd.argoproj.io/sync-options': 'Prune=confirm' }))],
    });
    expect(nextWave(tasks, { observations: {} })).toMatchObject({
      reason: 'waiting for pruning confirmation of /Pod/old',
    });
    expect(ran(nextWave(tasks, { observations: {}, pruneConfirmed: true }))).toEqual(['old']);
  });

  it('a skipped prune is run to record PruneSkipped and counts as done', () => {
    const tasks = plan({
      prune: false,
      desired: [obj('Pod', 'p')],
      live: [live(obj('Pod', 'old'))],
    });
    expect(ran(nextWave(tasks, { observations: {} }))).toEqual(['old', 'p']);
    expect(
      nextWave(tasks, {
        observations: {
          [idOf(tasks, 'old')]: { applied: true },
          [idOf(tasks, 'p')]: { applied: true },
        },
      }),
    ).toMatchObject({ done: 'Succeeded' });
  });

  it('ApplyOutOfSyncOnly: Synced resources are never run', () => {
    const tasks = plan({
      options: parseSyncOptions(['ApplyOutOfSyncOnly=true']).options,
      desired: [obj('Pod', 'same'), obj('Pod', 'changed')],
      live: [live(obj('Pod', 'same')), live(obj('Pod', 'changed'))],
      diffs: (o) => (o.metadata.name === 'same' ? 'Synced' : 'OutOfSync'),
    });
    expect(ran(nextWave(tasks, { observations: {} }))).toEqual(['changed']);
    expect(
      nextWave(tasks, { observations: { [idOf(tasks, 'changed')]: { applied: true } } }),
    ).toMatchObject({
      done: 'Succeeded',
    });
  });

  it('a dry run succeeds as soon as everything is accepted', () => {
    const tasks = plan({ dryRun: true, desired: [obj('Pod', 'a', wave(-1)), obj('Pod', 'b')] });
    expect(tasks.every((t) => t.dryRun)).toBe(true);
    const decision = nextWave(tasks, {
      observations: { [idOf(tasks, 'a')]: { applied: true } },
      dryRun: true,
    });
    expect(ran(decision)).toEqual(['b']);
  });

  it.each([
    [{}, 2000],
    [{ ARGOCD_SYNC_WAVE_DELAY: '5' }, 5000],
    [{ ARGOCD_SYNC_WAVE_DELAY: '0' }, 0],
    [{ ARGOCD_SYNC_WAVE_DELAY: 'soon' }, 2000],
  ])('ARGOCD_SYNC_WAVE_DELAY %j is %i ms', (env, ms) => {
    expect(syncWaveDelayMs(env)).toBe(ms);
  });
});
