import { describe, expect, it } from 'vitest';
import type { EffectRequest, Json } from '../../shared/core/types.js';
import type { KubeObject } from '../../shared/core/objects.js';
import type { AnalysisRunState, MeasureInput } from '../../shared/rollouts/analysis-run.js';
import {
  ANALYSIS_OWNER_ANNOTATION,
  ANALYSIS_ROLE_ANNOTATION,
  analysisRunStatus,
  initialAnalysisRunState,
  reduceAnalysisRun,
} from '../../shared/rollouts/analysis-run.js';

const KEY = 'in-cluster/AnalysisRun/production/web-app-abc-2';
const OWNER = 'in-cluster/Rollout/production/web-app';
const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);

function run(spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisRun',
    metadata: {
      name: 'web-app-abc-2',
      namespace: 'production',
      annotations: { [ANALYSIS_OWNER_ANNOTATION]: OWNER, [ANALYSIS_ROLE_ANNOTATION]: 'background' },
    },
    spec: spec as Json,
  };
}

const successRate = {
  name: 'success-rate',
  interval: '1m',
  count: 3,
  successCondition: 'result[0] >= 0.99',
  failureLimit: 1,
  provider: { prometheus: { address: 'http://prometheus.monitoring:9090', query: 'q' } },
};

/** Drives the reducer like the runner: each event folded into state, effects collected. */
class Harness {
  state: AnalysisRunState;
  effects: EffectRequest[] = [];
  constructor(spec: Record<string, unknown>) {
    this.state = initialAnalysisRunState(KEY, run(spec));
    this.send({ type: 'xstate.init', at: T0 });
  }
  send(event: { type: string; at: number; [k: string]: unknown }): EffectRequest[] {
    const out: EffectRequest[] = [];
    reduceAnalysisRun(this.state, event, out);
    this.effects.push(...out);
    return out;
  }
  measures(out: EffectRequest[]): MeasureInput[] {
    return out
      .filter((e) => e.kind === 'analysis.measure')
      .map((e) => e.input as unknown as MeasureInput);
  }
  timers(out: EffectRequest[]) {
    return out
      .filter((e) => e.kind === 'timer.set')
      .map((e) => e.input as { timerId: string; generation: number; fireAt: number });
  }
  reports(out: EffectRequest[]) {
    return out
      .filter((e) => e.kind === 'message.send')
      .map(
        (e) => e.input as { key: string; event: { type: string; phase: string; message: string } },
      );
  }
  /** Answers the in-flight measurement of `metric` with a provider outcome. */
  answer(metric: string, at: number, outcome: Record<string, unknown>): EffectRequest[] {
    const tag = this.state.measuring[metric];
    expect(tag, `a measurement of ${metric} in flight`).toBeDefined();
    return this.send({ type: 'EffectSucceeded', at, result: { tag, ...outcome } as Json });
  }
}

