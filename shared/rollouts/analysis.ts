/**
 * An AnalysisRun's decisions as Argo Rollouts makes them: what one measurement's value means
 * (utils/evaluate/evaluate.go), what a metric's measurements add up to, what the run's metrics add
 * up to, and when a metric is measured next (analysis/analysis.go). Pure functions: the provider
 * calls, the clock and the status writes stay with the caller; times are epoch milliseconds.
 *
 * Field names are Argo's JSON names (spec.metrics[], status.metricResults[]), except that
 * timestamps are epoch ms rather than RFC 3339 strings.
 */
import { ExprError, evaluateExpr, parseExpr, type ExprNode } from '../expr/expr-lang.js';
import { goDurationSeconds } from './field-checks.js';
import type { IntOrString } from './types.js';

// ---------------------------------------------------------------------------------------------
// Types

/** v1alpha1.AnalysisPhase. Pending and Running are in progress; the other four are completed. */
export type AnalysisPhase =
  'Pending' | 'Running' | 'Successful' | 'Failed' | 'Error' | 'Inconclusive';

/** The phases a measurement's value can be judged to have. */
export type MeasurementVerdict = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

/** spec.metrics[]: the fields the assessment and the schedule read. */
export interface Metric {
  name: string;
  /** Go duration between measurements; unset means a single measurement. */
  interval?: string;
  /** Go duration to wait after the run starts before the first measurement. */
  initialDelay?: string;
  /** Measurements to take; unset (or 0) means 1 without an interval and forever with one. */
  count?: IntOrString;
  /** expr-lang condition over `result`; true means the measurement succeeded. */
  successCondition?: string;
  /** expr-lang condition over `result`; true means the measurement failed. */
  failureCondition?: string;
  /** Failed measurements tolerated before the metric fails (default 0; -1 turns it off). */
  failureLimit?: IntOrString;
  /** Inconclusive measurements tolerated before the metric is Inconclusive (default 0). */
  inconclusiveLimit?: IntOrString;
  /** Errors in a row tolerated before the metric is Error (default 4). */
  consecutiveErrorLimit?: IntOrString;
  /** Successes in a row that make the metric Successful at once (default 0: off). */
  consecutiveSuccessLimit?: IntOrString;
  /** Which system to query and how; opaque here (the provider is the caller's business). */
  provider?: Record<string, unknown>;
}

/** status.metricResults[].measurements[]. */
export interface Measurement {
  phase: AnalysisPhase;
  /** The provider's result as text, as Argo stores it. */
  value?: string;
  startedAt?: number;
  /** Unset while the measurement is in flight. */
  finishedAt?: number;
  /** When an in-flight measurement is to be resumed (job providers, Kayenta...). */
  resumeAt?: number;
  message?: string;
  metadata?: Record<string, string>;
}

/** The running tallies Argo keeps in each metric result. */
export interface MetricCounts {
  /** Measurements that completed Successful, Failed or Inconclusive (errors do not count). */
  count: number;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
  consecutiveError: number;
  consecutiveSuccess: number;
}

/** status.metricResults[]; the tallies are omitted when 0, as in Argo's JSON. */
export interface MetricResult extends Partial<MetricCounts> {
  name: string;
  phase: AnalysisPhase;
  measurements?: Measurement[];
  message?: string;
  /** Measured in dry-run mode: its outcome is reported but never decides the run. */
  dryRun?: boolean;
  metadata?: Record<string, string>;
}

/** status.runSummary / status.dryRunSummary. */
export interface RunSummary {
  count: number;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
}

// ---------------------------------------------------------------------------------------------
// Phases

const COMPLETED: ReadonlySet<AnalysisPhase> = new Set([
  'Successful',
  'Failed',
  'Error',
  'Inconclusive',
]);

/** AnalysisPhase.Completed. */
export const isCompleted = (phase: AnalysisPhase | undefined): boolean =>
  phase !== undefined && COMPLETED.has(phase);

/** utils/analysis analysisStatusOrder, best to worst. */
const PHASE_ORDER: readonly AnalysisPhase[] = [
  'Successful',
  'Running',
  'Pending',
  'Inconclusive',
  'Error',
  'Failed',
];

