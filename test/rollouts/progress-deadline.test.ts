/**
 * progressDeadlineSeconds and progressDeadlineAbort, as Argo Rollouts computes them
 * (rollout/sync.go calculateRolloutConditions, evaluateProgressDeadlineAbort,
 * requeueStuckRollout; utils/conditions RolloutTimedOut): an update that shows no progress for the
 * deadline is Degraded with ProgressDeadlineExceeded, aborts with progressDeadlineAbort, and a
 * paused rollout or one waiting at a pause step never times out. Both strategies share the logic
 * (conditions.ts); each is walked through on a tiny cluster whose pods come up only when a test
 * says so.
 */
import { describe, expect, it } from 'vitest';
import {
  abortOnProgressDeadline,
  type ConditionFacts,
  PauseContext,
  progressDeadlineWakeAt,
  type RolloutCondition,
  rolloutTimedOut,
} from '../../shared/rollouts/conditions.js';
import {
  type CanaryDecisionStep,
  type CanaryRollout,
  type CanaryRolloutStatus,
  promote,
} from '../../shared/rollouts/canary.js';
import { type BlueGreenRollout, promoteBlueGreen } from '../../shared/rollouts/bluegreen.js';
import { Cluster } from './decision-cluster.js';

const T0 = Date.UTC(2024, 0, 1);
const SEC = 1000;

function canary(
  steps: CanaryDecisionStep[],
  spec: Partial<CanaryRollout['spec']> = {},
): Cluster<CanaryRollout> {
  const cluster = new Cluster<CanaryRollout>(
    {
      metadata: { name: 'foo' },
      spec: {
        replicas: 4,
        strategy: { canary: { maxSurge: 1, maxUnavailable: 0, steps } },
        ...spec,
      },
    },
    'v1',
  );
  cluster.settle(T0);
  return cluster;
}

/** v1 promoted at T0, then v2 applied at T0 whose pods never become available. */
function stuckCanary(
  steps: CanaryDecisionStep[] = [{ setWeight: 50 }, { pause: {} }],
  spec: Partial<CanaryRollout['spec']> = {},
): Cluster<CanaryRollout> {
  const cluster = canary(steps, spec);
  cluster.hash = 'v2';
  cluster.settle(T0);
  return cluster;
}

// ---------------------------------------------------------------------------------------------

describe('RolloutTimedOut', () => {
  const condition = (reason: string, lastUpdateTime: number): RolloutCondition => ({
    type: 'Progressing',
    status: reason === 'RolloutAborted' ? 'False' : 'True',
    reason,
    message: '',
    lastTransitionTime: lastUpdateTime,
    lastUpdateTime,
  });
  const rows: { name: string; conditions: RolloutCondition[]; now: number; timedOut: boolean }[] = [
    {
      name: 'no Progressing condition: nothing to measure from',
      conditions: [],
      now: T0 + 9e9,
      timedOut: false,
    },
    {
      name: 'progress within the deadline',
      conditions: [condition('ReplicaSetUpdated', T0)],
      now: T0 + 599 * SEC,
      timedOut: false,
    },
    {
      name: 'no progress for the deadline',
      conditions: [condition('ReplicaSetUpdated', T0)],
      now: T0 + 600 * SEC,
      timedOut: true,
    },
    {
      name: 'already timed out stays timed out',
      conditions: [condition('ProgressDeadlineExceeded', T0)],
      now: T0,
      timedOut: true,
    },
    {
      name: 'an aborted rollout has no deadline',
      conditions: [condition('RolloutAborted', T0)],
      now: T0 + 9e9,
      timedOut: false,
    },
    {
      name: 'a paused rollout has no deadline',
      conditions: [condition('RolloutPaused', T0)],
      now: T0 + 9e9,
      timedOut: false,
    },
    {
      name: 'a resumed rollout counts from the resume',
      conditions: [condition('RolloutResumed', T0 + 100 * SEC)],
      now: T0 + 650 * SEC,
      timedOut: false,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      expect(rolloutTimedOut(row.conditions, 600, row.now)).toBe(row.timedOut);
    });
  }
});

