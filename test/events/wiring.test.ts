/** Queue-fed event sources say in their status when the deployment does not deliver them. */
import { describe, expect, it } from 'vitest';
import { wiredSources, wiringFromEnv } from '../../shared/events/wiring.js';

const spec = {
  s3: { uploads: { bucket: { name: 'data-uploads' } } },
  minio: { m: { bucket: { name: 'other' } } },
  kafka: { orders: { topic: 'orders' } },
  webhook: { hook: { port: '12000', endpoint: '/x' } },
};

describe('wiring', () => {
  it('lists the queue-fed sources of a spec', () => {
    expect(wiredSources(spec)).toEqual([
      { type: 's3', eventName: 'uploads', target: 'data-uploads' },
      { type: 'minio', eventName: 'm', target: 'other' },
      { type: 'kafka', eventName: 'orders', target: 'orders' },
    ]);
  });

  it('on AWS, what the deployment wired (EVENT_WIRING) passes; the rest says what to do', async () => {
    const check = wiringFromEnv({
      EVENT_WIRING: JSON.stringify({ s3Buckets: ['data-uploads'], kafkaTopics: [] }),
    });
    const unwired = await check.check(wiredSources(spec));
    expect(unwired.map((u) => [u.source.eventName, u.reason])).toEqual([
      [
        'm',
        'bucket "other" sends no notifications to the ingress queue: add it to the CDK context "eventBuckets" and deploy',
      ],
      [
        'orders',
        'no Kafka event source mapping delivers topic "orders": add it to the CDK context "kafka" and deploy',
      ],
    ]);
  });
});