describe('AnalysisRun reducer', () => {
  it('measures at once, then every interval, and succeeds after count successes', () => {
    const h = new Harness({ metrics: [successRate] });
    const first = h.measures(h.effects);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      action: 'run',
      measurementId: 'success-rate-1',
      namespace: 'production',
    });
    expect(h.state.status.phase).toBe('Running');

    let t = T0 + 200;
    for (let i = 1; i <= 3; i++) {
      const out = h.answer('success-rate', t, {
        phase: 'Successful',
        value: '[0.995]',
        result: [0.995],
      });
      if (i < 3) {
        const [timer] = h.timers(out);
        expect(timer).toMatchObject({ timerId: 'm:success-rate', fireAt: t + 60_000 });
        const next = h.send({
          type: 'TimerFired',
          at: timer!.fireAt,
          timerId: timer!.timerId,
          generation: timer!.generation,
        });
        expect(h.measures(next)).toHaveLength(1);
        t = timer!.fireAt + 100;
      } else {
        expect(h.timers(out)).toHaveLength(0);
        expect(h.reports(out)).toEqual([
          {
            key: OWNER,
            event: {
              type: 'AnalysisRunUpdated',
              name: 'web-app-abc-2',
              role: 'background',
              phase: 'Successful',
              message: '',
            },
          },
        ]);
      }
    }
    expect(h.state.status.phase).toBe('Successful');
    const result = h.state.status.metricResults[0]!;
    expect(result).toMatchObject({
      name: 'success-rate',
      phase: 'Successful',
      count: 3,
      successful: 3,
    });
    expect(result.measurements).toHaveLength(3);
  });

  it('fails once failures exceed failureLimit and says why', () => {
    const h = new Harness({ metrics: [successRate] });
    h.answer('success-rate', T0 + 100, { phase: 'Successful', value: '[0.5]', result: [0.5] });
    const [timer] = h.timers(h.effects);
    h.send({
      type: 'TimerFired',
      at: timer!.fireAt,
      timerId: 'm:success-rate',
      generation: timer!.generation,
    });
    const out = h.answer('success-rate', timer!.fireAt + 100, {
      phase: 'Successful',
      value: '[0.4]',
      result: [0.4],
    });
    expect(h.state.status.phase).toBe('Failed');
    expect(h.state.status.message).toBe(
      'Metric "success-rate" assessed Failed due to failed (2) > failureLimit (1)',
    );
    expect(h.reports(out)[0]!.event).toMatchObject({ phase: 'Failed' });
    // Nothing more is measured once the run is over.
    expect(h.measures(out)).toHaveLength(0);
  });

  it('retries a provider error after 10 s and ends in Error past consecutiveErrorLimit', () => {
    const h = new Harness({ metrics: [{ ...successRate, consecutiveErrorLimit: 1 }] });
    let t = T0 + 100;
    h.answer('success-rate', t, { phase: 'Error', message: 'connection refused' });
    const [timer] = h.timers(h.effects);
    expect(timer!.fireAt).toBe(t + 10_000);
    h.send({
      type: 'TimerFired',
      at: timer!.fireAt,
      timerId: 'm:success-rate',
      generation: timer!.generation,
    });
    t = timer!.fireAt + 100;
    // An effect that failed outright counts as a provider error too.
    h.send({
      type: 'EffectFailed',
      at: t,
      reason: 'no route to host',
      tag: h.state.measuring['success-rate']!,
    });
    expect(h.state.status.phase).toBe('Error');
    expect(h.state.status.message).toContain('consecutiveErrors (2) > consecutiveErrorLimit (1)');
    expect(h.state.status.metricResults[0]!.measurements!.at(-1)!.message).toBe('no route to host');
  });

  it('keeps an in-flight (job) measurement and resumes it when due', () => {
    const h = new Harness({ metrics: [{ name: 'smoke-test', count: 1, provider: { job: {} } }] });
    const out = h.answer('smoke-test', T0 + 100, {
      phase: 'Running',
      metadata: { 'job-name': 'x' },
      resumeAfterMs: 5_000,
    });
    const [timer] = h.timers(out);
    expect(timer!.fireAt).toBe(T0 + 5_100);
    const resumed = h.measures(
      h.send({
        type: 'TimerFired',
        at: timer!.fireAt,
        timerId: 'm:smoke-test',
        generation: timer!.generation,
      }),
    );
    expect(resumed[0]).toMatchObject({
      action: 'resume',
      inFlight: { phase: 'Running', metadata: { 'job-name': 'x' } },
    });
    h.answer('smoke-test', T0 + 6_000, { phase: 'Successful', metadata: { 'job-name': 'x' } });
    expect(h.state.status.phase).toBe('Successful');
    // The resumed measurement replaced the in-flight one.
    expect(h.state.status.metricResults[0]!.measurements).toHaveLength(1);
  });

  it('a terminated run stops measuring and ends Successful (Run Terminated)', () => {
    const h = new Harness({ metrics: [successRate] });
    h.answer('success-rate', T0 + 100, { phase: 'Successful', value: '[1]', result: [1] });
    h.send({
      type: 'ObjectApplied',
      at: T0 + 1_000,
      object: run({ metrics: [successRate], terminate: true }),
    });
    expect(h.state.status.phase).toBe('Successful');
    expect(h.state.status.message).toBe('Run Terminated');
  });

  it('drops a late duplicate or a stale result', () => {
    const h = new Harness({ metrics: [successRate] });
    const tag = h.state.measuring['success-rate']!;
    h.answer('success-rate', T0 + 100, { phase: 'Successful', value: '[1]', result: [1] });
    h.send({
      type: 'EffectSucceeded',
      at: T0 + 200,
      result: { tag, phase: 'Successful', value: '[0]', result: [0] },
    });
    expect(h.state.status.metricResults[0]).toMatchObject({ count: 1, successful: 1 });
  });

  it('dry-run metrics never decide the run', () => {
    const h = new Harness({
      metrics: [{ ...successRate, count: 1, interval: undefined }],
      dryRun: [{ metricName: 'success-rate' }],
    });
    h.answer('success-rate', T0 + 100, { phase: 'Successful', value: '[0.1]', result: [0.1] });
    h.send({
      type: 'ObjectApplied',
      at: T0 + 200,
      object: run({ metrics: [successRate], terminate: true }),
    });
    expect(h.state.status.phase).toBe('Successful');
    expect(h.state.status.dryRunSummary).toMatchObject({ count: 1 });
  });

  it('shows status with RFC 3339 times', () => {
    const h = new Harness({ metrics: [successRate] });
    h.answer('success-rate', T0 + 100, { phase: 'Successful', value: '[1]', result: [1] });
    const status = analysisRunStatus(h.state) as {
      startedAt: string;
      metricResults: { measurements: { finishedAt: string }[] }[];
    };
    expect(status.startedAt).toBe('2026-11-30T12:00:00.000Z');
    expect(status.metricResults[0]!.measurements[0]!.finishedAt).toBe('2026-11-30T12:00:00.100Z');
  });
});
