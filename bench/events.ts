/**
 * Argo Events on the embedded runtime, open loop: signed GitHub deliveries posted at a fixed
 * arrival rate (each on its schedule, whether or not earlier ones finished) to the webhook route;
 * for each, the latency from sending to the 202, to its Workflow's creation (first commit of the
 * Workflow), and to the Workflow's first pod on the simulated cluster. Every rate runs on a fresh
 * runtime. The sustained rate is the highest offered rate whose pods all appeared and whose p99
 * stayed under a second.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Webhooks } from '@octokit/webhooks';
import { startEmbedded } from '../shared/runtime/local/embedded.js';
import { createApiServer } from '../shared/api/http-server.js';
import { parseKey } from '../shared/core/types.js';
import type { Durability } from '../shared/runtime/local/runtime.js';
import { percentile, round } from './stats.js';
import type { Results } from './stats.js';

const NS = 'bench';
const SECRET = 'bench-secret';

interface Delivery {
  sent: number;
  accepted?: number;
  created?: number;
  pod?: number;
}

export async function benchEvents(options: {
  rates: number[];
  seconds: number;
  durability: Durability;
  progress: (line: string) => void;
}): Promise<Results> {
  const results: Results = {};
  let sustained = 0;
  for (const rate of options.rates) {
    options.progress(
      `  ${rate} deliveries/s for ${options.seconds} s (durability ${options.durability})...`,
    );
    const r = await runRate(rate, options.seconds, options.durability);
    const prefix = `events.${options.durability}.rate${rate}`;
    for (const [k, v] of Object.entries(r)) results[`${prefix}.${k}`] = v;
    if (r['completed'] === r['sent'] && Number(r['podMs.p99']) < 1000) sustained = rate;
  }
  results[`events.${options.durability}.sustainedRatePerSec`] = sustained;
  return results;
}

async function runRate(rate: number, seconds: number, durability: Durability): Promise<Results> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-events-'));
  const embedded = await startEmbedded({
    dataDir,
    durability,
    simulated: { controllers: { podStartMs: 0, podRunMs: 0, tickMs: 10 } },
  });
  const server = createApiServer({
    controlPlane: embedded.runtime,
    auth: { none: true },
    version: 'bench',
    events: embedded.events,
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/${NS}/hooks/push`;
  const deliveries: Delivery[] = [];
  const byWorkflow = new Map<string, number>();
  const podSeen = new Map<string, number>();
  const joinPods = () => {
    for (const [wf, at] of podSeen) {
      const d = deliveries[byWorkflow.get(wf) ?? -1];
      if (d && d.pod === undefined) d.pod = at;
    }
  };
  const stopCommits = embedded.runtime.onCommit((notice) => {
    const ref = parseKey(notice.key);
    if (ref.kind !== 'Workflow' || notice.version !== 1 || !notice.object) return;
    const params = (notice.object.spec as { arguments?: { parameters?: { value?: string }[] } })
      .arguments?.parameters;
    const seq = Number(params?.[0]?.value);
    const d = deliveries[seq];
    if (!d) return;
    d.created = performance.now();
    byWorkflow.set(ref.name, seq);
  });
  const watch = await embedded.cluster.kubernetes.watch!(
    'v1',
    'Pod',
    { namespace: NS, labelSelector: 'workflows.argoproj.io/workflow' },
    (type, pod) => {
      // Joined with the Workflow's delivery afterwards: the pod may be seen before the commit
      // notice that names its Workflow.
      const wf = pod.metadata.labels?.['workflows.argoproj.io/workflow'];
      if (type === 'ADDED' && wf !== undefined && !podSeen.has(wf))
        podSeen.set(wf, performance.now());
    },
  );
  try {
    await embedded.cluster.kubernetes.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS },
    });
    await embedded.runtime.secrets.put({
      name: 'hook',
      namespace: NS,
      labels: {},
      data: { secret: SECRET },
    });
    for (const object of fixtures()) {
      const id = embedded.runtime.newMessageId();
      const key = `in-cluster/${String(object['kind'])}/${NS}/${String((object['metadata'] as { name: string }).name)}`;
      await embedded.runtime.submit([
        { id, key, at: Date.now(), event: { type: 'Apply', object } },
      ]);
    }
    const webhooks = new Webhooks({ secret: SECRET });
    const total = rate * seconds;
    const start = performance.now() + 50;
    const posts: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const body = JSON.stringify({
        ref: 'refs/heads/main',
        seq: i,
        after: `${i}`.padStart(40, '0'),
      });
      const signature = await webhooks.sign(body);
      const d: Delivery = { sent: performance.now() };
      deliveries[i] = d;
      posts.push(
        fetch(url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-GitHub-Event': 'push',
            'X-GitHub-Delivery': `bench-${i}`,
            'X-Hub-Signature-256': signature,
          },
          body,
        }).then(async (res) => {
          await res.arrayBuffer();
          if (res.status === 202) d.accepted = performance.now();
        }),
      );
    }
    await Promise.all(posts);
    const deadline = performance.now() + 30_000;
    while (deliveries.some((d) => d.pod === undefined) && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      joinPods();
    }
    const lat = (pick: (d: Delivery) => number | undefined) =>
      deliveries
        .map((d) => (pick(d) === undefined ? undefined : pick(d)! - d.sent))
        .filter((x): x is number => x !== undefined)
        .sort((a, b) => a - b);
    const accepted = lat((d) => d.accepted);
    const created = lat((d) => d.created);
    const pods = lat((d) => d.pod);
    const done = deliveries.filter((d) => d.pod !== undefined);
    const last = Math.max(...done.map((d) => d.pod!));
    return {
      sent: total,
      accepted: accepted.length,
      created: created.length,
      completed: done.length,
      achievedPerSec: round(done.length / ((last - deliveries[0]!.sent) / 1000), 1),
      'acceptedMs.p50': round(percentile(accepted, 50)),
      'acceptedMs.p99': round(percentile(accepted, 99)),
      'workflowCreatedMs.p50': round(percentile(created, 50)),
      'workflowCreatedMs.p99': round(percentile(created, 99)),
      'podMs.p50': round(percentile(pods, 50)),
      'podMs.p99': round(percentile(pods, 99)),
    };
  } finally {
    watch.stop();
    stopCommits();
    await new Promise<void>((ok) => {
      server.close(() => ok());
      server.closeAllConnections();
    });
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function fixtures(): Record<string, unknown>[] {
  return [
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'EventSource',
      metadata: { name: 'hooks', namespace: NS },
      spec: {
        webhook: {
          push: {
            port: '12000',
            endpoint: '/push',
            method: 'POST',
            webhookSecret: { name: 'hook', key: 'secret' },
          },
        },
      },
    },
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Sensor',
      metadata: { name: 'ci', namespace: NS },
      spec: {
        dependencies: [
          {
            name: 'push',
            eventSourceName: 'hooks',
            eventName: 'push',
            filters: { data: [{ path: 'body.ref', type: 'string', value: ['refs/heads/main'] }] },
          },
        ],
        triggers: [
          {
            template: {
              name: 'ci',
              k8s: {
                operation: 'create',
                source: {
                  resource: {
                    apiVersion: 'argoproj.io/v1alpha1',
                    kind: 'Workflow',
                    metadata: { generateName: 'ci-' },
                    spec: {
                      entrypoint: 'build',
                      arguments: {
                        parameters: [
                          { name: 'seq', value: '' },
                          { name: 'image', value: '' },
                        ],
                      },
                      templates: [
                        {
                          name: 'build',
                          container: { image: 'alpine', command: ['true'] },
                        },
                      ],
                    },
                  },
                },
                parameters: [
                  {
                    src: { dependencyName: 'push', dataKey: 'body.seq' },
                    dest: 'spec.arguments.parameters.0.value',
                  },
                  {
                    src: {
                      dependencyName: 'push',
                      dataTemplate: 'app:{{ .Input.body.after | substr 0 7 }}',
                    },
                    dest: 'spec.arguments.parameters.1.value',
                  },
                ],
              },
            },
          },
        ],
      },
    },
  ];
}
