import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/objects.js';
import { TRACKING_ANNOTATION } from '../../shared/cd/tracking.js';
import { RESOURCES_FINALIZER } from '../../shared/cd/application.js';
import { AppDriver, application, configMap, deployment, hookJob, REPO } from './app-harness.js';

const KEY = 'in-cluster/Application/argocd/web';
const SHA1 = 'a'.repeat(40);
const SHA2 = 'b'.repeat(40);
const AUTOMATED = { automated: { prune: true, selfHeal: true } };

function resultOf(d: AppDriver, kind: string, name: string) {
  return (d.status().operationState?.syncResult?.resources ?? []).find(
    (r: { kind: string; name: string }) => r.kind === kind && r.name === name,
  );
}

async function started(spec: Record<string, unknown>, manifests: KubeObject[], extra = {}) {
  const d = new AppDriver(KEY, application(spec, extra));
  d.git.commit('main', SHA1, manifests);
  await d.settle();
  return d;
}

describe('refresh', () => {
  it('reports OutOfSync and Missing at the resolved commit when nothing is deployed', async () => {
    const d = await started({}, [configMap('cfg', { a: '1' }), deployment('web', 'nginx:1')]);
    const status = d.status();
    expect(status.sync).toMatchObject({ status: 'OutOfSync', revision: SHA1 });
    expect(status.health).toEqual({ status: 'Missing' });
    expect(
      status.resources.map((r: { kind: string; status: string }) => [r.kind, r.status]),
    ).toEqual([
      ['ConfigMap', 'OutOfSync'],
      ['Deployment', 'OutOfSync'],
    ]);
    expect(status.reconciledAt).toBe('2026-01-01T00:00:00Z');
    expect(d.kube.calls).toEqual([]);
  });

  it('a source that cannot be resolved is a ComparisonError with sync Unknown', async () => {
    const d = new AppDriver(
      KEY,
      application({ source: { repoURL: REPO, targetRevision: 'nope', path: 'app' } }),
    );
    await d.settle();
    expect(d.status().sync.status).toBe('Unknown');
    expect(d.status().conditions).toEqual([
      expect.objectContaining({ type: 'ComparisonError', message: 'revision nope not found' }),
    ]);
  });

  it('does not render an unchanged commit again', async () => {
    const d = await started({}, [configMap('cfg', { a: '1' })]);
    expect(d.git.renders).toBe(1);
    await d.send({ type: 'Refresh' });
    expect(d.git.resolves).toBe(2);
    expect(d.git.renders).toBe(1);
  });

  it('refreshes every 120 s plus a jitter fixed by the key, and sees a new commit then', async () => {
    const d = await started({}, [configMap('cfg', { a: '1' })]);
    const reconcile = d.timers.find((t) => t.timerId === 'reconcile');
    expect(reconcile).toBeDefined();
    const delay = reconcile!.fireAt - d.now;
    expect(delay).toBeGreaterThanOrEqual(120_000);
    expect(delay).toBeLessThanOrEqual(180_000);
    d.git.commit('main', SHA2, [configMap('cfg', { a: '2' })]);
    await d.advance(delay - 1);
    expect(d.status().sync.revision).toBe(SHA1);
    await d.advance(1);
    expect(d.status().sync.revision).toBe(SHA2);
  });

  it('a refresh annotation asks for a refresh and is removed', async () => {
    const d = await started({}, [configMap('cfg', { a: '1' })]);
    d.git.commit('main', SHA2, [configMap('cfg', { a: '2' })]);
    await d.update((app) => {
      app.metadata.annotations = { 'argocd.argoproj.io/refresh': 'normal' };
    });
    expect(d.status().sync.revision).toBe(SHA2);
    expect(d.object?.metadata.annotations?.['argocd.argoproj.io/refresh']).toBeUndefined();
  });
});

