/**
 * The runner alone: an in-memory store and no queues, so the figure is the cost of load + fold +
 * append bookkeeping itself (the ceiling the adapters are measured against).
 */
import { Runner } from '../shared/core/runner.js';
import { machineRegistry } from '../shared/core/machines.js';
import type { Message } from '../shared/core/types.js';
import { MemoryEventStore } from '../test/support/memory-event-store.js';
import { CollectingOutbox } from '../test/support/collecting-outbox.js';
import { counterKind, counterObject } from '../test/support/counter-machine.js';
import { percentile, round } from './stats.js';
import type { Results } from './stats.js';

export async function benchCorePure(options: {
  keys: number;
  addsPerKey: number;
}): Promise<Results> {
  const store = new MemoryEventStore();
  const effects = new CollectingOutbox();
  const runner = new Runner({ store, effects, kinds: machineRegistry([counterKind]) });
  const keys = Array.from({ length: options.keys }, (_, i) => `in-cluster/Counter/bench/c${i}`);
  await runner.handle(
    keys.map((key, i) => ({
      id: `c${i}`,
      key,
      at: 0,
      event: { type: 'Apply', object: counterObject(`c${i}`, 'bench') },
    })),
  );
  const bytesBefore = store.stats.bytesAppended;
  const latencies: number[] = [];
  const started = performance.now();
  let n = 0;
  for (let r = 0; r < options.addsPerKey; r++) {
    // One message per call, all keys concurrently: the shape of a Lambda batch of many groups.
    await Promise.all(
      keys.map(async (key, i) => {
        const m: Message = { id: `a${i}-${r}`, key, at: r, event: { type: 'Add', amount: 1 } };
        const t0 = performance.now();
        await runner.handle([m]);
        latencies.push(performance.now() - t0);
        n++;
      }),
    );
    effects.take();
  }
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    'core.transitionsPerSec.pure': round(n / elapsedS, 0),
    'core.latencyMs.p50.pure': round(percentile(latencies, 50), 3),
    'core.latencyMs.p99.pure': round(percentile(latencies, 99), 3),
    'core.logicalBytesPerTransition.pure': round((store.stats.bytesAppended - bytesBefore) / n, 0),
  };
}
