/** The whole backend in one stack (grows with each subsystem). */
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ControlPlaneQueues } from './constructs/queues.js';
import { EventTable } from './constructs/table.js';
import { ControlPlaneFunctions, TIMEOUTS } from './constructs/functions.js';
import { Monitoring } from './constructs/monitoring.js';
import { DeploymentBucket } from './constructs/bucket.js';
import { WebhookApi } from './constructs/webhook-api.js';
import { EventBucketNotifications } from './constructs/event-buckets.js';

export interface ControlPlaneStackProps extends StackProps {
  /** Keep the table on stack deletion and refuse deletes (default true). */
  deletionProtection?: boolean;
  /** Concurrent Lambda batches per queue (default 10). */
  maxConcurrency?: number;
  /**
   * Buckets whose object notifications go to the ingress queue, for `s3` EventSources (context
   * `eventBuckets`). An EventSource naming another bucket says NotWired in its status.
   */
  eventBuckets?: string[];
  /** An MSK cluster and the topics that feed `kafka` EventSources (context `kafka`). */
  kafka?: { clusterArn: string; topics: string[] };
}

export class ControlPlaneStack extends Stack {
  constructor(scope: Construct, id: string, props: ControlPlaneStackProps = {}) {
    super(scope, id, props);
    const queues = new ControlPlaneQueues(this, 'Queues', {
      controllerTimeout: TIMEOUTS.controller,
      effectsTimeout: TIMEOUTS.effects,
      timersTimeout: TIMEOUTS.timers,
    });
    const { table } = new EventTable(this, 'Events', {
      deletionProtection: props.deletionProtection ?? true,
    });
    const { bucket } = new DeploymentBucket(this, 'Storage');
    const eventBuckets = props.eventBuckets ?? [];
    const functions = new ControlPlaneFunctions(this, 'Functions', {
      table,
      queues,
      bucket,
      maxConcurrency: props.maxConcurrency ?? 10,
      eventWiring: { s3Buckets: eventBuckets, kafkaTopics: props.kafka?.topics ?? [] },
      ...(props.kafka ? { kafka: props.kafka } : {}),
    });
    const webhooks = new WebhookApi(this, 'Webhooks', { webhook: functions.webhook });
    new EventBucketNotifications(this, 'EventBuckets', {
      buckets: eventBuckets,
      ingress: queues.ingress,
    });
    new Monitoring(this, 'Monitoring', {
      queues: {
        Ingress: queues.ingress,
        Commands: queues.commands,
        Effects: queues.effects,
        Timers: queues.timers,
      },
      functions: {
        Controller: functions.controller,
        Effects: functions.effects,
        Timers: functions.timers,
        Ingest: functions.ingest,
        Webhook: functions.webhook,
        ...(functions.ingestKafka ? { IngestKafka: functions.ingestKafka } : {}),
      },
    });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'CommandsQueueUrl', { value: queues.commands.queueUrl });
    new CfnOutput(this, 'IngressQueueUrl', { value: queues.ingress.queueUrl });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'ApiUrl', { value: webhooks.api.apiEndpoint });
  }
}
