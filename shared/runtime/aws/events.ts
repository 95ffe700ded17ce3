/**
 * Argo Events' front door on AWS: functions/webhook (API Gateway HTTP API -> the webhook ingress
 * -> the ingress queue, answering 202 once enqueued), functions/ingest (the ingress queue -> the
 * Sensors, as commands) and functions/ingest-kafka (a Kafka event source mapping -> the Sensors).
 * EventSources and Sensors are read from the table's index.
 */
import { randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { SqsOutbox } from '../../adapters/aws/sqs-outbox.js';
import type { KubeObject } from '../../core/objects.js';
import type { Secrets } from '../../core/ports.js';
import type { Log } from '../../core/log.js';
import { silentLog } from '../../core/log.js';
import { HOME_CLUSTER } from '../../core/types.js';
import { ingestOverIndex, ingressCodec } from '../../events/ingest.js';
import type { Ingest } from '../../events/ingest.js';
import type { IngressItem } from '../../events/ingest.js';
import { INLINE_EVENT_BODY_BYTES, WebhookIngress } from '../../events/ingress.js';
import { RequestRejected } from '../../events/sources/http-source.js';
import type { LambdaKafkaEvent } from '../../events/sources/kafka.js';
import { isLambdaKafkaEvent } from '../../events/sources/kafka.js';
import { sqsBatchHandler } from './sqs-batch.js';
import type { AwsConfig } from './config.js';
import type { AwsPorts, LambdaSqsHandler } from './wiring.js';

export function ingressOutbox(config: AwsConfig, ports?: AwsPorts): SqsOutbox<IngressItem> {
  if (!config.ingressQueueUrl)
    throw new Error('missing environment variable INGRESS_QUEUE_URL (the CDK app sets it)');
  return new SqsOutbox({
    client: new SQSClient({
      region: config.region ?? 'us-east-1',
      ...(config.sqsEndpoint ? { endpoint: config.sqsEndpoint } : {}),
    }),
    queueUrl: config.ingressQueueUrl,
    codec: ingressCodec,
    fifo: false,
    ...(ports?.payloads ? { payloads: ports.payloads } : {}),
  });
}

/** Routing over the table's index: EventSources and Sensors as last committed. */
export function ingestFromStore(ports: AwsPorts, log: Log = silentLog): Ingest {
  return ingestOverIndex({
    list: (kind, filter) => ports.store.listIndex(kind, filter),
    commands: ports.commands,
    clock: ports.clock,
    log,
  });
}

/** functions/ingest: the ingress queue's consumer. */
export function ingestHandler(ports: AwsPorts, log?: Log): LambdaSqsHandler {
  return sqsBatchHandler(
    ingressCodec,
    ingestFromStore(ports, log).handleBatch,
    log,
    ports.payloads,
  );
}

/** functions/ingest-kafka: records from an MSK or self-managed Kafka event source mapping. */
export function kafkaHandler(ports: AwsPorts, log: Log = silentLog) {
  const ingest = ingestFromStore(ports, log);
  return async (event: LambdaKafkaEvent): Promise<{ events: number }> => {
    if (!isLambdaKafkaEvent(event)) throw new Error('not a Kafka event source mapping payload');
    // A failure throws: the mapping retries the batch (its records' event ids stay the same).
    return { events: await ingest.kafka(event, ports.clock.now()) };
  };
}

/** functions/webhook: `POST /webhooks/{namespace}/{eventsource}/{event}` on the HTTP API. */
export function webhookHandler(
  ports: AwsPorts,
  ingress: SqsOutbox<IngressItem>,
  secrets: Secrets,
  log: Log = silentLog,
) {
  const webhooks = new WebhookIngress({
    eventSource: async (cluster, namespace, name) => {
      const entries = await ports.store.listIndex('EventSource', { cluster, namespace });
      return (entries.find((e) => e.name === name)?.object as unknown as KubeObject) ?? null;
    },
    secrets,
    ingress,
    clock: ports.clock,
    log,
    newId: randomUUID,
    // Without the bucket, an event must fit one SQS message.
    ...(ports.payloads ? {} : { maxBodyBytes: INLINE_EVENT_BODY_BYTES }),
  });
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const parts = event.rawPath
      .replace(/^\/webhooks\//, '')
      .split('/')
      .map(decodeURIComponent);
    const reply = (statusCode: number, message: string) => ({
      statusCode,
      headers: { 'content-type': 'text/plain' },
      body: message,
    });
    if (!event.rawPath.startsWith('/webhooks/') || parts.length !== 3 || parts.some((p) => !p))
      return reply(
        404,
        `no route ${event.rawPath}: use /webhooks/<namespace>/<eventsource>/<event>`,
      );
    // API Gateway gives no raw body: a binary body arrives base64-encoded, text as is (FACTS.md).
    const body = event.body
      ? event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body
      : '';
    const query = new URLSearchParams(event.rawQueryString ?? '');
    try {
      const outcome = await webhooks.handle(
        {
          cluster: query.get('cluster') ?? HOME_CLUSTER,
          namespace: parts[0]!,
          eventSource: parts[1]!,
          eventName: parts[2]!,
        },
        { method: event.requestContext.http.method, headers: event.headers, body, query },
      );
      return reply(outcome.status, outcome.message);
    } catch (err) {
      if (err instanceof RequestRejected) return reply(err.status, err.message);
      throw err;
    }
  };
}
