/**
 * The AnalysisRun as a pure reducer (Argo Rollouts' analysis/analysis.go reconcile): it measures
 * each metric when due (one `analysis.measure` effect per measurement, run by a provider in an
 * effect worker), records every measurement as it comes back (so each one is an event in the
 * log), assesses the metrics and the run with analysis.ts, and tells its owner (a Rollout) when
 * the run's phase changes. Time comes only from event timestamps; waits are timers.
 */
import type { EffectRequest, Json, ResourceKey } from '../core/types.js';
import { parseKey } from '../core/types.js';
import type { KubeObject } from '../core/objects.js';
import { CoreEffects } from '../core/effects.js';
import type { AnalysisPhase, Measurement, Metric, MetricResult, RunSummary } from './analysis.js';
import {
  assessRun,
  evaluateMeasurement,
  isCompleted,
  isTerminating,
  nextMeasurementAt,
  recordMeasurement,
} from './analysis.js';

export const AnalysisEffects = {
  /** input: MeasureInput -> MeasureResult. */
  Measure: 'analysis.measure',
} as const;

/** Who created the run and what for: read from these annotations when the run is created. */
export const ANALYSIS_OWNER_ANNOTATION = 'rollouts.argo-serverless.dev/owner';
export const ANALYSIS_ROLE_ANNOTATION = 'rollouts.argo-serverless.dev/analysis-role';

/** Argo keeps the last 10 measurements of a metric unless measurementRetention says otherwise. */
export const DEFAULT_MEASUREMENT_RETENTION = 10;

export interface AnalysisArg {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
    podTemplateHashValue?: string;
  };
}

export interface AnalysisRunSpec {
  metrics: Metric[];
  args?: AnalysisArg[];
  dryRun?: { metricName: string }[];
  measurementRetention?: { metricName: string; limit: number }[];
  terminate?: boolean;
}

export interface AnalysisRunStatus {
  phase: AnalysisPhase;
  message?: string;
  /** Epoch ms. */
  startedAt?: number;
  completedAt?: number;
  metricResults: MetricResult[];
  runSummary?: RunSummary;
  dryRunSummary?: RunSummary;
}

/** What the measure effect is asked to do for one metric. */
export interface MeasureInput {
  tag: string;
  cluster: string;
  namespace: string;
  run: { name: string; uid: string };
  metric: Metric;
  args: AnalysisArg[];
  /** Deterministic: providers name what they create after it (a Job). */
  measurementId: string;
  action: 'run' | 'resume' | 'terminate';
  inFlight?: Measurement;
}

/** What a provider saw (providers/provider.ts MeasureOutcome, carried back as the effect result). */
export interface MeasureResult {
  tag: string;
  /** Failed and Inconclusive: the provider decided (a Job), no condition is evaluated. */
  phase: 'Running' | 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
  value?: string;
  result?: Json;
  message?: string;
  metadata?: Record<string, string>;
  resumeAfterMs?: number;
}

export interface AnalysisRunState {
  key: ResourceKey;
  cluster: string;
  namespace: string;
  name: string;
  uid: string;
  spec: AnalysisRunSpec;
  owner?: { key: ResourceKey; role: string };
  status: AnalysisRunStatus;
  /** The measurement each metric has in flight (the effect's tag), if any. */
  measuring: Record<string, string>;
  /** Timer generation per metric: a stale TimerFired is dropped. */
  timers: Record<string, number>;
  /** Measurements started, per metric (names them). */
  started: Record<string, number>;
  /** The phase last reported to the owner. */
  reported?: AnalysisPhase;
}

export type AnalysisRunEvent =
  | { type: 'xstate.init'; at: number }
  | { type: 'ObjectApplied'; at: number; object: KubeObject }
  | { type: 'ObjectDeleting' | 'ObjectDeleted'; at: number }
  | { type: 'EffectSucceeded'; at: number; result: Json }
  | { type: 'EffectFailed'; at: number; reason: string; tag?: Json }
  | { type: 'TimerFired'; at: number; timerId: string; generation: number }
  | { type: string; at: number; [k: string]: unknown };

export function initialAnalysisRunState(key: ResourceKey, object: KubeObject): AnalysisRunState {
  const annotations = (object.metadata.annotations ?? {}) as Record<string, string>;
  const owner = annotations[ANALYSIS_OWNER_ANNOTATION];
  return {
    key,
    cluster: parseKey(key).cluster,
    namespace: object.metadata.namespace ?? 'default',
    name: object.metadata.name,
    uid: String(object.metadata.uid ?? object.metadata.name),
    spec: specOf(object),
    ...(owner ? { owner: { key: owner, role: annotations[ANALYSIS_ROLE_ANNOTATION] ?? '' } } : {}),
    status: { phase: 'Pending', metricResults: [] },
    measuring: {},
    timers: {},
    started: {},
  };
}

function specOf(object: KubeObject): AnalysisRunSpec {
  const spec = structuredClone(object.spec ?? {}) as unknown as Partial<AnalysisRunSpec>;
  return { ...spec, metrics: spec.metrics ?? [] };
}

