/**
 * The prometheus provider against a real Prometheus (test/support/prometheus.ts), reached as an
 * AnalysisTemplate names it, `http://prometheus.monitoring:9090`, through the simulated
 * cluster's service proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PROXY_ANNOTATION,
  startSimCluster,
  type SimCluster,
} from '../../shared/adapters/local/sim-cluster/server.js';
import type { ClientNodeKubernetes } from '../../shared/adapters/kubernetes/client-node-kubernetes.js';
import { evaluateMeasurement, type Metric } from '../../shared/rollouts/analysis.js';
import { providerFor, type ProviderContext } from '../../shared/rollouts/providers/provider.js';
import { RESOLVED_PROMETHEUS_QUERY } from '../../shared/rollouts/providers/prometheus.js';
import { simClient } from '../support/sim-kube.js';
import {
  findBinary,
  startPrometheus,
  type RunningPrometheus,
  type Series,
} from '../support/prometheus.js';

const STEP_MS = 15_000;
/** Requests per step: 200s and 5xx. The success rate is 0.95 at every step. */
const OK_PER_STEP = 19;
const ERR_PER_STEP = 1;

let sim: SimCluster;
let k8s: ClientNodeKubernetes;
let prometheus: RunningPrometheus;
let now: number;

/** Counters over the last 4 minutes, one sample every 15 s, ending 5 s before `end`. */
function counters(end: number): Series[] {
  const times = Array.from({ length: 16 }, (_, i) => end - 5_000 - (15 - i) * STEP_MS);
  const counter = (labels: Record<string, string>, perStep: number): Series => ({
    name: 'http_requests_total',
    labels,
    samples: times.map((t, i) => ({ t: Math.floor(t / 1000) * 1000, v: perStep * (i + 1) })),
  });
  return [
    counter({ service: 'web-app', code: '200' }, OK_PER_STEP),
    counter({ service: 'web-app', code: '500' }, ERR_PER_STEP),
    counter({ service: 'other', code: '200' }, 7),
    {
      name: 'queue_depth',
      labels: { queue: 'a' },
      samples: [{ t: Math.floor((end - 10_000) / 1000) * 1000, v: 3 }],
    },
    {
      name: 'queue_depth',
      labels: { queue: 'b' },
      samples: [{ t: Math.floor((end - 10_000) / 1000) * 1000, v: 4.5 }],
    },
  ];
}

beforeAll(async () => {
  now = Date.now();
  prometheus = await startPrometheus(counters(now));
  sim = await startSimCluster();
  ({ k8s } = simClient(sim));
  await k8s.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } });
  await k8s.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'prometheus',
      namespace: 'monitoring',
      annotations: { [PROXY_ANNOTATION]: prometheus.url },
    },
    spec: { ports: [{ port: 9090 }] },
  });
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await sim?.stop();
});

const ctx = (): ProviderContext => ({
  kubernetes: k8s,
  namespace: 'default',
  analysisRun: { name: 'web-app-abc-2', uid: 'run-uid' },
  now: () => Date.now(),
});

const metric = (query: string, extra: Record<string, unknown> = {}): Metric => ({
  name: 'success-rate',
  successCondition: 'result[0] >= 0.95',
  provider: { prometheus: { address: 'http://prometheus.monitoring:9090', query, ...extra } },
});

