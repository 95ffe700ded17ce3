/**
 * The Lambda functions (Node.js 22, ESM bundles built locally by esbuild: no Docker; arm64 except
 * the rendering worker, whose kubectl + helm layer is x86_64) and their SQS event sources with
 * partial batch responses and maximum concurrency.
 */
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Architecture, Runtime, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import type { ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import { KubectlV33Layer } from '@aws-cdk/lambda-layer-kubectl-v33';
import { ManagedKafkaEventSource, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Bucket, CfnBucket } from 'aws-cdk-lib/aws-s3';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { ControlPlaneQueues } from './queues.js';
import type { FunctionNetwork } from './network.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Secrets Manager names the functions may read start with it (DESIGN.md "Secrets"). */
export const SECRETS_PREFIX = 'argo-serverless/';
/** Effect kinds run by the rendering worker (CD's git fetch + render). */
export const RENDER_EFFECT_KINDS = 'cd.*';

/**
 * Some dependencies are CommonJS: the ESM bundle gets a `require`. (So no bundled module may
 * declare its own top-level `createRequire` import: the bundle would not load.)
 */
export const BUNDLE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";
/** The Node.js 22 runtime provides the AWS SDK v3. */
export const BUNDLE_EXTERNALS = ['@aws-sdk/*'];

export const TIMEOUTS = {
  controller: Duration.seconds(30),
  effects: Duration.seconds(120),
  timers: Duration.seconds(30),
  ingest: Duration.seconds(30),
  // Behind API Gateway (30 s): verify, enqueue, answer.
  webhook: Duration.seconds(10),
  'ingest-kafka': Duration.seconds(60),
  // Behind API Gateway too: a write waits at most API_MAX_WAIT_MS (20 s) for its commit.
  api: Duration.seconds(25),
  tick: Duration.seconds(60),
  // git fetch + kustomize / helm render of a large repository.
  render: Duration.minutes(5),
} as const;

/** Where the kubectl layer puts its binaries (KubectlV33Layer). */
/** Where the kubectl v33 layer puts its binaries; the renderer reads these variables. */
export const LAYER_BINARIES = {
  KUBECTL_PATH: '/opt/kubectl/kubectl',
  HELM_PATH: '/opt/helm/helm',
};

export class ControlPlaneFunctions extends Construct {
  readonly controller: NodejsFunction;
  readonly effects: NodejsFunction;
  readonly timers: NodejsFunction;
  readonly ingest: NodejsFunction;
  readonly webhook: NodejsFunction;
  /** Only with an MSK cluster in the context (`kafka`). */
  readonly ingestKafka?: NodejsFunction;
  readonly api: NodejsFunction;
  readonly tick: NodejsFunction;
  /** The rendering worker: x86_64 with kubectl + helm, on the render queue. */
  readonly render: NodejsFunction;

  constructor(
    scope: Construct,
    id: string,
    props: {
      table: TableV2;
      queues: ControlPlaneQueues;
      bucket: Bucket;
      maxConcurrency: number;
      /** What the deployment delivers to queue-fed event sources (EVENT_WIRING). */
      eventWiring: { s3Buckets: string[]; kafkaTopics: string[] };
      /** An MSK cluster whose topics feed `kafka` EventSources through functions/ingest-kafka. */
      kafka?: { clusterArn: string; topics: string[] };
      /** Timers beyond SQS's 15-minute delay: EventBridge Scheduler (infra/constructs/schedules.ts). */
      scheduler: { groupName: string; roleArn: string };
      logRetention: RetentionDays;
      renderMemoryMb: number;
      /** Private subnets for the functions that call Kubernetes (context `vpc`). */
      network?: FunctionNetwork;
      version: string;
      /** The EKS cluster `in-cluster` means for the effect workers (HOME_CLUSTER). */
      homeCluster?: string;
    },
  ) {
    super(scope, id);
    const { table, queues, bucket } = props;
    const environment = {
      TABLE_NAME: table.tableName,
      COMMANDS_QUEUE_URL: queues.commands.queueUrl,
      EFFECTS_QUEUE_URL: queues.effects.queueUrl,
      TIMERS_QUEUE_URL: queues.timers.queueUrl,
      INGRESS_QUEUE_URL: queues.ingress.queueUrl,
      RENDER_QUEUE_URL: queues.render.queueUrl,
      RENDER_EFFECT_KINDS: RENDER_EFFECT_KINDS,
      SCHEDULE_GROUP: props.scheduler.groupName,
      SCHEDULER_ROLE_ARN: props.scheduler.roleArn,
      ARTIFACTS_BUCKET: bucket.bucketName,
      EVENT_WIRING: JSON.stringify(props.eventWiring),
      SECRETS_PREFIX: SECRETS_PREFIX,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...(props.homeCluster ? { HOME_CLUSTER: props.homeCluster } : {}),
    };
    const network = props.network;
    const make = (
      name: keyof typeof TIMEOUTS,
      memorySize: number,
      options: {
        env?: Record<string, string>;
        x86?: boolean;
        layers?: ILayerVersion[];
        inVpc?: boolean;
      } = {},
    ) =>
      new NodejsFunction(
        this,
        name[0]!.toUpperCase() + name.slice(1).replace(/-(.)/g, (_m, c: string) => c.toUpperCase()),
        {
          entry: join(root, 'functions', `${name}.ts`),
          runtime: Runtime.NODEJS_22_X,
          architecture: options.x86 ? Architecture.X86_64 : Architecture.ARM_64,
          timeout: TIMEOUTS[name],
          memorySize,
          environment: { ...environment, ...options.env },
          ...(options.layers ? { layers: options.layers } : {}),
          ...(options.inVpc && network
            ? {
                vpc: network.vpc,
                vpcSubnets: { subnets: network.subnets },
                securityGroups: network.securityGroups,
              }
            : {}),
          logGroup: new LogGroup(this, `${name}Logs`, { retention: props.logRetention }),
          bundling: {
            format: OutputFormat.ESM,
            minify: true,
            sourceMap: true,
            mainFields: ['module', 'main'],
            banner: BUNDLE_BANNER,
            externalModules: BUNDLE_EXTERNALS,
          },
        },
      );
    this.controller = make('controller', 512);
    this.effects = make('effects', 512, { inVpc: true });
    this.timers = make('timers', 256);
    this.ingest = make('ingest', 256);
    this.webhook = make('webhook', 256);
    this.api = make('api', 512, { env: { API_VERSION: props.version } });
    this.tick = make('tick', 256, { env: { TICK_KINDS: 'Application' } });
    this.render = make('render', props.renderMemoryMb, {
      x86: true,
      inVpc: true,
      layers: [new KubectlV33Layer(this, 'KubectlLayer')],
      env: { EFFECT_KINDS: RENDER_EFFECT_KINDS, ...LAYER_BINARIES },
    });
    if (props.kafka) {
      const fn = make('ingest-kafka', 256);
      this.ingestKafka = fn;
      for (const topic of props.kafka.topics)
        fn.addEventSource(
          new ManagedKafkaEventSource({
            clusterArn: props.kafka.clusterArn,
            topic,
            startingPosition: StartingPosition.LATEST,
            batchSize: 100,
          }),
        );
      table.grantReadData(fn);
      queues.commands.grantSendMessages(fn);
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
        reason:
          "AWSLambdaMSKExecutionRole is what an MSK event source mapping needs (describe the cluster, its brokers and the VPC's network interfaces); CDK attaches it for the mapping.",
      });
    }

    const source = (queue: ControlPlaneQueues['commands']) =>
      new SqsEventSource(queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      });
    this.controller.addEventSource(source(queues.commands));
    this.effects.addEventSource(source(queues.effects));
    this.timers.addEventSource(source(queues.timers));
    this.ingest.addEventSource(source(queues.ingress));
    this.render.addEventSource(source(queues.render));

    // cdk-nag (AwsSolutions) findings we accept, each for a stated reason.
    for (const fn of this.all()) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'AWSLambdaBasicExecutionRole only allows writing the function its own CloudWatch logs.',
      });
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions::AwsSolutions-L1',
        reason:
          'Node.js 22 is the runtime the project targets and tests (DEVELOPERS.md); newer ones are not tested yet.',
      });
    }
    if (network)
      for (const fn of [this.effects, this.render])
        Validations.of(fn).acknowledge({
          id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
          reason:
            'AWSLambdaVPCAccessExecutionRole lets Lambda create and delete the network interfaces of a function in a VPC (context vpc, for private EKS endpoints); EC2 grants these actions on * only.',
        });

    table.grantReadWriteData(this.controller);
    queues.effects.grantSendMessages(this.controller);
    // Messages from one resource to another go straight to the commands queue after a commit.
    queues.commands.grantSendMessages(this.controller);
    queues.render.grantSendMessages(this.controller);
    // The effect workers report to the commands queue, arm timers, and read other resources and
    // the index (a trigger's source object, the Sensors an event goes to).
    for (const worker of [this.effects, this.render]) {
      queues.commands.grantSendMessages(worker);
      queues.timers.grantSendMessages(worker);
      table.grantReadData(worker);
    }
    queues.commands.grantSendMessages(this.timers);
    queues.timers.grantSendMessages(this.timers);
    // ingest reads the EventSource and Sensor index entries and sends commands to Sensors.
    table.grantReadData(this.ingest);
    queues.commands.grantSendMessages(this.ingest);
    // webhook reads the EventSource's route and puts the delivery on the ingress queue.
    table.grantReadData(this.webhook);
    queues.ingress.grantSendMessages(this.webhook);
    // api reads resources and their logs, sends commands; tick reads the index, sends commands.
    for (const fn of [this.api, this.tick]) {
      table.grantReadData(fn);
      queues.commands.grantSendMessages(fn);
    }
    // Any of them may send or receive a message too large for SQS, by reference in the bucket;
    // the effects function also stores workflow artifacts there.
    // Webhook secrets (signatures, tokens) and trigger secrets: read-only, under the prefix.
    const secretsUnderPrefix = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${SECRETS_PREFIX}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    // Secrets applied through the API: created, replaced, relabelled and deleted under the prefix.
    this.api.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'secretsmanager:CreateSecret',
          'secretsmanager:PutSecretValue',
          'secretsmanager:DescribeSecret',
          'secretsmanager:TagResource',
          'secretsmanager:UntagResource',
          'secretsmanager:DeleteSecret',
        ],
        resources: [secretsUnderPrefix],
      }),
    );
    for (const fn of [this.webhook, this.effects, this.render, this.api]) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [secretsUnderPrefix],
        }),
      );
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] }),
      );
      Validations.of(fn).acknowledge(
        {
          id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
          reason:
            'secretsmanager:ListSecrets has no resource-level permissions (AWS requires *); it lists names and tags only, values need GetSecretValue, which is limited to the argo-serverless/ prefix.',
        },
        {
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${SECRETS_PREFIX}*]`,
          reason: "The deployment's own secrets: names under its prefix, one per Secret applied.",
        },
      );
    }
    // Object reads and writes, and listing (artifact keys are read back by prefix): no deletes.
    for (const fn of this.all()) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [bucket.arnForObjects('*')],
        }),
      );
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
      );
      Validations.of(fn).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnBucket)}.Arn>/*]`,
        reason:
          "Objects of the deployment's own bucket: artifact and payload keys are made at run time (content hashes, workflow names).",
      });
    }
  }

  /** Every function of the deployment. */
  all(): NodejsFunction[] {
    return [
      this.controller,
      this.effects,
      this.timers,
      this.ingest,
      this.webhook,
      this.api,
      this.tick,
      this.render,
      ...(this.ingestKafka ? [this.ingestKafka] : []),
    ];
  }
}
