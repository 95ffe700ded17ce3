import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/objects.js';
import type { EffectRequest, Json, JsonObject } from '../../shared/core/types.js';
import {
  APPLICATION_CHANGED,
  APPSET_OWNER_ANNOTATION,
  AppSetEffects,
  appSetHealth,
  destinationProblem,
  initialAppSetState,
  nextConditions,
  reduceAppSet,
  requeueAfterMs,
  type AppSetCondition,
  type AppSetEvent,
  type AppSetState,
  type GenerateInput,
  type GenerateResult,
} from '../../shared/cd/appset/applicationset.js';
import { renderApplications } from '../../shared/cd/appset/render.js';
import {
  RESOURCES_FINALIZER,
  type Application,
  type ApplicationSet,
  type ApplicationSetGenerator,
  type RegisteredCluster,
} from '../../shared/cd/appset/types.js';

const KEY = 'in-cluster/ApplicationSet/argocd/guestbook';
const T0 = Date.parse('2026-11-01T00:00:00Z');

function appSetObject(spec: Partial<ApplicationSet['spec']> = {}): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'guestbook', namespace: 'argocd', uid: 'uid-1' },
    spec: {
      generators: [{ list: { elements: [{ cluster: 'a' }, { cluster: 'b' }] } }],
      template: {
        metadata: { name: '{{cluster}}-guestbook' },
        spec: {
          project: 'default',
          source: { repoURL: 'https://git.example.com/r.git', path: 'apps/{{cluster}}' },
          destination: { server: 'https://kubernetes.default.svc', namespace: '{{cluster}}' },
        },
      },
      ...spec,
    } as unknown as Json,
  };
}

/** Runs one event through the reducer; returns the effects it asked for. */
function step(state: AppSetState, event: AppSetEvent): EffectRequest[] {
  const effects: EffectRequest[] = [];
  reduceAppSet(state, event, effects);
  return effects;
}

function started(object = appSetObject()): { state: AppSetState; input: GenerateInput } {
  const state = initialAppSetState(KEY, object);
  const effects = step(state, { type: 'xstate.init', at: T0 });
  return { state, input: generateInput(effects) };
}

function generateInput(effects: EffectRequest[]): GenerateInput {
  const generate = effects.filter((e) => e.kind === AppSetEffects.Generate);
  expect(generate).toHaveLength(1);
  return generate[0]!.input as unknown as GenerateInput;
}

/** What the effect would have found: the ApplicationSet rendered with its list elements. */
function rendered(state: AppSetState): Application[] {
  const list = state.appSet.spec.generators[0]!.list!;
  return renderApplications(state.appSet, list.elements ?? []);
}

function result(input: GenerateInput, over: Partial<GenerateResult> = {}): AppSetEvent {
  const value: GenerateResult = {
    tag: input.tag,
    generated: [],
    live: [],
    clusters: [],
    projects: ['default'],
    ...over,
  };
  return { type: 'EffectSucceeded', at: T0 + 1000, result: value as unknown as Json };
}

interface Sent {
  key: string;
  event: JsonObject & { type: string };
}
const sent = (effects: EffectRequest[]): Sent[] =>
  effects.filter((e) => e.kind === 'message.send').map((e) => e.input as unknown as Sent);
const timers = (effects: EffectRequest[]) =>
  effects
    .filter((e) => e.kind === 'timer.set')
    .map((e) => e.input as { timerId: string; generation: number; fireAt: number });

/** An Application as it lives in the control plane after our Apply. */
function live(app: Application, extra: Partial<Application['metadata']> = {}): Application {
  return {
    ...app,
    metadata: {
      ...app.metadata,
      annotations: { ...(app.metadata.annotations ?? {}), [APPSET_OWNER_ANNOTATION]: KEY },
      uid: `uid-${app.metadata.name}`,
      resourceVersion: '7',
      ...extra,
    },
    status: { sync: { status: 'Synced' }, health: { status: 'Healthy' } },
  };
}

const conditionsOf = (state: AppSetState) =>
  (state.status.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message]);