describe('manual sync', () => {
  it('applies every resource with its tracking id and reports Synced / Healthy with history', async () => {
    const d = await started({}, [configMap('cfg', { a: '1' }), deployment('web', 'nginx:1')]);
    await d.send({ type: 'Sync' });
    const cm = d.kube.find('ConfigMap', 'cfg')!;
    expect(cm.metadata.annotations?.[TRACKING_ANNOTATION]).toBe('web:/ConfigMap:prod/cfg');
    expect(d.kube.find('Deployment', 'web')!.metadata.annotations?.[TRACKING_ANNOTATION]).toBe(
      'web:apps/Deployment:prod/web',
    );
    const status = d.status();
    expect(status.sync.status).toBe('Synced');
    expect(status.health.status).toBe('Healthy');
    expect(status.operationState).toMatchObject({
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      syncResult: { revision: SHA1 },
    });
    expect(resultOf(d, 'Deployment', 'web')).toMatchObject({ status: 'Synced', syncPhase: 'Sync' });
    expect(status.history).toEqual([expect.objectContaining({ id: 0, revision: SHA1 })]);
  });

  it('an operation written on the object runs once and is cleared there when it completes', async () => {
    const d = await started({}, [configMap('cfg', { a: '1' })]);
    await d.update((app) => {
      app['operation'] = { sync: { revision: SHA1 }, initiatedBy: { username: 'admin' } };
    });
    expect(d.status().operationState.phase).toBe('Succeeded');
    expect(d.status().operationState.operation.initiatedBy).toEqual({ username: 'admin' });
    expect(d.object?.['operation']).toBeUndefined();
    expect(d.kube.calls.filter((c) => c.startsWith('apply'))).toHaveLength(1);
  });

  it('ServerSideApply applies with the argocd-controller field manager', async () => {
    const d = await started({ syncPolicy: { syncOptions: ['ServerSideApply=true'] } }, [
      configMap('cfg', { a: '1' }),
    ]);
    await d.send({ type: 'Sync' });
    expect(resultOf(d, 'ConfigMap', 'cfg')?.message).toBe('configmap/cfg created (server-side)');
    expect(
      d.kube.find('ConfigMap', 'cfg')!.metadata.annotations?.[
        'kubectl.kubernetes.io/last-applied-configuration'
      ],
    ).toBeUndefined();
  });

  it('CreateNamespace creates the destination namespace first, without tracking it', async () => {
    const d = await started({ syncPolicy: { syncOptions: ['CreateNamespace=true'] } }, [
      configMap('cfg', { a: '1' }),
    ]);
    await d.send({ type: 'Sync' });
    expect(d.kube.calls).toEqual(['apply /Namespace//prod']);
    // ARGOCD_SYNC_WAVE_DELAY (2 s) between waves.
    await d.advance(2_000);
    expect(d.kube.calls).toEqual(['apply /Namespace//prod', 'apply /ConfigMap/prod/cfg']);
    expect(
      d.kube.find('Namespace', 'prod')!.metadata.annotations?.[TRACKING_ANNOTATION],
    ).toBeUndefined();
  });

  it('a resource the cluster refuses fails the sync with its message', async () => {
    const d = await started({}, [configMap('cfg', { a: '1' })]);
    d.kube.failApply['ConfigMap'] = 'ConfigMap "cfg" is invalid: data: bad';
    await d.send({ type: 'Sync' });
    expect(d.status().operationState).toMatchObject({
      phase: 'Failed',
      message: 'one or more objects failed to apply, reason: ConfigMap "cfg" is invalid: data: bad',
    });
    expect(resultOf(d, 'ConfigMap', 'cfg')?.status).toBe('SyncFailed');
    expect(d.status().history).toBeUndefined();
  });

  it('argoproj.io kinds go to the control plane, never to the cluster', async () => {
    const rollout: KubeObject = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'web' },
      spec: { replicas: 1 },
    };
    const d = await started({}, [rollout]);
    await d.send({ type: 'Sync' });
    expect(d.kube.calls).toEqual([]);
    expect(d.cp.submitted).toEqual([{ key: 'in-cluster/Rollout/prod/web', type: 'Apply' }]);
    expect(d.status().resources[0]).toMatchObject({
      group: 'argoproj.io',
      kind: 'Rollout',
      status: 'Synced',
    });
  });
});

