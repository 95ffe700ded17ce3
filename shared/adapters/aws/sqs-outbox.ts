/**
 * Sends to an SQS queue in batches of at most 10 entries and 256 KB. On FIFO queues every entry
 * carries its group and dedup id from the codec; SQS refuses both on standard queues. A body over
 * the message limit goes to the payload store and a stub is sent instead (core/payloads.ts).
 */
import { createHash } from 'node:crypto';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import type { Outbox, QueueCodec } from '../../core/ports.js';
import { offloadBody } from '../../core/payloads.js';
import type { PayloadStore } from '../../core/payloads.js';

const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;
const MAX_ATTEMPTS = 5;

/** SQS ids: at most 128 characters of [A-Za-z0-9!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~]. */
export function sqsSafeId(id: string): string {
  if (id.length <= 128 && /^[\x21-\x7e]+$/.test(id)) return id;
  // Deterministic, so a resend of the same item still deduplicates.
  return createHash('sha256').update(id).digest('hex');
}

export interface SqsOutboxOptions<T> {
  client: SQSClient;
  queueUrl: string;
  codec: QueueCodec<T>;
  fifo: boolean;
  /** Standard queues only: per-message delay in seconds (0-900). */
  delaySeconds?: (item: T) => number;
  sleep?: (ms: number) => Promise<void>;
  /** Where bodies over SQS's limit go (see core/payloads.ts); without it they are refused. */
  payloads?: PayloadStore;
}

export class SqsOutbox<T> implements Outbox<T> {
  constructor(private readonly options: SqsOutboxOptions<T>) {}

  async send(items: readonly T[]): Promise<void> {
    const entries = await Promise.all(items.map((item, i) => this.entry(item, i)));
    for (const batch of this.batches(entries)) await this.sendBatch(batch);
  }

  private *batches(
    entries: readonly SendMessageBatchRequestEntry[],
  ): Generator<SendMessageBatchRequestEntry[]> {
    let batch: SendMessageBatchRequestEntry[] = [];
    let bytes = 0;
    for (const entry of entries) {
      const size = Buffer.byteLength(entry.MessageBody ?? '');
      if (batch.length === MAX_ENTRIES || bytes + size > MAX_BATCH_BYTES) {
        yield batch;
        batch = [];
        bytes = 0;
      }
      batch.push(entry);
      bytes += size;
    }
    if (batch.length > 0) yield batch;
  }

  private async entry(item: T, index: number): Promise<SendMessageBatchRequestEntry> {
    const { codec, fifo, delaySeconds } = this.options;
    const entry: SendMessageBatchRequestEntry = {
      Id: String(index),
      MessageBody: await offloadBody(
        codec.encode(item),
        this.options.payloads,
        `message ${codec.id(item)}`,
      ),
    };
    if (fifo) {
      entry.MessageGroupId = sqsSafeId(codec.group(item));
      entry.MessageDeduplicationId = sqsSafeId(codec.id(item));
    } else if (delaySeconds) {
      entry.DelaySeconds = Math.max(0, Math.min(900, Math.ceil(delaySeconds(item))));
    }
    return entry;
  }

  private async sendBatch(entries: SendMessageBatchRequestEntry[]): Promise<void> {
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    let pending = entries;
    for (let attempt = 1; ; attempt++) {
      const result = await this.options.client.send(
        new SendMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: pending }),
      );
      const failed = result.Failed ?? [];
      if (failed.length === 0) return;
      const failedIds = new Set(failed.map((f) => f.Id));
      // Sender faults (bad entry) will not get better with retries.
      const senderFault = failed.find((f) => f.SenderFault);
      if (senderFault || attempt >= MAX_ATTEMPTS) {
        const f = senderFault ?? failed[0]!;
        throw new Error(
          `SQS refused ${failed.length} message(s) for ${this.options.queueUrl}: ${f.Code}: ${f.Message}`,
        );
      }
      pending = pending.filter((e) => failedIds.has(e.Id));
      await sleep(50 * 2 ** attempt);
    }
  }
}
