/**
 * Configuration of the Lambda functions, from their environment (set by the CDK app). Endpoint
 * overrides exist for the AWS-protocol test lane (dynalite, fauxqs) and are never set on AWS.
 */
import { effectKindsFromEnv } from './effect-routing.js';

export interface AwsConfig {
  tableName: string;
  commandsQueueUrl: string;
  effectsQueueUrl: string;
  timersQueueUrl: string;
  /** The ingress queue (webhook function's output); only the event functions need it. */
  ingressQueueUrl?: string;
  /**
   * The rendering worker's queue (RENDER_QUEUE_URL): effects whose kinds match
   * `renderEffectKinds` (RENDER_EFFECT_KINDS, default `cd.*`) go there instead of the effects queue.
   */
  renderQueueUrl?: string;
  renderEffectKinds?: string[];
  /**
   * The deployment's bucket (artifacts, and queue messages over SQS's 256 KB, sent by reference).
   * Without it such messages are refused.
   */
  artifactsBucket?: string;
  s3Endpoint?: string;
  /** Secret names start with it (SECRETS_PREFIX, default `argo-serverless/`). */
  secretsPrefix?: string;
  secretsManagerEndpoint?: string;
  region?: string;
  /** The EKS cluster `in-cluster` means (HOME_CLUSTER); without it the home cluster is refused. */
  homeCluster?: string;
  dynamodbEndpoint?: string;
  sqsEndpoint?: string;
}

const REQUIRED = {
  tableName: 'TABLE_NAME',
  commandsQueueUrl: 'COMMANDS_QUEUE_URL',
  effectsQueueUrl: 'EFFECTS_QUEUE_URL',
  timersQueueUrl: 'TIMERS_QUEUE_URL',
} as const;

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AwsConfig {
  const missing = Object.values(REQUIRED).filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(`missing environment variables ${missing.join(', ')} (the CDK app sets them)`);
  }
  const config: AwsConfig = {
    tableName: env[REQUIRED.tableName]!,
    commandsQueueUrl: env[REQUIRED.commandsQueueUrl]!,
    effectsQueueUrl: env[REQUIRED.effectsQueueUrl]!,
    timersQueueUrl: env[REQUIRED.timersQueueUrl]!,
  };
  if (env['INGRESS_QUEUE_URL']) config.ingressQueueUrl = env['INGRESS_QUEUE_URL'];
  if (env['RENDER_QUEUE_URL']) config.renderQueueUrl = env['RENDER_QUEUE_URL'];
  const renderKinds = effectKindsFromEnv(env['RENDER_EFFECT_KINDS']);
  if (renderKinds) config.renderEffectKinds = renderKinds;
  if (env['ARTIFACTS_BUCKET']) config.artifactsBucket = env['ARTIFACTS_BUCKET'];
  if (env['S3_ENDPOINT']) config.s3Endpoint = env['S3_ENDPOINT'];
  if (env['SECRETS_PREFIX']) config.secretsPrefix = env['SECRETS_PREFIX'];
  if (env['SECRETSMANAGER_ENDPOINT'])
    config.secretsManagerEndpoint = env['SECRETSMANAGER_ENDPOINT'];
  if (env['AWS_REGION']) config.region = env['AWS_REGION'];
  if (env['HOME_CLUSTER']) config.homeCluster = env['HOME_CLUSTER'];
  if (env['DYNAMODB_ENDPOINT']) config.dynamodbEndpoint = env['DYNAMODB_ENDPOINT'];
  if (env['SQS_ENDPOINT']) config.sqsEndpoint = env['SQS_ENDPOINT'];
  return config;
}