describe('automated sync', () => {
  it('syncs by itself when OutOfSync, with the policy prune flag and initiatedBy automated', async () => {
    const d = await started({ syncPolicy: AUTOMATED }, [configMap('cfg', { a: '1' })]);
    expect(d.status().operationState).toMatchObject({
      phase: 'Succeeded',
      operation: { sync: { revision: SHA1, prune: true }, initiatedBy: { automated: true } },
    });
    expect(d.status().sync.status).toBe('Synced');
  });

  it('syncs a new commit once it is seen', async () => {
    const d = await started({ syncPolicy: AUTOMATED }, [configMap('cfg', { a: '1' })]);
    d.git.commit('main', SHA2, [configMap('cfg', { a: '2' })]);
    await d.send({ type: 'Refresh' });
    expect(d.status().operationState.syncResult.revision).toBe(SHA2);
    expect(d.kube.find('ConfigMap', 'cfg')!['data']).toEqual({ a: '2' });
    expect(d.status().history.map((h: { revision: string }) => h.revision)).toEqual([SHA1, SHA2]);
  });

  it('a failed automated sync is not retried for the same commit (SyncError condition)', async () => {
    const d = new AppDriver(KEY, application({ syncPolicy: { automated: { prune: true } } }));
    d.git.commit('main', SHA1, [configMap('cfg', { a: '1' })]);
    d.kube.failApply['ConfigMap'] = 'refused';
    await d.settle();
    expect(d.status().operationState.phase).toBe('Failed');
    const applies = d.kube.calls.length;
    await d.send({ type: 'Refresh' });
    await d.advance(300_000);
    expect(d.kube.calls.length).toBe(applies);
    expect(d.status().conditions).toEqual([
      expect.objectContaining({
        type: 'SyncError',
        message: `Failed sync attempt to ${SHA1}: one or more objects failed to apply, reason: refused`,
      }),
    ]);
    // A new commit is a new attempt.
    delete d.kube.failApply['ConfigMap'];
    d.git.commit('main', SHA2, [configMap('cfg', { a: '2' })]);
    await d.send({ type: 'Refresh' });
    expect(d.status().operationState).toMatchObject({
      phase: 'Succeeded',
      syncResult: { revision: SHA2 },
    });
    expect(d.status().conditions).toBeUndefined();
  });

  it('the retry policy retries a failed sync after duration * factor^n', async () => {
    const d = new AppDriver(
      KEY,
      application({
        syncPolicy: {
          automated: { prune: true },
          retry: { limit: 2, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
        },
      }),
    );
    d.git.commit('main', SHA1, [configMap('cfg', { a: '1' })]);
    d.kube.failApply['ConfigMap'] = 'refused';
    await d.settle();
    const attempts = () => d.kube.calls.filter((c) => c.startsWith('apply')).length;
    expect(attempts()).toBe(1);
    expect(d.status().operationState).toMatchObject({ phase: 'Running', retryCount: 1 });
    expect(d.status().operationState.message).toMatch(
      /^one or more objects failed to apply, reason: refused\. Retrying attempt #1 at 12:00AM\.$/,
    );
    await d.advance(4_999);
    expect(attempts()).toBe(1);
    await d.advance(1);
    expect(attempts()).toBe(2);
    await d.advance(9_999);
    expect(attempts()).toBe(2);
    delete d.kube.failApply['ConfigMap'];
    await d.advance(1);
    expect(attempts()).toBe(3);
    expect(d.status().operationState).toMatchObject({ phase: 'Succeeded', retryCount: 2 });
  });

  it('selfHeal reverts drift after the self-heal timeout, syncing only what drifted', async () => {
    const d = await started({ syncPolicy: AUTOMATED }, [
      configMap('cfg', { a: '1' }),
      configMap('other', { b: '1' }),
    ]);
    const syncs = d.status().history.length;
    d.kube.objects.get('/ConfigMap/prod/cfg')!['data'] = { a: 'changed on the cluster' };
    await d.send({ type: 'Refresh' });
    // Within 5 s of the last sync: wait.
    expect(d.status().sync.status).toBe('OutOfSync');
    await d.advance(5_000);
    expect(d.kube.find('ConfigMap', 'cfg')!['data']).toEqual({ a: '1' });
    expect(d.status().sync.status).toBe('Synced');
    expect(d.status().operationState.operation.sync.resources).toEqual([
      { group: '', kind: 'ConfigMap', name: 'cfg', namespace: 'prod' },
    ]);
    // A selective sync is not recorded in history, as in Argo.
    expect(d.status().history.length).toBe(syncs);
  });

  it('without selfHeal, drift at the synced commit stays', async () => {
    const d = await started({ syncPolicy: { automated: { prune: true } } }, [
      configMap('cfg', { a: '1' }),
    ]);
    d.kube.objects.get('/ConfigMap/prod/cfg')!['data'] = { a: 'drift' };
    await d.send({ type: 'Refresh' });
    await d.advance(60_000);
    expect(d.kube.find('ConfigMap', 'cfg')!['data']).toEqual({ a: 'drift' });
    expect(d.status().sync.status).toBe('OutOfSync');
  });

  it('prunes a resource removed from git; with PruneLast after everything else', async () => {
    const d = await started({ syncPolicy: { ...AUTOMATED, syncOptions: ['PruneLast=true'] } }, [
      configMap('old', { a: '1' }),
      configMap('cfg', { a: '1' }),
    ]);
    d.kube.calls.length = 0;
    d.git.commit('main', SHA2, [configMap('cfg', { a: '2' }), configMap('new', { n: '1' })]);
    await d.send({ type: 'Refresh' });
    expect(d.kube.calls).toEqual(['apply /ConfigMap/prod/cfg', 'apply /ConfigMap/prod/new']);
    await d.advance(2_000);
    expect(d.kube.calls).toEqual([
      'apply /ConfigMap/prod/cfg',
      'apply /ConfigMap/prod/new',
      'delete /ConfigMap/prod/old Foreground',
    ]);
    expect(resultOf(d, 'ConfigMap', 'old')).toMatchObject({ status: 'Pruned', message: 'pruned' });
    expect(d.status().resources.map((r: { name: string }) => r.name)).toEqual(['cfg', 'new']);
  });

  it('without automated prune, an extra resource alone does not start a sync', async () => {
    const d = await started({ syncPolicy: { automated: {} } }, [
      configMap('old', { a: '1' }),
      configMap('cfg', { a: '1' }),
    ]);
    d.git.commit('main', SHA2, [configMap('cfg', { a: '1' })]);
    const applies = d.kube.calls.length;
    await d.send({ type: 'Refresh' });
    expect(d.kube.calls.length).toBe(applies);
    expect(d.status().resources.find((r: { name: string }) => r.name === 'old')).toMatchObject({
      status: 'OutOfSync',
      requiresPruning: true,
    });
  });

  it('refuses to wipe out every resource unless allowEmpty', async () => {
    const d = await started({ syncPolicy: AUTOMATED }, [configMap('cfg', { a: '1' })]);
    d.git.commit('main', SHA2, []);
    await d.send({ type: 'Refresh' });
    expect(d.kube.find('ConfigMap', 'cfg')).toBeDefined();
    expect(d.status().conditions).toEqual([
      expect.objectContaining({
        type: 'SyncError',
        message: `Skipping sync attempt to ${SHA2}: auto-sync will wipe out all resources`,
      }),
    ]);
    await d.update((app) => {
      (
        app.spec as { syncPolicy: { automated: { allowEmpty: boolean } } }
      ).syncPolicy.automated.allowEmpty = true;
    });
    expect(d.kube.find('ConfigMap', 'cfg')).toBeUndefined();
  });

  it('a deny sync window blocks automated syncs', async () => {
    const d = new AppDriver(KEY, application({ project: 'p', syncPolicy: AUTOMATED }));
    d.cp.objects.set('in-cluster/AppProject/argocd/p', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'p', namespace: 'argocd' },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        syncWindows: [{ kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['*'] }],
      },
    });
    d.git.commit('main', SHA1, [configMap('cfg', { a: '1' })]);
    await d.settle();
    expect(d.kube.calls).toEqual([]);
    expect(d.status().sync.status).toBe('OutOfSync');
  });
});

