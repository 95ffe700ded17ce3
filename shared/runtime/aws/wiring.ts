/**
 * Builds the ports and consumers the Lambda functions use, from their configuration. Kept apart
 * from functions/* so the AWS-protocol test lane can build the same handlers with other kinds.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ArtifactStore } from '../../adapters/aws/s3-artifact-store.js';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbEventStore } from '../../adapters/aws/dynamodb-event-store.js';
import { SqsOutbox } from '../../adapters/aws/sqs-outbox.js';
import {
  SqsTimers,
  forwardDueTimers,
  hopDelaySeconds,
  timerCodec,
} from '../../adapters/aws/sqs-timers.js';
import type { Clock, EffectQueue, Secrets, Timer } from '../../core/ports.js';
import { effectCodec, messageCodec, systemClock } from '../../core/ports.js';
import type { Effect, Message } from '../../core/types.js';
import { Runner } from '../../core/runner.js';
import type { RunnerDeps, RunnerOptions } from '../../core/runner.js';
import { EffectWorker } from '../../core/effects.js';
import type { EffectHandler, EffectWorkerOptions } from '../../core/effects.js';
import type { KindMachine } from '../../core/machines.js';
import { machineRegistry } from '../../core/machines.js';
import type { Log } from '../../core/log.js';
import { silentLog } from '../../core/log.js';
import { runnerBatchHandler } from '../batch-handlers.js';
import { sqsBatchHandler } from './sqs-batch.js';
import type { AwsConfig } from './config.js';
import { DEFAULT_RENDER_EFFECT_KINDS, RoutedEffectQueue } from './effect-routing.js';

export type LambdaSqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

export interface AwsPorts {
  /** Where queue messages over SQS's limit go (the deployment's bucket), when configured. */
  payloads?: S3ArtifactStore;
  store: DynamoDbEventStore;
  commands: SqsOutbox<Message>;
  /** The effects queue, or split by kind with the rendering worker's queue (RENDER_QUEUE_URL). */
  effects: EffectQueue;
  timersQueue: SqsOutbox<Timer>;
  timers: SqsTimers;
  clock: Clock;
}

export function awsPorts(config: AwsConfig, clock: Clock = systemClock): AwsPorts {
  const region = config.region ?? 'us-east-1';
  const dynamodb = new DynamoDBClient({
    region,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
  });
  const sqs = new SQSClient({
    region,
    ...(config.sqsEndpoint ? { endpoint: config.sqsEndpoint } : {}),
  });
  const payloads = bucketStore(config);
  const timersQueue = new SqsOutbox<Timer>({
    client: sqs,
    queueUrl: config.timersQueueUrl,
    codec: timerCodec,
    fifo: false,
    ...(payloads ? { payloads } : {}),
    delaySeconds: (t) => hopDelaySeconds(t, clock.now()),
  });
  const effectsOutbox = (queueUrl: string) =>
    new SqsOutbox<Effect>({
      client: sqs,
      queueUrl,
      codec: effectCodec,
      fifo: true,
      ...(payloads ? { payloads } : {}),
    });
  const effects: EffectQueue = config.renderQueueUrl
    ? new RoutedEffectQueue(effectsOutbox(config.effectsQueueUrl), {
        kinds: config.renderEffectKinds ?? DEFAULT_RENDER_EFFECT_KINDS,
        queue: effectsOutbox(config.renderQueueUrl),
      })
    : effectsOutbox(config.effectsQueueUrl);
  return {
    ...(payloads ? { payloads } : {}),
    store: new DynamoDbEventStore({ client: dynamodb, tableName: config.tableName }),
    commands: new SqsOutbox({
      client: sqs,
      queueUrl: config.commandsQueueUrl,
      codec: messageCodec,
      fifo: true,
      ...(payloads ? { payloads } : {}),
    }),
    effects,
    timersQueue,
    timers: new SqsTimers(timersQueue),
    clock,
  };
}

/** The deployment's bucket as a store (artifacts, payloads), when one is configured. */
export function bucketStore(
  config: Pick<AwsConfig, 'artifactsBucket' | 's3Endpoint' | 'region'>,
): S3ArtifactStore | undefined {
  if (!config.artifactsBucket) return undefined;
  return new S3ArtifactStore(
    new S3Client({
      region: config.region ?? 'us-east-1',
      ...(config.s3Endpoint ? { endpoint: config.s3Endpoint, forcePathStyle: true } : {}),
    }),
    config.artifactsBucket,
  );
}

/** functions/controller: the machine runner on the commands queue. */
export function controllerHandler(
  ports: AwsPorts,
  kinds: readonly KindMachine[],
  options: { log?: Log; runner?: Partial<RunnerOptions>; onCommit?: RunnerDeps['onCommit'] } = {},
): LambdaSqsHandler {
  const runner = new Runner({
    ...(options.onCommit ? { onCommit: options.onCommit } : {}),
    store: ports.store,
    effects: ports.effects,
    messages: ports.commands,
    clock: ports.clock,
    kinds: machineRegistry(kinds),
    log: options.log ?? silentLog,
    options: options.runner,
  });
  return sqsBatchHandler(messageCodec, runnerBatchHandler(runner), options.log, ports.payloads);
}

/** functions/effects: the effect worker on the effects queue. */
export function effectsHandler(
  ports: AwsPorts,
  handlers: readonly EffectHandler[],
  secrets: Secrets,
  options: { log?: Log; worker?: Partial<EffectWorkerOptions> } = {},
): LambdaSqsHandler {
  const worker = new EffectWorker({
    handlers,
    commands: ports.commands,
    timers: ports.timers,
    secrets,
    clock: ports.clock,
    log: options.log ?? silentLog,
    options: options.worker,
  });
  return sqsBatchHandler(effectCodec, worker.handleBatch, options.log, ports.payloads);
}

/** functions/timers: forwards due timers to the commands queue, re-sends the others. */
export function timersHandler(ports: AwsPorts, log?: Log): LambdaSqsHandler {
  return sqsBatchHandler(
    timerCodec,
    forwardDueTimers({ clock: ports.clock, commands: ports.commands, timers: ports.timersQueue }),
    log,
    ports.payloads,
  );
}
