/**
 * The seeds (../shared/corpus/seeds rollout.yaml, analysistemplate.yaml) on the embedded runtime
 * with the simulated cluster: the Services and Ingress they name exist on the cluster, metrics
 * come from a real Prometheus reached through the cluster's service proxy, the smoke test runs as
 * a Job, and time is a controlled clock (pauses, analysis intervals and scale-down delays pass
 * when the test moves the clock; nothing sleeps for them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Embedded } from '../../shared/runtime/local/embedded.js';
import { startEmbedded } from '../../shared/runtime/local/embedded.js';
import type { KubeObject } from '../../shared/core/objects.js';
import type { Kubernetes } from '../../shared/core/kubernetes.js';
import { parseYamlDocuments } from '../../shared/resources/yaml.js';
import { PROXY_ANNOTATION } from '../../shared/adapters/local/sim-cluster/server.js';
import { OWNER_LABEL } from '../../shared/rollouts/replicaset.js';
import type { RunningPrometheus, Series } from '../support/prometheus.js';
import { startPrometheus } from '../support/prometheus.js';
import { tempDirs } from '../support/temp-dirs.js';
import { ManualClock } from '../support/manual-clock.js';

const SEEDS = join(import.meta.dirname, '../../../shared/corpus/seeds');
const MINUTE = 60_000;

/** Counters and latency buckets for `service`, one sample every 15 s from 6 min ago to 10 min ahead. */
function traffic(service: string, successRate: number, p99Seconds: number): Series[] {
  const now = Date.now();
  const times = Array.from(
    { length: 65 },
    (_, i) => Math.floor((now - 6 * MINUTE + i * 15_000) / 1000) * 1000,
  );
  const counter = (name: string, labels: Record<string, string>, perStep: number): Series => ({
    name,
    labels: { service, ...labels },
    samples: times.map((t, i) => ({ t, v: perStep * (i + 1) })),
  });
  const ok = Math.round(successRate * 1000);
  return [
    counter('http_requests_total', { status: '200' }, ok),
    counter('http_requests_total', { status: '500' }, 1000 - ok),
    // 99% of requests under p99Seconds: the 0.99 quantile lands in that bucket.
    counter('http_request_duration_seconds_bucket', { le: String(p99Seconds) }, 990),
    counter('http_request_duration_seconds_bucket', { le: String(p99Seconds * 2) }, 1000),
    counter('http_request_duration_seconds_bucket', { le: '+Inf' }, 1000),
  ];
}

const dataDir = tempDirs('rollout-seeds');
const clock = new ManualClock(Date.now());
let embedded: Embedded;
let kube: Kubernetes;
let good: RunningPrometheus;
let bad: RunningPrometheus;
let seeds: KubeObject[];

const key = (kind: string, name: string) => `in-cluster/${kind}/production/${name}`;

async function read(kind: string, name: string) {
  return (await embedded.runtime.get(key(kind, name))).object;
}

async function status(name: string) {
  return ((await read('Rollout', name))?.['status'] ?? {}) as Record<string, unknown> & {
    phase?: string;
    message?: string;
    currentStepIndex?: number;
    stableRS?: string;
    currentPodHash?: string;
    canary?: { weights?: { canary: { weight: number }; stable: { weight: number } } };
    blueGreen?: { activeSelector?: string; previewSelector?: string };
    pauseConditions?: { reason: string }[];
  };
}

