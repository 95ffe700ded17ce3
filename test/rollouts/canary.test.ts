/**
 * The canary strategy, one decision per observation, checked against what Argo Rollouts does
 * (rollout/canary_test.go, where a behaviour fits; the seed web-app rollout walked step by step).
 * A tiny simulated cluster applies each decision (pods become available at once unless a test
 * says otherwise) and feeds the result back, as the machine will.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  abort,
  type CanaryDecision,
  type CanaryDecisionStep,
  type CanaryRollout,
  calculateRolloutPhase,
  decideCanary,
  type ObservedReplicaSet,
  parseGoDuration,
  pauseDurationSeconds,
  promote,
  type StepAnalysis,
} from '../../shared/rollouts/canary.js';
import { corpusRoot } from '../support/corpus.js';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;

/** A rollout and its ReplicaSets, as the machine would hold them between observations. */
class Cluster {
  sets: ObservedReplicaSet[] = [];
  last: CanaryDecision | undefined;
  /** When false, scaled-up pods stay unavailable until ready() is called. */
  instantReady = true;

  constructor(
    public rollout: CanaryRollout,
    public hash = 'v1',
  ) {}

  observe(
    now: number,
    stepAnalysis?: StepAnalysis,
    backgroundAnalysis?: StepAnalysis,
  ): CanaryDecision {
    const decision = decideCanary({
      rollout: this.rollout,
      templateHash: this.hash,
      replicaSets: this.sets.map((rs) => ({ ...rs })),
      now,
      ...(stepAnalysis ? { stepAnalysis } : {}),
      ...(backgroundAnalysis ? { backgroundAnalysis } : {}),
    });
    if (decision.create) {
      const { name, hash, replicas, revision } = decision.create;
      this.sets.push({ name, podTemplateHash: hash, replicas, availableReplicas: 0, revision });
    }
    for (const { rs, replicas } of decision.scale) {
      const set = this.sets.find((s) => s.name === rs)!;
      set.replicas = replicas;
      set.availableReplicas = this.instantReady
        ? replicas
        : Math.min(set.availableReplicas, replicas);
    }
    for (const { rs, at } of decision.scaleDownDeadlines ?? []) {
      this.sets.find((s) => s.name === rs)!.scaleDownDeadline = at;
    }
    this.rollout = { ...this.rollout, status: decision.status };
    this.last = decision;
    return decision;
  }

  /** Observe until a decision changes nothing (what the machine does between timers). */
  settle(now: number, stepAnalysis?: StepAnalysis): CanaryDecision {
    for (let i = 0; i < 30; i++) {
      const before = JSON.stringify(this.rollout.status);
      const decision = this.observe(now, stepAnalysis);
      const quiet = decision.scale.length === 0 && decision.create === undefined;
      if (quiet && JSON.stringify(decision.status) === before) return decision;
    }
    throw new Error('the rollout never settled');
  }

  ready(): void {
    for (const rs of this.sets) rs.availableReplicas = rs.replicas;
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.sets.map((rs) => [rs.podTemplateHash, rs.replicas]));
  }

  get status() {
    return this.rollout.status!;
  }

  condition(type: string) {
    const c = this.status.conditions?.find((x) => x.type === type);
    return c && { status: c.status, reason: c.reason, message: c.message };
  }
}

function canaryRollout(
  replicas: number,
  steps: CanaryDecisionStep[] | undefined,
  extra: Partial<NonNullable<CanaryRollout['spec']['strategy']['canary']>> = {},
): CanaryRollout {
  return {
    metadata: { name: 'foo' },
    spec: {
      replicas,
      strategy: {
        canary: { maxSurge: 1, maxUnavailable: 0, ...(steps ? { steps } : {}), ...extra },
      },
    },
  };
}

/** A cluster where `v1` is already the promoted stable and `v2` was just applied. */
function updatedCluster(rollout: CanaryRollout, now = T0): Cluster {
  const cluster = new Cluster(rollout, 'v1');
  cluster.settle(now);
  cluster.hash = 'v2';
  return cluster;
}

// ---------------------------------------------------------------------------------------------