/** utils/analysis IsWorse: whether `next` ranks worse than `current` (Failed is the worst). */
export function isWorse(current: AnalysisPhase, next: AnalysisPhase): boolean {
  // Go's loop leaves an unknown phase at index 0, i.e. as good as Successful.
  const rank = (phase: AnalysisPhase) => Math.max(PHASE_ORDER.indexOf(phase), 0);
  return rank(next) > rank(current);
}

// ---------------------------------------------------------------------------------------------
// One measurement: utils/evaluate/evaluate.go

/** An expression Argo could not evaluate; `message` is what Argo's error says. */
export class ConditionError extends Error {
  override name = 'ConditionError';
}

/**
 * evaluate.EvalCondition: runs `condition` with Argo's environment and insists on a boolean.
 * Argo compiles against that environment (expr.Env), so besides the runtime errors an unknown
 * name and a comparison of mismatched types fail before anything runs; we repeat those checks.
 * Throws ConditionError with Argo's message.
 */
export function evaluateCondition(result: unknown, condition: string): boolean {
  const env = conditionEnv(result);
  let output: unknown;
  try {
    const tree = parseExpr(condition);
    checkCondition(tree, env);
    output = evaluateExpr(tree, env);
  } catch (error) {
    // Argo unwraps expr's file.Error to its bare message, without the position.
    if (error instanceof ExprError) throw new ConditionError(error.detail, { cause: error });
    throw error;
  }
  if (typeof output !== 'boolean') {
    throw new ConditionError(`expected bool, but got ${goTypeOf(output, 'int')}`);
  }
  return output;
}

/** The outcome of one measurement's value; `message` explains an Error. */
export interface MeasurementEvaluation {
  phase: MeasurementVerdict;
  message?: string;
}

/**
 * evaluate.EvaluateResult: the phase of a measurement whose provider returned `result`.
 * Both conditions true is Failed (failure wins); neither true is Inconclusive. A missing
 * failureCondition makes "not successful" a failure, a missing successCondition makes "not
 * failed" a success, and with neither every measurement is Successful. An expression that cannot
 * be evaluated makes the measurement Error.
 */
export function evaluateMeasurement(metric: Metric, result: unknown): MeasurementEvaluation {
  const { successCondition, failureCondition } = metric;
  let successful = false;
  let failed = false;
  try {
    // Argo stops at the first condition that errors, trying the success condition first.
    if (successCondition) successful = evaluateCondition(result, successCondition);
  } catch (error) {
    return errorEvaluation(error, 'successCondition', successCondition!, result);
  }
  try {
    if (failureCondition) failed = evaluateCondition(result, failureCondition);
  } catch (error) {
    return errorEvaluation(error, 'failureCondition', failureCondition!, result);
  }
  if (!successCondition && !failureCondition) return { phase: 'Successful' };
  if (!failureCondition) failed = !successful;
  if (!successCondition) successful = !failed;
  if (failed) return { phase: 'Failed' };
  return { phase: successful ? 'Successful' : 'Inconclusive' };
}

function errorEvaluation(
  error: unknown,
  field: string,
  condition: string,
  result: unknown,
): MeasurementEvaluation {
  if (!(error instanceof ConditionError)) throw error;
  return { phase: 'Error', message: evalErrorMessage(error, field, condition, result) };
}

/** evaluate.formatEvalError: an empty result gets a hint instead of expr's own complaint. */
function evalErrorMessage(error: Error, field: string, condition: string, result: unknown): string {
  const prefix = `could not evaluate ${field} "${condition}"`;
  // An empty Prometheus vector is the usual cause, and "index out of range" does not say so.
  if (result === null || result === undefined || (Array.isArray(result) && result.length === 0)) {
    return `${prefix}: metric result is nil or empty: no data returned from the metric provider`;
  }
  return `${prefix}: ${error.message}`;
}

/**
 * evaluate.EvalCondition's environment. isNil and default ignore their argument and look at the
 * whole result, as Argo's do (`isNil(result.x)` is true only when result itself is nil).
 */
