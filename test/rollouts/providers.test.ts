/**
 * Argo Rollouts' metric providers (metricproviders/*): which provider a metric gets, args,
 * addresses, and the web, job and cloudWatch providers against real HTTP servers and the
 * simulated cluster. The prometheus provider's end-to-end tests are in prometheus.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  PROXY_ANNOTATION,
  startSimCluster,
  type SimCluster,
} from '../../shared/adapters/local/sim-cluster/server.js';
import { POD_ANNOTATIONS } from '../../shared/adapters/local/sim-cluster/controllers.js';
import type { ClientNodeKubernetes } from '../../shared/adapters/kubernetes/client-node-kubernetes.js';
import type { Measurement, Metric } from '../../shared/rollouts/analysis.js';
import {
  providerFor,
  UnsupportedProviderError,
  type MeasureOutcome,
  type ProviderContext,
} from '../../shared/rollouts/providers/provider.js';
import { resolveArgs, substituteArgs } from '../../shared/rollouts/providers/args.js';
import { routeFor } from '../../shared/rollouts/providers/http.js';
import { formatSampleValue, shapeResult } from '../../shared/rollouts/providers/prometheus.js';
import { goJsonMarshal } from '../../shared/rollouts/providers/web.js';
import {
  ANALYSIS_RUN_METRIC_ANNOTATION,
  ANALYSIS_RUN_NAME_ANNOTATION,
  ANALYSIS_RUN_NAMESPACE_ANNOTATION,
  ANALYSIS_RUN_UID_LABEL,
  JOB_NAME_KEY,
  JOB_NAMESPACE_KEY,
  jobName,
} from '../../shared/rollouts/providers/job.js';
import {
  CloudWatchProvider,
  metricDataQueries,
} from '../../shared/rollouts/providers/cloudwatch.js';
import { simClient } from '../support/sim-kube.js';

let sim: SimCluster;
let k8s: ClientNodeKubernetes;

beforeAll(async () => {
  sim = await startSimCluster({ controllers: { podStartMs: 50, podRunMs: 200, tickMs: 25 } });
  ({ k8s } = simClient(sim));
});
afterAll(async () => sim?.stop());

const ctx = (over: Partial<ProviderContext> = {}): ProviderContext => ({
  kubernetes: k8s,
  namespace: 'default',
  analysisRun: { name: 'web-app-7d9f-2-1', uid: '1b7d6c2e-5f4a-4c1b-9d0e-3a2b1c0d9e8f' },
  now: () => Date.now(),
  ...over,
});

// ---------------------------------------------------------------------------------------------

describe('providerFor: the provider a metric names', () => {
  it.each([
    [{ prometheus: { query: 'up' } }, 'prometheus'],
    [{ web: { url: 'http://x' } }, 'web'],
    [{ job: { spec: {} } }, 'job'],
    [{ cloudWatch: { metricDataQueries: [] } }, 'cloudwatch'],
    // Argo's precedence when several are set: prometheus before job before web.
    [{ web: { url: 'http://x' }, prometheus: { query: 'up' } }, 'prometheus'],
    [{ web: { url: 'http://x' }, job: { spec: {} } }, 'job'],
  ])('%j -> %s', (provider, type) => {
    expect(providerFor({ name: 'm', provider }).type).toBe(type);
  });

  it.each([
    ['datadog', { datadog: { query: 'x' } }],
    ['newRelic', { newRelic: { query: 'x' } }],
    ['wavefront', { wavefront: { query: 'x' } }],
    ['kayenta', { kayenta: {} }],
    ['graphite', { graphite: { query: 'x' } }],
    ['influxdb', { influxdb: { query: 'x' } }],
    ['skywalking', { skywalking: { query: 'x' } }],
    ['plugin', { plugin: { 'argoproj-labs/sample': {} } }],
  ])('%s is refused, naming the metric and the provider', (name, provider) => {
    expect(() => providerFor({ name: 'error-rate', provider })).toThrow(UnsupportedProviderError);
    expect(() => providerFor({ name: 'error-rate', provider })).toThrow(
      `metric 'error-rate': provider '${name}' is not supported`,
    );
  });

  it('a metric without a provider gets Argo\'s "no valid provider" error', () => {
    expect(() => providerFor({ name: 'x' })).toThrow(/^no valid provider in metric 'x'/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('args: resolution and substitution', () => {
  const metric: Metric = {
    name: 'success-rate',
    successCondition: 'result[0] >= {{args.threshold}}',
    provider: {
      prometheus: {
        address: 'http://prometheus.monitoring:9090',
        query: 'sum(rate(x{service="{{ args.service-name }}"}[5m]))',
        headers: [{ key: 'Authorization', value: 'Bearer {{args.token}}' }],
      },
    },
  };

  it('replaces {{args.x}} and {{ args.x }} in every string, leaving the rest alone', () => {
    const out = substituteArgs(metric, { threshold: '0.95', 'service-name': 'web', token: 't"q' });
    expect(out).toEqual({
      name: 'success-rate',
      successCondition: 'result[0] >= 0.95',
      provider: {
        prometheus: {
          address: 'http://prometheus.monitoring:9090',
          query: 'sum(rate(x{service="web"}[5m]))',
          headers: [{ key: 'Authorization', value: 'Bearer t"q' }],
        },
      },
    });
    // The input is not changed.
    expect(metric.successCondition).toBe('result[0] >= {{args.threshold}}');
  });

  it.each([
    ['{{args.missing}}', 'failed to resolve {{args.missing}}'],
    ['{{ workflow.name }}', 'failed to resolve {{ workflow.name }}'],
    ['{{args.x', 'Cannot find end tag="}}"'],
  ])('%s is an error: %s', (text, message) => {
    expect(() => substituteArgs({ name: 'm', successCondition: text }, { x: '1' })).toThrow(
      message,
    );
  });

  it('reads secretKeyRef from the Secret in the run namespace, values as given', async () => {
    await k8s.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'datadog', namespace: 'default' },
      data: { 'api-key': Buffer.from('s3cr3t').toString('base64') },
    });
    const values = await resolveArgs(
      [
        { name: 'service', value: 'web' },
        { name: 'key', valueFrom: { secretKeyRef: { name: 'datadog', key: 'api-key' } } },
      ],
      k8s,
      'default',
    );
    expect(values).toEqual({ service: 'web', key: 's3cr3t' });
  });

  it.each([
    [[{ name: 'a' }], 'args.a was not resolved'],
    [
      [{ name: 'k', valueFrom: { secretKeyRef: { name: 'datadog', key: 'nope' } } }],
      "key 'nope' does not exist in secret 'datadog'",
    ],
    [
      [{ name: 'k', valueFrom: { secretKeyRef: { name: 'absent', key: 'x' } } }],
      'secrets "absent" not found in namespace "default"',
    ],
    [
      [{ name: 'f', valueFrom: { fieldRef: { fieldPath: 'metadata.labels["app"]' } } }],
      'args.f: valueFrom.fieldRef',
    ],
  ])('%j fails: %s', async (args, message) => {
    await expect(resolveArgs(args, k8s, 'default')).rejects.toThrow(message);
  });

  it("fieldRef goes to the caller's hook", async () => {
    const values = await resolveArgs(
      [{ name: 'app', valueFrom: { fieldRef: { fieldPath: 'metadata.labels["app"]' } } }],
      k8s,
      'default',
      { fieldRef: (path) => (path === 'metadata.labels["app"]' ? 'guestbook' : undefined) },
    );
    expect(values).toEqual({ app: 'guestbook' });
  });
});

// ---------------------------------------------------------------------------------------------

describe('addresses: in-cluster through the service proxy, the rest directly', () => {
  it.each([
    ['http://prometheus.monitoring.svc:9090/x?y=1', 'proxy', 'monitoring/prometheus:9090 /x?y=1'],
    ['http://prometheus.monitoring.svc:9090', 'proxy', 'monitoring/prometheus:9090 /'],
    [
      'http://prometheus.monitoring.svc.cluster.local:9090',
      'proxy',
      'monitoring/prometheus:9090 /',
    ],
    ['http://prometheus/api', 'proxy', 'rollouts/prometheus:80 /api'],
    ['https://metrics.monitoring.svc', 'proxy', 'monitoring/https:metrics:443 /'],
    ['http://prometheus.monitoring', 'either', 'monitoring/prometheus:80 /'],
    ['http://prometheus.monitoring:9090/x?y=1', 'either', 'monitoring/prometheus:9090 /x?y=1'],
    ['https://example.com/a', 'either', 'com/https:example:443 /a'],
    ['http://localhost:9090', 'fetch', 'http://localhost:9090/'],
    ['http://127.0.0.1:9090/q', 'fetch', 'http://127.0.0.1:9090/q'],
    ['https://api.datadoghq.com/api/v1/query', 'fetch', 'https://api.datadoghq.com/api/v1/query'],
  ])('%s -> %s %s', (url, via, where) => {
    const route = routeFor(url, 'rollouts');
    expect(route.via).toBe(via);
    expect(
      route.via === 'fetch'
        ? route.url
        : `${route.service.namespace}/${route.service.name}:${route.service.port} ${route.path}`,
    ).toBe(where);
  });

  it('refuses what is not an http URL', () => {
    expect(() => routeFor('prometheus:9090', 'x')).toThrow(/only http and https/);
    expect(() => routeFor('not a url', 'x')).toThrow(/is not a URL/);
  });
});

// ---------------------------------------------------------------------------------------------

describe("prometheus: Argo's value text and result", () => {
  it.each([
    [0.99, '0.99'],
    [1, '1'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [-2.5e-5, '-0.000025'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('model.SampleValue %s prints as %s', (v, text) => {
    expect(formatSampleValue(v)).toBe(text);
  });

  it('a matrix flattens every series into one list', () => {
    expect(
      shapeResult({
        resultType: 'matrix',
        result: [
          {
            metric: {},
            values: [
              [1, '1'],
              [2, '2'],
            ],
          },
          { metric: {}, values: [[1, 'NaN']] },
        ],
      }),
    ).toEqual({ value: '[1,2,NaN]', result: [1, 2, NaN] });
  });

  it('a string result is not a metric type Argo supports', () => {
    expect(() => shapeResult({ resultType: 'string', result: [1, 'x'] })).toThrow(
      'Prometheus metric type not supported',
    );
  });

  it('an address that is not a URL, a negative timeout and no address are errors', async () => {
    const run = (prometheus: Record<string, unknown>) => {
      const m: Metric = { name: 'm', provider: { prometheus } };
      return providerFor(m).run(m, ctx(), '1');
    };
    expect(await run({ address: 'prometheus:9090', query: 'up' })).toMatchObject({
      phase: 'Error',
      message: 'prometheus address is not is url format',
    });
    expect(await run({ address: 'http://p:9090', query: 'up', timeout: -1 })).toMatchObject({
      phase: 'Error',
      message: 'prometheus timeout should not be negative',
    });
    expect(await run({ query: 'up' })).toMatchObject({
      phase: 'Error',
      message: expect.stringMatching(/^prometheus address is not configured/),
      metadata: { ResolvedPrometheusQuery: 'up' },
    });
  });
});

// ---------------------------------------------------------------------------------------------

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('web: one HTTP request, the JSON value at jsonPath', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (req.url === '/status')
          return res.end(JSON.stringify({ data: { ok: true, rate: 0.97, tags: ['a', 'b'] } }));
        if (req.url === '/list') return res.end(JSON.stringify({ items: [{ v: 3 }, { v: 4 }] }));
        if (req.url === '/html')
          return res.end(JSON.stringify({ z: '<b>&</b>', a: { y: 1, x: 2 } }));
        if (req.url === '/text') return res.end('healthy');
        if (req.url === '/slow') return setTimeout(() => res.end('{}'), 3_000);
        if (req.url === '/echo') return res.end(body);
        if (req.url === '/token')
          return res.end(JSON.stringify({ access_token: 'tok-1', token_type: 'bearer' }));
        res.writeHead(503);
        res.end('down');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await k8s.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'metrics' } });
    await k8s.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'checker',
        namespace: 'metrics',
        annotations: { [PROXY_ANNOTATION]: base },
      },
      spec: { ports: [{ port: 8080 }] },
    });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const web = (spec: Record<string, unknown>): Promise<MeasureOutcome> => {
    const m: Metric = { name: 'web', provider: { web: spec } };
    return providerFor(m).run(m, ctx(), '1');
  };

  it.each([
    ['{$.data.ok}', 'true', true],
    ['{$.data.rate}', '0.97', 0.97],
    ['{.data.tags}', '["a","b"]', ['a', 'b']],
    ['{$.data.tags[1]}', '"b"', 'b'],
    [
      undefined,
      '{"data":{"ok":true,"rate":0.97,"tags":["a","b"]}}',
      { data: { ok: true, rate: 0.97, tags: ['a', 'b'] } },
    ],
  ])('jsonPath %s gives value %s', async (jsonPath, value, result) => {
    const outcome = await web({ url: `${base}/status`, ...(jsonPath ? { jsonPath } : {}) });
    expect(outcome).toEqual({ phase: 'Successful', value, result });
  });

  it('a path selecting several nodes gives the first, as Kubernetes JSONPath results do', async () => {
    expect(await web({ url: `${base}/list`, jsonPath: '{$.items[*].v}' })).toMatchObject({
      value: '3',
      result: 3,
    });
  });

  it("the value is Go's JSON: keys sorted, <, > and & escaped", async () => {
    const outcome = await web({ url: `${base}/html` });
    expect(outcome.value).toBe('{"a":{"x":2,"y":1},"z":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e"}');
    expect(JSON.parse(outcome.value!)).toEqual(outcome.result);
    expect(goJsonMarshal([1.5, null, 'x'])).toBe('[1.5,null,"x"]');
  });

  it('a body that is not JSON is the result as a string', async () => {
    expect(await web({ url: `${base}/text`, jsonPath: '{$.x}' })).toEqual({
      phase: 'Successful',
      value: 'healthy',
      result: 'healthy',
    });
  });

  it('sends method, headers and jsonBody (with its content type)', async () => {
    const outcome = await web({
      url: `${base}/echo`,
      method: 'POST',
      headers: [{ key: 'X-Api-Key', value: 'k1' }],
      jsonBody: { service: 'web', window: 5 },
      jsonPath: '{$.window}',
    });
    expect(outcome).toMatchObject({ phase: 'Successful', result: 5 });
    const request = seen.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.headers['x-api-key']).toBe('k1');
    expect(request.headers['content-type']).toBe('application/json');
  });

  it.each([
    [
      { url: '/status', body: 'x' },
      'Body/JSONBody can only be used with POST or PUT WebMetric Method types',
    ],
    [
      { url: '/status', method: 'POST', body: 'x', jsonBody: {} },
      'use either Body or JSONBody; both cannot exists for WebMetric payload',
    ],
    [{ url: '/missing' }, 'received non 2xx response code: 503'],
    [{ url: '/status', jsonPath: '{$.data.nope}' }, 'Could not find JSONPath in body: '],
    [{ url: '/list', jsonPath: '{$.none[*]}' }, 'result of web metric produced no value'],
    [{ url: '/slow', timeoutSeconds: 1 }, 'timed out after 1s'],
  ])('%j is an Error: %s', async (spec, message) => {
    const outcome = await web({ ...spec, url: `${base}${spec.url}` });
    expect(outcome.phase).toBe('Error');
    expect(outcome.message).toContain(message);
  });

  it('authentication.oauth2 gets a client-credentials token and sends it as a bearer', async () => {
    const outcome = await web({
      url: `${base}/status`,
      jsonPath: '{$.data.ok}',
      authentication: {
        oauth2: { tokenUrl: `${base}/token`, clientId: 'id', clientSecret: 'pw', scopes: ['read'] },
        basicAuth: { username: 'ignored', password: 'ignored' },
      },
    });
    expect(outcome).toMatchObject({ phase: 'Successful', result: true });
    const [token, request] = seen.slice(-2);
    expect(token!.body).toBe('grant_type=client_credentials&scope=read');
    expect(token!.headers.authorization).toBe(`Basic ${Buffer.from('id:pw').toString('base64')}`);
    expect(request!.headers.authorization).toBe('Bearer tok-1');
    expect(
      await web({
        url: `${base}/status`,
        authentication: { oauth2: { tokenUrl: `${base}/token` } },
      }),
    ).toMatchObject({
      phase: 'Error',
      message: 'missing mandatory parameter in metric for OAuth2 setup',
    });
  });

  it('an in-cluster URL goes through the service proxy', async () => {
    const before = seen.length;
    const outcome = await web({
      url: 'http://checker.metrics.svc.cluster.local:8080/status',
      jsonPath: '{$.data.rate}',
    });
    expect(outcome).toMatchObject({ phase: 'Successful', result: 0.97 });
    expect(seen.length).toBe(before + 1);
    expect(
      sim.requests.some((r) =>
        /\/namespaces\/metrics\/services\/checker(:|%3A)8080\/proxy\/status$/.test(r.path),
      ),
    ).toBe(true);
  });

  it('a two-label host is a Service when the cluster has one (cluster DNS searches first)', async () => {
    expect(
      await web({ url: 'http://checker.metrics:8080/status', jsonPath: '{$.data.ok}' }),
    ).toMatchObject({ phase: 'Successful', result: true });
  });
});

// ---------------------------------------------------------------------------------------------

describe('job: a Job per measurement', () => {
  const jobMetric = (name: string, exitCode?: number): Metric => ({
    name,
    provider: {
      job: {
        metadata: { labels: { team: 'a' }, annotations: { note: 'x' } },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: exitCode
              ? { annotations: { [POD_ANNOTATIONS.exitCode]: String(exitCode) } }
              : {},
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'check', image: 'busybox', command: ['sh', '-c', 'true'] }],
            },
          },
        },
      },
    },
  });

  async function untilDone(metric: Metric, c: ProviderContext, inFlight: Measurement) {
    const provider = providerFor(metric);
    for (let i = 0; i < 100; i++) {
      const outcome = await provider.resume!(metric, c, inFlight);
      if (outcome.phase !== 'Running') return outcome;
      expect(outcome.resumeAfterMs).toBeGreaterThanOrEqual(0);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the Job did not finish');
  }

  it("creates the Job with Argo's name, labels and annotations, and no ownerReference", async () => {
    const c = ctx();
    const metric = jobMetric('smoke');
    const outcome = await providerFor(metric).run(metric, c, 'smoke-1');
    const name = `${c.analysisRun.uid}.smoke.1`;
    expect(outcome).toEqual({
      phase: 'Running',
      metadata: { [JOB_NAME_KEY]: name, [JOB_NAMESPACE_KEY]: 'default' },
      resumeAfterMs: 0,
    });
    const job = await k8s.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'default', name });
    expect(job?.metadata.labels).toEqual({
      team: 'a',
      [ANALYSIS_RUN_UID_LABEL]: c.analysisRun.uid,
    });
    expect(job?.metadata.annotations).toEqual({
      note: 'x',
      [ANALYSIS_RUN_NAME_ANNOTATION]: c.analysisRun.name,
      [ANALYSIS_RUN_NAMESPACE_ANNOTATION]: 'default',
      [ANALYSIS_RUN_METRIC_ANNOTATION]: 'smoke',
    });
    expect(job?.metadata['ownerReferences']).toBeUndefined();
    const template = (job?.spec as { template: { metadata: { labels: Record<string, string> } } })
      .template;
    expect(template.metadata.labels[ANALYSIS_RUN_UID_LABEL]).toBe(c.analysisRun.uid);

    // Running the same effect again adopts the Job instead of failing or making a second one.
    expect(await providerFor(metric).run(metric, c, 'smoke-1')).toEqual(outcome);
    const jobs = await k8s.list('batch/v1', 'Job', {
      namespace: 'default',
      labelSelector: `${ANALYSIS_RUN_UID_LABEL}=${c.analysisRun.uid}`,
    });
    expect(jobs.filter((j) => j.metadata.name === name)).toHaveLength(1);

    const done = await untilDone(metric, c, {
      phase: 'Running',
      startedAt: Date.now(),
      metadata: outcome.metadata!,
    });
    expect(done).toEqual({ phase: 'Successful', metadata: outcome.metadata });
  });

  it('a Job that fails makes the measurement Failed', async () => {
    const c = ctx();
    const metric = jobMetric('fails', 3);
    const outcome = await providerFor(metric).run(metric, c, '1');
    const done = await untilDone(metric, c, {
      phase: 'Running',
      startedAt: Date.now(),
      metadata: outcome.metadata!,
    });
    expect(done.phase).toBe('Failed');
  });

  it("a Job of another run with the same name is not adopted: the create's error stands", async () => {
    const metric = jobMetric('clash');
    const first = await providerFor(metric).run(
      metric,
      ctx({ analysisRun: { name: 'a', uid: 'same-uid' } }),
      '1',
    );
    expect(first.phase).toBe('Running');
    const second = await providerFor(metric).run(
      metric,
      ctx({ analysisRun: { name: 'b', uid: 'same-uid' } }),
      '1',
    );
    expect(second.phase).toBe('Error');
    expect(second.message).toMatch(/already exists/i);
  });

  it('resume waits longer the longer the Job has run: sqrt(2 x elapsed) seconds', async () => {
    const metric = jobMetric('slow');
    await k8s.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'held', namespace: 'default' },
      spec: {
        template: {
          metadata: { annotations: { [POD_ANNOTATIONS.runSeconds]: '600' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    });
    const now = Date.now();
    const outcome = await providerFor(metric).resume!(metric, ctx({ now: () => now }), {
      phase: 'Running',
      startedAt: now - 50_000,
      metadata: { [JOB_NAME_KEY]: 'held' },
    });
    expect(outcome).toMatchObject({ phase: 'Running', resumeAfterMs: 10_000 });
  });

  it('terminate deletes the Job and makes the measurement Inconclusive', async () => {
    const c = ctx();
    const metric = jobMetric('stopped');
    const outcome = await providerFor(metric).run(metric, c, '7');
    const inFlight: Measurement = {
      phase: 'Running',
      startedAt: Date.now(),
      metadata: outcome.metadata!,
    };
    expect(await providerFor(metric).terminate!(metric, c, inFlight)).toEqual({
      phase: 'Inconclusive',
      metadata: outcome.metadata,
    });
    const ref = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      namespace: 'default',
      name: outcome.metadata![JOB_NAME_KEY]!,
    };
    for (let i = 0; i < 40 && (await k8s.get(ref)); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await k8s.get(ref)).toBeUndefined();
    // Terminating again (a retried effect) is fine.
    expect((await providerFor(metric).terminate!(metric, c, inFlight)).phase).toBe('Inconclusive');
  });

  it('a measurement without the job reference, or whose Job is gone, is an Error', async () => {
    const metric = jobMetric('lost');
    expect(await providerFor(metric).resume!(metric, ctx(), { phase: 'Running' })).toMatchObject({
      phase: 'Error',
      message: 'job metadata reference missing',
    });
    expect(
      await providerFor(metric).resume!(metric, ctx(), {
        phase: 'Running',
        metadata: { [JOB_NAME_KEY]: 'gone' },
      }),
    ).toMatchObject({ phase: 'Error', message: expect.stringContaining('"gone" not found') });
  });

  it('a metric without job.spec is an Error', async () => {
    const m: Metric = { name: 'j', provider: { job: { metadata: {} } } };
    expect(await providerFor(m).run(m, ctx(), '1')).toMatchObject({
      phase: 'Error',
      message: expect.stringContaining('provider.job.spec is required'),
    });
  });

  it.each([
    [{ name: 'r', uid: 'u' }, 'metric', '3', 'u.metric.3'],
    [{ name: 'r', uid: 'u' }, 'metric', 'metric-3', 'u.metric.3'],
    [{ name: 'r' }, 'metric', '3', 'r.metric.3'],
    [
      { name: 'r', uid: '1b7d6c2e-5f4a-4c1b-9d0e-3a2b1c0d9e8f' },
      'a-very-long-metric-name-indeed',
      '12',
      '1b7d6c2e-5f4a-4c1b-9d0e-3a2b1c0d9e8f.a-very-long-metric-name.12',
    ],
  ])('run %j, metric %s, measurement %s -> %s', (run, metric, id, name) => {
    const out = jobName(run, metric, id);
    expect(out).toBe(name);
    expect(out.length).toBeLessThanOrEqual(63);
  });
});

// ---------------------------------------------------------------------------------------------

describe('cloudWatch: GetMetricData over the interval', () => {
  let server: Server;
  let endpoint: string;
  const requests: { target: string; contentType: string; body: Record<string, unknown> }[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };

  beforeAll(async () => {
    // The SDK (3.1164) speaks AWS JSON 1.0 to CloudWatch: POST /, X-Amz-Target names the call.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push({
          target: String(req.headers['x-amz-target']),
          contentType: String(req.headers['content-type']),
          body: JSON.parse(body || '{}') as Record<string, unknown>,
        });
        res.writeHead(answer.status, { 'Content-Type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const client = () =>
    new CloudWatchClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });

  const metric: Metric = {
    name: 'error-rate',
    successCondition: 'all(result[0].Values, {# <= 0.01})',
    provider: {
      cloudWatch: {
        interval: '10m',
        metricDataQueries: [
          {
            id: 'rate',
            expression: 'errors / requests',
          },
          {
            id: 'errors',
            metricStat: {
              metric: {
                namespace: 'app',
                metricName: 'errors',
                dimensions: [{ name: 'service', value: 'web' }],
              },
              period: '300',
              stat: 'Sum',
              unit: 'Count',
            },
            returnData: false,
          },
        ],
      },
    },
  };

  it("sends Argo's queries over [now - interval, now] and shapes the answer as Argo does", async () => {
    answer = {
      status: 200,
      body: {
        MetricDataResults: [
          {
            Id: 'rate',
            Label: 'rate',
            Timestamps: [1_700_000_000, 1_700_000_300],
            Values: [0.005, 1e-6],
            StatusCode: 'Complete',
          },
        ],
        Messages: [{ Code: 'MaxQueryTimeRangeExceed', Value: 'too long' }],
      },
    };
    const now = 1_700_000_600_000;
    const provider = new CloudWatchProvider({ client: client() });
    const outcome = await provider.run(metric, ctx({ now: () => now }));
    const request = requests.at(-1)!;
    expect(request.target).toBe('GraniteServiceVersion20100801.GetMetricData');
    expect(request.contentType).toBe('application/x-amz-json-1.0');
    expect(request.body['StartTime']).toBe((now - 600_000) / 1000);
    expect(request.body['EndTime']).toBe(now / 1000);
    expect(request.body['MetricDataQueries']).toEqual([
      { Id: 'rate', Expression: 'errors / requests' },
      {
        Id: 'errors',
        MetricStat: {
          Metric: {
            Namespace: 'app',
            MetricName: 'errors',
            Dimensions: [{ Name: 'service', Value: 'web' }],
          },
          Period: 300,
          Stat: 'Sum',
          Unit: 'Count',
        },
        ReturnData: false,
      },
    ]);
    expect(outcome).toEqual({
      phase: 'Successful',
      value: '[[0.005 1e-06]]',
      result: [
        {
          Id: 'rate',
          Label: 'rate',
          Messages: [],
          StatusCode: 'Complete',
          Timestamps: ['2023-11-14T22:13:20.000Z', '2023-11-14T22:18:20.000Z'],
          Values: [0.005, 1e-6],
        },
      ],
      metadata: { messages: '[{Code:MaxQueryTimeRangeExceed Value:too long}]' },
    });
  });

  it('interval defaults to 5m', async () => {
    answer = { status: 200, body: { MetricDataResults: [] } };
    const now = 1_700_000_000_000;
    const m: Metric = {
      name: 'c',
      provider: { cloudWatch: { metricDataQueries: [{ id: 'q', expression: 'x' }] } },
    };
    const outcome = await new CloudWatchProvider({ client: client() }).run(
      m,
      ctx({ now: () => now }),
    );
    expect(outcome).toEqual({ phase: 'Successful', value: '[]', result: [] });
    expect(requests.at(-1)!.body['StartTime']).toBe((now - 300_000) / 1000);
  });

  it("CloudWatch's error is the measurement's Error", async () => {
    answer = {
      status: 400,
      body: {
        __type: 'com.amazonaws.cloudwatch#InvalidParameterValueException',
        message: 'bad query',
      },
    };
    const outcome = await new CloudWatchProvider({ client: client() }).run(metric, ctx());
    expect(outcome).toMatchObject({ phase: 'Error', message: 'bad query' });
  });

  it('an interval that is not a Go duration is an Error', async () => {
    const m: Metric = {
      name: 'c',
      provider: { cloudWatch: { interval: '5 minutes', metricDataQueries: [] } },
    };
    expect(await new CloudWatchProvider({ client: client() }).run(m, ctx())).toMatchObject({
      phase: 'Error',
      message: 'time: invalid duration "5 minutes"',
    });
  });

  it('periods are IntOrString read as Atoi does', () => {
    expect(
      metricDataQueries([
        {
          id: 'a',
          period: '60',
          metricStat: { period: 'x', stat: 'Average', metric: { metricName: 'm' } },
        },
      ]),
    ).toEqual([
      {
        Id: 'a',
        Period: 60,
        MetricStat: { Metric: { MetricName: 'm' }, Period: 0, Stat: 'Average' },
      },
    ]);
  });

  it('providerFor takes the endpoint from the options', async () => {
    answer = {
      status: 200,
      body: { MetricDataResults: [{ Id: 'q', Values: [2], Timestamps: [1] }] },
    };
    process.env['AWS_ACCESS_KEY_ID'] ??= 'AKIDEXAMPLE';
    process.env['AWS_SECRET_ACCESS_KEY'] ??= 'secret';
    const m: Metric = {
      name: 'c',
      provider: { cloudWatch: { metricDataQueries: [{ id: 'q', expression: 'x' }] } },
    };
    const outcome = await providerFor(m, { cloudwatch: { endpoint, region: 'eu-west-1' } }).run(
      m,
      ctx(),
      '1',
    );
    expect(outcome).toMatchObject({ phase: 'Successful', value: '[[2]]' });
  });
});