/** The seed web-app rollout, its canary part as written (the router left out: basic canary). */
function seedWebApp(): CanaryRollout {
  const text = readFileSync(join(corpusRoot, 'seeds', 'rollout.yaml'), 'utf8');
  const doc = parseAllDocuments(text)[0]!.toJS() as {
    metadata: { name: string };
    spec: {
      replicas: number;
      strategy: {
        canary: { steps: CanaryDecisionStep[]; maxSurge: string; maxUnavailable: number };
      };
    };
  };
  const { steps, maxSurge, maxUnavailable } = doc.spec.strategy.canary;
  return {
    metadata: { name: doc.metadata.name },
    spec: {
      replicas: doc.spec.replicas,
      strategy: { canary: { steps, maxSurge, maxUnavailable } },
    },
  };
}

describe('the seed web-app rollout (10 replicas, maxSurge 25%, maxUnavailable 0), step by step', () => {
  const cluster = new Cluster(seedWebApp(), 'v1');
  // Each row: what happens at a time, then the state once the rollout has settled.
  const rows: {
    name: string;
    at: number;
    action?: (c: Cluster) => void;
    counts: Record<string, number>;
    index: number | undefined;
    phase: string;
    message: string;
    paused?: string;
    wakeAt?: number;
  }[] = [
    {
      name: 'the first revision goes straight to full scale and becomes stable',
      at: T0,
      counts: { v1: 10 },
      index: 8,
      phase: 'Healthy',
      message: '',
    },
    {
      name: 'a template change makes a canary ReplicaSet and runs setWeight 5 (1 canary, 10 stable)',
      at: T0 + MIN,
      action: (c) => (c.hash = 'v2'),
      counts: { v1: 10, v2: 1 },
      index: 1,
      phase: 'Paused',
      message: 'CanaryPauseStep',
      paused: 'CanaryPauseStep',
      wakeAt: T0 + 3 * MIN,
    },
    {
      name: 'before the 2m pause ends nothing moves',
      at: T0 + 2 * MIN,
      counts: { v1: 10, v2: 1 },
      index: 1,
      phase: 'Paused',
      message: 'CanaryPauseStep',
      paused: 'CanaryPauseStep',
      wakeAt: T0 + 3 * MIN,
    },
    {
      name: 'at the end of pause(2m) setWeight 20 gives 2 canary, 8 stable, then pause(5m)',
      at: T0 + 3 * MIN,
      counts: { v1: 8, v2: 2 },
      index: 3,
      phase: 'Paused',
      message: 'CanaryPauseStep',
      paused: 'CanaryPauseStep',
      wakeAt: T0 + 8 * MIN,
    },
    {
      name: 'setWeight 50 gives 5 and 5, then pause(10m)',
      at: T0 + 8 * MIN,
      counts: { v1: 5, v2: 5 },
      index: 5,
      phase: 'Paused',
      message: 'CanaryPauseStep',
      paused: 'CanaryPauseStep',
      wakeAt: T0 + 18 * MIN,
    },
    {
      name: 'setWeight 80 gives 8 and 2, then pause(5m)',
      at: T0 + 18 * MIN,
      counts: { v1: 2, v2: 8 },
      index: 7,
      phase: 'Paused',
      message: 'CanaryPauseStep',
      paused: 'CanaryPauseStep',
      wakeAt: T0 + 23 * MIN,
    },
    {
      name: 'after the last step the canary is promoted and the old stable goes to 0',
      at: T0 + 23 * MIN,
      counts: { v1: 0, v2: 10 },
      index: 8,
      phase: 'Healthy',
      message: '',
    },
  ];

  for (const row of rows) {
    it(row.name, () => {
      row.action?.(cluster);
      const decision = cluster.settle(row.at);
      expect(cluster.counts()).toEqual(row.counts);
      expect(cluster.status.currentStepIndex).toBe(row.index);
      expect([cluster.status.phase, cluster.status.message]).toEqual([row.phase, row.message]);
      expect(cluster.status.pauseConditions?.map((p) => p.reason)).toEqual(
        row.paused ? [row.paused] : undefined,
      );
      expect(decision.wakeAt).toBe(row.wakeAt);
      expect(cluster.status.stableRS).toBe(row.index === 8 ? cluster.hash : 'v1');
    });
  }
});