describe('an ApplicationSet reconciles on apply', () => {
  it('asks the generate effect with its key, object and the Applications it knows it owns', () => {
    const { input } = started();
    expect(input.key).toBe(KEY);
    expect(input.appSet.metadata.name).toBe('guestbook');
    expect(input.known).toEqual([]);
  });

  it('creates each generated Application by an Apply to its home-cluster key, owner recorded twice', () => {
    const { state, input } = started();
    const effects = step(state, result(input, { generated: rendered(state) }));
    const messages = sent(effects);
    expect(messages.map((m) => [m.key, m.event.type])).toEqual([
      ['in-cluster/Application/argocd/a-guestbook', 'Apply'],
      ['in-cluster/Application/argocd/b-guestbook', 'Apply'],
    ]);
    const object = messages[0]!.event['object'] as unknown as Application;
    expect(object.metadata.annotations?.[APPSET_OWNER_ANNOTATION]).toBe(KEY);
    expect(object.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'ApplicationSet', name: 'guestbook', uid: 'uid-1' }),
    ]);
    expect(object.metadata.finalizers).toEqual([RESOURCES_FINALIZER]);
    expect(object.spec['source']).toMatchObject({ path: 'apps/a' });
  });

  it('reports ParametersGenerated, ResourcesUpToDate and ErrorOccurred=False as Argo does, and is Healthy', () => {
    const { state, input } = started();
    step(state, result(input, { generated: rendered(state) }));
    expect(conditionsOf(state)).toEqual([
      [
        'ErrorOccurred',
        'False',
        'ApplicationSetUpToDate',
        'All applications have been generated successfully',
      ],
      [
        'ParametersGenerated',
        'True',
        'ParametersGenerated',
        'Successfully generated parameters for all Applications',
      ],
      [
        'ResourcesUpToDate',
        'True',
        'ApplicationSetUpToDate',
        'All applications have been generated successfully',
      ],
    ]);
    expect(state.status.health).toEqual({
      status: 'Healthy',
      message: 'All applications have been generated successfully',
    });
  });

  it('lists the Applications it owns in status.resources, with their sync and health', () => {
    const { state, input } = started();
    const apps = rendered(state);
    step(state, result(input, { generated: apps, live: [live(apps[0]!)] }));
    expect(state.status.resources).toEqual([
      {
        group: 'argoproj.io',
        version: 'v1alpha1',
        kind: 'Application',
        name: 'a-guestbook',
        namespace: 'argocd',
        status: 'Synced',
        health: { status: 'Healthy' },
      },
      {
        group: 'argoproj.io',
        version: 'v1alpha1',
        kind: 'Application',
        name: 'b-guestbook',
        namespace: 'argocd',
      },
    ]);
    expect(state.status.resourcesCount).toBe(2);
  });

  it('a list generator asks for no requeue; a changed spec reconciles again', () => {
    const { state, input } = started();
    const effects = step(state, result(input, { generated: rendered(state) }));
    expect(timers(effects)).toEqual([]);
    const again = step(state, { type: 'ObjectApplied', at: T0 + 5000, object: appSetObject() });
    expect(generateInput(again).known).toEqual(['a-guestbook', 'b-guestbook']);
  });

  it('an owned Application that changed brings a reconcile', () => {
    const { state, input } = started();
    step(state, result(input, { generated: rendered(state) }));
    const effects = step(state, { type: APPLICATION_CHANGED, at: T0 + 9000, name: 'a-guestbook' });
    generateInput(effects);
  });

  it('a trigger while a generation is in flight runs one more generation after it', () => {
    const { state, input } = started();
    expect(step(state, { type: APPLICATION_CHANGED, at: T0 + 10 })).toEqual([]);
    const effects = step(state, result(input, { generated: rendered(state) }));
    const next = generateInput(effects);
    expect(next.tag).not.toBe(input.tag);
  });

  it('a result for another generation is ignored', () => {
    const { state, input } = started();
    const effects = step(state, result({ ...input, tag: 'generate#99' }, { generated: [] }));
    expect(effects).toEqual([]);
    expect(state.generating).toBe(input.tag);
  });
});

