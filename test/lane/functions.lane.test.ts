import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SQSEvent } from 'aws-lambda';
import { startAwsLane } from '../support/aws-lane.js';
import type { AwsLane } from '../support/aws-lane.js';

let lane: AwsLane;
beforeAll(async () => {
  lane = await startAwsLane({ kinds: [], effectHandlers: [] });
});
afterAll(async () => lane.stop());

describe('functions/* entry points', () => {
  it('functions/controller reads its configuration from the environment and stores what it is sent', async () => {
    Object.assign(process.env, {
      TABLE_NAME: lane.config.tableName,
      COMMANDS_QUEUE_URL: lane.config.commandsQueueUrl,
      EFFECTS_QUEUE_URL: lane.config.effectsQueueUrl,
      TIMERS_QUEUE_URL: lane.config.timersQueueUrl,
      DYNAMODB_ENDPOINT: lane.config.dynamodbEndpoint,
      SQS_ENDPOINT: lane.config.sqsEndpoint,
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    const { handler } = await import('../../functions/controller.js');
    const key = 'in-cluster/ConfigMap/default/settings';
    const message = {
      id: 'cm-1',
      key,
      at: Date.now(),
      event: {
        type: 'Apply',
        object: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'settings', namespace: 'default' },
          data: { a: '1' },
        },
      },
    };
    const event = {
      Records: [
        {
          messageId: 'sqs-1',
          body: JSON.stringify(message),
          attributes: { ApproximateReceiveCount: '1', MessageGroupId: key },
        },
      ],
    } as unknown as SQSEvent;
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    const [entry] = await lane.ports.store.listIndex('ConfigMap');
    expect(entry?.object).toMatchObject({
      data: { a: '1' },
      metadata: { generation: 1, resourceVersion: '1' },
    });
  });

  it('functions/effects runs Argo Events effects: the wiring check answers from EVENT_WIRING', async () => {
    process.env['EVENT_WIRING'] = JSON.stringify({ s3Buckets: ['wired'], kafkaTopics: [] });
    const { handler } = await import('../../functions/effects.js');
    const key = 'in-cluster/EventSource/default/buckets';
    const sources = [
      { type: 's3', eventName: 'a', target: 'wired' },
      { type: 's3', eventName: 'b', target: 'other' },
    ];
    const effect = {
      id: `${key}@1#0`,
      key,
      version: 1,
      at: Date.now(),
      kind: 'events.wiring',
      input: { tag: 'wiring', sources },
    };
    const event = {
      Records: [
        {
          messageId: 'sqs-e1',
          body: JSON.stringify(effect),
          attributes: { ApproximateReceiveCount: '1', MessageGroupId: effect.id },
        },
      ],
    } as unknown as SQSEvent;
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    await lane.drained();
    // The report reached the resource's log (this lane runs no EventSource machine).
    const logged = (await lane.ports.store.readRange(key, { from: 1 })).flatMap((v) => v.events);
    const report = logged.find((e) => e.event.type === 'EffectSucceeded')!;
    expect(report.event['result']).toEqual({
      tag: 'wiring',
      unwired: [
        {
          source: sources[1],
          reason:
            'bucket "other" sends no notifications to the ingress queue: add it to the CDK context "eventBuckets" and deploy',
        },
      ],
    });
  });

  it('a function without its configuration fails with the names of what is missing', async () => {
    const { configFromEnv } = await import('../../shared/runtime/aws/config.js');
    expect(() => configFromEnv({})).toThrow(
      /TABLE_NAME, COMMANDS_QUEUE_URL, EFFECTS_QUEUE_URL, TIMERS_QUEUE_URL/,
    );
  });
});