describe('one observation at a time, as Argo reconciles', () => {
  it('a brand-new rollout first creates an empty ReplicaSet and resets the steps', () => {
    const cluster = new Cluster(canaryRollout(10, [{ setWeight: 10 }]));
    const d = cluster.observe(T0);
    expect(d.create).toEqual({ name: 'foo-v1', hash: 'v1', replicas: 0, revision: 1 });
    expect(d.scale).toEqual([]);
    expect(d.status).toMatchObject({ currentPodHash: 'v1', currentStepIndex: 0 });
    expect(d.status.stableRS).toBeUndefined();
  });

  it('the next observation scales it to spec.replicas and makes it stable ("Initial deploy")', () => {
    // TestCanaryRolloutCreateFirstReplicasetWithSteps: stableRS set, currentStepIndex 1.
    const cluster = new Cluster(canaryRollout(10, [{ setWeight: 10 }]));
    cluster.instantReady = false;
    cluster.observe(T0);
    const d = cluster.observe(T0);
    expect(d.scale).toEqual([{ rs: 'foo-v1', replicas: 10 }]);
    expect(d.status).toMatchObject({ stableRS: 'v1', currentStepIndex: 1 });
    expect(cluster.condition('Progressing')).toMatchObject({ reason: 'ReplicaSetUpdated' });
    expect(cluster.condition('Available')?.status).toBe('False');
    expect(d.status.phase).toBe('Progressing');
  });

  it('without steps the first revision is stable too, currentStepIndex unset', () => {
    const cluster = new Cluster(canaryRollout(3, undefined));
    const d = cluster.settle(T0);
    expect(cluster.counts()).toEqual({ v1: 3 });
    expect(d.status.currentStepIndex).toBeUndefined();
    expect(d.status.stableRS).toBe('v1');
    expect(cluster.condition('Progressing')).toEqual({
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: 'ReplicaSet "foo-v1" has successfully progressed.',
    });
    expect(cluster.condition('Available')?.status).toBe('True');
    expect(cluster.condition('Completed')?.status).toBe('True');
    expect(d.status.phase).toBe('Healthy');
  });

  it('a template change creates the canary with 0 replicas at the next revision (TestCanaryRolloutBumpVersion)', () => {
    const cluster = updatedCluster(canaryRollout(10, [{ setWeight: 10 }, { pause: {} }]));
    const d = cluster.observe(T0);
    expect(d.create).toEqual({ name: 'foo-v2', hash: 'v2', replicas: 0, revision: 2 });
    expect(d.status).toMatchObject({ currentPodHash: 'v2', currentStepIndex: 0, stableRS: 'v1' });
    // Then setWeight 10 with maxSurge 1: the canary gets its 1 pod above the stable's 10.
    expect(cluster.observe(T0).scale).toEqual([{ rs: 'foo-v2', replicas: 1 }]);
  });

  it('setWeight advances only once the ReplicaSets are at their counts and available', () => {
    const cluster = updatedCluster(canaryRollout(10, [{ setWeight: 10 }, { pause: {} }]));
    cluster.instantReady = false;
    cluster.observe(T0);
    cluster.observe(T0); // canary scaled to 1, not yet available
    expect(cluster.observe(T0).status.currentStepIndex).toBe(0);
    cluster.ready();
    // Stable scales 10 -> 9 first (maxUnavailable 0 allows it once the canary pod is up).
    expect(cluster.observe(T0).scale).toEqual([{ rs: 'foo-v1', replicas: 9 }]);
    cluster.ready();
    expect(cluster.observe(T0).status.currentStepIndex).toBe(1);
  });

  it('scaling and completing the step never happen in the same observation', () => {
    const cluster = updatedCluster(canaryRollout(10, [{ setWeight: 10 }]));
    cluster.observe(T0);
    const d = cluster.observe(T0);
    expect(d.scale.length).toBe(1);
    expect(d.status.currentStepIndex).toBe(0);
  });

  it('the stable is scaled before the canary, one ReplicaSet per observation', () => {
    const cluster = updatedCluster(canaryRollout(10, [{ setWeight: 50 }, { pause: {} }]));
    cluster.observe(T0);
    const scaled: string[] = [];
    for (let i = 0; i < 12; i++) {
      const d = cluster.observe(T0);
      expect(d.scale.length).toBeLessThanOrEqual(1);
      scaled.push(...d.scale.map((s) => `${s.rs}=${s.replicas}`));
    }
    expect(scaled[0]).toBe('foo-v2=1');
    expect(cluster.counts()).toEqual({ v1: 5, v2: 5 });
    // Never more than spec.replicas + maxSurge pods asked for.
    expect(scaled.length).toBeGreaterThan(4);
  });
});