export function reduceAnalysisRun(
  state: AnalysisRunState,
  event: AnalysisRunEvent,
  effects: EffectRequest[],
): void {
  const at = event.at;
  switch (event.type) {
    case 'xstate.init':
      state.status.startedAt = at;
      state.status.phase = 'Running';
      break;
    case 'ObjectApplied': {
      // Only `terminate` may change once a run exists (Argo: the spec is immutable otherwise).
      const next = specOf((event as { object: KubeObject }).object);
      if (next.terminate && !state.spec.terminate) state.spec.terminate = true;
      break;
    }
    case 'ObjectDeleting':
    case 'ObjectDeleted':
      state.spec.terminate = true;
      break;
    case 'EffectSucceeded': {
      const result = (event as { result: Json }).result as unknown as MeasureResult | null;
      if (!result || typeof result.tag !== 'string') return;
      measured(state, result, at);
      break;
    }
    case 'EffectFailed': {
      const e = event as { reason: string; tag?: Json };
      if (typeof e.tag !== 'string') return;
      measured(state, { tag: e.tag, phase: 'Error', message: e.reason }, at);
      break;
    }
    case 'TimerFired': {
      const e = event as { timerId: string; generation: number };
      const metric = e.timerId.startsWith('m:') ? e.timerId.slice(2) : undefined;
      if (metric === undefined || state.timers[metric] !== e.generation) return;
      break;
    }
    default:
      return;
  }
  advance(state, at, effects);
}

/** A measurement came back: evaluated against the metric's conditions and recorded. */
function measured(state: AnalysisRunState, result: MeasureResult, at: number): void {
  const [metricName] = splitTag(result.tag);
  if (state.measuring[metricName] !== result.tag) return;
  delete state.measuring[metricName];
  const metric = state.spec.metrics.find((m) => m.name === metricName);
  if (!metric) return;
  const index = resultIndex(state, metricName);
  const previous = state.status.metricResults[index]!;
  const inFlight = previous.measurements?.at(-1);
  const base: Measurement = {
    phase: 'Running',
    startedAt: inFlight && inFlight.finishedAt === undefined ? inFlight.startedAt : at,
    ...(result.value !== undefined ? { value: result.value } : {}),
    ...(result.metadata ? { metadata: result.metadata } : {}),
  };
  let measurement: Measurement;
  if (result.phase === 'Running') {
    measurement = { ...base, resumeAt: at + (result.resumeAfterMs ?? 10_000) };
  } else if (result.phase === 'Error') {
    measurement = { ...base, phase: 'Error', message: result.message ?? 'measurement failed' };
  } else if (result.phase === 'Failed' || result.phase === 'Inconclusive') {
    measurement = {
      ...base,
      phase: result.phase,
      ...(result.message ? { message: result.message } : {}),
    };
  } else {
    const verdict = evaluateMeasurement(metric, decodeFloats(result.result));
    measurement = {
      ...base,
      phase: verdict.phase,
      ...(verdict.message ? { message: verdict.message } : {}),
    };
  }
  const recorded = recordMeasurement(previous, measurement, at);
  const limit = retention(state, metricName);
  if (recorded.measurements && recorded.measurements.length > limit)
    recorded.measurements = recorded.measurements.slice(-limit);
  state.status.metricResults[index] = recorded;
}

/** Assesses the run, then measures what is due now and arms a timer for what is due later. */
function advance(state: AnalysisRunState, at: number, effects: EffectRequest[]): void {
  if (!isCompleted(state.status.phase)) {
    const terminate = state.spec.terminate === true;
    const terminating = isTerminating(state.status.metricResults, terminate);
    for (const metric of state.spec.metrics) {
      if (state.measuring[metric.name]) continue;
      const result = state.status.metricResults.find((r) => r.name === metric.name);
      const last = result?.measurements?.at(-1);
      if (terminating && last && last.finishedAt === undefined) {
        measure(state, metric, at, effects, 'terminate', last);
        continue;
      }
      const due = nextMeasurementAt(metric, last, state.status.startedAt ?? at, {
        count: result?.count ?? 0,
        ...(result?.phase ? { phase: result.phase } : {}),
        terminating,
      });
      if (due === undefined) continue;
      if (due <= at) {
        const resuming = last !== undefined && last.finishedAt === undefined;
        measure(
          state,
          metric,
          at,
          effects,
          resuming ? 'resume' : 'run',
          resuming ? last : undefined,
        );
      } else armMetricTimer(state, metric.name, due, effects);
    }
    assess(state, at);
  }
  report(state, effects);
}

function assess(state: AnalysisRunState, at: number): void {
  const dryRun = dryRunMetrics(state);
  const inFlight = Object.keys(state.measuring).length > 0;
  const run = assessRun(
    state.spec.metrics,
    state.status.metricResults,
    state.spec.terminate,
    dryRun,
  );
  state.status.metricResults = run.metricResults;
  state.status.runSummary = run.runSummary;
  if (dryRun.size) state.status.dryRunSummary = run.dryRunSummary;
  // A run whose provider calls are still out is not over: their results must land first.
  if (isCompleted(run.phase) && !inFlight) {
    state.status.phase = run.phase;
    state.status.completedAt = at;
    if (run.message) state.status.message = run.message;
  } else state.status.phase = 'Running';
}

