/**
 * The blue-green strategy, one decision per observation, checked against what Argo Rollouts does
 * (rollout/bluegreen_test.go where a behaviour fits; the seed api-service rollout walked through
 * an update). A tiny simulated cluster applies each decision (ReplicaSets, Service selectors,
 * AnalysisRuns) and feeds the result back, as the machine will; pods become available only when
 * a test says so.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { AnalysisPhase } from '../../shared/rollouts/analysis.js';
import {
  type BlueGreenDecision,
  type BlueGreenRollout,
  type BlueGreenSpec,
  decideBlueGreen,
  promoteBlueGreen,
} from '../../shared/rollouts/bluegreen.js';
import type { ObservedReplicaSet, StepAnalysis } from '../../shared/rollouts/canary.js';
import { corpusRoot } from '../support/corpus.js';

const T0 = Date.UTC(2024, 0, 1);
const SEC = 1000;

class Cluster {
  sets: ObservedReplicaSet[] = [];
  services: Record<string, string> = {};
  /** AnalysisRuns by name, with their phase. */
  runs: Record<string, StepAnalysis & { role: string }> = {};
  last!: BlueGreenDecision;

  constructor(
    public rollout: BlueGreenRollout,
    public hash = 'v1',
  ) {}

  private get spec(): BlueGreenSpec {
    return this.rollout.spec.strategy.blueGreen!;
  }

  private run(role: string): StepAnalysis | undefined {
    const wanted = this.last?.analysisRuns.find((r) => r.role === role);
    const run = wanted && this.runs[wanted.name];
    return run && { phase: run.phase, ...(run.message ? { message: run.message } : {}) };
  }

  observe(now: number): BlueGreenDecision {
    const pre = this.run('prePromotion');
    const post = this.run('postPromotion');
    const active = this.services[this.spec.activeService];
    const preview = this.spec.previewService && this.services[this.spec.previewService];
    const decision = decideBlueGreen({
      rollout: this.rollout,
      templateHash: this.hash,
      replicaSets: this.sets.map((rs) => ({ ...rs })),
      now,
      activeService: active ? { selectorHash: active } : {},
      ...(this.spec.previewService
        ? { previewService: preview ? { selectorHash: preview } : {} }
        : {}),
      ...(pre ? { prePromotionAnalysis: pre } : {}),
      ...(post ? { postPromotionAnalysis: post } : {}),
    });
    if (decision.create) {
      const { name, hash, replicas, revision } = decision.create;
      this.sets.push({ name, podTemplateHash: hash, replicas, availableReplicas: 0, revision });
    }
    for (const { rs, replicas } of decision.scale) {
      const set = this.sets.find((s) => s.name === rs)!;
      set.replicas = replicas;
      set.availableReplicas = Math.min(set.availableReplicas, replicas);
    }
    for (const { rs, at } of decision.scaleDownDeadlines ?? []) {
      this.sets.find((s) => s.name === rs)!.scaleDownDeadline = at;
    }
    for (const rs of decision.removeScaleDownDeadlines ?? []) {
      delete this.sets.find((s) => s.name === rs)!.scaleDownDeadline;
    }
    for (const { service, hash } of decision.serviceSelectors) this.services[service] = hash;
    for (const request of decision.analysisRuns) {
      this.runs[request.name] ??= { role: request.role, phase: 'Running' };
    }
    this.rollout = { ...this.rollout, status: decision.status };
    this.last = decision;
    return decision;
  }

  /** Pods come up, then observe until nothing changes. */
  settle(now: number): BlueGreenDecision {
    for (let i = 0; i < 20; i++) {
      this.ready();
      const before = JSON.stringify([this.rollout.status, this.sets, this.services]);
      const decision = this.observe(now);
      if (JSON.stringify([this.rollout.status, this.sets, this.services]) === before) {
        return decision;
      }
    }
    throw new Error('the rollout never settled');
  }

  ready(): void {
    for (const rs of this.sets) rs.availableReplicas = rs.replicas;
  }

  finishRun(role: string, phase: AnalysisPhase, message?: string): void {
    const request = this.last.analysisRuns.find((r) => r.role === role);
    if (!request) throw new Error(`no ${role} run is wanted`);
    this.runs[request.name] = { role, phase, ...(message ? { message } : {}) };
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.sets.map((rs) => [rs.podTemplateHash, rs.replicas]));
  }

  get status() {
    return this.rollout.status!;
  }
}

function blueGreenRollout(replicas: number, spec: Partial<BlueGreenSpec> = {}): BlueGreenRollout {
  return {
    metadata: { name: 'foo' },
    spec: {
      replicas,
      strategy: { blueGreen: { activeService: 'active', previewService: 'preview', ...spec } },
    },
  };
}