describe('progressDeadlineAbort and the wake-up, as rules', () => {
  const timedOut: RolloutCondition[] = [
    {
      type: 'Progressing',
      status: 'True',
      reason: 'ReplicaSetUpdated',
      message: '',
      lastTransitionTime: T0,
      lastUpdateTime: T0,
    },
  ];
  const facts = (over: Partial<ConditionFacts> = {}): ConditionFacts => ({
    rolloutName: 'foo',
    specPaused: false,
    healthy: false,
    progressed: false,
    available: false,
    newRS: { name: 'foo-v2', revision: 2 },
    abortMessage: '',
    deadline: { seconds: 600, exempt: false },
    ...over,
  });
  const inFlight: CanaryRolloutStatus = { stableRS: 'v1', currentPodHash: 'v2' };
  const rows: {
    name: string;
    enabled: boolean;
    status?: CanaryRolloutStatus;
    facts?: Partial<ConditionFacts>;
    aborts: boolean;
  }[] = [
    { name: 'a timed-out update in flight aborts', enabled: true, aborts: true },
    { name: 'not without progressDeadlineAbort', enabled: false, aborts: false },
    {
      name: 'not when it progressed in this reconcile',
      enabled: true,
      facts: { progressed: true },
      aborts: false,
    },
    {
      name: 'not while waiting on purpose (pause / analysis step, scale-down delay)',
      enabled: true,
      facts: { deadline: { seconds: 600, exempt: true } },
      aborts: false,
    },
    {
      name: 'not once the update completed (the new ReplicaSet is stable)',
      enabled: true,
      status: { stableRS: 'v2', currentPodHash: 'v2' },
      aborts: false,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const pause = new PauseContext({});
      abortOnProgressDeadline(
        pause,
        timedOut,
        row.status ?? inFlight,
        facts(row.facts),
        row.enabled,
        T0 + 600 * SEC,
      );
      expect(pause.isAborted()).toBe(row.aborts);
      if (row.aborts)
        expect(pause.abortMessage).toBe('ReplicaSet "foo-v2" has timed out progressing.');
    });
  }

  it('without a new ReplicaSet the message names the rollout', () => {
    const pause = new PauseContext({});
    abortOnProgressDeadline(
      pause,
      timedOut,
      inFlight,
      facts({ newRS: undefined }),
      true,
      T0 + 600 * SEC,
    );
    expect(pause.abortMessage).toBe('Rollout "foo" has timed out progressing.');
  });

  const wakeRows: {
    name: string;
    status?: CanaryRolloutStatus;
    facts?: Partial<ConditionFacts>;
    wakeAt: number | undefined;
  }[] = [
    { name: 'a moving rollout is looked at again at its deadline', wakeAt: T0 + 600 * SEC },
    {
      name: 'a custom deadline',
      facts: { deadline: { seconds: 30, exempt: false } },
      wakeAt: T0 + 30 * SEC,
    },
    { name: 'not when healthy', facts: { healthy: true }, wakeAt: undefined },
    { name: 'not when paused by the user', facts: { specPaused: true }, wakeAt: undefined },
    {
      name: 'not when paused by a step',
      status: { pauseConditions: [{ reason: 'CanaryPauseStep', startTime: T0 }] },
      wakeAt: undefined,
    },
    { name: 'not when aborted', status: { abort: true }, wakeAt: undefined },
    {
      name: 'not while waiting on purpose',
      facts: { deadline: { seconds: 600, exempt: true } },
      wakeAt: undefined,
    },
  ];
  for (const row of wakeRows) {
    it(row.name, () => {
      expect(
        progressDeadlineWakeAt(timedOut, { ...inFlight, ...row.status }, facts(row.facts)),
      ).toBe(row.wakeAt);
    });
  }
});

