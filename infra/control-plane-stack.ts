/** The whole backend in one stack (grows with each subsystem). */
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { readFileSync } from 'node:fs';
import { ControlPlaneQueues } from './constructs/queues.js';
import { EventTable } from './constructs/table.js';
import { ControlPlaneFunctions, TIMEOUTS } from './constructs/functions.js';
import { Monitoring } from './constructs/monitoring.js';
import { DeploymentBucket } from './constructs/bucket.js';
import { ControlPlaneHttpApi } from './constructs/http-api.js';
import { EventBucketNotifications } from './constructs/event-buckets.js';
import { ControlPlaneSchedules } from './constructs/schedules.js';
import { FunctionNetwork } from './constructs/network.js';
import { EksAccess } from './constructs/eks-access.js';
import type { ApiAuth, EksClusterSettings, VpcSettings } from './context.js';

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
  /** Minutes between reconcile ticks (default 2). */
  tickMinutes?: number;
  /** How callers of the API authenticate (default IAM / SigV4). */
  apiAuth?: ApiAuth;
  /** Memory of the rendering worker in MB (default 2048). */
  renderMemoryMb?: number;
  /** CloudWatch Logs retention of every log group (default 30 days). */
  logRetentionDays?: number;
  /** Private subnets for the functions that call Kubernetes, and the VPC endpoints. */
  vpc?: VpcSettings;
  /** Imported EKS clusters the effect workers may reach (access entries). */
  eksClusters?: EksClusterSettings[];
  /** The EKS cluster `in-cluster` means; default the first of eksClusters. */
  homeCluster?: string;
}

const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

export class ControlPlaneStack extends Stack {
  constructor(scope: Construct, id: string, props: ControlPlaneStackProps = {}) {
    super(scope, id, props);
    const logRetention = retention(props.logRetentionDays ?? 30);
    const queues = new ControlPlaneQueues(this, 'Queues', {
      controllerTimeout: TIMEOUTS.controller,
      effectsTimeout: TIMEOUTS.effects,
      timersTimeout: TIMEOUTS.timers,
      renderTimeout: TIMEOUTS.render,
    });
    const { table } = new EventTable(this, 'Events', {
      deletionProtection: props.deletionProtection ?? true,
    });
    const { bucket } = new DeploymentBucket(this, 'Storage');
    const schedules = new ControlPlaneSchedules(this, 'Schedules', { commands: queues.commands });
    const network = props.vpc
      ? new FunctionNetwork(this, 'Network', { settings: props.vpc })
      : undefined;
    const eventBuckets = props.eventBuckets ?? [];
    const functions = new ControlPlaneFunctions(this, 'Functions', {
      table,
      queues,
      bucket,
      maxConcurrency: props.maxConcurrency ?? 10,
      eventWiring: { s3Buckets: eventBuckets, kafkaTopics: props.kafka?.topics ?? [] },
      ...(props.kafka ? { kafka: props.kafka } : {}),
      scheduler: {
        groupName: schedules.group.scheduleGroupName,
        roleArn: schedules.schedulerRole.roleArn,
      },
      logRetention,
      renderMemoryMb: props.renderMemoryMb ?? 2048,
      ...(network ? { network } : {}),
      version,
      ...((props.homeCluster ?? props.eksClusters?.[0]?.name)
        ? { homeCluster: props.homeCluster ?? props.eksClusters![0]!.name }
        : {}),
    });
    schedules.addTick(functions.tick, props.tickMinutes ?? 15);
    // Timers are armed by the effect workers and re-armed by the timers function.
    for (const fn of [functions.effects, functions.render, functions.timers])
      schedules.allowTimers(fn);
    const http = new ControlPlaneHttpApi(this, 'Http', {
      webhook: functions.webhook,
      api: functions.api,
      auth: props.apiAuth ?? { type: 'iam' },
      logRetention,
      apiTimeout: TIMEOUTS.api,
    });
    new EventBucketNotifications(this, 'EventBuckets', {
      buckets: eventBuckets,
      ingress: queues.ingress,
    });
    new EksAccess(this, 'Eks', {
      clusters: props.eksClusters ?? [],
      functions: { Effects: functions.effects, Render: functions.render },
    });
    const queueByName = {
      Ingress: queues.ingress,
      Commands: queues.commands,
      Effects: queues.effects,
      Timers: queues.timers,
      Render: queues.render,
    };
    new Monitoring(this, 'Monitoring', {
      queues: queueByName,
      functions: {
        Controller: functions.controller,
        Effects: functions.effects,
        Timers: functions.timers,
        Ingest: functions.ingest,
        Webhook: functions.webhook,
        Api: functions.api,
        Tick: functions.tick,
        Render: functions.render,
        ...(functions.ingestKafka ? { IngestKafka: functions.ingestKafka } : {}),
      },
    });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    for (const [name, queue] of Object.entries(queueByName)) {
      new CfnOutput(this, `${name}QueueUrl`, { value: queue.queueUrl });
      new CfnOutput(this, `${name}QueueName`, { value: queue.queueName });
    }
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'ScheduleGroupName', { value: schedules.group.scheduleGroupName });
    new CfnOutput(this, 'ApiEndpoint', { value: http.api.apiEndpoint });
  }
}

function retention(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter(
    (v): v is RetentionDays => typeof v === 'number',
  );
  if (!allowed.includes(days as RetentionDays))
    throw new Error(
      `context logRetentionDays: ${days} is not a CloudWatch Logs retention (one of ${allowed.filter((d) => d > 0).join(', ')})`,
    );
  return days as RetentionDays;
}