function seedApiService(): BlueGreenRollout {
  const text = readFileSync(join(corpusRoot, 'seeds', 'rollout.yaml'), 'utf8');
  const doc = parseAllDocuments(text)[1]!.toJS() as {
    metadata: { name: string };
    spec: { replicas: number; strategy: { blueGreen: BlueGreenSpec } };
  };
  return {
    metadata: { name: doc.metadata.name },
    spec: { replicas: doc.spec.replicas, strategy: { blueGreen: doc.spec.strategy.blueGreen } },
  };
}

/** A cluster where v1 is the promoted stable behind both Services and v2 was just applied. */
function updated(rollout: BlueGreenRollout): Cluster {
  const cluster = new Cluster(rollout, 'v1');
  cluster.settle(T0);
  cluster.hash = 'v2';
  return cluster;
}

// ---------------------------------------------------------------------------------------------

describe('the seed api-service rollout (5 replicas, previewReplicaCount 1, manual promotion, pre and post analysis)', () => {
  const cluster = new Cluster(seedApiService(), 'v1');

  it('the first revision goes straight to full scale and becomes stable and active', () => {
    const d = cluster.settle(T0);
    expect(cluster.counts()).toEqual({ v1: 5 });
    expect(cluster.services).toEqual({ 'api-service-active': 'v1', 'api-service-preview': 'v1' });
    expect(d.status).toMatchObject({ stableRS: 'v1', phase: 'Healthy' });
    expect(d.analysisRuns).toEqual([]);
  });

  it('a new template creates the preview ReplicaSet with 1 replica behind the preview Service', () => {
    cluster.hash = 'v2';
    const d = cluster.observe(T0 + SEC);
    expect(d.create).toEqual({ name: 'api-service-v2', hash: 'v2', replicas: 1, revision: 2 });
    expect(d.serviceSelectors).toEqual([{ service: 'api-service-preview', hash: 'v2' }]);
    expect(d.status.blueGreen).toMatchObject({ activeSelector: 'v1', previewSelector: 'v2' });
    expect(d.analysisRuns).toEqual([]);
  });

  it('once the preview pod is available the PrePromotion analysis is requested, with its args', () => {
    cluster.ready();
    const d = cluster.observe(T0 + 2 * SEC);
    expect(d.analysisRuns).toEqual([
      {
        role: 'prePromotion',
        name: 'api-service-v2-2-pre',
        templates: [{ templateName: 'smoke-test' }],
        args: [{ name: 'service-name', value: 'api-service-preview' }],
      },
    ]);
    expect(d.status.pauseConditions).toBeUndefined();
    expect(cluster.counts()).toEqual({ v1: 5, v2: 1 });
  });

  it('while it runs nothing moves; when it succeeds the rollout pauses awaiting promotion', () => {
    expect(cluster.observe(T0 + 3 * SEC).status.pauseConditions).toBeUndefined();
    cluster.finishRun('prePromotion', 'Successful');
    const d = cluster.settle(T0 + 4 * SEC);
    expect(d.status.pauseConditions).toEqual([
      { reason: 'BlueGreenPause', startTime: T0 + 4 * SEC },
    ]);
    expect([d.status.phase, d.status.message]).toEqual(['Paused', 'BlueGreenPause']);
    // autoPromotionSeconds does nothing with auto-promotion off: no wake-up, still paused later.
    expect(d.wakeAt).toBeUndefined();
    expect(cluster.settle(T0 + 700 * SEC).status.phase).toBe('Paused');
    expect(cluster.services['api-service-active']).toBe('v1');
  });

  it('promote scales the preview to 5, then switches the active Service and requests post analysis', () => {
    cluster.rollout = { ...cluster.rollout, status: promoteBlueGreen(cluster.status) };
    const scaled = cluster.observe(T0 + 800 * SEC);
    expect(scaled.status.blueGreen?.scaleUpPreviewCheckPoint).toBe(true);
    cluster.observe(T0 + 800 * SEC);
    expect(cluster.counts()).toEqual({ v1: 5, v2: 5 });
    cluster.ready();
    const switched = cluster.observe(T0 + 800 * SEC);
    expect(switched.serviceSelectors).toEqual([{ service: 'api-service-active', hash: 'v2' }]);
    expect(switched.status.stableRS).toBe('v1');
    const post = cluster.observe(T0 + 801 * SEC);
    expect(post.analysisRuns.map((r) => [r.role, r.name])).toEqual([
      ['postPromotion', 'api-service-v2-2-post'],
    ]);
    expect([post.status.phase, post.status.message]).toEqual([
      'Progressing',
      'waiting for analysis to complete',
    ]);
  });

  it('when post analysis succeeds v2 becomes stable and v1 scales to 0 30 s later', () => {
    cluster.finishRun('postPromotion', 'Successful');
    const promoted = cluster.observe(T0 + 810 * SEC);
    expect(promoted.status.stableRS).toBe('v2');
    const delayed = cluster.observe(T0 + 811 * SEC);
    expect(delayed.scaleDownDeadlines).toEqual([{ rs: 'api-service-v1', at: T0 + 841 * SEC }]);
    expect(delayed.wakeAt).toBe(T0 + 841 * SEC);
    expect(cluster.settle(T0 + 840 * SEC).status.phase).toBe('Healthy');
    expect(cluster.counts()).toEqual({ v1: 5, v2: 5 });
    cluster.settle(T0 + 841 * SEC);
    expect(cluster.counts()).toEqual({ v1: 0, v2: 5 });
    expect(cluster.status.phase).toBe('Healthy');
  });
});

