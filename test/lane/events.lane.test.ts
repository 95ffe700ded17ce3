/**
 * Argo Events through the Lambda handlers on the AWS-protocol stand-ins: a webhook through
 * functions/webhook's handler (API Gateway HTTP API v2 events) onto the ingress queue (fauxqs),
 * functions/ingest's handler routing it to the Sensor (dynalite's index), the controller creating
 * the Workflow; an S3 notification put on the ingress queue as S3 sends it; a Kafka event source
 * mapping payload through functions/ingest-kafka's handler. Deliveries posted twice fire once.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kindMachines, subsystemEffectHandlers } from '../../shared/runtime/registry.js';
import { subsystemDepsOnAws } from '../../shared/runtime/aws/subsystems.js';
import {
  ingestHandler,
  ingressOutbox,
  kafkaHandler,
  webhookHandler,
} from '../../shared/runtime/aws/events.js';
import { secretsOnAws } from '../../shared/runtime/aws/secrets.js';
import { startSecretsManagerStandIn } from '../support/secrets-manager-stand-in.js';
import type { KubeObject } from '../../shared/core/objects.js';
import { startAwsLane } from '../support/aws-lane.js';
import type { AwsLane } from '../support/aws-lane.js';
import { startDynalite } from '../support/dynalite.js';
import type { Dynalite } from '../support/dynalite.js';
import { startFauxqs } from '../support/fauxqs.js';
import type { Fauxqs } from '../support/fauxqs.js';
import { SqsEventSource } from '../support/sqs-event-source.js';
import { until } from '../support/embedded-workflows.js';
import { sign } from '../support/events.js';

const NS = 'argo-events';
let dynalite: Dynalite;
let fauxqs: Fauxqs;
let lane: AwsLane;
let ingestSource: SqsEventSource;
let ingressUrl: string;
let webhook: ReturnType<typeof webhookHandler>;
let secretsManager: Awaited<ReturnType<typeof startSecretsManagerStandIn>>;

const workflowTrigger = (name: string, dep: string, dataKey: string) => ({
  template: {
    name,
    k8s: {
      operation: 'create',
      source: {
        resource: {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Workflow',
          metadata: { generateName: `${name}-` },
          spec: {
            entrypoint: 'wait',
            arguments: { parameters: [{ name: 'value', value: '' }] },
            templates: [{ name: 'wait', suspend: {} }],
          },
        },
      },
      parameters: [
        { src: { dependencyName: dep, dataKey }, dest: 'spec.arguments.parameters.0.value' },
      ],
    },
  },
});

const objects = [
  {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'EventSource',
    metadata: { name: 'sources', namespace: NS },
    spec: {
      webhook: {
        open: { port: '12000', endpoint: '/open', method: 'POST' },
        signed: {
          port: '12000',
          endpoint: '/signed',
          method: 'POST',
          webhookSecret: { name: 'hook', key: 'secret' },
        },
      },
      s3: {
        uploads: {
          bucket: { name: 'data-uploads' },
          events: ['s3:ObjectCreated:*'],
          filter: { suffix: '.csv' },
        },
      },
      kafka: { orders: { url: 'b-1.msk:9092', topic: 'orders', jsonBody: true } },
    },
  },
  {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Sensor',
    metadata: { name: 'all', namespace: NS },
    spec: {
      dependencies: [
        { name: 'hook', eventSourceName: 'sources', eventName: 'open' },
        { name: 'upload', eventSourceName: 'sources', eventName: 'uploads' },
        { name: 'order', eventSourceName: 'sources', eventName: 'orders' },
      ],
      triggers: [
        {
          ...workflowTrigger('hook', 'hook', 'body.ref'),
          template: { ...workflowTrigger('hook', 'hook', 'body.ref').template, conditions: 'hook' },
        },
        {
          template: {
            ...workflowTrigger('upload', 'upload', 'notification.s3.object.key').template,
            conditions: 'upload',
          },
        },
        {
          template: {
            ...workflowTrigger('order', 'order', 'body.id').template,
            conditions: 'order',
          },
        },
      ],
    },
  },
];

function apiEvent(
  path: string,
  body: string,
  headers: Record<string, string>,
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/{proxy+}',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: {
      http: {
        method: 'POST',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '1.2.3.4',
        userAgent: 'GitHub-Hookshot',
      },
    },
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

async function workflows(prefix: string): Promise<KubeObject[]> {
  return (await lane.ports.store.listIndex('Workflow', { namespace: NS }))
    .map((e) => e.object as unknown as KubeObject)
    .filter((o) => o?.metadata.name.startsWith(prefix));
}

const param = (wf: KubeObject) =>
  (wf.spec as { arguments: { parameters: { value: string }[] } }).arguments.parameters[0]!.value;

beforeAll(async () => {
  dynalite = await startDynalite();
  fauxqs = await startFauxqs();
  lane = await startAwsLane({
    kinds: kindMachines,
    servers: { dynalite, fauxqs },
    artifactsBucket: 'deployment-bucket',
    effectHandlers: (ports) =>
      subsystemEffectHandlers(
        subsystemDepsOnAws(ports, kindMachines, {
          clusters: { forCluster: () => Promise.reject(new Error('no cluster in this lane')) },
        }),
      ),
  });
  ingressUrl = (
    await fauxqs.createQueue('ingress', { fifo: false, visibilityTimeoutS: 1, maxReceiveCount: 5 })
  ).url;
  const config = { ...lane.config, ingressQueueUrl: ingressUrl };
  ingestSource = new SqsEventSource({
    client: fauxqs.client,
    queueUrl: ingressUrl,
    handler: ingestHandler(lane.ports),
    concurrency: 2,
  });
  secretsManager = await startSecretsManagerStandIn([
    { name: `argo-serverless/${NS}/hook`, value: JSON.stringify({ secret: 'lane-secret' }) },
  ]);
  webhook = webhookHandler(
    lane.ports,
    ingressOutbox(config, lane.ports),
    secretsOnAws({ ...config, secretsManagerEndpoint: secretsManager.endpoint }),
  );
  await lane.send(
    objects.map((object, i) => ({
      id: `apply-${i}`,
      key: `in-cluster/${object.kind}/${NS}/${object.metadata.name}`,
      at: Date.now(),
      event: { type: 'Apply', object },
    })),
  );
  await lane.drained();
}, 60_000);

afterAll(async () => {
  await secretsManager?.stop();
  await ingestSource?.stop();
  await lane?.stop();
  await fauxqs?.stop();
  await dynalite?.stop();
});

describe('events on the AWS-protocol lane', () => {
  it('a webhook delivery posted twice creates one Workflow', { timeout: 60_000 }, async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    const headers = { 'x-github-delivery': 'lane-1', 'x-github-hook-id': '9' };
    for (let i = 0; i < 2; i++) {
      const res = await webhook(apiEvent(`/webhooks/${NS}/sources/open`, body, headers));
      expect(res.statusCode).toBe(202);
    }
    await until(async () => (await workflows('hook-')).length > 0, 'the hook workflow', 400);
    await ingestSource.drained(10_000);
    await lane.drained();
    const created = await workflows('hook-');
    expect(created.map(param)).toEqual(['refs/heads/main']);
  });

  it(
    'a 600 KB delivery goes through the queues by reference and fires once',
    { timeout: 60_000 },
    async () => {
      const body = JSON.stringify({ ref: 'refs/heads/big', commits: 'c'.repeat(600 * 1024) });
      const headers = { 'x-github-delivery': 'lane-big', 'x-github-hook-id': '9' };
      expect(
        (await webhook(apiEvent(`/webhooks/${NS}/sources/open`, body, headers))).statusCode,
      ).toBe(202);
      await until(
        async () => (await workflows('hook-')).some((w) => param(w) === 'refs/heads/big'),
        'the big hook workflow',
        400,
      );
      const stored = await lane.ports.payloads!.list('payloads/');
      expect(stored.length).toBeGreaterThan(0);
      // Over Argo's default maxPayloadSize (1 MiB): refused.
      const huge = JSON.stringify({ ref: 'x', pad: 'p'.repeat(1100 * 1024) });
      expect((await webhook(apiEvent(`/webhooks/${NS}/sources/open`, huge, {}))).statusCode).toBe(
        413,
      );
    },
  );

  it('an EventSource whose bucket and topic the deployment does not deliver says so in its status', async () => {
    const status = (await lane.ports.store.listIndex('EventSource', { namespace: NS }))[0]!.object![
      'status'
    ] as {
      conditions: { type: string; status: string; message?: string }[];
    };
    const provided = status.conditions.find((c) => c.type === 'SourcesProvided')!;
    expect(provided.status).toBe('False');
    expect(provided.message).toMatch(
      /s3 uploads: bucket "data-uploads" sends no notifications to the ingress queue/,
    );
    expect(provided.message).toMatch(
      /kafka orders: no Kafka event source mapping delivers topic "orders"/,
    );
  });

  it('refuses what it must, before anything is enqueued', async () => {
    expect((await webhook(apiEvent(`/webhooks/${NS}/sources/nope`, '{}', {}))).statusCode).toBe(
      404,
    );
    expect((await webhook(apiEvent(`/webhooks/${NS}/sources/open`, '{"x":', {}))).statusCode).toBe(
      400,
    );
    // The route's secret comes from Secrets Manager (`argo-serverless/<namespace>/hook`).
    const wrong = await webhook(
      apiEvent(`/webhooks/${NS}/sources/signed`, '{}', {
        'x-hub-signature-256': await sign('not-the-secret', '{}'),
      }),
    );
    expect(wrong.statusCode).toBe(401);
  });

  it('a signed delivery is verified with the secret from Secrets Manager', async () => {
    const body = '{"ref":"refs/heads/signed"}';
    const res = await webhook(
      apiEvent(`/webhooks/${NS}/sources/signed`, body, {
        'x-hub-signature-256': await sign('lane-secret', body),
        'x-github-delivery': 'signed-1',
      }),
    );
    expect(res.statusCode).toBe(202);
  });

  it(
    'an S3 notification on the ingress queue creates a Workflow for a .csv only',
    { timeout: 60_000 },
    async () => {
      const record = (key: string) =>
        JSON.stringify({
          Records: [
            {
              eventSource: 'aws:s3',
              eventName: 'ObjectCreated:Put',
              eventTime: '2026-11-30T10:00:00.000Z',
              s3: { bucket: { name: 'data-uploads' }, object: { key, sequencer: key } },
            },
          ],
        });
      for (const key of ['in/x+y.csv', 'in/z.txt'])
        await fauxqs.client.send(
          new SendMessageCommand({ QueueUrl: ingressUrl, MessageBody: record(key) }),
        );
      await until(async () => (await workflows('upload-')).length > 0, 'the upload workflow', 400);
      await ingestSource.drained(10_000);
      await lane.drained();
      expect((await workflows('upload-')).map(param)).toEqual(['in/x y.csv']);
    },
  );

  it(
    'Kafka records from an event source mapping create Workflows, once per offset',
    { timeout: 60_000 },
    async () => {
      const kafka = kafkaHandler(lane.ports);
      const payload = {
        eventSource: 'aws:kafka' as const,
        eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abc',
        bootstrapServers: 'b-1.msk:9092',
        records: {
          'orders-0': [
            {
              topic: 'orders',
              partition: 0,
              offset: 15,
              timestamp: Date.parse('2026-11-30T10:00:00Z'),
              timestampType: 'CREATE_TIME',
              key: Buffer.from('k1').toString('base64'),
              value: Buffer.from(JSON.stringify({ id: 'order-15' })).toString('base64'),
              headers: [{ source: [104, 105] }],
            },
          ],
        },
      };
      expect(await kafka(payload)).toEqual({ events: 1 });
      expect(await kafka(payload)).toEqual({ events: 1 });
      await until(async () => (await workflows('order-')).length > 0, 'the order workflow', 400);
      await lane.drained();
      expect((await workflows('order-')).map(param)).toEqual(['order-15']);
    },
  );
});