function measure(
  state: AnalysisRunState,
  metric: Metric,
  at: number,
  effects: EffectRequest[],
  action: MeasureInput['action'],
  inFlight?: Measurement,
): void {
  let n = state.started[metric.name] ?? 0;
  if (action === 'run') state.started[metric.name] = ++n;
  const tag = `${metric.name}#${n}:${action}`;
  state.measuring[metric.name] = tag;
  resultIndex(state, metric.name);
  const input: MeasureInput = {
    tag,
    cluster: state.cluster,
    namespace: state.namespace,
    run: { name: state.name, uid: state.uid },
    metric,
    args: state.spec.args ?? [],
    measurementId: `${metric.name}-${n}`,
    action,
    ...(inFlight ? { inFlight } : {}),
  };
  effects.push({ kind: AnalysisEffects.Measure, input: input as unknown as Json });
  void at;
}

function armMetricTimer(
  state: AnalysisRunState,
  metric: string,
  fireAt: number,
  effects: EffectRequest[],
): void {
  const generation = (state.timers[metric] ?? 0) + 1;
  state.timers[metric] = generation;
  effects.push({
    kind: CoreEffects.SetTimer,
    input: { timerId: `m:${metric}`, generation, fireAt },
  });
}

/** Tells the owner (a Rollout) whenever the run's phase changes. */
function report(state: AnalysisRunState, effects: EffectRequest[]): void {
  if (!state.owner || state.reported === state.status.phase) return;
  state.reported = state.status.phase;
  effects.push({
    kind: CoreEffects.SendMessage,
    input: {
      key: state.owner.key,
      event: {
        type: 'AnalysisRunUpdated',
        name: state.name,
        role: state.owner.role,
        phase: state.status.phase,
        message: state.status.message ?? '',
      },
    },
  });
}

function resultIndex(state: AnalysisRunState, metricName: string): number {
  let index = state.status.metricResults.findIndex((r) => r.name === metricName);
  if (index < 0) {
    const dryRun = dryRunMetrics(state).has(metricName);
    state.status.metricResults.push({
      name: metricName,
      phase: 'Running',
      ...(dryRun ? { dryRun: true } : {}),
    });
    index = state.status.metricResults.length - 1;
  }
  return index;
}

/** spec.dryRun resolved: `*` or a metric name (Argo matches names as regular expressions). */
function dryRunMetrics(state: AnalysisRunState): Set<string> {
  const names = new Set<string>();
  for (const entry of state.spec.dryRun ?? []) {
    for (const metric of state.spec.metrics) {
      if (entry.metricName === '*' || nameMatches(entry.metricName, metric.name))
        names.add(metric.name);
    }
  }
  return names;
}

function retention(state: AnalysisRunState, metricName: string): number {
  const entry = (state.spec.measurementRetention ?? []).find(
    (r) => r.metricName === '*' || nameMatches(r.metricName, metricName),
  );
  return entry && entry.limit > 0 ? entry.limit : DEFAULT_MEASUREMENT_RETENTION;
}

function nameMatches(pattern: string, name: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(name);
  } catch {
    return pattern === name;
  }
}

const splitTag = (tag: string): [string, string] => {
  const hash = tag.lastIndexOf('#');
  return [tag.slice(0, hash), tag.slice(hash + 1)];
};

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The run's `status` in Argo's JSON shape (RFC 3339 times). */
export function analysisRunStatus(state: AnalysisRunState): Json {
  const s = state.status;
  return JSON.parse(
    JSON.stringify({
      phase: s.phase,
      message: s.message,
      startedAt: iso(s.startedAt),
      completedAt: iso(s.completedAt),
      runSummary: s.runSummary,
      dryRunSummary: s.dryRunSummary,
      metricResults: s.metricResults.map((r) => ({
        ...r,
        measurements: r.measurements?.map((m) => ({
          ...m,
          startedAt: iso(m.startedAt),
          finishedAt: iso(m.finishedAt),
          resumeAt: iso(m.resumeAt),
        })),
      })),
    }),
  ) as Json;
}

/**
 * JSON has no NaN or infinities, yet Prometheus returns them and conditions test them
 * (`isNaN(result[0])`): the measuring worker writes them as `{"$float": "NaN" | "+Inf" | "-Inf"}`
 * and the reducer reads them back before evaluating.
 */
export function encodeFloats(value: unknown): Json {
  if (typeof value === 'number' && !Number.isFinite(value))
    return { $float: Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf' };
  if (Array.isArray(value)) return value.map(encodeFloats);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeFloats(v)]));
  return (value ?? null) as Json;
}

export function decodeFloats(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeFloats);
  if (value && typeof value === 'object') {
    const special = (value as { $float?: unknown }).$float;
    if (Object.keys(value).length === 1 && typeof special === 'string')
      return special === 'NaN' ? NaN : special === '+Inf' ? Infinity : -Infinity;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeFloats(v)]));
  }
  return value;
}