function conditionEnv(result: unknown): Record<string, unknown> {
  const value = result ?? null;
  return {
    result: value,
    asInt,
    asFloat,
    isNaN: (f: unknown) => Number.isNaN(float64Argument('isNaN', f)),
    isInf: (f: unknown) => {
      const n = float64Argument('isInf', f);
      return n === Infinity || n === -Infinity;
    },
    isNil: () => value === null,
    default: (_: unknown, fallback: unknown) => (value === null ? fallback : value),
  };
}

/** Go's %T for a JSON-like value; `integral` names whole numbers (int for expr literals). */
function goTypeOf(value: unknown, integral = 'float64'): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'number') return Number.isInteger(value) ? integral : 'float64';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  if (Array.isArray(value)) return '[]interface {}';
  return typeof value === 'object' ? 'map[string]interface {}' : typeof value;
}

/** Go's %v, near enough for the messages below. */
const goValue = (value: unknown): string =>
  value === null || value === undefined
    ? '<nil>'
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

function float64Argument(name: string, value: unknown): number {
  if (typeof value === 'number') return value;
  throw new ConditionError(`cannot use ${goTypeOf(value)} as float64 in argument to ${name}`);
}

const GO_INT = /^[+-]?\d+$/;
const GO_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const GO_FLOAT_WORDS = /^[+-]?(inf|infinity|nan)$/i;

/** evaluate.asInt: numbers are truncated, strings must hold a base-10 integer. */
function asInt(value: unknown): number {
  if (typeof value === 'number') return Math.trunc(value) || 0;
  if (typeof value === 'string') {
    if (!GO_INT.test(value))
      throw new Error(`strconv.ParseInt: parsing "${value}": invalid syntax`);
    const big = BigInt(value);
    if (big > 9223372036854775807n || big < -9223372036854775808n) {
      throw new Error(`strconv.ParseInt: parsing "${value}": value out of range`);
    }
    return Number(big);
  }
  throw new Error(`asInt() not supported on ${goTypeOf(value)} ${goValue(value)}`);
}

/** evaluate.asFloat: strings are read as strconv.ParseFloat reads them (hex floats aside). */
function asFloat(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (GO_FLOAT_WORDS.test(value)) {
      if (/nan/i.test(value)) return NaN;
      return value.startsWith('-') ? -Infinity : Infinity;
    }
    if (!GO_FLOAT.test(value)) {
      throw new Error(`strconv.ParseFloat: parsing "${value}": invalid syntax`);
    }
    const n = Number(value);
    if (!Number.isFinite(n)) {
      throw new Error(`strconv.ParseFloat: parsing "${value}": value out of range`);
    }
    return n;
  }
  throw new Error(`asFloat() not supported on ${goTypeOf(value)} ${goValue(value)}`);
}

// ---------------------------------------------------------------------------------------------
// The compile-time checks expr makes against Argo's environment

/**
 * What expr's checker knows of a value's type. `result` takes the type of the value the provider
 * returned (expr reads types off the env map's values); what comes out of an array or map is
 * unknown (Go's interface{}), and unknown is compatible with everything.
 */
type Nature =
  | { kind: 'unknown' }
  | { kind: 'nil' }
  | { kind: 'bool' | 'number' | 'string' | 'array' | 'map' | 'func'; go: string };

const UNKNOWN: Nature = { kind: 'unknown' };
const BOOL: Nature = { kind: 'bool', go: 'bool' };
const known = (kind: 'bool' | 'number' | 'string' | 'array' | 'map', go: string): Nature => ({
  kind,
  go,
});

/** Return types of Argo's helpers and the builtins whose types matter in a condition. */
const CALL_NATURES: Record<string, Nature> = {
  asInt: known('number', 'int64'),
  asFloat: known('number', 'float64'),
  isNaN: BOOL,
  isInf: BOOL,
  isNil: BOOL,
  len: known('number', 'int'),
  all: BOOL,
  any: BOOL,
  none: BOOL,
  one: BOOL,
};