describe('requeue', () => {
  const git = (requeueAfterSeconds?: number): ApplicationSetGenerator => ({
    git: {
      repoURL: 'https://git.example.com/r.git',
      revision: 'main',
      directories: [{ path: '*' }],
      ...(requeueAfterSeconds === undefined ? {} : { requeueAfterSeconds }),
    },
  });
  const list: ApplicationSetGenerator = { list: { elements: [] } };
  const clusters: ApplicationSetGenerator = { clusters: {} };
  it.each<[string, ApplicationSetGenerator[], number]>([
    ['list only: none', [list], 0],
    ['clusters only: none (Argo requeues on cluster Secret changes)', [clusters], 0],
    ['git: Argo’s default 3 minutes', [git()], 180_000],
    ['git requeueAfterSeconds', [git(30)], 30_000],
    ['git requeueAfterSeconds 0: none', [git(0)], 0],
    ['the smallest non-zero of several', [list, git(), git(45)], 45_000],
    ['a matrix: its children’s smallest', [{ matrix: { generators: [list, git(90)] } }], 90_000],
    [
      'a merge of list and clusters: none',
      [{ merge: { generators: [list, clusters], mergeKeys: [] } }],
      0,
    ],
  ])('%s', (_name, generators, ms) => {
    const appSet = appSetObject({ generators }) as unknown as ApplicationSet;
    expect(requeueAfterMs(appSet)).toBe(ms);
  });

  it('a git generator arms the requeue timer; its firing reconciles, a stale one does not', () => {
    const { state, input } = started(appSetObject({ generators: [git(60)] }));
    const effects = step(state, result(input));
    const [timer] = timers(effects);
    expect(timer).toMatchObject({ timerId: 'requeue', fireAt: T0 + 1000 + 60_000 });
    expect(
      step(state, {
        type: 'TimerFired',
        at: timer!.fireAt,
        timerId: 'requeue',
        generation: timer!.generation - 1,
      }),
    ).toEqual([]);
    generateInput(
      step(state, {
        type: 'TimerFired',
        at: timer!.fireAt,
        timerId: 'requeue',
        generation: timer!.generation,
      }),
    );
  });

  it('a failed generate effect (control plane unreadable) is tried again after 10 s, no condition', () => {
    const { state, input } = started();
    const effects = step(state, {
      type: 'EffectFailed',
      at: T0 + 500,
      reason: 'store unavailable',
      tag: input.tag,
    });
    expect(timers(effects)).toEqual([
      expect.objectContaining({ timerId: 'requeue', fireAt: T0 + 10_500 }),
    ]);
    expect(state.status.conditions).toBeUndefined();
  });
});

