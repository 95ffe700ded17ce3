/**
 * Emulates a Lambda SQS event source mapping against a real SQS-protocol server: receives up to
 * 10 messages, builds a real-shaped SQSEvent, invokes the handler, deletes what did not fail and
 * leaves failures to their visibility timeout, like AWS. Used by the AWS-protocol test lane and
 * the benchmarks. Bounded: it stops when told, and every loop waits on a receive.
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Message as SqsMessage, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export type LambdaSqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

export interface EventSourceOptions {
  client: SQSClient;
  queueUrl: string;
  handler: LambdaSqsHandler;
  /** Concurrent pollers (Lambda's "maximum concurrency"). */
  concurrency?: number;
  batchSize?: number;
  waitTimeSeconds?: number;
  /** Called with each handler error (the batch is then left to its visibility timeout). */
  onError?: (err: unknown) => void;
}

export class SqsEventSource {
  private running = true;
  private inFlight = 0;
  private readonly loops: Promise<void>[];
  invocations = 0;

  constructor(private readonly options: EventSourceOptions) {
    this.loops = Array.from({ length: options.concurrency ?? 2 }, () => this.loop());
  }

  private async loop(): Promise<void> {
    const { client, queueUrl } = this.options;
    while (this.running) {
      let received: SqsMessage[];
      try {
        const out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: this.options.batchSize ?? 10,
            WaitTimeSeconds: this.options.waitTimeSeconds ?? 1,
            MessageSystemAttributeNames: ['All'],
          }),
        );
        received = out.Messages ?? [];
      } catch (err) {
        if (!this.running) return;
        this.options.onError?.(err);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (received.length === 0) continue;
      this.inFlight++;
      try {
        await this.invoke(received);
      } finally {
        this.inFlight--;
      }
    }
  }

  private async invoke(messages: SqsMessage[]): Promise<void> {
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, this.options.queueUrl)) };
    let failed: Set<string>;
    try {
      this.invocations++;
      const response = await this.options.handler(event);
      failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    } catch (err) {
      this.options.onError?.(err);
      return; // the whole batch stays, as when a Lambda invocation fails
    }
    const done = messages.filter((m) => !failed.has(m.MessageId!));
    if (done.length === 0) return;
    await this.options.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.options.queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }

  /** Resolves when the queue has no visible, in-flight or delayed messages and no batch runs. */
  async drained(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quietChecks = 0;
    while (Date.now() < deadline) {
      const { Attributes = {} } = await this.options.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.options.queueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      const pending =
        Number(Attributes['ApproximateNumberOfMessages'] ?? 0) +
        Number(Attributes['ApproximateNumberOfMessagesNotVisible'] ?? 0) +
        Number(Attributes['ApproximateNumberOfMessagesDelayed'] ?? 0);
      quietChecks = pending === 0 && this.inFlight === 0 ? quietChecks + 1 : 0;
      if (quietChecks >= 2) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`queue ${this.options.queueUrl} did not drain within ${timeoutMs} ms`);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

function toRecord(m: SqsMessage, queueUrl: string): SQSRecord {
  const a = m.Attributes ?? {};
  const attributes: SQSRecord['attributes'] = {
    ApproximateReceiveCount: a['ApproximateReceiveCount'] ?? '1',
    SentTimestamp: a['SentTimestamp'] ?? String(Date.now()),
    SenderId: a['SenderId'] ?? 'local',
    ApproximateFirstReceiveTimestamp: a['ApproximateFirstReceiveTimestamp'] ?? String(Date.now()),
  };
  if (a['MessageGroupId']) attributes.MessageGroupId = a['MessageGroupId'];
  if (a['MessageDeduplicationId']) attributes.MessageDeduplicationId = a['MessageDeduplicationId'];
  if (a['SequenceNumber']) attributes.SequenceNumber = a['SequenceNumber'];
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes,
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').pop()}`,
    awsRegion: 'us-east-1',
  };
}