const LOGICAL = new Set(['and', 'or', '&&', '||']);
const ORDERING = new Set(['<', '>', '<=', '>=']);
const BOOLEAN_OPERATORS = new Set(['in', 'matches', 'contains', 'startsWith', 'endsWith']);

/**
 * The nature of a value: `integral` is the Go type of a whole number, int for an expr literal,
 * float64 for a provider's result (JSON numbers and Prometheus samples are float64s in Go).
 */
function natureOf(value: unknown, integral: string): Nature {
  if (value === null || value === undefined) return { kind: 'nil' };
  if (typeof value === 'function') return { kind: 'func', go: 'func' };
  if (typeof value === 'number') return known('number', goTypeOf(value, integral));
  if (typeof value === 'boolean') return BOOL;
  if (typeof value === 'string') return known('string', 'string');
  if (Array.isArray(value)) return known('array', '[]interface {}');
  // The parser boxes float literals with a whole value (1.0) so they stay floats.
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return known('number', 'float64');
  return known('map', 'map[string]interface {}');
}

const goName = (n: Nature): string => ('go' in n ? n.go : 'unknown');
const isUnknown = (n: Nature): boolean => n.kind === 'unknown';

/** nature.ComparableTo: what `==` accepts. */
function comparable(left: Nature, right: Nature): boolean {
  if (isUnknown(left) || isUnknown(right) || left.kind === 'nil' || right.kind === 'nil') {
    return true;
  }
  if (left.kind === 'number' && right.kind === 'number') return true;
  if (left.kind === 'array' && right.kind === 'array') return true;
  return goName(left) === goName(right);
}

/** `a <op> b` is fine when both have the kind, or one is unknown and the other may have it. */
function compatible(left: Nature, right: Nature, kinds: readonly Nature['kind'][]): boolean {
  const fits = (n: Nature) => kinds.includes(n.kind);
  if (kinds.some((k) => left.kind === k && right.kind === k)) return true;
  return (isUnknown(left) && (isUnknown(right) || fits(right))) || (isUnknown(right) && fits(left));
}

/**
 * The subset of expr's checker that can fail a condition Argo compiles: unknown names (Argo
 * passes no AllowUndefinedVariables) and operators applied to types they never accept. Children
 * are checked first, left to right, so the first error is the one expr reports.
 */
function checkCondition(tree: ExprNode, env: Record<string, unknown>): void {
  const fail = (node: ExprNode, message: string): never => {
    throw new ExprError(message, node.pos, '');
  };
  const visit = (node: ExprNode): Nature => {
    switch (node.kind) {
      case 'literal':
        return natureOf(node.value, 'int');
      case 'identifier':
        if (node.name === '$env') return UNKNOWN;
        if (!Object.hasOwn(env, node.name)) return fail(node, `unknown name ${node.name}`);
        return natureOf(env[node.name], 'float64');
      case 'pointer':
        return UNKNOWN;
      case 'array':
        node.items.forEach(visit);
        return known('array', '[]interface {}');
      case 'map':
        node.entries.forEach(([k, v]) => (visit(k), visit(v)));
        return known('map', 'map[string]interface {}');
      case 'member':
        visit(node.object);
        visit(node.property);
        return UNKNOWN;
      case 'slice':
        for (const part of [node.object, node.from, node.to]) if (part) visit(part);
        return UNKNOWN;
      case 'closure':
        visit(node.body);
        return UNKNOWN;
      case 'call': {
        // A callee name is the evaluator's business (builtins, Argo's helpers): only its args here.
        if (node.callee.kind !== 'identifier') visit(node.callee);
        node.args.forEach(visit);
        const name = node.callee.kind === 'identifier' ? node.callee.name : '';
        return Object.hasOwn(CALL_NATURES, name) ? CALL_NATURES[name]! : UNKNOWN;
      }
      case 'unary': {
        const operand = visit(node.operand);
        if (node.operator === '!' || node.operator === 'not') {
          if (operand.kind === 'bool' || isUnknown(operand)) return BOOL;
        } else if (operand.kind === 'number' || isUnknown(operand)) {
          return operand;
        }
        return fail(
          node,
          `invalid operation: ${node.operator} (mismatched type ${goName(operand)})`,
        );
      }
      case 'binary':
        return visitBinary(node, visit(node.left), visit(node.right));
      case 'conditional': {
        const test = visit(node.test);
        if (test.kind !== 'bool' && !isUnknown(test)) {
          fail(node, `non-bool expression (type ${goName(test)}) used as condition`);
        }
        const [a, b] = [visit(node.consequent), visit(node.alternate)];
        return a.kind === b.kind && goName(a) === goName(b) ? a : UNKNOWN;
      }
    }
  };
  const visitBinary = (
    node: Extract<ExprNode, { kind: 'binary' }>,
    left: Nature,
    right: Nature,
  ): Nature => {
    const op = node.operator;
    const mismatch = () =>
      fail(
        node,
        `invalid operation: ${op} (mismatched types ${goName(left)} and ${goName(right)})`,
      );
    if (op === '==' || op === '!=') return comparable(left, right) ? BOOL : mismatch();
    if (ORDERING.has(op)) return compatible(left, right, ['number', 'string']) ? BOOL : mismatch();
    if (LOGICAL.has(op)) return compatible(left, right, ['bool']) ? BOOL : mismatch();
    if (BOOLEAN_OPERATORS.has(op)) return BOOL;
    // Arithmetic: the evaluator reports misuse; only the type of the outcome matters here.
    if (left.kind === 'number' && right.kind === 'number') {
      const float = op === '/' || op === '**' || op === '^' || goName(left) === 'float64';
      return known('number', float || goName(right) === 'float64' ? 'float64' : goName(left));
    }
    if (op === '+' && left.kind === 'string' && right.kind === 'string') return left;
    return UNKNOWN;
  };
  visit(tree);
}