describe('errors', () => {
  it('a generator error writes nothing, sets ErrorOccurred with Argo’s reason and requeues in 3 minutes', () => {
    const { state, input } = started();
    const message = 'spec.generators[0].git: error generating params from git';
    const effects = step(
      state,
      result(input, { error: { reason: 'ApplicationGenerationFromParamsError', message } }),
    );
    expect(sent(effects)).toEqual([]);
    expect(conditionsOf(state)).toEqual([
      ['ErrorOccurred', 'True', 'ApplicationGenerationFromParamsError', message],
      ['ParametersGenerated', 'False', 'ErrorOccurred', message],
      ['ResourcesUpToDate', 'False', 'ErrorOccurred', message],
    ]);
    expect(state.status.health).toEqual({ status: 'Degraded', message });
    expect(timers(effects)).toEqual([expect.objectContaining({ fireAt: T0 + 1000 + 180_000 })]);
  });

  it('an Application naming a missing project is not written; the others are', () => {
    const { state, input } = started();
    const apps = rendered(state);
    apps[1]!.spec['project'] = 'nope';
    const effects = step(state, result(input, { generated: apps }));
    expect(sent(effects).map((m) => m.key)).toEqual(['in-cluster/Application/argocd/a-guestbook']);
    expect(conditionsOf(state)).toContainEqual([
      'ErrorOccurred',
      'True',
      'ApplicationValidationError',
      'application references project nope which does not exist',
    ]);
    expect(timers(effects)).toEqual([expect.objectContaining({ fireAt: T0 + 1000 + 180_000 })]);
  });

  it('several invalid Applications: the last name’s message and how many more', () => {
    const { state, input } = started();
    const apps = rendered(state);
    for (const app of apps) app.spec['destination'] = { server: 'https://nowhere.example.com' };
    step(state, result(input, { generated: apps }));
    const error = state.status.conditions?.find((c) => c.type === 'ErrorOccurred');
    expect(error?.message).toBe(
      'application destination spec is invalid: error getting cluster by server "https://nowhere.example.com": rpc error: code = NotFound desc = cluster "https://nowhere.example.com" not found (and 1 more)',
    );
  });

  it('an Application another ApplicationSet controls is left alone, and nothing is deleted', () => {
    const { state, input } = started();
    const apps = rendered(state);
    const other = live(apps[0]!, {
      annotations: { [APPSET_OWNER_ANNOTATION]: 'in-cluster/ApplicationSet/argocd/other' },
    });
    const stale = live({ ...apps[1]!, metadata: { ...apps[1]!.metadata, name: 'old' } });
    const effects = step(state, result(input, { generated: apps, live: [other, stale] }));
    expect(sent(effects).map((m) => [m.key, m.event.type])).toEqual([
      ['in-cluster/Application/argocd/b-guestbook', 'Apply'],
    ]);
    expect(conditionsOf(state)).toContainEqual([
      'ErrorOccurred',
      'True',
      'UpdateApplicationError',
      'error while wrapping using MutateFn: Object argocd/a-guestbook is already owned by another ApplicationSet controller other',
    ]);
  });
});

describe('destinations (Argo’s GetDestinationCluster)', () => {
  const clusters: RegisteredCluster[] = [
    { name: 'prod', server: 'https://prod.example.com' },
    { name: 'twin', server: 'https://t1.example.com' },
    { name: 'twin', server: 'https://t2.example.com' },
  ];
  it.each<[string, JsonObject | undefined, string | undefined]>([
    ['the home cluster by server', { server: 'https://kubernetes.default.svc' }, undefined],
    ['the home cluster by name', { name: 'in-cluster' }, undefined],
    [
      'a registered server, trailing slash trimmed',
      { server: 'https://prod.example.com/' },
      undefined,
    ],
    ['a registered name', { name: 'prod' }, undefined],
    [
      'an unknown server',
      { server: 'https://x.example.com' },
      'error getting cluster by server "https://x.example.com": rpc error: code = NotFound desc = cluster "https://x.example.com" not found',
    ],
    ['an unknown name', { name: 'x' }, 'there are no clusters with this name: x'],
    [
      'a name two clusters share',
      { name: 'twin' },
      'there are 2 clusters with the same name: [https://t1.example.com https://t2.example.com]',
    ],
    [
      'both name and server',
      { name: 'prod', server: 'https://prod.example.com' },
      "application destination can't have both name and server defined: prod https://prod.example.com",
    ],
    ['neither', { namespace: 'x' }, 'Destination server missing from app spec'],
    ['no destination', undefined, 'Destination server missing from app spec'],
  ])('%s', (_name, destination, problem) => {
    expect(destinationProblem(destination, clusters)).toBe(problem);
  });
});