describe('a canary whose new pods never become available', () => {
  it('is looked at again at the deadline, and is Degraded with ProgressDeadlineExceeded then', () => {
    const cluster = stuckCanary();
    expect(cluster.counts()).toEqual({ v1: 4, v2: 1 });
    expect(cluster.wakeAt).toBe(T0 + 600 * SEC);
    cluster.observe(T0 + 599 * SEC);
    expect(cluster.progressing()?.status).toBe('True');
    expect(cluster.status.phase).toBe('Progressing');
    cluster.observe(T0 + 600 * SEC);
    expect(cluster.progressing()).toEqual({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: 'ReplicaSet "foo-v2" has timed out progressing.',
    });
    expect(cluster.status.phase).toBe('Degraded');
    expect(cluster.status.message).toBe(
      'ProgressDeadlineExceeded: ReplicaSet "foo-v2" has timed out progressing.',
    );
    // Without progressDeadlineAbort the update is left as it is.
    expect(cluster.status.abort).toBeFalsy();
    expect(cluster.counts()).toEqual({ v1: 4, v2: 1 });
    expect(cluster.wakeAt).toBeUndefined();
  });

  it('honours spec.progressDeadlineSeconds', () => {
    const cluster = stuckCanary(undefined, { progressDeadlineSeconds: 30 });
    expect(cluster.wakeAt).toBe(T0 + 30 * SEC);
    cluster.observe(T0 + 30 * SEC);
    expect(cluster.progressing()?.reason).toBe('ProgressDeadlineExceeded');
  });

  it('recovers when its pods come up after the deadline: Progressing again, then the next step', () => {
    const cluster = stuckCanary();
    cluster.observe(T0 + 600 * SEC);
    expect(cluster.status.phase).toBe('Degraded');
    cluster.ready.add('v2');
    cluster.sets.find((rs) => rs.podTemplateHash === 'v2')!.availableReplicas = 1;
    cluster.observe(T0 + 700 * SEC);
    expect(cluster.progressing()).toMatchObject({ status: 'True', reason: 'ReplicaSetUpdated' });
    cluster.settle(T0 + 700 * SEC);
    expect(cluster.status.currentStepIndex).toBe(1);
    expect(cluster.status.phase).toBe('Paused');
  });

  it('progress moves the deadline on', () => {
    const cluster = stuckCanary([{ setWeight: 50 }, { pause: {} }], { replicas: 4 });
    // One more stable pod goes at T0 + 500 s (the canary pod came up): progress.
    cluster.ready.add('v2');
    cluster.observe(T0 + 500 * SEC);
    cluster.ready.delete('v2');
    cluster.sets.find((rs) => rs.podTemplateHash === 'v2')!.availableReplicas = 1;
    cluster.observe(T0 + 500 * SEC);
    expect(cluster.wakeAt).toBe(T0 + 1100 * SEC);
    cluster.observe(T0 + 600 * SEC);
    expect(cluster.progressing()?.status).toBe('True');
  });

  it('with progressDeadlineAbort aborts, with the timeout as the reason, and scales the canary down', () => {
    const cluster = stuckCanary(undefined, { progressDeadlineAbort: true });
    cluster.observe(T0 + 600 * SEC);
    expect(cluster.status.abort).toBe(true);
    expect(cluster.progressing()).toEqual({
      status: 'False',
      reason: 'RolloutAborted',
      message:
        'Rollout aborted update to revision 2: ReplicaSet "foo-v2" has timed out progressing.',
    });
    expect(cluster.status.phase).toBe('Degraded');
    cluster.settle(T0 + 601 * SEC);
    expect(cluster.counts()).toEqual({ v1: 4, v2: 0 });
    expect(cluster.status.abort).toBe(true);
  });

  it('the first revision never aborts: it is stable from the start (an update that completed)', () => {
    const cluster = new Cluster<CanaryRollout>(
      {
        metadata: { name: 'foo' },
        spec: { replicas: 2, progressDeadlineAbort: true, strategy: { canary: { steps: [] } } },
      },
      'v1',
    );
    cluster.ready.clear();
    cluster.settle(T0);
    cluster.observe(T0 + 600 * SEC);
    expect(cluster.status.abort).toBeFalsy();
    expect(cluster.progressing()?.reason).toBe('ProgressDeadlineExceeded');
    expect(cluster.status.phase).toBe('Degraded');
  });
});