// ---------------------------------------------------------------------------------------------
// One metric: assessMetricStatus and assessMetricFailureInconclusiveOrError

/** defaults.DefaultConsecutiveErrorLimit. */
export const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;
/** analysis.DefaultErrorRetryInterval: how soon a measurement that errored is retried. */
export const DEFAULT_ERROR_RETRY_INTERVAL_MS = 10_000;

/** intstr's IntValue: a number, or a string read with Atoi, 0 when it does not parse. */
function intValue(value: IntOrString | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return Math.trunc(value);
  return GO_INT.test(value) ? Number(value) : 0;
}

/**
 * Metric.EffectiveCount: the number of measurements after which the metric is done, or
 * undefined when it runs until the run ends. No count (or 0) means 1 without an interval.
 */
export function effectiveCount(metric: Metric): number | undefined {
  const count = intValue(metric.count, 0);
  if (count !== 0) return count;
  return metric.interval ? undefined : 1;
}

/**
 * The tallies runMeasurements keeps, recounted from a measurement history. Argo trims history
 * to the last 10 measurements (measurementRetention) but keeps counting: recounting a trimmed
 * history undercounts, so carry the result's own tallies when there are any.
 */
export function tallyMeasurements(measurements: readonly Measurement[]): MetricCounts {
  return measurements.reduce(addMeasurement, {
    count: 0,
    successful: 0,
    failed: 0,
    inconclusive: 0,
    error: 0,
    consecutiveError: 0,
    consecutiveSuccess: 0,
  });
}

/** runMeasurements' switch on a completed measurement's phase; in-flight ones count nothing. */
function addMeasurement(counts: MetricCounts, measurement: Measurement): MetricCounts {
  const next = { ...counts, consecutiveError: 0, consecutiveSuccess: 0 };
  switch (measurement.phase) {
    case 'Successful':
      next.successful += 1;
      next.consecutiveSuccess = counts.consecutiveSuccess + 1;
      break;
    case 'Failed':
      next.failed += 1;
      break;
    case 'Inconclusive':
      next.inconclusive += 1;
      break;
    case 'Error':
      next.error += 1;
      next.consecutiveError = counts.consecutiveError + 1;
      // An error is retried, not counted: it never brings a metric closer to its count.
      return next;
    default:
      return counts;
  }
  next.count += 1;
  return next;
}