describe('promotion', () => {
  it('with auto-promotion (the default) and no analysis the update goes through without pausing', () => {
    const cluster = updated(blueGreenRollout(3));
    const d = cluster.settle(T0);
    expect(d.status.pauseConditions).toBeUndefined();
    expect(cluster.services).toEqual({ active: 'v2', preview: 'v2' });
    expect(d.status.stableRS).toBe('v2');
    expect(cluster.counts()).toEqual({ v1: 3, v2: 3 });
    expect(d.wakeAt).toBe(T0 + 30 * SEC);
  });

  it('autoPromotionSeconds pauses, wakes at the deadline and promotes by itself (TestBlueGreenHandlePauseAutoPromoteWithConditions)', () => {
    const cluster = updated(blueGreenRollout(2, { autoPromotionSeconds: 10 }));
    const d = cluster.settle(T0);
    expect(d.status.pauseConditions).toEqual([{ reason: 'BlueGreenPause', startTime: T0 }]);
    expect(d.wakeAt).toBe(T0 + 10 * SEC);
    expect(cluster.settle(T0 + 9 * SEC).status.pauseConditions).toHaveLength(1);
    const after = cluster.settle(T0 + 10 * SEC);
    expect(after.status.pauseConditions).toBeUndefined();
    expect(cluster.services['active']).toBe('v2');
    expect(after.status.stableRS).toBe('v2');
  });

  it('promote full skips the pause and the preview count', () => {
    const cluster = updated(
      blueGreenRollout(4, { autoPromotionEnabled: false, previewReplicaCount: 1 }),
    );
    cluster.settle(T0);
    expect(cluster.status.pauseConditions).toHaveLength(1);
    cluster.rollout = { ...cluster.rollout, status: promoteBlueGreen(cluster.status, true) };
    const d = cluster.settle(T0 + SEC);
    expect(cluster.counts()).toEqual({ v1: 4, v2: 4 });
    expect(d.status).toMatchObject({ stableRS: 'v2', promoteFull: false });
    expect(d.status.pauseConditions).toBeUndefined();
  });
});