describe('pause steps', () => {
  const paused = () => {
    const cluster = updatedCluster(
      canaryRollout(10, [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }]),
    );
    cluster.settle(T0);
    return cluster;
  };

  it('pause: {} sets a CanaryPauseStep pause condition and the Paused conditions (TestCanaryRolloutEnterPauseState)', () => {
    const cluster = paused();
    expect(cluster.status.pauseConditions).toEqual([{ reason: 'CanaryPauseStep', startTime: T0 }]);
    expect(cluster.status.controllerPause).toBe(true);
    expect(cluster.condition('Paused')).toEqual({
      status: 'True',
      reason: 'RolloutPaused',
      message: 'Rollout is paused',
    });
    expect(cluster.condition('Progressing')).toMatchObject({
      status: 'Unknown',
      reason: 'RolloutPaused',
    });
    expect(cluster.last?.wakeAt).toBeUndefined();
  });

  it('an indefinite pause makes no progress however long it waits (TestCanaryRolloutNoProgressWhilePaused)', () => {
    const cluster = paused();
    const d = cluster.observe(T0 + 1000 * MIN);
    expect(d.scale).toEqual([]);
    expect(d.status.currentStepIndex).toBe(1);
    expect(d.status.pauseConditions).toEqual([{ reason: 'CanaryPauseStep', startTime: T0 }]);
  });

  it('a promote (pauseConditions cleared, controllerPause kept) moves to the next step (TestCanaryRolloutIncrementStepAfterUnPaused)', () => {
    const cluster = paused();
    cluster.rollout = { ...cluster.rollout, status: promote(cluster.status) };
    const d = cluster.observe(T0 + MIN);
    expect(d.status.currentStepIndex).toBe(2);
    expect(d.status.pauseConditions).toBeUndefined();
    expect(d.status.controllerPause).toBeUndefined();
    expect(cluster.condition('Paused')?.status).toBe('False');
    cluster.settle(T0 + MIN);
    expect(cluster.counts()).toEqual({ v1: 0, v2: 10 });
    expect(cluster.status.stableRS).toBe('v2');
  });

  it('pause with a duration gives wakeAt and advances when it has elapsed (TestSyncRolloutWaitIncrementStepIndex)', () => {
    const cluster = updatedCluster(
      canaryRollout(10, [{ setWeight: 10 }, { pause: { duration: '30s' } }, { pause: {} }]),
    );
    const d = cluster.settle(T0);
    expect(d.wakeAt).toBe(T0 + 30_000);
    expect(cluster.observe(T0 + 29_999).status.currentStepIndex).toBe(1);
    const next = cluster.observe(T0 + 30_000);
    expect(next.status.currentStepIndex).toBe(2);
  });

  it('a numeric duration is seconds', () => {
    const cluster = updatedCluster(canaryRollout(10, [{ pause: { duration: 5 } }]));
    expect(cluster.settle(T0).wakeAt).toBe(T0 + 5000);
  });

  it('a user pause (spec.paused) halts scaling and steps', () => {
    const cluster = updatedCluster(canaryRollout(10, [{ setWeight: 10 }]));
    cluster.observe(T0);
    cluster.rollout = { ...cluster.rollout, spec: { ...cluster.rollout.spec, paused: true } };
    const d = cluster.observe(T0);
    expect(d.scale).toEqual([]);
    expect([d.status.phase, d.status.message]).toEqual(['Paused', 'manually paused']);
  });
});

