/**
 * Queue consumers for the runner, shared by Lambda and the embedded runtime: they translate a
 * batch of deliveries into the runner's messages and its failures back into delivery ids.
 */
import type { BatchHandler } from '../core/ports.js';
import type { Message } from '../core/types.js';
import type { Runner } from '../core/runner.js';

export function runnerBatchHandler(runner: Runner): BatchHandler<Message> {
  return async (batch) => {
    const { failed } = await runner.handle(batch.map((d) => d.body));
    if (failed.length === 0) return { failed: [] };
    const failedIds = new Set(failed);
    return { failed: batch.filter((d) => failedIds.has(d.body.id)).map((d) => d.deliveryId) };
  };
}
