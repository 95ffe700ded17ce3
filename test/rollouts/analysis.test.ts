/**
 * AnalysisRun decisions, ported row by row from Argo Rollouts' utils/evaluate/evaluate_test.go
 * and analysis/analysis_test.go; each row keeps the name of the Go test it comes from (with a
 * note when a Go test holds several cases) so a disagreement can be traced back. Rows taken from
 * Argo's docs and examples rather than its tests say so.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnalysisPhase,
  assessMetric,
  assessRun,
  evaluateCondition,
  evaluateMeasurement,
  isWorse,
  type Measurement,
  type Metric,
  type MetricCounts,
  metricLimitBreach,
  type MetricResult,
  nextMeasurementAt,
  recordMeasurement,
  type RunSummary,
  tallyMeasurements,
} from '../../shared/rollouts/analysis.js';

/** "now" of the Go tests, which build every timestamp relative to time.Now(). */
const NOW = Date.UTC(2024, 0, 1, 12, 0, 0);
const SECOND = 1000;
const ago = (seconds: number) => NOW - seconds * SECOND;

/** A measurement that finished `seconds` ago (Argo's fixtures: startedAt = finishedAt). */
const finished = (phase: AnalysisPhase, seconds = 60, message?: string): Measurement => ({
  phase,
  value: '99',
  startedAt: ago(seconds),
  finishedAt: ago(seconds),
  ...(message ? { message } : {}),
});
const inFlight = (seconds = 60, resumeAt?: number): Measurement => ({
  phase: 'Running',
  startedAt: ago(seconds),
  ...(resumeAt !== undefined ? { resumeAt } : {}),
});

// ---------------------------------------------------------------------------------------------

describe('evaluateMeasurement (evaluate.EvaluateResult)', () => {
  const INVALID_REF = 'a == true';
  const rows: {
    name: string;
    metric: Partial<Metric>;
    result: unknown;
    phase: AnalysisPhase;
    message?: string;
  }[] = [
    {
      name: 'TestEvaluateResultWithSuccess',
      metric: { successCondition: 'true', failureCondition: 'false' },
      result: true,
      phase: 'Successful',
    },
    {
      name: 'TestEvaluateResultWithFailure',
      metric: { successCondition: 'true', failureCondition: 'true' },
      result: true,
      phase: 'Failed',
    },
    {
      name: 'TestEvaluateResultInconclusive',
      metric: { successCondition: 'false', failureCondition: 'false' },
      result: true,
      phase: 'Inconclusive',
    },
    {
      name: 'TestEvaluateResultNoSuccessConditionAndNotFailing',
      metric: { failureCondition: 'false' },
      result: true,
      phase: 'Successful',
    },
    {
      name: 'TestEvaluateResultNoFailureConditionAndNotSuccessful',
      metric: { successCondition: 'false' },
      result: true,
      phase: 'Failed',
    },
    {
      name: 'TestEvaluateResultNoFailureConditionAndNoSuccessCondition',
      metric: {},
      result: true,
      phase: 'Successful',
    },
    {
      name: 'TestEvaluateResultWithErrorOnSuccessCondition',
      metric: { successCondition: INVALID_REF, failureCondition: 'true' },
      result: true,
      phase: 'Error',
      message: 'could not evaluate successCondition "a == true": unknown name a',
    },
    {
      name: 'TestEvaluateResultWithErrorOnFailureCondition',
      metric: { successCondition: 'true', failureCondition: INVALID_REF },
      result: true,
      phase: 'Error',
      message: 'could not evaluate failureCondition "a == true": unknown name a',
    },
    {
      name: 'TestEvaluateResultErrorMessageWithNilResult',
      metric: { successCondition: 'result[0] >= 0.95' },
      result: null,
      phase: 'Error',
      message:
        'could not evaluate successCondition "result[0] >= 0.95": metric result is nil or empty: no data returned from the metric provider',
    },
    {
      name: 'TestEvaluateResultErrorMessageWithEmptySlice',
      metric: { successCondition: 'result[0] >= 0.95' },
      result: [],
      phase: 'Error',
      message:
        'could not evaluate successCondition "result[0] >= 0.95": metric result is nil or empty: no data returned from the metric provider',
    },
    {
      name: 'TestEvaluateResultErrorMessageOnFailureCondition',
      metric: { successCondition: 'true', failureCondition: 'invalidVar == true' },
      result: true,
      phase: 'Error',
      message: 'could not evaluate failureCondition "invalidVar == true": unknown name invalidVar',
    },
    // Argo's docs and examples (no Go test holds these conditions).
    {
      name: 'examples/appmesh canary: result[0] >= 0.99 met',
      metric: { successCondition: 'result[0] >= 0.99' },
      result: [0.995],
      phase: 'Successful',
    },
    {
      name: 'examples/appmesh canary: result[0] >= 0.99 missed, no failureCondition, so Failed',
      metric: { successCondition: 'result[0] >= 0.99' },
      result: [0.42],
      phase: 'Failed',
    },
    {
      name: 'docs/features/analysis.md: len(result) == 0 || result[0] >= 0.95 on an empty vector',
      metric: { successCondition: 'len(result) == 0 || result[0] >= 0.95' },
      result: [],
      phase: 'Successful',
    },
    {
      name: 'docs/features/analysis.md: len(result) > 0 && result[0] >= 0.95 on an empty vector',
      metric: { successCondition: 'len(result) > 0 && result[0] >= 0.95' },
      result: [],
      phase: 'Failed',
    },
    {
      name: "docs/features/analysis.md args-example: result == 'true' on the string true",
      metric: { successCondition: "result == 'true'" },
      result: 'true',
      phase: 'Successful',
    },
    {
      // expr type-checks against the env's values: a JSON true is a bool, never equal to a string.
      name: "docs/features/analysis.md args-example: result == 'true' on a JSON true does not compile",
      metric: { successCondition: "result == 'true'" },
      result: true,
      phase: 'Error',
      message:
        'could not evaluate successCondition "result == \'true\'": invalid operation: == (mismatched types bool and string)',
    },
    {
      name: 'docs/features/analysis.md: success and failure both set, neither holds',
      metric: { successCondition: 'result[0] >= 0.95', failureCondition: 'result[0] < 0.5' },
      result: [0.7],
      phase: 'Inconclusive',
    },
  ];

  it.each(rows)('$name', ({ metric, result, phase, message }) => {
    const evaluation = evaluateMeasurement({ name: 'm', ...metric }, result);
    expect(evaluation.phase).toBe(phase);
    expect(evaluation.message).toBe(message);
  });
});

