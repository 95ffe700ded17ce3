/**
 * Core on the embedded runtime: messages go through the durable local commands queue, the runner
 * commits to the LevelDB store, effects go through the effects queue and report back. Measures
 * transitions/s, per-message latency (send -> commit) and bytes written per transition.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRuntime } from '../shared/runtime/local/runtime.js';
import type { Durability } from '../shared/runtime/local/runtime.js';
import type { EffectHandler } from '../shared/core/effects.js';
import type { Message } from '../shared/core/types.js';
import { counterKind } from '../test/support/counter-machine.js';
import { addMessages, counterKeys, createMessages } from './counter-load.js';
import { percentile, round } from './stats.js';
import type { Results } from './stats.js';
import { directoryBytes } from './disk.js';

export interface EmbeddedBenchOptions {
  durability: Durability;
  keys: number;
  addsPerKey: number;
  /** Messages sent per send call (as an API or ingest batch would). */
  sendChunk: number;
  /** Latency without a backlog: this many clients each send one message and await its commit. */
  closedLoopClients: number;
  closedLoopMessages: number;
  progress: (line: string) => void;
}

export async function benchCoreEmbedded(options: EmbeddedBenchOptions): Promise<Results> {
  const dataDir = await mkdtemp(join(tmpdir(), 'argosls-bench-'));
  const ledger: EffectHandler = { kind: 'counter.add', run: async (e) => e.input };
  const runtime = await LocalRuntime.start({
    dataDir,
    durability: options.durability,
    kinds: [counterKind],
    effectHandlers: [ledger],
  });
  try {
    const keys = counterKeys(options.keys);
    await runtime.submit(createMessages(keys), { waitMs: 60_000 });
    await runtime.settled();
    const bytesBefore = await directoryBytes(join(dataDir, 'events'));
    const versionsBefore = await countVersions(runtime, keys);

    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let transitions = 0;
    const unsubscribe = runtime.onCommit((notice) => {
      const now = performance.now();
      for (const o of notice.outcomes) {
        if (o.duplicate) continue;
        transitions++;
        const t0 = sentAt.get(o.messageId);
        if (t0 !== undefined) latencies.push(now - t0);
      }
    });

    const messages = addMessages(keys, options.addsPerKey);
    const started = performance.now();
    let lastReport = started;
    for (let i = 0; i < messages.length; i += options.sendChunk) {
      const chunk = messages.slice(i, i + options.sendChunk);
      const t = performance.now();
      for (const m of chunk) sentAt.set(m.id, t);
      await runtime.commands.send(chunk);
      if (performance.now() - lastReport > 1_000) {
        lastReport = performance.now();
        options.progress(`  sent ${i + chunk.length}/${messages.length}, committed ${transitions}`);
      }
    }
    await runtime.settled();
    const elapsedS = (performance.now() - started) / 1000;
    unsubscribe();

    const closedLoop = await closedLoopLatency(
      runtime,
      keys,
      options.closedLoopClients,
      options.closedLoopMessages,
    );

    const bytesAfter = await directoryBytes(join(dataDir, 'events'));
    const versionsAfter = await countVersions(runtime, keys);
    const logical = await logicalBytes(runtime, keys);
    latencies.sort((a, b) => a - b);
    const d = options.durability;
    const throughput = round(transitions / elapsedS, 0);
    return {
      // The headline key is the default durability (fsync).
      ...(d === 'fsync' ? { 'core.transitionsPerSec.embedded': throughput } : {}),
      [`core.transitionsPerSec.embedded.${d}`]: throughput,
      // Send -> commit with the whole backlog sent at once: mostly time spent queued.
      [`core.backlog.latencyMs.p50.embedded.${d}`]: round(percentile(latencies, 50)),
      [`core.backlog.latencyMs.p99.embedded.${d}`]: round(percentile(latencies, 99)),
      [`core.transitions.embedded.${d}`]: transitions,
      [`core.closedLoop.messagesPerSec.embedded.${d}`]: closedLoop.perSec,
      [`core.closedLoop.latencyMs.p50.embedded.${d}`]: closedLoop.p50,
      [`core.closedLoop.latencyMs.p99.embedded.${d}`]: closedLoop.p99,
      [`core.versionsPerTransition.embedded.${d}`]: round(
        (versionsAfter - versionsBefore) / transitions,
        3,
      ),
      [`core.logicalBytesPerTransition.embedded.${d}`]: round(logical / transitions, 0),
      [`core.diskBytesPerTransition.embedded.${d}`]: round(
        Math.max(0, bytesAfter - bytesBefore) / transitions,
        0,
      ),
    };
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function closedLoopLatency(
  runtime: LocalRuntime,
  keys: string[],
  clients: number,
  total: number,
) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (next < total) {
        const i = next++;
        const m: Message = {
          id: `cl-${i}`,
          key: keys[(c + i) % keys.length]!,
          at: Date.now(),
          event: { type: 'Add', amount: 1 },
        };
        const t0 = performance.now();
        await runtime.submit([m], { waitMs: 30_000 });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const perSec = total / ((performance.now() - started) / 1000);
  await runtime.settled();
  latencies.sort((a, b) => a - b);
  return {
    perSec: round(perSec, 0),
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
  };
}

async function countVersions(runtime: LocalRuntime, keys: string[]): Promise<number> {
  let n = 0;
  for (const key of keys) n += (await runtime.runner.load(key)).version;
  return n;
}

/** JSON bytes of the version items written during the run (what an item store is charged for). */
async function logicalBytes(runtime: LocalRuntime, keys: string[]): Promise<number> {
  let bytes = 0;
  for (const key of keys) {
    const items = await runtime.store.readRange(key, { from: 2 });
    // Version 1 of each key is the create, before the measured run.
    for (const item of items) bytes += Buffer.byteLength(JSON.stringify(item));
  }
  return bytes;
}