describe('waiting on purpose never times out', () => {
  it('an indefinite pause step: an hour later still Paused, no deadline wake-up', () => {
    const cluster = canary([{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }], {
      progressDeadlineAbort: true,
    });
    cluster.hash = 'v2';
    cluster.ready.add('v2');
    cluster.settle(T0);
    expect(cluster.status.phase).toBe('Paused');
    expect(cluster.wakeAt).toBeUndefined();
    cluster.observe(T0 + 3600 * SEC);
    expect(cluster.status.phase).toBe('Paused');
    expect(cluster.status.abort).toBeFalsy();
  });

  it('the deadline restarts at the resume (Progressing RolloutResumed)', () => {
    const cluster = canary([{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }]);
    cluster.hash = 'v2';
    cluster.ready.add('v2');
    cluster.settle(T0);
    const resumedAt = T0 + 3600 * SEC;
    cluster.ready.delete('v2');
    cluster.rollout = { ...cluster.rollout, status: promote(cluster.status) };
    cluster.settle(resumedAt);
    expect(cluster.status.currentStepIndex).toBe(2);
    expect(cluster.wakeAt).toBe(resumedAt + 600 * SEC);
    cluster.observe(resumedAt + 600 * SEC);
    expect(cluster.progressing()?.reason).toBe('ProgressDeadlineExceeded');
  });

  it('spec.paused: no time out however long', () => {
    const cluster = stuckCanary();
    cluster.rollout = { ...cluster.rollout, spec: { ...cluster.rollout.spec, paused: true } };
    cluster.settle(T0 + SEC);
    expect(cluster.wakeAt).toBeUndefined();
    cluster.observe(T0 + 3600 * SEC);
    expect(cluster.status.phase).toBe('Paused');
    expect(cluster.progressing()?.reason).toBe('RolloutPaused');
  });

  it('an analysis step does not count against the deadline', () => {
    const cluster = canary([{ setWeight: 25 }, { analysis: { templates: [] } }]);
    cluster.hash = 'v2';
    cluster.ready.add('v2');
    cluster.settle(T0);
    expect(cluster.status.currentStepIndex).toBe(1);
    cluster.observe(T0 + 3600 * SEC);
    expect(cluster.progressing()?.status).toBe('True');
    expect(cluster.status.phase).toBe('Progressing');
  });
});

describe('blue-green', () => {
  function blueGreen(spec: Partial<BlueGreenRollout['spec']> = {}): Cluster<BlueGreenRollout> {
    const cluster = new Cluster<BlueGreenRollout>(
      {
        metadata: { name: 'foo' },
        spec: {
          replicas: 2,
          strategy: {
            blueGreen: {
              activeService: 'active',
              previewService: 'preview',
              autoPromotionEnabled: false,
            },
          },
          ...spec,
        },
      },
      'v1',
    );
    cluster.settle(T0);
    cluster.hash = 'v2';
    return cluster;
  }

  it('a preview whose pods never come up is Degraded at the deadline', () => {
    const cluster = blueGreen();
    cluster.settle(T0);
    expect(cluster.wakeAt).toBe(T0 + 600 * SEC);
    cluster.observe(T0 + 600 * SEC);
    expect(cluster.progressing()).toEqual({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: 'ReplicaSet "foo-v2" has timed out progressing.',
    });
    expect(cluster.status.phase).toBe('Degraded');
  });

  it('with progressDeadlineAbort the update aborts and the active Service stays on the stable', () => {
    const cluster = blueGreen({ progressDeadlineAbort: true });
    cluster.settle(T0);
    cluster.settle(T0 + 600 * SEC);
    expect(cluster.status.abort).toBe(true);
    expect(cluster.progressing()?.reason).toBe('RolloutAborted');
    expect(cluster.services['active']).toBe('v1');
  });

  it('paused awaiting promotion never times out; after the promote the deadline counts again', () => {
    const cluster = blueGreen({ progressDeadlineAbort: true });
    cluster.ready.add('v2');
    cluster.settle(T0);
    expect(cluster.status.phase).toBe('Paused');
    cluster.observe(T0 + 3600 * SEC);
    expect(cluster.status.phase).toBe('Paused');
    expect(cluster.status.abort).toBeFalsy();
    cluster.rollout = {
      ...cluster.rollout,
      status: promoteBlueGreen(cluster.rollout.status!),
    };
    cluster.settle(T0 + 3600 * SEC);
    expect(cluster.services['active']).toBe('v2');
    expect(cluster.status.abort).toBeFalsy();
  });
});
