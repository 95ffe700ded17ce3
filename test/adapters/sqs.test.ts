import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { SqsOutbox, sqsSafeId } from '../../shared/adapters/aws/sqs-outbox.js';
import { sqsBatchHandler } from '../../shared/runtime/aws/sqs-batch.js';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describeQueueContract, testCodec } from '../contracts/queue.contract.js';
import type { TestItem } from '../contracts/queue.contract.js';
import { startFauxqs } from '../support/fauxqs.js';
import type { Fauxqs } from '../support/fauxqs.js';
import { SqsEventSource } from '../support/sqs-event-source.js';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ArtifactStore } from '../../shared/adapters/aws/s3-artifact-store.js';
import { testCredentials } from '../support/dynalite.js';

let sqs: Fauxqs;
beforeAll(async () => {
  sqs = await startFauxqs();
});
afterAll(async () => sqs.stop());

describeQueueContract('SQS FIFO (fauxqs) through the Lambda event source emulation', async () => {
  const { url, dlqUrl } = await sqs.createQueue('contract', {
    fifo: true,
    visibilityTimeoutS: 1,
    maxReceiveCount: 3,
  });
  const outbox = new SqsOutbox<TestItem>({
    client: sqs.client,
    queueUrl: url,
    codec: testCodec,
    fifo: true,
  });
  let source: SqsEventSource | undefined;
  return {
    outbox,
    consume: (handler) => {
      source = new SqsEventSource({
        client: sqs.client,
        queueUrl: url,
        handler: sqsBatchHandler(testCodec, handler),
        concurrency: 3,
      });
    },
    idle: () => source!.drained(),
    async deadLetters() {
      const out = await sqs.client.send(
        new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }),
      );
      return (out.Messages ?? []).map((m) => testCodec.decode(m.Body!));
    },
    close: async () => source?.stop(),
  };
});

const record = (id: string, group: string | undefined, body: string): SQSRecord =>
  ({
    messageId: id,
    body,
    attributes: { ApproximateReceiveCount: '1', ...(group ? { MessageGroupId: group } : {}) },
  }) as unknown as SQSRecord;

describe('Lambda SQS wrapper', () => {
  it('fails every later record of a group after its first failure, and only that group', async () => {
    const handler = sqsBatchHandler(testCodec, async () => ({ failed: ['2'] }));
    const item = (id: string, group: string) => JSON.stringify({ id, group, n: 0 });
    const event: SQSEvent = {
      Records: [
        record('1', 'a', item('1', 'a')),
        record('2', 'a', item('2', 'a')),
        record('3', 'b', item('3', 'b')),
        record('4', 'a', item('4', 'a')),
      ],
    };
    expect(await handler(event)).toEqual({
      batchItemFailures: [{ itemIdentifier: '2' }, { itemIdentifier: '4' }],
    });
  });

  it('an undecodable record fails alone', async () => {
    const seen: string[] = [];
    const handler = sqsBatchHandler(testCodec, async (batch) => {
      seen.push(...batch.map((r) => r.body.id));
      return { failed: [] };
    });
    const event: SQSEvent = {
      Records: [
        record('1', undefined, '{not json'),
        record('2', undefined, JSON.stringify({ id: 'ok', group: 'g', n: 1 })),
      ],
    };
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '1' }] });
    expect(seen).toEqual(['ok']);
  });
});

describe('SQS outbox', () => {
  it('splits large sends into batches of 10 and keeps per-group order', async () => {
    const { url } = await sqs.createQueue('order', { fifo: true });
    const outbox = new SqsOutbox<TestItem>({
      client: sqs.client,
      queueUrl: url,
      codec: testCodec,
      fifo: true,
    });
    await outbox.send(Array.from({ length: 25 }, (_, n) => ({ id: `i${n}`, group: 'g', n })));
    const got: number[] = [];
    while (got.length < 25) {
      const out = await sqs.client.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }),
      );
      for (const m of out.Messages ?? []) {
        got.push(testCodec.decode(m.Body!).n);
        await sqs.client.send(
          new (await import('@aws-sdk/client-sqs')).DeleteMessageCommand({
            QueueUrl: url,
            ReceiptHandle: m.ReceiptHandle!,
          }),
        );
      }
    }
    expect(got).toEqual(Array.from({ length: 25 }, (_, n) => n));
  });

  it('makes long or unusual ids valid and deterministic', () => {
    const long = 'in-cluster/Workflow/argo/' + 'x'.repeat(200) + '@12#0';
    expect(sqsSafeId(long)).toMatch(/^[0-9a-f]{64}$/);
    expect(sqsSafeId(long)).toBe(sqsSafeId(long));
    expect(sqsSafeId('in-cluster/Workflow/argo/wf@3#0')).toBe('in-cluster/Workflow/argo/wf@3#0');
    expect(sqsSafeId('ünïcode')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a message over 256 KB with a clear error when there is no payload store', async () => {
    const { url } = await sqs.createQueue('big', { fifo: true });
    const outbox = new SqsOutbox<TestItem>({
      client: sqs.client,
      queueUrl: url,
      codec: { ...testCodec, encode: () => 'x'.repeat(300 * 1024) },
      fifo: true,
    });
    await expect(outbox.send([{ id: 'big', group: 'g', n: 0 }])).rejects.toThrow(
      /message big is 307200 bytes, over the 245760-byte queue message limit, and no payload store/,
    );
  });

  it('sends a message over 256 KB by reference through the payload store (S3), read back whole', async () => {
    const s3 = new S3Client({
      endpoint: sqs.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: testCredentials,
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'payloads' }));
    const payloads = new S3ArtifactStore(s3, 'payloads');
    // Standard: fauxqs hands out one message per FIFO group per receive.
    const { url } = await sqs.createQueue('by-ref', { fifo: false });
    const big = { id: 'big', group: 'g', n: 7, pad: 'y'.repeat(400 * 1024) } as TestItem;
    const outbox = new SqsOutbox<TestItem>({
      client: sqs.client,
      queueUrl: url,
      codec: testCodec,
      fifo: false,
      payloads,
    });
    await outbox.send([big, { id: 'small', group: 'g', n: 8 }]);
    const out = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const stub = out.Messages!.find((m) => m.Body!.startsWith('{"$payload"'))!;
    expect(stub.Body!.length).toBeLessThan(300);
    const handled: TestItem[] = [];
    const handler = sqsBatchHandler(
      testCodec,
      async (batch) => {
        handled.push(...batch.map((r) => r.body));
        return { failed: [] };
      },
      undefined,
      payloads,
    );
    const records = out.Messages!.map(
      (m) =>
        ({
          messageId: m.MessageId!,
          body: m.Body!,
          attributes: { ApproximateReceiveCount: '1', MessageGroupId: 'g' },
        }) as unknown as SQSRecord,
    );
    expect(await handler({ Records: records } as SQSEvent)).toEqual({ batchItemFailures: [] });
    expect(handled.map((i) => i.n).sort()).toEqual([7, 8]);
    expect(handled.find((i) => i.n === 7)).toEqual(big);
    expect((await payloads.get(JSON.parse(stub.Body!).$payload.key))!.length).toBeLessThan(10_000);
  });
});
