import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/objects.js';
import {
  applyPermissions,
  objectPermission,
  patchPermissions,
  rollbackPermission,
} from '../../shared/api/permissions.js';

const app = (
  project: string,
  extra: Record<string, unknown> = {},
  namespace = 'argocd',
): KubeObject =>
  ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'guestbook', namespace, resourceVersion: '3' },
    spec: { project },
    ...extra,
  }) as KubeObject;
const fmt = (perms: { resource: string; action: string; object: string }[]) =>
  perms.map((p) => `${p.resource}, ${p.action}, ${p.object}`);

describe('what each request needs, as Argo CD server checks it', () => {
  it.each([
    ['an Application in argocd', app('default'), 'applications, get, default/guestbook'],
    [
      'an Application elsewhere (apps in any namespace)',
      app('p', {}, 'team'),
      'applications, get, p/team/guestbook',
    ],
    ['an Application with no project', app(''), 'applications, get, default/guestbook'],
    [
      'an ApplicationSet: its template project',
      {
        kind: 'ApplicationSet',
        metadata: { name: 's', namespace: 'argocd' },
        spec: { template: { spec: { project: 'p' } } },
      },
      'applicationsets, get, p/s',
    ],
    [
      'an AppProject',
      { kind: 'AppProject', metadata: { name: 'p', namespace: 'argocd' } },
      'projects, get, p',
    ],
    [
      'a Workflow',
      { kind: 'Workflow', metadata: { name: 'w', namespace: 'argo' } },
      'workflows, get, argo/w',
    ],
    [
      'a cluster-scoped kind',
      { kind: 'ClusterWorkflowTemplate', metadata: { name: 'c' } },
      'clusterworkflowtemplates, get, c',
    ],
    [
      'an unknown kind',
      { kind: 'Counter', metadata: { name: 'c', namespace: 'n' } },
      'counter, get, n/c',
    ],
  ])('%s', (_name, object, expected) => {
    expect(fmt([objectPermission(object as KubeObject, 'get')])).toEqual([expected]);
  });

  it.each([
    ['create', app('p'), null, ['applications, create, p/guestbook']],
    [
      'create with an operation also syncs',
      app('p', { operation: { sync: {} } }),
      null,
      ['applications, create, p/guestbook', 'applications, sync, p/guestbook'],
    ],
    ['update', app('p'), app('p'), ['applications, update, p/guestbook']],
    [
      'the same operation again is no sync',
      app('p', { operation: { sync: {} } }),
      app('p', { operation: { sync: {} } }),
      ['applications, update, p/guestbook'],
    ],
    [
      'a project move: create in the new, update in the old',
      app('q'),
      app('p'),
      [
        'applications, update, q/guestbook',
        'applications, create, q/guestbook',
        'applications, update, p/guestbook',
      ],
    ],
  ])('apply: %s', (_name, next, current, expected) => {
    expect(fmt(applyPermissions(next, current))).toEqual(expected);
  });

  it.each([
    [
      'setting the operation alone is a sync',
      app('p', { operation: { sync: { prune: true } } }),
      ['applications, sync, p/guestbook'],
    ],
    [
      'a spec change is an update',
      app('p', { spec: { project: 'p', x: 1 } }),
      ['applications, update, p/guestbook'],
    ],
    [
      'both',
      app('p', { spec: { project: 'p', x: 1 }, operation: { sync: {} } }),
      ['applications, update, p/guestbook', 'applications, sync, p/guestbook'],
    ],
    ['clearing the operation is an update', app('p'), ['applications, update, p/guestbook']],
  ])('patch: %s', (_name, patched, expected) => {
    const current = app('p', { operation: { sync: {} } });
    const before = _name.startsWith('clearing') ? current : app('p');
    expect(fmt(patchPermissions(before, patched))).toEqual(expected);
  });

  it('a rollback is sync unless the rollback action is enforced', () => {
    expect(rollbackPermission(app('p'), false).action).toBe('sync');
    expect(rollbackPermission(app('p'), true).action).toBe('rollback');
  });
});