describe('promotion, abort, rollback', () => {
  const midway = () => {
    const cluster = updatedCluster(
      canaryRollout(10, [{ setWeight: 10 }, { setWeight: 20 }, { pause: {} }, { setWeight: 30 }]),
    );
    cluster.settle(T0);
    return cluster;
  };

  it('promoteFull skips the remaining steps and promotes', () => {
    const cluster = midway();
    expect(cluster.status.currentStepIndex).toBe(2);
    cluster.rollout = { ...cluster.rollout, status: promote(cluster.status, true) };
    const d = cluster.settle(T0 + MIN);
    expect(cluster.counts()).toEqual({ v1: 0, v2: 10 });
    expect(d.status).toMatchObject({ stableRS: 'v2', currentStepIndex: 4, promoteFull: false });
    expect(d.status.pauseConditions).toBeUndefined();
    expect(d.status.phase).toBe('Healthy');
  });

  it('abort scales the stable back up first (TestHandleCanaryAbort "Scale up stable ReplicaSet")', () => {
    const cluster = updatedCluster(
      canaryRollout(10, [{ setWeight: 10 }, { setWeight: 20 }, { setWeight: 30 }]),
    );
    cluster.observe(T0);
    cluster.observe(T0); // canary 1
    cluster.observe(T0); // stable 9
    cluster.observe(T0); // step 0 done
    expect(cluster.counts()).toEqual({ v1: 9, v2: 1 });
    cluster.rollout = { ...cluster.rollout, status: abort(cluster.status) };
    const d = cluster.observe(T0 + MIN);
    expect(d.scale).toEqual([{ rs: 'foo-v1', replicas: 10 }]);
    expect(d.status).toMatchObject({ abort: true, abortedAt: T0 + MIN, currentStepIndex: 0 });
    expect([d.status.phase, d.status.message]).toEqual([
      'Degraded',
      'RolloutAborted: Rollout aborted update to revision 2',
    ]);
    expect(cluster.condition('Progressing')).toEqual({
      status: 'False',
      reason: 'RolloutAborted',
      message: 'Rollout aborted update to revision 2',
    });
  });

  it('an aborted rollout ends with the canary at 0, the stable at full size, and stays Degraded', () => {
    const cluster = midway();
    cluster.rollout = { ...cluster.rollout, status: abort(cluster.status) };
    const d = cluster.settle(T0 + MIN);
    expect(cluster.counts()).toEqual({ v1: 10, v2: 0 });
    expect(d.status.stableRS).toBe('v1');
    expect(d.status.pauseConditions).toBeUndefined();
    expect(d.status.abortedAt).toBe(T0 + MIN);
    expect(d.status.phase).toBe('Degraded');
  });

  it('clearing abort retries the update from the first step (RolloutRetry)', () => {
    const cluster = midway();
    cluster.rollout = { ...cluster.rollout, status: abort(cluster.status) };
    cluster.settle(T0 + MIN);
    cluster.rollout = { ...cluster.rollout, status: { ...cluster.status, abort: false } };
    const d = cluster.observe(T0 + 2 * MIN);
    expect(d.status.abort).toBe(false);
    expect(d.status.abortedAt).toBeUndefined();
    expect(d.status.phase).not.toBe('Degraded');
    cluster.settle(T0 + 2 * MIN);
    expect(cluster.status.currentStepIndex).toBe(2);
    expect(cluster.counts()).toEqual({ v1: 8, v2: 2 });
  });

  it('abort on the promoted revision keeps the index at the end and clears abort once stable (TestHandleCanaryAbort)', () => {
    const cluster = new Cluster(
      canaryRollout(2, [{ setWeight: 10 }, { setWeight: 20 }, { setWeight: 30 }]),
    );
    cluster.settle(T0);
    cluster.rollout = { ...cluster.rollout, status: abort(cluster.status) };
    const d = cluster.observe(T0 + MIN);
    expect(d.status.abort).toBe(false);
    expect(d.status.abortedAt).toBeUndefined();
    expect(d.status.currentStepIndex).toBe(3);
  });

  it("a failed step analysis aborts with Argo's message", () => {
    const cluster = updatedCluster(
      canaryRollout(10, [{ setWeight: 10 }, { analysis: {} }, { setWeight: 50 }]),
    );
    cluster.settle(T0, { phase: 'Running' });
    expect(cluster.status.currentStepIndex).toBe(1);
    const d = cluster.observe(T0 + MIN, {
      phase: 'Failed',
      message: 'metric "success-rate" assessed Failed',
    });
    expect(d.status.abort).toBe(true);
    expect(d.status.message).toBe(
      'RolloutAborted: Rollout aborted update to revision 2: Step-based analysis phase error/failed: metric "success-rate" assessed Failed',
    );
  });

  it('a successful step analysis completes the step; an inconclusive one pauses', () => {
    const steps = [{ setWeight: 10 }, { analysis: {} }, { setWeight: 50 }];
    const ok = updatedCluster(canaryRollout(10, steps));
    ok.settle(T0, { phase: 'Running' });
    expect(ok.observe(T0, { phase: 'Successful' }).status.currentStepIndex).toBe(2);
    const unsure = updatedCluster(canaryRollout(10, steps));
    unsure.settle(T0, { phase: 'Running' });
    const d = unsure.observe(T0, { phase: 'Inconclusive' });
    expect(d.status.pauseConditions).toEqual([{ reason: 'InconclusiveAnalysis', startTime: T0 }]);
    expect(d.status.phase).toBe('Paused');
  });

  it('a template change back to the stable skips every step (TestRollBackToStable)', () => {
    const cluster = midway();
    cluster.hash = 'v1';
    const d = cluster.observe(T0 + MIN);
    expect(d.create).toBeUndefined();
    expect(d.status).toMatchObject({ currentPodHash: 'v1', currentStepIndex: 4, stableRS: 'v1' });
    cluster.settle(T0 + MIN);
    expect(cluster.counts()).toEqual({ v1: 10, v2: 0 });
    expect(cluster.status.phase).toBe('Healthy');
  });

  it('a third revision mid-update scales the intermediate canary down (basic canary)', () => {
    const cluster = midway();
    cluster.hash = 'v3';
    cluster.settle(T0 + MIN);
    expect(cluster.counts()).toEqual({ v1: 8, v2: 0, v3: 2 });
    expect(cluster.status.currentStepIndex).toBe(2);
    expect(cluster.sets.find((rs) => rs.podTemplateHash === 'v3')?.revision).toBe(3);
  });

  it('a steps change resets currentStepIndex to 0 (TestResetCurrentStepIndexOnStepChange)', () => {
    const cluster = midway();
    const spec = cluster.rollout.spec;
    cluster.rollout = {
      ...cluster.rollout,
      spec: {
        ...spec,
        strategy: {
          canary: { ...spec.strategy.canary, steps: [{ setWeight: 20 }, { pause: {} }] },
        },
      },
    };
    const d = cluster.observe(T0 + MIN);
    expect(d.status.currentStepIndex).toBe(0);
    expect(d.status.pauseConditions).toBeUndefined();
  });

  it('a currentStepIndex past the steps clamps to the number of steps and still promotes', () => {
    const cluster = updatedCluster(canaryRollout(4, [{ setWeight: 50 }]));
    cluster.settle(T0);
    expect(cluster.status.stableRS).toBe('v2');
    cluster.hash = 'v3';
    cluster.observe(T0);
    cluster.rollout = { ...cluster.rollout, status: { ...cluster.status, currentStepIndex: 7 } };
    cluster.settle(T0);
    expect(cluster.status.currentStepIndex).toBe(1);
    expect(cluster.status.stableRS).toBe('v3');
  });
});