describe('the prometheus provider against a real Prometheus', () => {
  it('answers the seed success-rate query through the service proxy with a one-element vector', async () => {
    const query =
      'sum(irate(http_requests_total{service="web-app",code!~"5.*"}[5m])) / ' +
      'sum(irate(http_requests_total{service="web-app"}[5m]))';
    const m = metric(query);
    const before = sim.requests.length;
    const outcome = await providerFor(m).run(m, ctx(), 'success-rate-1');
    expect(outcome.phase).toBe('Successful');
    const expected = OK_PER_STEP / (OK_PER_STEP + ERR_PER_STEP);
    expect(outcome.result).toEqual([expect.closeTo(expected, 12)]);
    expect(outcome.value).toMatch(/^\[0\.9[45]\d*\]$/);
    expect(Number(outcome.value!.slice(1, -1))).toBeCloseTo(expected, 12);
    expect(outcome.metadata).toEqual({ [RESOLVED_PROMETHEUS_QUERY]: query });
    expect(evaluateMeasurement(m, outcome.result).phase).toBe('Successful');
    // It went through the API server's service proxy, not straight to Prometheus.
    expect(
      sim.requests
        .slice(before)
        .some((r) =>
          /^\/api\/v1\/namespaces\/monitoring\/services\/prometheus(:|%3A)9090\/proxy\/api\/v1\/query$/.test(
            r.path,
          ),
        ),
    ).toBe(true);
  });

  it('rate() needs two samples in the window; with them the error ratio is what the counters say', async () => {
    const m = metric(
      'sum(rate(http_requests_total{code="500"}[5m])) / sum(rate(http_requests_total{service="web-app"}[5m]))',
      {},
    );
    const outcome = await providerFor(m).run(m, ctx(), '1');
    expect(outcome.phase).toBe('Successful');
    // queue_depth has one sample per series in the window: rate() has nothing to give.
    const single = metric('sum(rate(queue_depth[5m]))');
    expect(await providerFor(single).run(single, ctx(), '1')).toMatchObject({
      value: '[]',
      result: [],
    });
    expect((outcome.result as number[])[0]).toBeCloseTo(
      ERR_PER_STEP / (OK_PER_STEP + ERR_PER_STEP),
      12,
    );
  });

  it('a vector of several series gives every sample, as value "[a,b]" and a list of floats', async () => {
    const m = metric('sort(queue_depth)');
    const outcome = await providerFor(m).run(m, ctx(), '1');
    expect(outcome).toMatchObject({ phase: 'Successful', value: '[3,4.5]', result: [3, 4.5] });
  });

  it('a scalar gives its float, and an empty vector gives [] (the conditions then explain)', async () => {
    const scalar = metric('scalar(sum(queue_depth))');
    expect(await providerFor(scalar).run(scalar, ctx(), '1')).toMatchObject({
      phase: 'Successful',
      value: '7.5',
      result: 7.5,
    });
    const empty = metric('queue_depth{queue="missing"}');
    const outcome = await providerFor(empty).run(empty, ctx(), '1');
    expect(outcome).toMatchObject({ phase: 'Successful', value: '[]', result: [] });
    expect(evaluateMeasurement(empty, outcome.result)).toEqual({
      phase: 'Error',
      message:
        'could not evaluate successCondition "result[0] >= 0.95": metric result is nil or empty: ' +
        'no data returned from the metric provider',
    });
  });

  it('NaN and infinities come through as Prometheus spells them and as JS numbers', async () => {
    const m = metric('vector(0) / vector(0) or vector(1) / vector(0)');
    const nan = await providerFor(m).run(m, ctx(), '1');
    expect(nan.value).toBe('[NaN]');
    expect((nan.result as number[])[0]).toBeNaN();
    const inf = metric('vector(1) / vector(0)');
    expect(await providerFor(inf).run(inf, ctx(), '1')).toMatchObject({
      value: '[+Inf]',
      result: [Infinity],
    });
  });

  it("a query Prometheus refuses is an Error with Prometheus' own message", async () => {
    const m = metric('sum(rate(http_requests_total[5m]');
    const outcome = await providerFor(m).run(m, ctx(), '1');
    expect(outcome.phase).toBe('Error');
    expect(outcome.message).toMatch(/^bad_data: .*parse error/);
  });

  it('a range query gives every sample of every series in the range', async () => {
    const m = metric('queue_depth', {
      rangeQuery: { start: 'now() - duration("1m")', end: 'now()', step: '1m' },
    });
    const outcome = await providerFor(m).run(m, ctx(), '1');
    expect(outcome.phase).toBe('Successful');
    // Two series, each seen at the step points where its one sample is within the lookback.
    const values = outcome.result as number[];
    expect(values.length).toBeGreaterThanOrEqual(2);
    expect(new Set(values)).toEqual(new Set([3, 4.5]));
  });
});

describe('the Prometheus test support', () => {
  it('says how to install Prometheus when the binary is missing', async () => {
    await expect(
      startPrometheus([], { prometheus: 'prometheus-not-installed-here' }),
    ).rejects.toThrow(
      /prometheus-not-installed-here not found on PATH: .*run `bash \.ci\/ensure-prometheus\.sh`/,
    );
    await expect(findBinary('/nonexistent/promtool')).rejects.toThrow(/not found on PATH/);
  });
});