const countsOf = (result: Partial<MetricCounts>): MetricCounts => ({
  count: result.count ?? 0,
  successful: result.successful ?? 0,
  failed: result.failed ?? 0,
  inconclusive: result.inconclusive ?? 0,
  error: result.error ?? 0,
  consecutiveError: result.consecutiveError ?? 0,
  consecutiveSuccess: result.consecutiveSuccess ?? 0,
});

/**
 * runMeasurements' bookkeeping for one measurement a provider returned: it replaces the result's
 * in-flight measurement if there is one (a resume or terminate), else it is appended; a
 * completed one updates the tallies and, like Argo, gets `now` as finishedAt if it has none.
 */
export function recordMeasurement(
  result: MetricResult,
  measurement: Measurement,
  now: number,
): MetricResult {
  const measurements = [...(result.measurements ?? [])];
  const last = measurements.at(-1);
  const completed = isCompleted(measurement.phase);
  const recorded =
    completed && measurement.finishedAt === undefined
      ? { ...measurement, finishedAt: now }
      : measurement;
  if (last && last.finishedAt === undefined) measurements[measurements.length - 1] = recorded;
  else measurements.push(recorded);
  const counts = completed ? addMeasurement(countsOf(result), recorded) : countsOf(result);
  return { ...result, ...counts, measurements };
}

/** A metric's phase and, when a limit decided it, why. */
export interface MetricAssessment {
  phase: AnalysisPhase;
  message?: string;
}

/**
 * assessMetricFailureInconclusiveOrError: the limit a metric's tallies broke, if any. When
 * several are broken the last check wins: errors over inconclusives over failures.
 */
export function metricLimitBreach(
  metric: Metric,
  counts: Partial<MetricCounts>,
): MetricAssessment | undefined {
  const { failed, inconclusive, consecutiveError } = countsOf(counts);
  let breach: MetricAssessment | undefined;
  const failureLimit = intValue(metric.failureLimit, 0);
  // failureLimit -1 leaves the verdict to consecutiveSuccessLimit.
  if (failureLimit >= 0 && failed > failureLimit) {
    breach = { phase: 'Failed', message: `failed (${failed}) > failureLimit (${failureLimit})` };
  }
  const inconclusiveLimit = intValue(metric.inconclusiveLimit, 0);
  if (inconclusive > inconclusiveLimit) {
    breach = {
      phase: 'Inconclusive',
      message: `inconclusive (${inconclusive}) > inconclusiveLimit (${inconclusiveLimit})`,
    };
  }
  const errorLimit = intValue(metric.consecutiveErrorLimit, DEFAULT_CONSECUTIVE_ERROR_LIMIT);
  if (consecutiveError > errorLimit) {
    breach = {
      phase: 'Error',
      message: `consecutiveErrors (${consecutiveError}) > consecutiveErrorLimit (${errorLimit})`,
    };
  }
  return breach;
}

export interface AssessMetricOptions {
  /** The run is stopping (see isTerminating): a metric with nothing in flight is done. */
  terminating?: boolean;
  /** The result's phase so far: once completed, it is final. */
  phase?: AnalysisPhase;
  /** The result's tallies; recounted from the measurements when absent. */
  counts?: Partial<MetricCounts>;
}

/**
 * assessMetricStatus: a metric's phase from its measurements. Pending until measured, Running
 * while a measurement is in flight or more are due; then a broken limit (failureLimit and
 * inconclusiveLimit default to 0, consecutiveErrorLimit to 4), consecutiveSuccessLimit reached,
 * or the count reached decide. A terminating run ends a metric that has nothing in flight as
 * Successful unless a limit was broken. Dry-run metrics are assessed like any other: it is the
 * run (assessRun) that ignores their outcome.
 */