describe('hooks', () => {
  it('a PreSync hook Job runs before wave 0; the sync waits for it to complete', async () => {
    const d = await started({}, [configMap('cfg', { a: '1' }), hookJob('migrate', 'PreSync')]);
    await d.send({ type: 'Sync' });
    expect(d.kube.calls).toEqual(['create batch/Job/prod/migrate']);
    await d.advance(2_000);
    expect(d.status().operationState).toMatchObject({
      phase: 'Running',
      message: 'waiting for completion of hook batch/Job/migrate',
    });
    d.kube.setStatus('batch/v1', 'Job', 'prod', 'migrate', {
      succeeded: 1,
      conditions: [{ type: 'Complete', status: 'True' }],
    });
    await d.advance(1_000);
    expect(d.kube.calls).toEqual(['create batch/Job/prod/migrate', 'apply /ConfigMap/prod/cfg']);
    expect(d.status().operationState.phase).toBe('Succeeded');
    expect(resultOf(d, 'Job', 'migrate')).toMatchObject({
      hookType: 'PreSync',
      hookPhase: 'Succeeded',
      syncPhase: 'PreSync',
    });
  });

  it('a failing PreSync hook stops the sync and runs the SyncFail hook', async () => {
    const d = await started({}, [
      configMap('cfg', { a: '1' }),
      hookJob('migrate', 'PreSync'),
      hookJob('notify', 'SyncFail'),
    ]);
    await d.send({ type: 'Sync' });
    await d.advance(2_000);
    d.kube.setStatus('batch/v1', 'Job', 'prod', 'migrate', {
      failed: 1,
      conditions: [{ type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' }],
    });
    await d.advance(1_000);
    expect(d.kube.calls).toEqual(['create batch/Job/prod/migrate', 'create batch/Job/prod/notify']);
    expect(d.status().operationState.phase).toBe('Running');
    d.kube.setStatus('batch/v1', 'Job', 'prod', 'notify', {
      succeeded: 1,
      conditions: [{ type: 'Complete', status: 'True' }],
    });
    await d.advance(1_000);
    expect(d.status().operationState).toMatchObject({
      phase: 'Failed',
      message: 'one or more synchronization tasks completed unsuccessfully',
    });
    expect(d.kube.find('ConfigMap', 'cfg')).toBeUndefined();
    expect(resultOf(d, 'Job', 'notify')).toMatchObject({
      hookType: 'SyncFail',
      hookPhase: 'Succeeded',
    });
  });

  it('a completed hook loses its hook finalizer; the next sync deletes it first (BeforeHookCreation)', async () => {
    const d = await started({}, [configMap('cfg', { a: '1' }), hookJob('migrate', 'PreSync')]);
    const complete = () =>
      d.kube.setStatus('batch/v1', 'Job', 'prod', 'migrate', {
        succeeded: 1,
        conditions: [{ type: 'Complete', status: 'True' }],
      });
    await d.send({ type: 'Sync' });
    expect(d.kube.find('Job', 'migrate')!.metadata.finalizers).toEqual([
      'argocd.argoproj.io/hook-finalizer',
    ]);
    await d.advance(2_000);
    complete();
    await d.advance(1_000);
    expect(d.status().operationState?.phase).toBe('Succeeded');
    expect(d.kube.find('Job', 'migrate')!.metadata.finalizers).toEqual([]);
    d.kube.calls.length = 0;
    await d.send({ type: 'Sync' });
    expect(d.kube.calls).toEqual([
      'delete batch/Job/prod/migrate Foreground',
      'create batch/Job/prod/migrate',
    ]);
  });

  it('HookSucceeded deletes the hook once it succeeded', async () => {
    const d = await started({}, [
      configMap('cfg', { a: '1' }),
      hookJob('migrate', 'PreSync', { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' }),
    ]);
    await d.send({ type: 'Sync' });
    await d.advance(2_000);
    d.kube.setStatus('batch/v1', 'Job', 'prod', 'migrate', {
      succeeded: 1,
      conditions: [{ type: 'Complete', status: 'True' }],
    });
    await d.advance(1_000);
    expect(d.status().operationState.phase).toBe('Succeeded');
    expect(d.kube.find('Job', 'migrate')).toBeUndefined();
  });
});

describe('history and rollback', () => {
  it('keeps revisionHistoryLimit entries', async () => {
    const d = await started({ revisionHistoryLimit: 2 }, [configMap('cfg', { a: '0' })]);
    for (let i = 1; i <= 3; i++) {
      d.git.commit('main', String(i).repeat(40), [configMap('cfg', { a: String(i) })]);
      await d.send({ type: 'Sync' });
    }
    expect(d.status().history.map((h: { id: number }) => h.id)).toEqual([1, 2]);
  });

  it('rolls back to a history id, and refuses while automated', async () => {
    const d = await started({}, [configMap('cfg', { a: '1' })]);
    await d.send({ type: 'Sync' });
    d.git.commit('main', SHA2, [configMap('cfg', { a: '2' })]);
    await d.send({ type: 'Sync' });
    expect(d.kube.find('ConfigMap', 'cfg')!['data']).toEqual({ a: '2' });
    await d.send({ type: 'Rollback', id: 0 });
    expect(d.kube.find('ConfigMap', 'cfg')!['data']).toEqual({ a: '1' });
    expect(d.status().operationState.syncResult.revision).toBe(SHA1);
    expect(d.status().sync).toMatchObject({ status: 'OutOfSync', revision: SHA2 });

    await d.update((app) => {
      (app.spec as Record<string, unknown>)['syncPolicy'] = { automated: {} };
    });
    const e = await started({ syncPolicy: { automated: {} } }, [configMap('cfg', { a: '1' })]);
    await e.send({ type: 'Rollback', id: 0 });
    expect(e.status().conditions).toEqual([
      expect.objectContaining({
        type: 'SyncError',
        message: 'rollback cannot be initiated when auto-sync is enabled',
      }),
    ]);
  });
});

describe('AppProject', () => {
  const project = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'p', namespace: 'argocd' },
    spec: spec as never,
  });

  it('a destination the project does not allow is an InvalidSpecError and fails a sync', async () => {
    const d = new AppDriver(KEY, application({ project: 'p' }));
    d.cp.objects.set(
      'in-cluster/AppProject/argocd/p',
      project({
        sourceRepos: ['*'],
        destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'staging' }],
      }),
    );
    d.git.commit('main', SHA1, [configMap('cfg', { a: '1' })]);
    await d.settle();
    const message =
      "application destination server 'in-cluster' and namespace 'prod' do not match any of the allowed destinations in project 'p'";
    expect(d.status().conditions).toEqual([
      expect.objectContaining({ type: 'InvalidSpecError', message }),
    ]);
    await d.send({ type: 'Sync' });
    expect(d.status().operationState).toMatchObject({ phase: 'Failed', message });
    expect(d.kube.calls).toEqual([]);
  });

  it('a kind the project does not allow fails the sync before anything is applied', async () => {
    const d = new AppDriver(KEY, application({ project: 'p' }));
    d.cp.objects.set(
      'in-cluster/AppProject/argocd/p',
      project({
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        namespaceResourceBlacklist: [{ group: '', kind: 'ConfigMap' }],
      }),
    );
    d.git.commit('main', SHA1, [configMap('cfg', { a: '1' }), deployment('web', 'nginx')]);
    await d.settle();
    await d.send({ type: 'Sync' });
    expect(d.status().operationState).toMatchObject({
      phase: 'Failed',
      message: 'one or more synchronization tasks are not valid',
    });
    expect(resultOf(d, 'ConfigMap', 'cfg')).toMatchObject({
      status: 'SyncFailed',
      message: 'resource :ConfigMap is not permitted in project p',
    });
    expect(d.kube.calls).toEqual([]);
  });

  it('a project that does not exist is reported', async () => {
    const d = await started({ project: 'missing' }, [configMap('cfg', { a: '1' })]);
    expect(d.status().conditions).toEqual([
      expect.objectContaining({
        type: 'InvalidSpecError',
        message: 'Application referencing project missing which does not exist',
      }),
    ]);
  });
});