describe('evaluateCondition (evaluate.EvalCondition)', () => {
  const rows: { name: string; result: unknown; condition: string; expected: boolean | RegExp }[] = [
    {
      name: 'TestEvaluateConditionWithSuccess',
      result: true,
      condition: 'result == true',
      expected: true,
    },
    {
      name: 'TestEvaluateConditionWithFailure',
      result: true,
      condition: 'result == false',
      expected: false,
    },
    {
      name: 'TestErrorWithNonBoolReturn',
      result: true,
      condition: '1',
      expected: /^expected bool, but got int$/,
    },
    {
      name: 'TestErrorWithInvalidReference',
      result: true,
      condition: 'invalidVariable',
      expected: /^unknown name invalidVariable$/,
    },
    {
      name: 'TestEvaluateArray',
      result: { service_apdex: { label: null, values: { values: [2, 2] } } },
      condition: 'all(result.service_apdex.values.values, {# > 1})',
      expected: true,
    },
    { name: 'TestEvaluateInOperator', result: [2, 2], condition: '2 in result', expected: true },
    { name: 'TestEvaluateFloat64', result: 5, condition: 'result > 1', expected: true },
    {
      name: 'TestEvaluateInvalidStruct',
      result: true,
      condition: "result.Name() == 'hi'",
      expected: /./,
    },
    {
      name: 'TestEvaluateAsIntPanic',
      result: '1.1',
      condition: 'asInt(result) == 1.1',
      expected: /strconv.ParseInt: parsing "1.1": invalid syntax/,
    },
    {
      name: 'TestEvaluateAsInt ("1")',
      result: '1',
      condition: 'asInt(result) == 1',
      expected: true,
    },
    { name: 'TestEvaluateAsInt (1)', result: 1, condition: 'asInt(result) == 1', expected: true },
    {
      name: 'TestEvaluateAsInt (1.123)',
      result: 1.123,
      condition: 'asInt(result) == 1',
      expected: true,
    },
    {
      name: 'TestEvaluateAsFloatError (NotANum)',
      result: 'NotANum',
      condition: 'asFloat(result) == 1.1',
      expected: /strconv\.ParseFloat: parsing "NotANum": invalid syntax/,
    },
    {
      name: 'TestEvaluateAsFloatError (float against string)',
      result: '1.1',
      condition: 'asFloat(result) == "1.1"',
      expected: /invalid operation: == \(mismatched types float64 and string\)/,
    },
    {
      name: 'TestEvaluateAsFloat ("1.1" ==)',
      result: '1.1',
      condition: 'asFloat(result) == 1.1',
      expected: true,
    },
    {
      name: 'TestEvaluateAsFloat ("1.1" >=)',
      result: '1.1',
      condition: 'asFloat(result) >= 1.1',
      expected: true,
    },
    {
      name: 'TestEvaluateAsFloat ("1.1" <=)',
      result: '1.1',
      condition: 'asFloat(result) <= 1.1',
      expected: true,
    },
    {
      name: 'TestEvaluateAsFloat (1.1 ==)',
      result: 1.1,
      condition: 'asFloat(result) == 1.1',
      expected: true,
    },
    {
      name: 'TestEvaluateAsFloat (1 ==)',
      result: 1,
      condition: 'asFloat(result) == 1',
      expected: true,
    },
    {
      name: 'TestEvaluateAsFloat (1 >=)',
      result: 1,
      condition: 'asFloat(result) >= 1',
      expected: true,
    },
    {
      name: 'TestAsInt ("notint" panics)',
      result: 'notint',
      condition: 'asInt(result) == 1',
      expected: /strconv.ParseInt: parsing "notint": invalid syntax/,
    },
    { name: 'TestAsFloat ("1")', result: '1', condition: 'asFloat(result) == 1', expected: true },
    {
      name: 'TestAsFloat ("notfloat" panics)',
      result: 'notfloat',
      condition: 'asFloat(result) == 1',
      expected: /strconv.ParseFloat: parsing "notfloat": invalid syntax/,
    },
    { name: 'TestIsInf (inf)', result: Infinity, condition: 'isInf(result)', expected: true },
    { name: 'TestIsInf (0)', result: 0, condition: 'isInf(result)', expected: false },
    { name: 'isNaN (EvalCondition env)', result: NaN, condition: 'isNaN(result)', expected: true },
    {
      name: 'TestDefaultFunc (nil gives the default)',
      result: null,
      condition: 'default(result, 2) == 2',
      expected: true,
    },
    {
      name: 'TestDefaultFunc (a value wins)',
      result: 1,
      condition: 'default(result, 0) == 1',
      expected: true,
    },
    { name: 'TestIsNilFunc (nil)', result: null, condition: 'isNil(result)', expected: true },
    {
      name: 'TestIsNilFunc (array)',
      result: ['hi', 'hello'],
      condition: 'isNil(result)',
      expected: false,
    },
    { name: 'TestIsNilFunc (false)', result: false, condition: 'isNil(result)', expected: false },
    {
      // isNilFunc closes over the result and ignores its argument.
      name: 'TestIsNilFunc (the argument is ignored: the result is what is tested)',
      result: { a: 1 },
      condition: 'isNil(result.missing)',
      expected: false,
    },
  ];

  it.each(rows)('$name', ({ result, condition, expected }) => {
    if (typeof expected === 'boolean') {
      expect(evaluateCondition(result, condition)).toBe(expected);
    } else {
      expect(() => evaluateCondition(result, condition)).toThrow(expected);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('assessMetric (assessMetricStatus)', () => {
  type Row = {
    name: string;
    metric: Partial<Metric>;
    measurements: Measurement[];
    counts?: Partial<MetricCounts>;
    /** The phase when the run goes on, then when it is terminating. */
    expected: [running: AnalysisPhase, terminating: AnalysisPhase];
  };
  const lastFailed = [finished('Failed')];
  const rows: Row[] = [
    {
      name: 'TestAssessMetricStatusNoMeasurements',
      metric: {},
      measurements: [],
      expected: ['Pending', 'Successful'],
    },
    {
      name: 'TestAssessMetricStatusInFlightMeasurement',
      metric: {},
      measurements: [finished('Successful'), inFlight(0)],
      expected: ['Running', 'Running'],
    },
    {
      name: 'TestAssessMetricStatusFailureLimit (failed 3 > failureLimit 2)',
      metric: { failureLimit: 2, interval: '60s' },
      measurements: lastFailed,
      counts: { failed: 3, count: 3 },
      expected: ['Failed', 'Failed'],
    },
    {
      name: 'TestAssessMetricStatusFailureLimit (failed 3 = failureLimit 3)',
      metric: { failureLimit: 3, interval: '60s' },
      measurements: lastFailed,
      counts: { failed: 3, count: 3 },
      expected: ['Running', 'Successful'],
    },
    {
      name: 'TestAssessMetricStatusConsecutiveSuccessLimit (indefinite, limit reached)',
      metric: { failureLimit: -1, consecutiveSuccessLimit: 3, interval: '60s' },
      measurements: lastFailed,
      counts: { failed: 3, successful: 4, consecutiveSuccess: 3, count: 7 },
      expected: ['Successful', 'Successful'],
    },
    {
      name: 'TestAssessMetricStatusConsecutiveSuccessLimit (indefinite, 3 < 5)',
      metric: { failureLimit: -1, consecutiveSuccessLimit: 5, interval: '60s' },
      measurements: lastFailed,
      counts: { failed: 3, successful: 4, consecutiveSuccess: 3, count: 7 },
      expected: ['Running', 'Successful'],
    },
    {
      name: 'TestAssessMetricStatusConsecutiveSuccessLimit (count reached, 3 < 5: Failed)',
      metric: { failureLimit: -1, consecutiveSuccessLimit: 5, interval: '60s', count: 7 },
      measurements: lastFailed,
      counts: { failed: 3, successful: 4, consecutiveSuccess: 3, count: 7 },
      expected: ['Failed', 'Failed'],
    },
    {
      name: 'TestAssessMetricStatusConsecutiveSuccessLimit (count not reached, 3 < 5)',
      metric: { failureLimit: -1, consecutiveSuccessLimit: 5, interval: '60s', count: 9 },
      measurements: lastFailed,
      counts: { failed: 3, successful: 4, consecutiveSuccess: 3, count: 7 },
      expected: ['Running', 'Successful'],
    },
    {
      name: 'TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit (indefinite, neither)',
      metric: { failureLimit: 4, consecutiveSuccessLimit: 4, interval: '60s' },
      measurements: lastFailed,
      counts: { failed: 3, successful: 4, consecutiveSuccess: 3, count: 7 },
      expected: ['Running', 'Successful'],
    },
    {
      name: 'TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit (indefinite, both: failure wins)',
      metric: { failureLimit: 4, consecutiveSuccessLimit: 4, interval: '60s' },
      measurements: lastFailed,
      counts: { failed: 5, successful: 5, consecutiveSuccess: 4, count: 10 },
      expected: ['Failed', 'Failed'],
    },
    {
      name: 'TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit (count reached, neither: Inconclusive)',
      metric: { failureLimit: 4, consecutiveSuccessLimit: 4, interval: '60s', count: 10 },
      measurements: lastFailed,
      counts: { failed: 4, successful: 6, consecutiveSuccess: 3, count: 10 },
      expected: ['Inconclusive', 'Inconclusive'],
    },
    {
      name: 'TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit (count reached, success limit met)',
      metric: { failureLimit: 4, consecutiveSuccessLimit: 4, interval: '60s', count: 10 },
      measurements: lastFailed,
      counts: { failed: 4, successful: 6, consecutiveSuccess: 4, count: 10 },
      expected: ['Successful', 'Successful'],
    },
    {
      name: 'TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit (count not reached, neither)',
      metric: { failureLimit: 4, consecutiveSuccessLimit: 4, interval: '60s', count: 10 },
      measurements: lastFailed,
      counts: { failed: 3, successful: 5, consecutiveSuccess: 3, count: 8 },
      expected: ['Running', 'Successful'],
    },
    {
      name: 'TestAssessMetricStatusInconclusiveLimit (inconclusive 3 > 2)',
      metric: { inconclusiveLimit: 2, interval: '60s' },
      measurements: [finished('Inconclusive')],
      counts: { inconclusive: 3, count: 3 },
      expected: ['Inconclusive', 'Inconclusive'],
    },
    {
      name: 'TestAssessMetricStatusInconclusiveLimit (inconclusive 3 = 3)',
      metric: { inconclusiveLimit: 3, interval: '60s' },
      measurements: [finished('Inconclusive')],
      counts: { inconclusive: 3, count: 3 },
      expected: ['Running', 'Successful'],
    },
    {
      name: 'TestAssessMetricStatusConsecutiveErrors (5 > default limit 4)',
      metric: { interval: '60s' },
      measurements: [finished('Error')],
      counts: { consecutiveError: 5, count: 5 },
      expected: ['Error', 'Error'],
    },
    {
      name: 'TestAssessMetricStatusConsecutiveErrors (4 = default limit 4)',
      metric: { interval: '60s' },
      measurements: [finished('Error')],
      counts: { consecutiveError: 4, count: 5 },
      expected: ['Running', 'Successful'],
    },
    {
      name: 'TestAssessMetricStatusCountReached (all successful)',
      metric: { count: 10 },
      measurements: [finished('Successful')],
      counts: { successful: 10, count: 10 },
      expected: ['Successful', 'Successful'],
    },
    {
      name: 'TestAssessMetricStatusCountReached (5 inconclusive > limit 0)',
      metric: { count: 10 },
      measurements: [finished('Successful')],
      counts: { successful: 5, inconclusive: 5, count: 10 },
      expected: ['Inconclusive', 'Inconclusive'],
    },
    {
      name: 'ours: without tallies they are recounted from the measurements',
      metric: { failureLimit: 2, interval: '60s' },
      measurements: [finished('Failed'), finished('Failed'), finished('Failed')],
      expected: ['Failed', 'Failed'],
    },
    {
      name: 'ours: a consecutiveErrorLimit of 0 makes the first error final',
      metric: { consecutiveErrorLimit: 0, interval: '60s' },
      measurements: [finished('Successful'), finished('Error')],
      expected: ['Error', 'Error'],
    },
  ];

  it.each(rows)('$name', ({ metric, measurements, counts, expected }) => {
    const m: Metric = { name: 'success-rate', ...metric };
    const options = counts ? { counts } : {};
    expect(assessMetric(m, measurements, options).phase).toBe(expected[0]);
    expect(assessMetric(m, measurements, { ...options, terminating: true }).phase).toBe(
      expected[1],
    );
  });

  it('TestAssessMetricFailureInconclusiveOrError: the broken limit and its message', () => {
    const rows: [Partial<MetricCounts>, Measurement, AnalysisPhase, string][] = [
      [{ failed: 1 }, { phase: 'Failed' }, 'Failed', 'failed (1) > failureLimit (0)'],
      [
        { inconclusive: 1 },
        { phase: 'Inconclusive' },
        'Inconclusive',
        'inconclusive (1) > inconclusiveLimit (0)',
      ],
      [
        { consecutiveError: 5 },
        { phase: 'Error' },
        'Error',
        'consecutiveErrors (5) > consecutiveErrorLimit (4)',
      ],
    ];
    for (const [counts, measurement, phase, message] of rows) {
      const metric: Metric = { name: 'm' };
      expect(metricLimitBreach(metric, counts)).toEqual({ phase, message });
      expect(assessMetric(metric, [measurement], { counts, terminating: true })).toEqual({
        phase,
        message,
      });
    }
  });

  it('a completed phase is final, whatever the tallies (assessMetricStatus returns it as is)', () => {
    const metric: Metric = { name: 'm', interval: '60s' };
    expect(assessMetric(metric, [], { phase: 'Failed' }).phase).toBe('Failed');
  });
});

describe('recordMeasurement (runMeasurements bookkeeping)', () => {
  const base: MetricResult = {
    name: 'test',
    phase: 'Running',
    consecutiveError: 4,
    count: 4,
    error: 4,
  };
  it.each([
    ['Error', { consecutiveError: 5, error: 5, count: 4 }],
    ['Successful', { consecutiveError: 0, error: 4, count: 5 }],
    ['Failed', { consecutiveError: 0, error: 4, count: 5 }],
    ['Inconclusive', { consecutiveError: 0, error: 4, count: 5 }],
  ] as const)('TestRunMeasurementsResetConsecutiveErrorCounter (%s)', (phase, counts) => {
    const recorded = recordMeasurement(base, { phase, startedAt: NOW }, NOW);
    expect(recorded).toMatchObject(counts);
    // Argo stamps a completed measurement that has no finishedAt.
    expect(recorded.measurements).toEqual([{ phase, startedAt: NOW, finishedAt: NOW }]);
  });

  it('TestReconcileAnalysisRunResumeInProgress: a resumed measurement replaces the in-flight one', () => {
    const running: MetricResult = { name: 'test', phase: 'Running', measurements: [inFlight()] };
    const resumed = recordMeasurement(running, finished('Successful', 0), NOW);
    expect(resumed.measurements).toEqual([finished('Successful', 0)]);
    expect(resumed).toMatchObject({ count: 1, successful: 1 });
    const run = assessRun([{ name: 'test' }], [resumed]);
    expect(run.phase).toBe('Successful');
    expect(run.metricResults[0]!.phase).toBe('Successful');
  });

  it('tallyMeasurements counts as runMeasurements does, errors outside count', () => {
    const tally = tallyMeasurements([
      finished('Successful'),
      finished('Error'),
      finished('Error'),
      finished('Successful'),
      finished('Successful'),
      inFlight(),
    ]);
    expect(tally).toEqual({
      count: 3,
      successful: 3,
      failed: 0,
      inconclusive: 0,
      error: 2,
      consecutiveError: 0,
      consecutiveSuccess: 2,
    });
  });
});

// ---------------------------------------------------------------------------------------------

/** Argo's newTerminatingRun: run-forever in flight, failed-metric ended with `status`. */
function newTerminatingRun(status: AnalysisPhase, dryRun: boolean) {
  const metrics: Metric[] = [{ name: 'run-forever' }, { name: 'failed-metric' }];
  const failedMetric: MetricResult = {
    name: 'failed-metric',
    count: 1,
    dryRun,
    phase: status,
    measurements: [status === 'Error' ? finished('Error', 120) : finished(status)],
    ...(status === 'Failed' ? { failed: 1 } : {}),
    ...(status === 'Inconclusive' ? { inconclusive: 1 } : {}),
    ...(status === 'Error' ? { error: 1 } : {}),
  };
  const results: MetricResult[] = [
    { name: 'run-forever', dryRun, phase: 'Running', measurements: [inFlight()] },
    failedMetric,
  ];
  return { metrics, results };
}

const summary = (count = 0, successful = 0, failed = 0, inconclusive = 0, error = 0) =>
  ({ count, successful, failed, inconclusive, error }) satisfies RunSummary;

describe('assessRun (assessRunStatus)', () => {
  type Row = {
    name: string;
    run: () => { metrics: Metric[]; results: MetricResult[]; dryRun?: boolean };
    terminate?: boolean;
    phase: AnalysisPhase;
    message: string;
    dryRunSummary?: RunSummary;
    resultMessages?: (string | undefined)[];
    resultPhases?: AnalysisPhase[];
  };
  const twoMetrics = (latency: AnalysisPhase, successRate: AnalysisPhase) => ({
    metrics: [{ name: 'latency' }, { name: 'success-rate' }],
    results: [
      { name: 'latency', phase: latency },
      { name: 'success-rate', phase: successRate },
    ],
  });
  /** StartAssessRunStatusErrorMessageAnalysisPhaseFail and its siblings. */
  const terminating = (dryRun: boolean, change: (results: MetricResult[]) => void) => () => {
    const run = newTerminatingRun('Failed', dryRun);
    change(run.results);
    return { ...run, dryRun };
  };
  const rows: Row[] = [
    {
      name: 'TestAssessRunStatus (one metric still running)',
      run: () => twoMetrics('Successful', 'Running'),
      phase: 'Running',
      message: '',
    },
    {
      name: 'TestAssessRunStatus (the worst completed metric)',
      run: () => twoMetrics('Successful', 'Failed'),
      phase: 'Failed',
      message: '',
    },
    {
      name: 'TestAssessRunStatusUpdateResult',
      run: () => ({
        metrics: [{ name: 'sleep-infinity' }, { name: 'fail-after-30' }],
        results: [
          { name: 'sleep-infinity', phase: 'Running', measurements: [inFlight()] },
          {
            name: 'fail-after-30',
            count: 1,
            failed: 1,
            phase: 'Running',
            measurements: [finished('Failed')],
          },
        ],
      }),
      phase: 'Running',
      message: '',
      resultPhases: ['Running', 'Failed'],
    },
    {
      name: 'TestAssessRunStatusErrorMessageAnalysisPhaseFail',
      run: terminating(false, (r) => (r[0]!.phase = 'Successful')),
      phase: 'Failed',
      message: 'Metric "failed-metric" assessed Failed due to failed (1) > failureLimit (0)',
      dryRunSummary: summary(),
    },
    {
      name: 'TestAssessRunStatusErrorMessageAnalysisPhaseFailInDryRunMode',
      run: terminating(true, (r) => (r[0]!.phase = 'Successful')),
      phase: 'Successful',
      message: '',
      dryRunSummary: summary(2, 1, 1),
    },
    {
      name: 'TestAssessRunStatusErrorMessageFromProvider',
      run: terminating(false, (r) => {
        r[0]!.phase = 'Successful';
        r[1]!.message = 'Provider Error';
      }),
      phase: 'Failed',
      message:
        'Metric "failed-metric" assessed Failed due to failed (1) > failureLimit (0): "Error Message: Provider Error"',
      dryRunSummary: summary(),
    },
    {
      name: 'TestAssessRunStatusErrorMessageFromProviderInDryRunMode',
      run: terminating(true, (r) => {
        r[0]!.phase = 'Successful';
        r[1]!.message = 'Provider Error';
      }),
      phase: 'Successful',
      message: '',
      dryRunSummary: summary(2, 1, 1),
    },
    {
      name: 'TestAssessRunStatusMultipleFailures (the first failed metric gives the message)',
      run: terminating(false, (r) => Object.assign(r[0]!, { phase: 'Failed', failed: 1 })),
      phase: 'Failed',
      message: 'Metric "run-forever" assessed Failed due to failed (1) > failureLimit (0)',
      dryRunSummary: summary(),
    },
    {
      name: 'TestAssessRunStatusMultipleFailuresInDryRunMode',
      run: terminating(true, (r) => Object.assign(r[0]!, { phase: 'Failed', failed: 1 })),
      phase: 'Successful',
      message: '',
      dryRunSummary: summary(2, 0, 2),
      resultMessages: [
        'Metric assessed Failed due to failed (1) > failureLimit (0)',
        'Metric assessed Failed due to failed (1) > failureLimit (0)',
      ],
    },
    {
      name: 'TestAssessRunStatusWithOnlyDryRunMetrics',
      run: () => ({
        metrics: [{ name: 'success-metric' }],
        results: [
          {
            name: 'success-metric',
            count: 1,
            successful: 1,
            dryRun: true,
            phase: 'Successful',
            measurements: [finished('Successful')],
          },
        ],
        dryRun: true,
      }),
      phase: 'Successful',
      message: '',
      dryRunSummary: summary(1, 1),
    },
    {
      // After Argo's reconcile resumed run-forever's in-flight measurement as Successful.
      name: 'TestAssessRunStatusWithMixedMetrics (a failing dry run does not decide)',
      run: () => ({
        metrics: [{ name: 'run-forever' }, { name: 'success-metric' }],
        results: [
          recordMeasurement(
            { name: 'run-forever', inconclusive: 1, phase: 'Running', measurements: [inFlight()] },
            finished('Successful', 0),
            NOW,
          ),
          {
            name: 'success-metric',
            count: 1,
            failed: 1,
            dryRun: true,
            phase: 'Successful',
            measurements: [finished('Failed')],
          },
        ],
      }),
      phase: 'Inconclusive',
      message:
        'Metric "run-forever" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0)',
      dryRunSummary: summary(1, 0, 1),
    },
    {
      name: 'TestTerminateAnalysisRun (terminated before the initial delay passed)',
      run: () => ({
        metrics: [{ name: 'success-rate', initialDelay: '20s', interval: '20s' }],
        results: [],
      }),
      terminate: true,
      phase: 'Successful',
      message: 'Run Terminated',
      dryRunSummary: summary(),
    },
    {
      name: 'TestTerminateAnalysisRunInDryRunMode',
      run: () => ({
        metrics: [{ name: 'success-rate', initialDelay: '20s', interval: '20s' }],
        results: [],
        dryRun: true,
      }),
      terminate: true,
      phase: 'Successful',
      message: 'Run Terminated',
      dryRunSummary: summary(1),
    },
    {
      name: 'ours: a metric not measured yet keeps the run Running',
      run: () => ({
        metrics: [{ name: 'a' }, { name: 'b', initialDelay: '5m' }],
        results: [{ name: 'a', phase: 'Successful', count: 1, successful: 1 }],
      }),
      phase: 'Running',
      message: '',
    },
    {
      name: 'ours: Error ranks worse than Inconclusive (analysisStatusOrder)',
      run: () => twoMetrics('Error', 'Inconclusive'),
      phase: 'Error',
      message: '',
    },
  ];

  it.each(rows)('$name', (row) => {
    const { metrics, results, dryRun } = row.run();
    const dryRunMetrics = dryRun ? new Set(metrics.map((m) => m.name)) : undefined;
    const run = assessRun(metrics, results, row.terminate ?? false, dryRunMetrics);
    expect(run.phase).toBe(row.phase);
    expect(run.message).toBe(row.message);
    if (row.dryRunSummary) expect(run.dryRunSummary).toEqual(row.dryRunSummary);
    if (row.resultMessages) {
      expect(run.metricResults.map((r) => r.message)).toEqual(row.resultMessages);
    }
    if (row.resultPhases) expect(run.metricResults.map((r) => r.phase)).toEqual(row.resultPhases);
  });

  it.each(['Failed', 'Inconclusive', 'Error'] as const)(
    'TestReconcileAnalysisRunTerminateSiblingAfterFail (%s)',
    (status) => {
      const { metrics, results } = newTerminatingRun(status, false);
      // The sibling's in-flight measurement is terminated; Argo labels an Inconclusive end so.
      results[0] = recordMeasurement(
        results[0]!,
        { ...finished('Inconclusive', 0), message: 'Metric Terminated' },
        NOW,
      );
      const run = assessRun(metrics, results);
      expect(run.phase).toBe(status);
      expect(run.metricResults[1]!.phase).toBe(status);
      expect(run.metricResults[0]).toMatchObject({
        phase: 'Inconclusive',
        message: 'Metric Terminated',
      });
    },
  );

  it('IsWorse follows analysisStatusOrder: Successful < Running < Pending < Inconclusive < Error < Failed', () => {
    const order: AnalysisPhase[] = [
      'Successful',
      'Running',
      'Pending',
      'Inconclusive',
      'Error',
      'Failed',
    ];
    for (const [i, current] of order.entries()) {
      for (const [j, next] of order.entries()) expect(isWorse(current, next)).toBe(j > i);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('nextMeasurementAt (calculateNextReconcileTime, generateMetricTasks)', () => {
  type Row = {
    name: string;
    metric: Partial<Metric>;
    last?: Measurement;
    startedAt?: number;
    options?: Parameters<typeof nextMeasurementAt>[3];
    expected: number | undefined;
  };
  const rows: Row[] = [
    {
      name: 'TestCalculateNextReconcileTimeInterval (interval after the last finished)',
      metric: { interval: '60s' },
      last: finished('Successful', 30),
      expected: NOW + 30 * SECOND,
    },
    {
      name: 'TestCalculateNextReconcileTimeInterval (in flight: nothing scheduled)',
      metric: { interval: '60s' },
      last: inFlight(30),
      expected: undefined,
    },
    {
      name: 'TestCalculateNextReconcileTimeInterval (completed metric)',
      metric: { interval: '60s' },
      last: finished('Successful', 120),
      options: { phase: 'Successful' },
      expected: undefined,
    },
    {
      name: 'TestCalculateNextReconcileTimeInitialDelay (start plus the delay)',
      metric: { interval: '60s', initialDelay: '40s' },
      startedAt: ago(30),
      expected: NOW + 10 * SECOND,
    },
    {
      name: 'TestCalculateNextReconcileTimeInitialDelay (an invalid delay is skipped)',
      metric: { interval: '60s', initialDelay: 'not-valid-start-delay' },
      startedAt: ago(30),
      expected: undefined,
    },
    {
      name: 'TestCalculateNextReconcileTimeNoInterval (count 1 reached)',
      metric: { count: 1 },
      last: finished('Successful', 0),
      options: { count: 1 },
      expected: undefined,
    },
    {
      name: 'TestCalculateNextReconcileHonorResumeAt',
      metric: { interval: '60s' },
      last: inFlight(30, NOW + 10 * SECOND),
      expected: NOW + 10 * SECOND,
    },
    {
      name: 'TestCalculateNextReconcileUponError (no interval: retried after 10s)',
      metric: {},
      last: finished('Error', 0),
      options: { count: 0 },
      expected: NOW + 10 * SECOND,
    },
    {
      name: 'TestCalculateNextReconcileUponError (interval 5m: still retried after 10s)',
      metric: { interval: '5m' },
      last: finished('Error', 0),
      expected: NOW + 10 * SECOND,
    },
    {
      name: 'TestGenerateMetricTasksInterval (within the interval: due later)',
      metric: { interval: '60s' },
      last: finished('Successful', 50),
      expected: NOW + 10 * SECOND,
    },
    {
      name: 'TestGenerateMetricTasksInterval (outside the interval: overdue)',
      metric: { interval: '60s' },
      last: finished('Successful', 61),
      expected: NOW - 1 * SECOND,
    },
    {
      name: 'TestGenerateMetricTasksFailing (a terminating run starts nothing new)',
      metric: {},
      options: { terminating: true },
      expected: undefined,
    },
    {
      name: 'TestGenerateMetricTasksNoIntervalOrCount (measured once: done)',
      metric: {},
      last: finished('Successful', 50),
      options: { count: 1 },
      expected: undefined,
    },
    {
      name: 'TestGenerateMetricTasksNoIntervalOrCount (never measured: due at the start)',
      metric: {},
      startedAt: ago(5),
      expected: ago(5),
    },
    {
      name: 'TestGenerateMetricTasksHonorInitialDelay (10s of 20s waited)',
      metric: { initialDelay: '20s' },
      startedAt: ago(10),
      expected: NOW + 10 * SECOND,
    },
    {
      name: 'TestGenerateMetricTasksHonorInitialDelay (20s of 20s waited: due now)',
      metric: { initialDelay: '20s' },
      startedAt: ago(20),
      expected: NOW,
    },
    {
      name: 'TestGenerateMetricTasksHonorInitialDelay (invalid delay: never)',
      metric: { initialDelay: 'invalid-start-delay' },
      startedAt: ago(20),
      expected: undefined,
    },
    {
      name: 'TestGenerateMetricTasksError (an errored measurement is retried)',
      metric: { interval: '5m' },
      last: finished('Error', 120),
      expected: NOW - 110 * SECOND,
    },
    {
      name: 'ours: count 3 with an interval stops at the third measurement',
      metric: { interval: '1m30s', count: 3 },
      last: finished('Successful', 0),
      options: { count: 3 },
      expected: undefined,
    },
    {
      name: 'ours: Go durations mix units (1m30s)',
      metric: { interval: '1m30s', count: 3 },
      last: finished('Successful', 0),
      options: { count: 2 },
      expected: NOW + 90 * SECOND,
    },
    {
      name: 'ours: a bare number is no Go duration (time.ParseDuration: missing unit)',
      metric: { interval: '30' },
      last: finished('Successful', 0),
      expected: undefined,
    },
  ];

  it.each(rows)('$name', ({ metric, last, startedAt, options, expected }) => {
    const m: Metric = { name: 'success-rate', ...metric };
    expect(nextMeasurementAt(m, last, startedAt ?? ago(600), options)).toBe(expected);
  });

  it('TestCalculateNextReconcileEarliestMetric: the run wakes for the earliest metric', () => {
    const metrics: [Metric, Measurement][] = [
      [{ name: 'success-rate', interval: '60s' }, finished('Successful', 30)],
      [{ name: 'latency', interval: '60s' }, finished('Successful', 50)],
    ];
    const times = metrics.map(([m, last]) => nextMeasurementAt(m, last, ago(600))!);
    expect(Math.min(...times)).toBe(NOW + 10 * SECOND);
  });
});