describe('abort and failed analysis', () => {
  it('abort after the switch points the active Service back at the stable (TestBlueGreenAbort) and scales the preview down 30 s later', () => {
    const cluster = updated(
      blueGreenRollout(2, { postPromotionAnalysis: { templates: [{ templateName: 'rate' }] } }),
    );
    cluster.settle(T0);
    expect(cluster.services['active']).toBe('v2');
    expect(cluster.status.stableRS).toBe('v1');
    cluster.rollout = { ...cluster.rollout, status: { ...cluster.status, abort: true } };
    const d = cluster.observe(T0 + SEC);
    expect(d.serviceSelectors).toEqual([{ service: 'active', hash: 'v1' }]);
    expect([d.status.phase, d.status.message]).toEqual([
      'Degraded',
      'RolloutAborted: Rollout aborted update to revision 2',
    ]);
    expect(d.analysisRuns).toEqual([]);
    expect(d.scaleDownDeadlines).toEqual([{ rs: 'foo-v2', at: T0 + 31 * SEC }]);
    expect(d.wakeAt).toBe(T0 + 31 * SEC);
    cluster.settle(T0 + 30 * SEC);
    expect(cluster.counts()).toEqual({ v1: 2, v2: 2 });
    cluster.settle(T0 + 31 * SEC);
    expect(cluster.counts()).toEqual({ v1: 2, v2: 0 });
    expect(cluster.services).toEqual({ active: 'v1', preview: 'v2' });
    expect(cluster.status.phase).toBe('Degraded');
  });

  it('abortScaleDownDelaySeconds: 0 leaves the preview up', () => {
    const cluster = updated(
      blueGreenRollout(2, { autoPromotionEnabled: false, abortScaleDownDelaySeconds: 0 }),
    );
    cluster.settle(T0);
    cluster.rollout = { ...cluster.rollout, status: { ...cluster.status, abort: true } };
    cluster.settle(T0 + 100 * SEC);
    expect(cluster.counts()).toEqual({ v1: 2, v2: 2 });
  });

  it("a failed pre-promotion analysis aborts with Argo's message and never switches", () => {
    const cluster = updated(
      blueGreenRollout(2, { prePromotionAnalysis: { templates: [{ templateName: 'smoke' }] } }),
    );
    cluster.settle(T0);
    expect(cluster.last.analysisRuns.map((r) => r.name)).toEqual(['foo-v2-2-pre']);
    cluster.finishRun('prePromotion', 'Failed', 'metric "smoke" assessed Failed');
    const d = cluster.observe(T0 + SEC);
    expect(d.status.abort).toBe(true);
    expect(d.status.message).toBe(
      'RolloutAborted: Rollout aborted update to revision 2: Blue/green pre-promotion analysis phase error/failed: metric "smoke" assessed Failed',
    );
    // The abort is seen by the next observation, which starts the preview's 30 s delay.
    expect(cluster.settle(T0 + 60 * SEC).wakeAt).toBe(T0 + 90 * SEC);
    cluster.settle(T0 + 90 * SEC);
    expect(cluster.services['active']).toBe('v1');
    expect(cluster.counts()).toEqual({ v1: 2, v2: 0 });
  });

  it('a failed post-promotion analysis aborts back to the stable', () => {
    const cluster = updated(
      blueGreenRollout(2, { postPromotionAnalysis: { templates: [{ templateName: 'rate' }] } }),
    );
    cluster.settle(T0);
    cluster.finishRun('postPromotion', 'Error');
    const d = cluster.observe(T0 + SEC);
    expect(d.status.message).toBe(
      'RolloutAborted: Rollout aborted update to revision 2: Blue/green post-promotion analysis phase error/failed',
    );
    cluster.observe(T0 + 2 * SEC);
    expect(cluster.services['active']).toBe('v1');
  });

  it('an inconclusive pre-promotion analysis pauses with InconclusiveAnalysis', () => {
    const cluster = updated(
      blueGreenRollout(2, { prePromotionAnalysis: { templates: [{ templateName: 'smoke' }] } }),
    );
    cluster.settle(T0);
    cluster.finishRun('prePromotion', 'Inconclusive');
    const d = cluster.observe(T0 + SEC);
    expect(d.status.pauseConditions).toEqual([
      { reason: 'InconclusiveAnalysis', startTime: T0 + SEC },
    ]);
    expect(d.status.phase).toBe('Paused');
  });
});

describe('old ReplicaSets', () => {
  it('scaleDownDelayRevisionLimit keeps only the newest old ReplicaSets up (TestBlueGreenScaleDownLimit)', () => {
    const cluster = new Cluster(blueGreenRollout(1, { scaleDownDelayRevisionLimit: 1 }), 'v1');
    cluster.settle(T0);
    cluster.hash = 'v2';
    cluster.settle(T0 + SEC);
    cluster.hash = 'v3';
    const d = cluster.settle(T0 + 2 * SEC);
    // v2 (the newest old one) waits out its delay; v1 is past the limit and goes at once.
    expect(cluster.counts()).toEqual({ v1: 0, v2: 1, v3: 1 });
    expect(d.wakeAt).toBe(T0 + 32 * SEC);
    cluster.settle(T0 + 32 * SEC);
    expect(cluster.counts()).toEqual({ v1: 0, v2: 0, v3: 1 });
  });

  it('without a previewReplicaCount the preview starts at spec.replicas', () => {
    const cluster = updated(blueGreenRollout(3, { autoPromotionEnabled: false }));
    expect(cluster.observe(T0).create?.replicas).toBe(3);
  });

  it('a first revision with no preview Service is healthy once active', () => {
    const cluster = new Cluster(
      {
        metadata: { name: 'foo' },
        spec: { replicas: 2, strategy: { blueGreen: { activeService: 'active' } } },
      },
      'v1',
    );
    const first = cluster.observe(T0);
    expect(first.create).toEqual({ name: 'foo-v1', hash: 'v1', replicas: 2, revision: 1 });
    expect(first.status.stableRS).toBe('v1');
    expect(first.status.phase).toBe('Progressing');
    const d = cluster.settle(T0);
    expect(cluster.services).toEqual({ active: 'v1' });
    expect(d.status.phase).toBe('Healthy');
    expect(d.status.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
  });
});