describe('more Argo rules', () => {
  it('a multi-source app reports and records one revision per source', async () => {
    const d = new AppDriver(
      KEY,
      application({
        source: undefined,
        sources: [
          { repoURL: REPO, targetRevision: 'main', path: 'app' },
          { repoURL: REPO, targetRevision: 'release', path: 'extra' },
        ],
      }),
    );
    d.git.commit('main', SHA1, [configMap('cfg', { a: '1' })]);
    d.git.commit('release', SHA2, [configMap('extra', { b: '1' })]);
    await d.settle();
    expect(d.status().sync.revisions).toEqual([SHA1, SHA2]);
    await d.send({ type: 'Sync' });
    expect(d.status().sync.status).toBe('Synced');
    expect(d.status().history[0]).toMatchObject({ id: 0, revisions: [SHA1, SHA2] });
    expect(d.status().operationState.syncResult.revisions).toEqual([SHA1, SHA2]);
  });

  it('a manual sync inside a deny window without manualSync is refused', async () => {
    const d = new AppDriver(KEY, application({ project: 'p' }));
    d.cp.objects.set('in-cluster/AppProject/argocd/p', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'p', namespace: 'argocd' },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        syncWindows: [
          { kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['web'] },
        ],
      },
    });
    d.git.commit('main', SHA1, [configMap('cfg', { a: '1' })]);
    await d.settle();
    await d.send({ type: 'Sync' });
    expect(d.status().operationState).toMatchObject({
      phase: 'Failed',
      message: 'Cannot sync: Blocked by sync window',
    });
    expect(d.kube.calls).toEqual([]);
  });

  it('an applied AppProject named default replaces the built-in one', async () => {
    const d = new AppDriver(KEY, application({}));
    d.cp.objects.set('in-cluster/AppProject/argocd/default', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'default', namespace: 'argocd' },
      spec: {
        sourceRepos: ['https://elsewhere.example.com/*'],
        destinations: [{ server: '*', namespace: '*' }],
      },
    });
    d.git.commit('main', SHA1, [configMap('cfg', { a: '1' })]);
    await d.settle();
    expect(d.status().conditions).toEqual([
      expect.objectContaining({
        type: 'InvalidSpecError',
        message: `application repo ${REPO} is not permitted in project 'default'`,
      }),
    ]);
  });

  it('app of apps: a child Application goes to the control plane and counts in sync, not in health', async () => {
    const child = application({}, { name: 'child' });
    const d = await started({}, [child, configMap('cfg', { a: '1' })]);
    await d.send({ type: 'Sync' });
    const stored = d.cp.objects.get('in-cluster/Application/argocd/child');
    expect(stored?.metadata.annotations?.[TRACKING_ANNOTATION]).toBe(
      'web:argoproj.io/Application:argocd/child',
    );
    expect(d.status().sync.status).toBe('Synced');
    expect(d.status().resources.find((r) => r.kind === 'Application')).toMatchObject({
      group: 'argoproj.io',
      namespace: 'argocd',
      status: 'Synced',
    });
    // Argo CD (since 1.8) does not assess child Applications' health by default.
    expect(d.status().health.status).toBe('Healthy');
  });

  it('a sync of named resources applies only those and records no history', async () => {
    const d = await started({}, [configMap('one', { a: '1' }), configMap('two', { b: '1' })]);
    await d.send({
      type: 'Sync',
      operation: { sync: { resources: [{ group: '', kind: 'ConfigMap', name: 'two' }] } },
    });
    expect(d.kube.calls).toEqual(['apply /ConfigMap/prod/two']);
    expect(d.status().operationState.phase).toBe('Succeeded');
    expect(d.status().history).toBeUndefined();
  });

  it('a sync asked for while another runs starts after it', async () => {
    const d = await started({}, [configMap('cfg', { a: '1' }), hookJob('migrate', 'PreSync')]);
    await d.send({ type: 'Sync' });
    expect(d.status().operationState.phase).toBe('Running');
    await d.send({ type: 'Sync', operation: { sync: { dryRun: true } } });
    expect(d.status().operationState.operation.sync).toEqual({});
    await d.advance(2_000);
    d.kube.setStatus('batch/v1', 'Job', 'prod', 'migrate', {
      succeeded: 1,
      conditions: [{ type: 'Complete', status: 'True' }],
    });
    await d.advance(1_000);
    expect(d.status().history).toHaveLength(1);
    expect(d.status().operationState.operation.sync).toEqual({ dryRun: true });
    // A dry run writes nothing.
    expect(d.kube.calls.filter((c) => !c.includes('migrate'))).toEqual([
      'apply /ConfigMap/prod/cfg',
    ]);
    expect(d.status().operationState.phase).toBe('Succeeded');
  });
});

describe('deletion', () => {
  it('with the resources finalizer, deletes what it deployed, then lets the Application go', async () => {
    const d = await started({}, [configMap('cfg', { a: '1' }), deployment('web', 'nginx')], {
      finalizers: [RESOURCES_FINALIZER],
    });
    await d.send({ type: 'Sync' });
    d.kube.calls.length = 0;
    await d.deleteApp();
    expect(d.kube.calls.sort()).toEqual([
      'delete /ConfigMap/prod/cfg Foreground',
      'delete apps/Deployment/prod/web Foreground',
    ]);
    await d.advance(1_000);
    expect(d.object).toBeNull();
    expect(d.log.at(-1)).toBe('ObjectDeleted');
  });

  it('without the finalizer, the resources stay', async () => {
    const d = await started({}, [configMap('cfg', { a: '1' })]);
    await d.send({ type: 'Sync' });
    await d.deleteApp();
    expect(d.object).toBeNull();
    expect(d.kube.find('ConfigMap', 'cfg')).toBeDefined();
  });
});
