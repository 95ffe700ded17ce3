/**
 * The AWS-protocol lane: the Lambda handlers (functions/* wiring) driven through dynalite and
 * fauxqs by event source emulations, with AWS-like batching (several messages of a group per
 * batch), visibility-timeout redelivery, and seams to inject faults.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  awsPorts,
  controllerHandler,
  effectsHandler,
  timersHandler,
} from '../../shared/runtime/aws/wiring.js';
import type { AwsPorts } from '../../shared/runtime/aws/wiring.js';
import type { AwsConfig } from '../../shared/runtime/aws/config.js';
import type { EffectHandler } from '../../shared/core/effects.js';
import type { KindMachine } from '../../shared/core/machines.js';
import type { Secrets } from '../../shared/core/ports.js';
import type { Message } from '../../shared/core/types.js';
import type { RunnerDeps } from '../../shared/core/runner.js';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startDynalite, freshTable, testCredentials } from './dynalite.js';
import type { Dynalite } from './dynalite.js';
import { startFauxqs } from './fauxqs.js';
import type { Fauxqs } from './fauxqs.js';
import { SqsEventSource } from './sqs-event-source.js';

export interface LaneFaults {
  /** Wraps the ports before the handlers are built (e.g. to fail a send after a put). */
  ports?: (ports: AwsPorts) => AwsPorts;
}

export interface AwsLane {
  config: AwsConfig;
  ports: AwsPorts;
  send(messages: Message[]): Promise<void>;
  /** All three queues empty and no batch running. */
  drained(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  invocations(): number;
}

const noSecrets: Secrets = {
  get: async (ref) => Promise.reject(new Error(`no secret ${ref.name} in the lane`)),
  listByLabel: async () => [],
};

/** Starts dynalite + fauxqs if not given, creates a fresh table and queues, and the pollers. */
export async function startAwsLane(options: {
  kinds: readonly KindMachine[];
  /** The handlers, or a factory given the lane's ports (handlers that read and submit). */
  effectHandlers:
    readonly EffectHandler[] | ((ports: AwsPorts, config: AwsConfig) => readonly EffectHandler[]);
  faults?: LaneFaults;
  servers?: { dynalite: Dynalite; fauxqs: Fauxqs };
  concurrency?: number;
  onCommit?: RunnerDeps['onCommit'];
  /** A bucket on fauxqs's S3 for large queue messages (sent by reference); created here. */
  artifactsBucket?: string;
}): Promise<AwsLane> {
  const own = !options.servers;
  const dynalite = options.servers?.dynalite ?? (await startDynalite());
  const fauxqs = options.servers?.fauxqs ?? (await startFauxqs());
  const commands = await fauxqs.createQueue('commands', {
    fifo: true,
    visibilityTimeoutS: 1,
    maxReceiveCount: 10,
  });
  const effects = await fauxqs.createQueue('effects', {
    fifo: true,
    visibilityTimeoutS: 1,
    maxReceiveCount: 10,
  });
  const timers = await fauxqs.createQueue('timers', {
    fifo: false,
    visibilityTimeoutS: 1,
    maxReceiveCount: 10,
  });
  const config: AwsConfig = {
    tableName: await freshTable(dynalite),
    commandsQueueUrl: commands.url,
    effectsQueueUrl: effects.url,
    timersQueueUrl: timers.url,
    region: 'us-east-1',
    dynamodbEndpoint: dynalite.endpoint,
    sqsEndpoint: fauxqs.endpoint,
    ...(options.artifactsBucket
      ? { artifactsBucket: options.artifactsBucket, s3Endpoint: fauxqs.endpoint }
      : {}),
  };
  if (options.artifactsBucket) {
    const s3 = new S3Client({
      endpoint: fauxqs.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: testCredentials,
    });
    await s3.send(new CreateBucketCommand({ Bucket: options.artifactsBucket }));
  }
  // The handlers use the SDK's default credential chain, as on Lambda: give it test keys.
  process.env['AWS_ACCESS_KEY_ID'] ??= 'test';
  process.env['AWS_SECRET_ACCESS_KEY'] ??= 'test';
  const clean = awsPorts(config);
  const ports = options.faults?.ports ? options.faults.ports(clean) : clean;
  const concurrency = options.concurrency ?? 4;
  const source = (queueUrl: string, handler: (e: SQSEvent) => Promise<SQSBatchResponse>) =>
    new SqsEventSource({
      client: fauxqs.client,
      queueUrl,
      handler,
      concurrency,
      onError: () => undefined,
    });
  const sources = [
    source(
      commands.url,
      controllerHandler(ports, options.kinds, {
        runner: { maxAttempts: 4 },
        ...(options.onCommit ? { onCommit: options.onCommit } : {}),
      }),
    ),
    source(
      effects.url,
      effectsHandler(
        ports,
        typeof options.effectHandlers === 'function'
          ? options.effectHandlers(ports, config)
          : options.effectHandlers,
        noSecrets,
        { worker: { maxDeliveries: 8 } },
      ),
    ),
    source(timers.url, timersHandler(ports)),
  ];
  return {
    config,
    ports: clean,
    send: (messages) => clean.commands.send(messages),
    async drained(timeoutMs = 60_000) {
      // Reports and timers refill the commands queue: drain until a full pass finds nothing.
      for (let pass = 0; pass < 3; pass++) for (const s of sources) await s.drained(timeoutMs);
    },
    async stop() {
      await Promise.all(sources.map((s) => s.stop()));
      if (own) {
        await fauxqs.stop();
        await dynalite.stop();
      }
    },
    invocations: () => sources.reduce((n, s) => n + s.invocations, 0),
  };
}
