/**
 * Core through the AWS-protocol lane: functions/* handlers on dynalite (DynamoDB) and fauxqs
 * (SQS) over HTTP, driven by the event source emulation. Figures are for the stand-ins on this
 * machine, not for AWS; they show the cost of the wire protocol and the per-message round trips.
 */
import type { EffectHandler } from '../shared/core/effects.js';
import { counterKind } from '../test/support/counter-machine.js';
import { addMessages, counterKeys, createMessages } from './counter-load.js';
import { startAwsLane } from '../test/support/aws-lane.js';
import { percentile, round } from './stats.js';
import type { Results } from './stats.js';

export async function benchCoreAwsLane(options: {
  keys: number;
  addsPerKey: number;
  progress: (line: string) => void;
}): Promise<Results> {
  const ledger: EffectHandler = { kind: 'counter.add', run: async (e) => e.input };
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const lane = await startAwsLane({
    kinds: [counterKind],
    effectHandlers: [ledger],
    concurrency: 8,
    onCommit: (notice) => {
      const now = performance.now();
      for (const o of notice.outcomes) {
        const t0 = sentAt.get(o.messageId);
        if (t0 !== undefined && !o.duplicate) latencies.push(now - t0);
      }
    },
  });
  try {
    const keys = counterKeys(options.keys);
    await lane.send(createMessages(keys));
    await lane.drained();

    const messages = addMessages(keys, options.addsPerKey);
    const started = performance.now();
    for (const m of messages) sentAt.set(m.id, started);
    await lane.send(messages);
    await lane.drained(300_000);
    const elapsedS = (performance.now() - started) / 1000;

    let transitions = 0;
    let bytes = 0;
    for (const key of keys) {
      for (const item of await lane.ports.store.readRange(key, { from: 2 })) {
        transitions += item.events.length;
        bytes += Buffer.byteLength(JSON.stringify(item));
      }
    }
    latencies.sort((a, b) => a - b);
    return {
      'core.backlog.latencyMs.p50.awsLane': round(percentile(latencies, 50)),
      'core.backlog.latencyMs.p99.awsLane': round(percentile(latencies, 99)),
      'core.transitionsPerSec.awsLane': round(transitions / elapsedS, 0),
      'core.transitions.awsLane': transitions,
      'core.logicalBytesPerTransition.awsLane': round(bytes / transitions, 0),
      'core.lambdaInvocations.awsLane': lane.invocations(),
    };
  } finally {
    await lane.stop();
  }
}