/** Waits (real time, the cluster's pods take some) until `check` passes. */
async function until<T>(
  what: string,
  probe: () => Promise<T>,
  check: (v: T) => boolean,
  ms = 30_000,
) {
  const deadline = Date.now() + ms;
  let last: T = await probe();
  while (!check(last)) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; last: ${JSON.stringify(last, null, 1).slice(0, 3000)}`,
      );
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

/**
 * Lets what the last clock move started play out before the clock moves again: the queues drain
 * and the pods the simulated kubelet is starting (in real time) become available, as they would
 * in the seconds a real cluster takes. Without it a step could finish only after the next clock
 * jump and its pause start late.
 */
async function steady() {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await embedded.runtime.settled();
    const sets = await kube.list('apps/v1', 'ReplicaSet', { namespace: 'production' });
    const moving = sets.some((rs) => {
      const wanted = (rs.spec as { replicas?: number }).replicas ?? 0;
      const status = (rs.status ?? {}) as { availableReplicas?: number; replicas?: number };
      return (status.availableReplicas ?? 0) !== wanted || (status.replicas ?? 0) !== wanted;
    });
    if (!moving) {
      await new Promise((r) => setTimeout(r, 100));
      await embedded.runtime.settled();
      return;
    }
    if (Date.now() > deadline) throw new Error('the simulated cluster did not settle in 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Moves the controlled clock on in steps, letting each step's timers and effects play out. */
async function advance(ms: number, stepMs = 30_000) {
  for (let done = 0; done < ms; done += stepMs) {
    await steady();
    clock.advance(Math.min(stepMs, ms - done));
    embedded.runtime.clockMoved();
    await steady();
  }
}

async function apply(object: KubeObject) {
  const name = object.metadata.name;
  await embedded.runtime.submit(
    [
      {
        id: `apply-${object.kind}-${name}-${Math.random()}`,
        key: key(object.kind, name),
        at: clock.now(),
        event: { type: 'Apply', object },
      },
    ],
    { waitMs: 10_000 },
  );
}

function withImage(rollout: KubeObject, image: string): KubeObject {
  const copy = structuredClone(rollout);
  const spec = copy.spec as { template: { spec: { containers: { image: string }[] } } };
  spec.template.spec.containers[0]!.image = image;
  return copy;
}

async function replicaSets(rollout: string) {
  const sets = await kube.list('apps/v1', 'ReplicaSet', {
    namespace: 'production',
    labelSelector: `${OWNER_LABEL}=${rollout}`,
  });
  return Object.fromEntries(
    sets.map((rs) => [
      (rs.metadata.labels as Record<string, string>)['rollouts-pod-template-hash']!,
      (rs.spec as { replicas: number }).replicas,
    ]),
  );
}

async function pointPrometheusAt(target: RunningPrometheus) {
  await kube.apply({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'prometheus',
      namespace: 'monitoring',
      annotations: { [PROXY_ANNOTATION]: target.url },
    },
    spec: { ports: [{ port: 9090 }] },
  });
}

beforeAll(async () => {
  [good, bad] = await Promise.all([
    startPrometheus([
      ...traffic('web-app', 0.998, 0.2),
      ...traffic('api-service-active', 0.999, 0.1),
    ]),
    startPrometheus([...traffic('web-app', 0.9, 0.2), ...traffic('api-service-active', 0.9, 0.1)]),
  ]);
  embedded = await startEmbedded({ dataDir: await dataDir(), durability: 'none', clock });
  kube = embedded.cluster.kubernetes;
  for (const ns of ['production', 'monitoring'])
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const service = (name: string, app: string) =>
    kube.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'production' },
      spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] },
    });
  for (const name of ['web-app-canary', 'web-app-stable']) await service(name, 'web-app');
  for (const name of ['api-service-active', 'api-service-preview'])
    await service(name, 'api-service');
  await kube.apply({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web-app-stable', namespace: 'production' },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host: 'web-app.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'web-app-stable', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  });
  await pointPrometheusAt(good);
  seeds = [
    ...parseYamlDocuments(await readFile(join(SEEDS, 'analysistemplate.yaml'), 'utf8')),
    ...parseYamlDocuments(await readFile(join(SEEDS, 'rollout.yaml'), 'utf8')),
  ] as KubeObject[];
  for (const template of seeds.filter((o) => o.kind === 'AnalysisTemplate')) await apply(template);
}, 120_000);

afterAll(async () => {
  await embedded?.stop();
  await Promise.all([good?.stop(), bad?.stop()]);
});

const seed = (name: string) => seeds.find((o) => o.kind === 'Rollout' && o.metadata.name === name)!;

describe('the seed web-app (canary, nginx, background analysis)', () => {
  it('goes to full scale on its first revision', async () => {
    await apply(seed('web-app'));
    const s = await until(
      'Healthy',
      () => status('web-app'),
      (s) => s.phase === 'Healthy',
    );
    expect(s.stableRS).toBe(s.currentPodHash);
    expect(Object.values(await replicaSets('web-app'))).toEqual([10]);
  });

  let stable = '';
  let canary = '';

  it('after an image change: 5% then Paused at step 1', async () => {
    stable = (await status('web-app')).stableRS!;
    await apply(withImage(seed('web-app'), 'myregistry/web-app:v2.0.0'));
    const s = await until(
      'paused at step 1',
      () => status('web-app'),
      (s) => s.phase === 'Paused' && s.currentStepIndex === 1,
    );
    canary = s.currentPodHash!;
    expect(canary).not.toBe(stable);
    expect(s.canary?.weights?.canary.weight).toBe(5);
    expect(s.pauseConditions?.[0]?.reason).toBe('CanaryPauseStep');
    const ingress = await kube.get({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      namespace: 'production',
      name: 'web-app-web-app-stable-canary',
    });
    expect(ingress?.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '5',
      'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
      'nginx.ingress.kubernetes.io/canary-by-header-value': 'true',
    });
    const sets = await until(
      'canary pod up',
      () => replicaSets('web-app'),
      (r) => r[canary] === 1,
    );
    expect(sets[stable]).toBe(10);
    // No analysis before startingStep 2.
    expect(await embedded.runtime.list('AnalysisRun')).toHaveLength(0);
  });

  it('advances through 20 / 50 / 80 % with background analysis from step 2, then promotes', async () => {
    await advance(2 * MINUTE);
    let s = await until(
      '20%',
      () => status('web-app'),
      (s) => s.currentStepIndex === 3 && s.phase === 'Paused',
    );
    expect(s.canary?.weights?.canary.weight).toBe(20);
    const runs = await embedded.runtime.list('AnalysisRun');
    expect(runs.map((r) => r.key)).toEqual([
      `in-cluster/AnalysisRun/production/web-app-${canary}-2`,
    ]);
    const run = await read('AnalysisRun', `web-app-${canary}-2`);
    const results = (
      run?.['status'] as {
        metricResults: { name: string; phase: string; measurements: { value: string }[] }[];
      }
    ).metricResults;
    expect(results.map((r) => r.name).sort()).toEqual(['latency-p99', 'success-rate']);
    expect(results.find((r) => r.name === 'success-rate')!.measurements[0]!.value).toMatch(
      /^\[0\.99/,
    );

    await advance(5 * MINUTE);
    s = await until(
      '50%',
      () => status('web-app'),
      (s) => s.currentStepIndex === 5,
    );
    expect(s.canary?.weights?.canary.weight).toBe(50);
    expect(
      ((await read('AnalysisRun', `web-app-${canary}-2`))?.['status'] as { phase: string }).phase,
    ).toBe('Successful');

    await advance(10 * MINUTE);
    s = await until(
      '80%',
      () => status('web-app'),
      (s) => s.currentStepIndex === 7,
    );
    expect(s.canary?.weights?.canary.weight).toBe(80);

    await advance(5 * MINUTE);
    s = await until(
      'promoted',
      () => status('web-app'),
      (s) => s.stableRS === canary && s.phase === 'Healthy',
    );
    s = await until(
      'all traffic on the new stable',
      () => status('web-app'),
      (s) => s.canary?.weights?.canary.weight === 0,
    );
    expect(s.canary?.weights?.stable).toMatchObject({ weight: 100, podTemplateHash: canary });
    // The old stable stays up for scaleDownDelaySeconds (30 s), then goes.
    await advance(MINUTE, 15_000);
    await until(
      'old stable scaled down',
      () => replicaSets('web-app'),
      (r) => r[stable] === 0 && r[canary] === 10,
    );
  });

  it('a failing success-rate metric aborts and returns all traffic to stable', async () => {
    const promoted = (await status('web-app')).stableRS!;
    await pointPrometheusAt(bad);
    await apply(withImage(seed('web-app'), 'myregistry/web-app:v3.0.0'));
    await until(
      'paused at step 1',
      () => status('web-app'),
      (s) => s.phase === 'Paused' && s.currentStepIndex === 1,
    );
    await advance(2 * MINUTE);
    // failureLimit 3: the fourth failed measurement (one a minute) fails the run.
    await advance(4 * MINUTE);
    const s = await until(
      'aborted',
      () => status('web-app'),
      (s) => s.phase === 'Degraded',
    );
    expect(s.message).toContain('RolloutAborted');
    expect(s.canary?.weights?.canary.weight).toBe(0);
    expect(s.stableRS).toBe(promoted);
    const run = await read('AnalysisRun', `web-app-${s.currentPodHash}-3`);
    expect((run?.['status'] as { phase: string; message: string }).phase).toBe('Failed');
    const ingress = await kube.get({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      namespace: 'production',
      name: 'web-app-web-app-stable-canary',
    });
    expect(ingress?.metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight']).toBe('0');
    // abortScaleDownDelaySeconds (30 s by default) later the canary is gone.
    await advance(MINUTE, 15_000);
    await until(
      'canary scaled down',
      () => replicaSets('web-app'),
      (r) => r[s.currentPodHash!] === 0 && r[promoted] === 10,
    );
    await pointPrometheusAt(good);
  });
});

describe('the seed api-service (blue-green, smoke-test Job, post-promotion analysis)', () => {
  it('after an image change: preview of 1, smoke test, paused for promotion; promote -> 5, switch, analysis, old scaled down 30 s later', async () => {
    await apply(seed('api-service'));
    const first = await until(
      'Healthy',
      () => status('api-service'),
      (s) => s.phase === 'Healthy',
    );
    const old = first.stableRS!;
    await apply(withImage(seed('api-service'), 'myregistry/api-service:v2.0.0'));
    let s = await until(
      'paused for promotion',
      () => status('api-service'),
      (s) => s.phase === 'Paused',
      60_000,
    );
    const next = s.currentPodHash!;
    expect(s.blueGreen).toMatchObject({ activeSelector: old, previewSelector: next });
    expect(await replicaSets('api-service')).toEqual({ [old]: 5, [next]: 1 });
    const pre = await read('AnalysisRun', `api-service-${next}-2-pre`);
    expect((pre?.['status'] as { phase: string }).phase).toBe('Successful');
    const jobs = await kube.list('batch/v1', 'Job', { namespace: 'production' });
    expect(jobs).toHaveLength(1);

    // argosls rollout promote stamps this annotation.
    const promoted = structuredClone(
      withImage(seed('api-service'), 'myregistry/api-service:v2.0.0'),
    );
    promoted.metadata.annotations = {
      'rollouts.argo-serverless.dev/promote': new Date(clock.now()).toISOString(),
    };
    await apply(promoted);
    await until(
      'preview scaled to 5',
      () => replicaSets('api-service'),
      (r) => r[next] === 5,
    );
    s = await until(
      'active switched',
      () => status('api-service'),
      (s) => s.blueGreen?.activeSelector === next,
    );
    const active = await kube.get({
      apiVersion: 'v1',
      kind: 'Service',
      namespace: 'production',
      name: 'api-service-active',
    });
    expect(
      (active?.spec as { selector: Record<string, string> }).selector['rollouts-pod-template-hash'],
    ).toBe(next);
    // The post-promotion analysis (success-rate, 1m interval, count 5) passes after its fifth
    // measurement, four minutes after its first; only then is the new revision stable.
    await until(
      'first post-promotion measurement',
      () => read('AnalysisRun', `api-service-${next}-2-post`),
      (run) =>
        ((run?.['status'] as { metricResults?: { count?: number }[] } | undefined)
          ?.metricResults?.[0]?.count ?? 0) === 1,
    );
    await advance(4 * MINUTE - 30_000);
    expect((await status('api-service')).stableRS).toBe(old);
    await advance(30_000);
    s = await until(
      'stable is the new revision',
      () => status('api-service'),
      (s) => s.stableRS === next && s.phase === 'Healthy',
    );
    const post = await read('AnalysisRun', `api-service-${next}-2-post`);
    expect((post?.['status'] as { phase: string }).phase).toBe('Successful');
    expect((await replicaSets('api-service'))[old]).toBe(5);
    await advance(30_000, 30_000);
    await until(
      'old scaled to 0',
      () => replicaSets('api-service'),
      (r) => r[old] === 0 && r[next] === 5,
    );
  });
});