export function assessMetric(
  metric: Metric,
  measurements: readonly Measurement[],
  options: AssessMetricOptions = {},
): MetricAssessment {
  const { terminating = false } = options;
  if (options.phase && isCompleted(options.phase)) return { phase: options.phase };
  const last = measurements.at(-1);
  // Told to stop before measuring anything: nothing went wrong, so the metric passes.
  if (!last) return { phase: terminating ? 'Successful' : 'Pending' };
  // An in-flight measurement is resumed (or terminated) before anything is decided.
  if (!isCompleted(last.phase)) return { phase: 'Running' };
  const counts = options.counts ? countsOf(options.counts) : tallyMeasurements(measurements);
  const breach = metricLimitBreach(metric, counts);
  if (breach) return breach;
  const successLimit = intValue(metric.consecutiveSuccessLimit, 0);
  if (successLimit > 0 && counts.consecutiveSuccess >= successLimit) return { phase: 'Successful' };
  const target = effectiveCount(metric);
  if (target !== undefined && counts.count >= target) {
    // Out of measurements without the successes in a row it asked for: with a failure limit
    // still holding that is inconclusive, with the failure limit off (-1) it is a failure.
    if (successLimit > 0) {
      return { phase: intValue(metric.failureLimit, 0) >= 0 ? 'Inconclusive' : 'Failed' };
    }
    return { phase: 'Successful' };
  }
  return { phase: terminating ? 'Successful' : 'Running' };
}

// ---------------------------------------------------------------------------------------------
// The run: assessRunStatus and IsTerminating

/**
 * utils/analysis IsTerminating: the run stops measuring when asked to (spec.terminate) or once a
 * metric that is not a dry run has ended Failed, Error or Inconclusive.
 */
export function isTerminating(metricResults: readonly MetricResult[], terminate = false): boolean {
  return (
    terminate ||
    metricResults.some(
      (r) =>
        !r.dryRun && (r.phase === 'Failed' || r.phase === 'Error' || r.phase === 'Inconclusive'),
    )
  );
}

export interface RunAssessment {
  /** Running until every metric completed (never Pending), then the worst metric's phase. */
  phase: AnalysisPhase;
  /** status.message: why the worst metric ended as it did; '' when there is nothing to say. */
  message: string;
  /** The results with their phase and message brought up to date, in the input's order. */
  metricResults: MetricResult[];
  runSummary: RunSummary;
  dryRunSummary: RunSummary;
}

const emptySummary = (): RunSummary => ({
  count: 0,
  successful: 0,
  failed: 0,
  inconclusive: 0,
  error: 0,
});

const SUMMARY_FIELD: Partial<Record<AnalysisPhase, keyof RunSummary>> = {
  Error: 'error',
  Failed: 'failed',
  Inconclusive: 'inconclusive',
};

/**
 * assessRunStatus: assesses each metric (updating its result's phase, and its message from the
 * last measurement when the phase changes), then the run. While any metric is unfinished the
 * run is Running; then it takes the worst completed phase (Failed > Error > Inconclusive >
 * Successful) of the metrics that are not dry runs, Successful if all are. A terminating run
 * (spec.terminate, or a metric already ended badly) is decided at once, unfinished metrics or
 * not. `terminate` is spec.terminate; `dryRunMetrics` names the dry-run metrics (spec.dryRun
 * resolved), by default those whose result says dryRun.
 */