describe('background analysis (strategy.canary.analysis)', () => {
  const steps = [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { pause: {} }];
  const background = { templates: [{ templateName: 'success-rate' }], startingStep: 1 };
  const paused = () => {
    const cluster = updatedCluster(canaryRollout(10, steps, { analysis: background }));
    cluster.settle(T0);
    expect(cluster.status.currentStepIndex).toBe(1);
    return cluster;
  };

  it("a failed background run aborts with Argo's message", () => {
    const cluster = paused();
    const d = cluster.observe(T0 + MIN, undefined, {
      phase: 'Failed',
      message: 'metric "success-rate" assessed Failed',
    });
    expect(d.status.abort).toBe(true);
    expect(d.status.message).toBe(
      'RolloutAborted: Rollout aborted update to revision 2: Background analysis phase error/failed: metric "success-rate" assessed Failed',
    );
    cluster.settle(T0 + MIN);
    expect(cluster.counts()).toEqual({ v1: 10, v2: 0 });
  });

  it('an errored background run aborts too', () => {
    const d = paused().observe(T0 + MIN, undefined, { phase: 'Error' });
    expect(d.status.message).toBe(
      'RolloutAborted: Rollout aborted update to revision 2: Background analysis phase error/failed',
    );
  });

  it('an inconclusive background run pauses with InconclusiveAnalysis and halts the steps', () => {
    const cluster = paused();
    cluster.rollout = { ...cluster.rollout, status: promote(cluster.status) };
    const d = cluster.observe(T0 + MIN, undefined, { phase: 'Inconclusive' });
    expect(d.status.pauseConditions).toEqual([
      { reason: 'InconclusiveAnalysis', startTime: T0 + MIN },
    ]);
    expect(d.status.phase).toBe('Paused');
    expect(cluster.observe(T0 + 2 * MIN, undefined, { phase: 'Inconclusive' }).scale).toEqual([]);
  });

  it('a successful background run does not advance the steps', () => {
    const cluster = paused();
    const d = cluster.observe(T0 + MIN, undefined, { phase: 'Successful' });
    expect(d.status.currentStepIndex).toBe(1);
    expect(d.status.pauseConditions).toHaveLength(1);
  });

  it('before startingStep a failed run is ignored (no run is wanted there)', () => {
    const cluster = updatedCluster(
      canaryRollout(10, [{ pause: {} }, { setWeight: 50 }], {
        analysis: { ...background, startingStep: 1 },
      }),
    );
    cluster.settle(T0);
    expect(cluster.status.currentStepIndex).toBe(0);
    const d = cluster.observe(T0 + MIN, undefined, { phase: 'Failed' });
    expect(d.status.abort).toBe(false);
  });

  it('once fully promoted the background run no longer counts', () => {
    const cluster = new Cluster(canaryRollout(2, steps, { analysis: background }));
    cluster.settle(T0);
    const d = cluster.observe(T0 + MIN, undefined, { phase: 'Failed' });
    expect(d.status.abort).toBe(false);
    expect(d.status.phase).toBe('Healthy');
  });
});

