/**
 * `npm run bench`: runs the benchmarks, prints the figures and merges them into
 * bench/results.json (flat keys). Sizes can be scaled with BENCH_SCALE (default 1); BENCH_ONLY
 * picks one group (core, workflows, events, functions).
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { benchCoreEmbedded } from './core-embedded.js';
import { benchCorePure } from './core-pure.js';
import { benchCoreAwsLane } from './core-aws-lane.js';
import { benchWorkflows } from './workflows.js';
import { benchEvents } from './events.js';
import { benchFunctions } from './functions.js';
import { printResults, writeResults } from './stats.js';
import type { Results } from './stats.js';

const scale = Number(process.env['BENCH_SCALE'] ?? '1');
const sizesFrom = (value: string) => value.split(',').filter(Boolean).map(Number);
const workflowSizes = process.env['BENCH_WORKFLOW_SIZES'] ?? '1000,10000';
const fanoutSizes = sizesFrom(process.env['BENCH_FANOUT_SIZES'] ?? workflowSizes);
const chainSizes = sizesFrom(process.env['BENCH_CHAIN_SIZES'] ?? workflowSizes);
const progress = (line: string) => process.stderr.write(line + '\n');
const resultsPath = join(dirname(fileURLToPath(import.meta.url)), 'results.json');

const all: Results = {};
// BENCH_ONLY=core or BENCH_ONLY=workflows runs one group (the others keep their recorded figures).
const only = process.env['BENCH_ONLY'];
const run = async (title: string, fn: () => Promise<Results>) => {
  if (only && !title.startsWith(`${only}:`)) return;
  progress(`running: ${title}`);
  const results = await fn();
  printResults(title, results);
  Object.assign(all, results);
};

await run('core: runner alone (in-memory store, no queues)', () =>
  benchCorePure({ keys: 100, addsPerKey: Math.round(200 * scale) }),
);
for (const durability of ['fsync', 'none'] as const) {
  await run(`core: embedded runtime, durability ${durability}`, () =>
    benchCoreEmbedded({
      durability,
      keys: 200,
      addsPerKey: Math.round(50 * scale),
      sendChunk: 100,
      closedLoopClients: 16,
      closedLoopMessages: Math.round(2000 * scale),
      progress,
    }),
  );
}
await run('core: AWS-protocol lane (functions/* on dynalite + fauxqs)', () =>
  benchCoreAwsLane({ keys: 20, addsPerKey: Math.round(15 * scale), progress }),
);

await run('workflows: fan-out / fan-in and chain DAGs, instant pods', () =>
  benchWorkflows({
    // BENCH_WORKFLOW_SIZES=1000,10000,100000 adds the 100,000-node runs (long: see README);
    // BENCH_FANOUT_SIZES / BENCH_CHAIN_SIZES set one shape's sizes.
    sizes: {
      fanout: fanoutSizes.map((n) => Math.round(n * scale)),
      chain: chainSizes.map((n) => Math.round(n * scale)),
    },
    timeoutMs: Number(process.env['BENCH_WORKFLOW_TIMEOUT_S'] ?? '1800') * 1000,
    // BENCH_WORKFLOW_POD_GC=OnPodSuccess deletes each pod once it has succeeded (Argo's podGC).
    podGC: process.env['BENCH_WORKFLOW_POD_GC'] || undefined,
    progress,
  }),
);

// Open loop: BENCH_EVENTS_RATES deliveries per second, BENCH_EVENTS_SECONDS each.
const eventRates = sizesFrom(process.env['BENCH_EVENTS_RATES'] ?? '25,50,100,200');
const eventSeconds = Number(process.env['BENCH_EVENTS_SECONDS'] ?? '10');
for (const durability of ['fsync', 'none'] as const) {
  await run(
    `events: signed webhook -> Sensor -> Workflow -> first pod, open loop, durability ${durability}`,
    () => benchEvents({ rates: eventRates, seconds: eventSeconds, durability, progress }),
  );
}

await run('functions: bundle size and cold module init (fresh Node process, median of 5)', () =>
  benchFunctions({ runs: 5, progress }),
);

all['bench.machine'] = `${process.platform}-${process.arch}, node ${process.version}`;
all['bench.date'] = new Date().toISOString();
await writeResults(resultsPath, all);
process.stdout.write(`\nwritten: ${resultsPath}\n`);
