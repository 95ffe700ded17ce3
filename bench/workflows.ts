/**
 * Workflow scheduling at size: a wide fan-out / fan-in DAG (root -> N tasks from withSequence ->
 * sink) and a long chain (N tasks, each depending on the previous), with instant pods on the
 * simulated kubelet (no executor), the simulated cluster in a process of its own. Reports the
 * control plane's CPU (this process: runner, machine, queues, store, API clients) apart from the
 * cluster's, wall time to completion, log versions, bytes written per version and per event, and
 * the peak stored sizes.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startEmbedded } from '../shared/runtime/local/embedded.js';
import { encodeVersionItem } from '../shared/adapters/version-item-codec.js';
import type { Results } from './stats.js';

type Shape = 'fanout' | 'chain';

const here = dirname(fileURLToPath(import.meta.url));

function workflow(shape: Shape, n: number, podGC: string | undefined) {
  const tasks =
    shape === 'fanout'
      ? [
          { name: 'root', template: 'leaf' },
          {
            name: 'fan',
            template: 'leaf',
            dependencies: ['root'],
            withSequence: { count: String(n) },
          },
          { name: 'sink', template: 'leaf', dependencies: ['fan'] },
        ]
      : Array.from({ length: n }, (_, i) => ({
          name: `t${i}`,
          template: 'leaf',
          ...(i ? { dependencies: [`t${i - 1}`] } : {}),
        }));
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name: `${shape}-${n}`, namespace: 'default' },
    spec: {
      entrypoint: 'main',
      // Users who run workflows this large delete pods as they finish (podGC); without it the
      // cluster keeps every finished pod, and the simulated one then sets the pace.
      ...(podGC ? { podGC: { strategy: podGC } } : {}),
      templates: [
        { name: 'main', dag: { tasks } },
        { name: 'leaf', container: { image: 'busybox' } },
      ],
    },
  };
}

/** Starts the simulated cluster in its own process (see sim-cluster-process.ts). */
async function startClusterProcess(kubeconfig: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'sim-cluster-process.ts'), kubeconfig],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`simulated cluster exited (${code})`)));
    });
  if ((await next()) !== 'ready') throw new Error('simulated cluster did not start');
  return {
    /** Stops it and returns the CPU time it used (ms). */
    async stop(): Promise<number> {
      const report = next();
      child.kill('SIGTERM');
      return (JSON.parse(await report) as { cpuMs: number }).cpuMs;
    },
  };
}

async function runOne(shape: Shape, n: number, timeoutMs: number, podGC: string | undefined) {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-wf-'));
  const kubeconfig = join(dataDir, 'kubeconfig');
  const cluster = await startClusterProcess(kubeconfig);
  const embedded = await startEmbedded({
    dataDir,
    durability: 'none',
    kubeconfig,
    watchPods: true,
  });
  const wf = workflow(shape, n, podGC);
  const key = `in-cluster/Workflow/default/${wf.metadata.name}`;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await embedded.runtime.submit([
    { id: `bench-${shape}-${n}`, key, at: Date.now(), event: { type: 'Apply', object: wf } },
  ]);
  let phase = '';
  let version = 0;
  while (performance.now() - t0 < timeoutMs) {
    const read = await embedded.runtime.get(key);
    version = read.version;
    phase = ((read.object?.['status'] ?? {}) as { phase?: string }).phase ?? '';
    if (['Succeeded', 'Failed', 'Error'].includes(phase)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // What the store writes (the codec's encoding: gzip snapshots, parts beyond one item), per
  // version and per event; the largest single item (a DynamoDB item, at most 400 KB), the
  // largest version (all of its parts) and the largest snapshot as JSON.
  let bytes = 0;
  let events = 0;
  let peakItem = 0;
  let peakVersion = 0;
  let peakSnapshot = 0;
  for (let from = 1; from <= version; from += 500) {
    for (const item of await embedded.runtime.events(key, { from, limit: 500 })) {
      const encoded = encodeVersionItem(item);
      bytes += encoded.bytes;
      events += item.events.length;
      peakVersion = Math.max(peakVersion, encoded.bytes);
      peakItem = Math.max(
        peakItem,
        encoded.parts ? Math.max(...encoded.parts.map((p) => p.length)) : encoded.bytes,
      );
      peakSnapshot = Math.max(peakSnapshot, encoded.snapshotBytes ?? 0);
    }
  }
  await embedded.stop();
  const clusterCpuMs = await cluster.stop();
  await rm(dataDir, { recursive: true, force: true });
  return {
    phase: phase || 'timeout',
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    clusterCpuMs,
    versions: version,
    bytesPerVersion: version ? bytes / version : 0,
    bytesPerEvent: events ? bytes / events : 0,
    peakItemBytes: peakItem,
    peakVersionBytes: peakVersion,
    peakSnapshotJsonBytes: peakSnapshot,
  };
}

export async function benchWorkflows(options: {
  sizes: Record<Shape, number[]>;
  timeoutMs: number;
  /** podGC strategy for the benchmark workflows (none: every finished pod stays). */
  podGC?: string;
  progress: (line: string) => void;
}): Promise<Results> {
  const results: Results = {};
  for (const shape of ['fanout', 'chain'] as const) {
    const cpu: number[] = [];
    const sizes = options.sizes[shape];
    for (const n of sizes) {
      options.progress(`  ${shape} ${n}...`);
      const r = await runOne(shape, n, options.timeoutMs, options.podGC);
      const prefix = `workflows.${shape}.${n}`;
      results[`${prefix}.phase`] = r.phase;
      results[`${prefix}.podGC`] = options.podGC ?? 'none';
      results[`${prefix}.wallMs`] = Math.round(r.wallMs);
      results[`${prefix}.cpuMs`] = Math.round(r.cpuMs);
      results[`${prefix}.simulatedClusterCpuMs`] = Math.round(r.clusterCpuMs);
      results[`${prefix}.versions`] = r.versions;
      results[`${prefix}.bytesPerVersion`] = Math.round(r.bytesPerVersion);
      results[`${prefix}.bytesPerEvent`] = Math.round(r.bytesPerEvent);
      results[`${prefix}.peakItemBytes`] = r.peakItemBytes;
      results[`${prefix}.peakVersionBytes`] = r.peakVersionBytes;
      results[`${prefix}.peakSnapshotJsonBytes`] = r.peakSnapshotJsonBytes;
      cpu.push(r.cpuMs);
    }
    for (let i = 1; i < sizes.length; i++) {
      results[`workflows.${shape}.cpuRatio.${sizes[i]}/${sizes[i - 1]}`] = Number(
        (cpu[i]! / cpu[i - 1]!).toFixed(1),
      );
    }
  }
  return results;
}