describe('old ReplicaSets and traffic routing', () => {
  it('unhealthy old pods are removed first, then the rest within maxUnavailable', () => {
    const cluster = new Cluster(canaryRollout(4, undefined), 'v3');
    cluster.sets = [
      { name: 'foo-v1', podTemplateHash: 'v1', revision: 1, replicas: 2, availableReplicas: 1 },
      { name: 'foo-v3', podTemplateHash: 'v3', revision: 3, replicas: 4, availableReplicas: 4 },
    ];
    cluster.rollout = {
      ...cluster.rollout,
      status: { ...cluster.rollout.status, stableRS: 'v3', currentPodHash: 'v3' },
    };
    cluster.settle(T0);
    expect(cluster.counts()).toEqual({ v1: 0, v3: 4 });
  });

  it('with a router, the canary gets its share rounded up and the stable stays full; weights follow', () => {
    const cluster = updatedCluster(
      canaryRollout(10, [{ setWeight: 5 }, { pause: {} }], { trafficRouting: {} }),
    );
    const d = cluster.settle(T0);
    expect(cluster.counts()).toEqual({ v1: 10, v2: 1 });
    expect(d.status.canary?.weights).toEqual({
      canary: { weight: 5, podTemplateHash: 'v2' },
      stable: { weight: 95, podTemplateHash: 'v1' },
    });
  });

  it('with a router, the old stable waits scaleDownDelaySeconds after promotion (wakeAt)', () => {
    const cluster = updatedCluster(canaryRollout(4, [{ setWeight: 50 }], { trafficRouting: {} }));
    const d = cluster.settle(T0);
    expect(cluster.status.stableRS).toBe('v2');
    expect(cluster.counts()).toEqual({ v1: 4, v2: 4 });
    expect(d.wakeAt).toBe(T0 + 30_000);
    cluster.settle(T0 + 30_000);
    expect(cluster.counts()).toEqual({ v1: 0, v2: 4 });
  });
});

describe('helpers', () => {
  it.each([
    ['2m', 120],
    ['30s', 30],
    ['1h30m', 5400],
    ['1.5s', 1],
    ['10', 10],
    [45, 45],
    ['soon', -1],
  ] as const)('pause duration %j is %d seconds', (duration, seconds) => {
    expect(pauseDurationSeconds(duration)).toBe(seconds);
  });

  it('Go durations accept units down to nanoseconds', () => {
    expect(parseGoDuration('300ms')).toBe(300);
    expect(parseGoDuration('1m0.5s')).toBe(60_500);
    expect(parseGoDuration('m')).toBeUndefined();
  });

  it('the phase of a basic canary with old pods still running is Progressing', () => {
    const rollout = canaryRollout(2, undefined);
    expect(
      calculateRolloutPhase(rollout, {
        updatedReplicas: 2,
        availableReplicas: 3,
        replicas: 3,
        stableRS: 'a',
        currentPodHash: 'a',
      }),
    ).toEqual(['Progressing', 'old replicas are pending termination']);
  });
});