describe('applicationsSync policy', () => {
  function ownedStale(policy?: string, preserve = false) {
    const syncPolicy = {
      ...(policy ? { applicationsSync: policy } : {}),
      ...(preserve ? { preserveResourcesOnDeletion: true } : {}),
    };
    const { state, input } = started(
      appSetObject({ syncPolicy } as Partial<ApplicationSet['spec']>),
    );
    const apps = rendered(state);
    const changed = live(apps[0]!);
    changed.spec = { ...changed.spec, source: { repoURL: 'https://old.example.com' } };
    const stale = live({
      ...apps[1]!,
      metadata: { ...apps[1]!.metadata, name: 'old', finalizers: [RESOURCES_FINALIZER] },
    });
    const effects = step(state, result(input, { generated: apps, live: [changed, stale] }));
    return { state, messages: sent(effects).map((m) => [m.key.split('/').at(-1), m.event.type]) };
  }

  it.each<[string, string | undefined, string[][]]>([
    [
      'sync (default): create, update, delete',
      undefined,
      [
        ['b-guestbook', 'Apply'],
        ['a-guestbook', 'Apply'],
        ['old', 'Delete'],
      ],
    ],
    ['create-only: create', 'create-only', [['b-guestbook', 'Apply']]],
    [
      'create-update: create and update',
      'create-update',
      [
        ['b-guestbook', 'Apply'],
        ['a-guestbook', 'Apply'],
      ],
    ],
    [
      'create-delete: create and delete',
      'create-delete',
      [
        ['b-guestbook', 'Apply'],
        ['old', 'Delete'],
      ],
    ],
  ])('%s', (_name, policy, expected) => {
    const { messages, state } = ownedStale(policy);
    expect(messages).toEqual(expected);
    const deleted = expected.some(([, type]) => type === 'Delete');
    expect(state.owned.includes('old')).toBe(!deleted);
    expect(state.status.resources?.some((r) => r.name === 'old')).toBe(!deleted);
  });

  it('preserveResourcesOnDeletion: the resources finalizer is removed from a deleted Application', () => {
    const { messages } = ownedStale('create-delete', true);
    expect(messages).toEqual([
      ['b-guestbook', 'Apply'],
      ['old', 'Patch'],
      ['old', 'Delete'],
    ]);
  });

  it('an update writes the generated spec over the live Application without a resourceVersion precondition', () => {
    const { state, input } = started();
    const apps = rendered(state);
    const changed = live(apps[0]!, {
      annotations: {
        [APPSET_OWNER_ANNOTATION]: KEY,
        'argocd.argoproj.io/refresh': 'hard',
      },
    });
    changed.spec = { ...changed.spec, source: { repoURL: 'https://old.example.com' } };
    const effects = step(
      state,
      result(input, { generated: apps, live: [changed, live(apps[1]!)] }),
    );
    const messages = sent(effects);
    expect(messages).toHaveLength(1);
    const object = messages[0]!.event['object'] as unknown as Application;
    expect(object.spec).toEqual(apps[0]!.spec);
    expect(object.metadata.resourceVersion).toBeUndefined();
    expect(object['status']).toBeUndefined();
    expect(object.metadata.annotations).toEqual({
      [APPSET_OWNER_ANNOTATION]: KEY,
      'argocd.argoproj.io/refresh': 'hard',
    });
  });

  it('an Application of a generated name that nobody owns is adopted', () => {
    const { state, input } = started();
    const apps = rendered(state);
    const { ownerReferences: _o, ...metadata } = apps[0]!.metadata;
    const stray: Application = {
      ...apps[0]!,
      metadata: { ...metadata, uid: 'u', resourceVersion: '3' },
    };
    const effects = step(state, result(input, { generated: apps, live: [stray, live(apps[1]!)] }));
    const object = sent(effects)[0]!.event['object'] as unknown as Application;
    expect(object.metadata.name).toBe('a-guestbook');
    expect(object.metadata.annotations?.[APPSET_OWNER_ANNOTATION]).toBe(KEY);
    expect(object.metadata.ownerReferences).toHaveLength(1);
  });
});

