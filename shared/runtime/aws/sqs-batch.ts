/**
 * Lambda SQS handler wrapper with partial batch responses (`ReportBatchItemFailures`). FIFO order
 * holds across failures: once a record of a group fails, every later record of that group in the
 * batch is reported failed too, so SQS redelivers them after it, in order.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { BatchHandler, QueueCodec, Received } from '../../core/ports.js';
import type { Log } from '../../core/log.js';
import { restoreBody } from '../../core/payloads.js';
import type { PayloadStore } from '../../core/payloads.js';
import { silentLog } from '../../core/log.js';

export function sqsBatchHandler<T>(
  codec: QueueCodec<T>,
  handler: BatchHandler<T>,
  log: Log = silentLog,
  payloads?: PayloadStore,
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const received: Received<T>[] = [];
    const failed = new Set<string>();
    for (const record of event.Records) {
      try {
        // A body sent by reference is read back from the payload store first.
        const body = await restoreBody(record.body, payloads);
        received.push(decodeRecord(codec, { ...record, body }));
      } catch (err) {
        // Undecodable: fail it alone; after maxReceiveCount it reaches the DLQ.
        log.error('undecodable SQS record', { messageId: record.messageId, error: String(err) });
        failed.add(record.messageId);
      }
    }
    if (received.length > 0) {
      for (const id of (await handler(received)).failed) failed.add(id);
    }
    const failedGroups = new Set<string>();
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      const group = record.attributes.MessageGroupId;
      const blocked = group !== undefined && failedGroups.has(group);
      if (failed.has(record.messageId) || blocked) {
        batchItemFailures.push({ itemIdentifier: record.messageId });
        if (group !== undefined) failedGroups.add(group);
      }
    }
    return { batchItemFailures };
  };
}

function decodeRecord<T>(codec: QueueCodec<T>, record: SQSRecord): Received<T> {
  const body = codec.decode(record.body);
  return {
    deliveryId: record.messageId,
    group: record.attributes.MessageGroupId ?? codec.group(body),
    body,
    receiveCount: Number(record.attributes.ApproximateReceiveCount ?? '1'),
  };
}