export function assessRun(
  metrics: readonly Metric[],
  metricResults: readonly MetricResult[],
  terminate = false,
  dryRunMetrics?: ReadonlySet<string>,
): RunAssessment {
  const terminating = isTerminating(metricResults, terminate);
  const results = [...metricResults];
  const runSummary = emptySummary();
  const dryRunSummary = emptySummary();
  let worst: AnalysisPhase | undefined;
  let worstMessage = terminate ? 'Run Terminated' : '';
  let everythingCompleted = true;

  for (const metric of metrics) {
    const index = results.findIndex((r) => r.name === metric.name);
    const dryRun = dryRunMetrics ? dryRunMetrics.has(metric.name) : !!results[index]?.dryRun;
    const summary = dryRun ? dryRunSummary : runSummary;
    summary.count += 1;
    let result = results[index];
    if (!result) {
      // Not measured yet (an initialDelay, say): the run cannot be over.
      everythingCompleted = false;
      continue;
    }
    const measurements = result.measurements ?? [];
    const status = assessMetric(metric, measurements, {
      terminating,
      phase: result.phase,
      counts: result,
    }).phase;
    if (status !== result.phase) {
      const last = measurements.at(-1);
      result = { ...result, phase: status, ...(last ? { message: last.message } : {}) };
    }
    if (!isCompleted(status)) {
      everythingCompleted = false;
    } else {
      const breach = metricLimitBreach(metric, result);
      if (!dryRun) {
        if (worst === undefined || isWorse(worst, status)) {
          worst = status;
          // A worse metric without a broken limit keeps the message found so far, as in Argo.
          if (breach) {
            worstMessage = `Metric "${metric.name}" assessed ${status} due to ${breach.message}`;
            if (result.message) worstMessage += `: "Error Message: ${result.message}"`;
          }
        }
      } else {
        // A dry run's outcome is reported on its result, never on the run.
        worst ??= 'Successful';
        if (breach) {
          result = { ...result, message: `Metric assessed ${status} due to ${breach.message}` };
        }
      }
      // The summary counts the broken limit, not the phase: a metric marked Failed without a
      // failure in its tallies counts as successful.
      summary[SUMMARY_FIELD[breach?.phase ?? 'Successful'] ?? 'successful'] += 1;
    }
    results[index] = result;
  }

  const assessed = { metricResults: results, runSummary, dryRunSummary };
  const message = worstMessage.trim();
  if (terminating) return { ...assessed, phase: worst ?? 'Successful', message };
  if (!everythingCompleted || worst === undefined) {
    return { ...assessed, phase: 'Running', message: '' };
  }
  return { ...assessed, phase: worst, message };
}

// ---------------------------------------------------------------------------------------------
// When to measure: generateMetricTasks and calculateNextReconcileTime

/** A Go duration in ms (ns precision kept), or undefined when time.ParseDuration refuses it. */
function durationMs(text: string): number | undefined {
  const seconds = goDurationSeconds(text);
  return seconds === undefined ? undefined : Math.round(seconds * 1e9) / 1e6;
}

export interface NextMeasurementOptions {
  /** The result's count: completed measurements other than errors. */
  count?: number;
  /** The result's phase: a completed metric is measured no more. */
  phase?: AnalysisPhase;
  /** The run is stopping: nothing new is started, in-flight measurements are still resumed. */
  terminating?: boolean;
}

/**
 * When a metric's next measurement is due (calculateNextReconcileTime for one metric, with
 * generateMetricTasks' rules), or undefined when none is: the metric completed, reached its
 * count, has no interval, or has a duration Go cannot parse (Argo skips such a metric).
 *  - first measurement: at runStartedAt plus initialDelay (Argo takes it in the reconcile that
 *    starts the run when there is no delay);
 *  - in-flight measurement: its resumeAt (it is resumed, not restarted); without one Argo
 *    resumes it whenever the run is next reconciled and schedules nothing;
 *  - after an Error: 10s after it finished, whatever the interval (a retry);
 *  - otherwise: interval after the last measurement finished. Argo measures at the first
 *    reconcile strictly after that time (an initial delay is inclusive).
 */
export function nextMeasurementAt(
  metric: Metric,
  lastMeasurement: Measurement | undefined,
  runStartedAt: number,
  options: NextMeasurementOptions = {},
): number | undefined {
  if (options.phase && isCompleted(options.phase)) return undefined;
  if (!lastMeasurement) {
    if (options.terminating) return undefined;
    if (!metric.initialDelay) return runStartedAt;
    const delay = durationMs(metric.initialDelay);
    return delay === undefined ? undefined : runStartedAt + delay;
  }
  if (lastMeasurement.finishedAt === undefined) return lastMeasurement.resumeAt;
  if (options.terminating) return undefined;
  const target = effectiveCount(metric);
  if (target !== undefined && (options.count ?? 0) >= target) return undefined;
  let interval: number | undefined;
  if (lastMeasurement.phase === 'Error') interval = DEFAULT_ERROR_RETRY_INTERVAL_MS;
  else if (metric.interval) interval = durationMs(metric.interval);
  return interval === undefined ? undefined : lastMeasurement.finishedAt + interval;
}