describe('deleting the ApplicationSet', () => {
  function ownedTwo(syncPolicy?: JsonObject) {
    const { state, input } = started(
      appSetObject(syncPolicy ? ({ syncPolicy } as Partial<ApplicationSet['spec']>) : {}),
    );
    step(state, result(input, { generated: rendered(state) }));
    return state;
  }

  it('deletes its Applications when the policy allows deletion', () => {
    const state = ownedTwo();
    const effects = step(state, { type: 'ObjectDeleted', at: T0 + 9000, object: appSetObject() });
    expect(sent(effects).map((m) => [m.key, m.event.type])).toEqual([
      ['in-cluster/Application/argocd/a-guestbook', 'Delete'],
      ['in-cluster/Application/argocd/b-guestbook', 'Delete'],
    ]);
  });

  it.each(['create-only', 'create-update'])(
    'under %s keeps them, their owner references and owner annotation removed',
    (policy) => {
      const object = appSetObject({
        syncPolicy: { applicationsSync: policy },
      } as Partial<ApplicationSet['spec']>);
      const state = ownedTwo({ applicationsSync: policy });
      const effects = step(state, { type: 'ObjectDeleted', at: T0 + 9000, object });
      const messages = sent(effects);
      expect(messages.map((m) => m.event.type)).toEqual(['Patch', 'Patch']);
      expect(messages[0]!.event['patch']).toEqual({
        metadata: { ownerReferences: null, annotations: { [APPSET_OWNER_ANNOTATION]: null } },
      });
    },
  );

  it('with Argo’s resources finalizer on it, removes the finalizer after deleting its Applications', () => {
    const object = appSetObject();
    object.metadata.finalizers = [RESOURCES_FINALIZER, 'example.com/keep'];
    const state = ownedTwo();
    const effects = step(state, { type: 'ObjectDeleting', at: T0 + 9000, object });
    const messages = sent(effects);
    expect(messages.at(-1)).toEqual({
      key: KEY,
      event: {
        type: 'Patch',
        patchType: 'merge',
        patch: { metadata: { finalizers: ['example.com/keep'] } },
      },
    });
    expect(step(state, { type: 'ObjectDeleted', at: T0 + 9500, object })).toEqual([]);
  });
});

describe('conditions (Argo’s SetConditions)', () => {
  const upToDate: AppSetCondition = {
    type: 'ResourcesUpToDate',
    status: 'True',
    reason: 'ApplicationSetUpToDate',
    message: 'All applications have been generated successfully',
  };
  it('an unchanged condition keeps its lastTransitionTime; a changed one gets the new time', () => {
    const first = nextConditions([], [upToDate], true, T0);
    const second = nextConditions(first, [upToDate], true, T0 + 60_000);
    expect(second).toEqual(first);
    const error: AppSetCondition = {
      type: 'ErrorOccurred',
      status: 'True',
      reason: 'ApplicationValidationError',
      message: 'boom',
    };
    const third = nextConditions(second, [error], true, T0 + 120_000);
    const byType = Object.fromEntries(third.map((c) => [c.type, c]));
    expect(byType['ErrorOccurred']?.lastTransitionTime).toBe(new Date(T0 + 120_000).toISOString());
    expect(byType['ParametersGenerated']?.lastTransitionTime).toBe(new Date(T0).toISOString());
    expect(byType['ResourcesUpToDate']).toMatchObject({ status: 'False', reason: 'ErrorOccurred' });
  });

  it('rollout conditions are dropped (progressive sync is not in use)', () => {
    const previous: AppSetCondition[] = [
      { type: 'RolloutProgressing', status: 'True', reason: 'x', message: 'y' },
    ];
    expect(nextConditions(previous, [upToDate], true, T0).map((c) => c.type)).toEqual([
      'ErrorOccurred',
      'ParametersGenerated',
      'ResourcesUpToDate',
    ]);
  });

  it.each<[string, AppSetCondition[], string]>([
    ['no conditions', [], 'Unknown'],
    ['an error', [{ ...upToDate, type: 'ErrorOccurred' }], 'Degraded'],
    ['up to date', [upToDate], 'Healthy'],
    ['up to date False', [{ ...upToDate, status: 'False' }], 'Unknown'],
  ])('health with %s', (_name, conditions, status) => {
    expect(appSetHealth(conditions).status).toBe(status);
  });
});
