import { beforeAll, describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ControlPlaneStack } from '../../infra/control-plane-stack.js';

let template: Template;
beforeAll(() => {
  // Bundles the three functions with esbuild, offline and without Docker.
  const app = new App();
  template = Template.fromStack(
    new ControlPlaneStack(app, 'Test', { maxConcurrency: 5, eventBuckets: ['data-uploads'] }),
  );
}, 120_000);

describe('CDK stack', () => {
  it('has the commands and effects queues as FIFO, timers and ingress as standard, each with a DLQ', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    const fifo = Object.values(queues).filter((q) => q.Properties?.FifoQueue === true);
    expect(fifo.length).toBe(4); // commands, effects and their DLQs
    expect(Object.keys(queues).length).toBe(8);
    const withRedrive = Object.values(queues).filter((q) => q.Properties?.RedrivePolicy);
    expect(withRedrive.length).toBe(4);
    for (const q of withRedrive) expect(q.Properties.RedrivePolicy.maxReceiveCount).toBe(10);
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, VisibilityTimeout: 180 });
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, VisibilityTimeout: 720 });
  });

  it('has the table with PK/SK, on demand, point-in-time recovery and deletion protection', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
  });

  it('runs five Node.js 22 arm64 functions, the queue consumers wired with partial batch responses', () => {
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Runtime: 'nodejs22.x' },
    });
    expect(Object.keys(functions).length).toBe(5);
    for (const f of Object.values(functions)) {
      expect(f.Properties.Architectures).toEqual(['arm64']);
      expect(Object.keys(f.Properties.Environment.Variables).sort()).toEqual([
        'ARTIFACTS_BUCKET',
        'COMMANDS_QUEUE_URL',
        'EFFECTS_QUEUE_URL',
        'EVENT_WIRING',
        'INGRESS_QUEUE_URL',
        'POWERTOOLS_LOG_LEVEL',
        'SECRETS_PREFIX',
        'TABLE_NAME',
        'TIMERS_QUEUE_URL',
      ]);
    }
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping');
    expect(Object.keys(mappings).length).toBe(4);
    for (const m of Object.values(mappings)) {
      expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(m.Properties.ScalingConfig).toEqual({ MaximumConcurrency: 5 });
    }
  });

  it('grants DynamoDB access on the table only, never on *', () => {
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement as {
        Action: string | string[];
        Resource: unknown;
      }[]) {
        const actions = ([] as string[]).concat(statement.Action);
        if (actions.some((a) => a.startsWith('dynamodb:') || a.startsWith('sqs:'))) {
          expect(JSON.stringify(statement.Resource)).not.toBe('"*"');
        }
      }
    }
  });

  it('alarms on dead letters, queue age and function errors, and has a dashboard', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const metrics = alarms.map((a) => a.Properties.MetricName as string);
    expect(metrics.filter((m) => m === 'ApproximateNumberOfMessagesVisible').length).toBe(4);
    expect(metrics.filter((m) => m === 'ApproximateAgeOfOldestMessage').length).toBe(4);
    expect(metrics.filter((m) => m === 'Errors').length).toBe(5);
    for (const a of alarms) expect(a.Properties.AlarmDescription).toBeTruthy();
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('lets the webhook and effects functions read secrets under the deployment prefix only', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const get = statements.filter((s) => s.Action === 'secretsmanager:GetSecretValue');
    expect(get).toHaveLength(2);
    for (const s of get) expect(JSON.stringify(s.Resource)).toContain(':secret:argo-serverless/*');
  });

  it('has the deployment bucket: encrypted, TLS only, no public access, payloads expiring', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'payloads/', ExpirationInDays: 15, Status: 'Enabled' }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('routes ANY /webhooks/{proxy+} on the HTTP API to the webhook function, with access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'ANY /webhooks/{proxy+}',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it("sends the configured buckets' object-created notifications to the ingress queue and says so to the functions", () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'data-uploads',
      NotificationConfiguration: {
        QueueConfigurations: [Match.objectLike({ Events: ['s3:ObjectCreated:*'] })],
      },
    });
    const effects = Object.values(
      template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } }),
    ).map((f) => f.Properties.Environment.Variables.EVENT_WIRING as string);
    expect(new Set(effects)).toEqual(
      new Set([JSON.stringify({ s3Buckets: ['data-uploads'], kafkaTopics: [] })]),
    );
  });
});

describe('CDK stack with an MSK cluster (context kafka)', () => {
  it('maps each topic to functions/ingest-kafka and tells the functions it is wired', () => {
    const app = new App();
    const clusterArn = 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abc';
    const t = Template.fromStack(
      new ControlPlaneStack(app, 'WithKafka', { kafka: { clusterArn, topics: ['orders'] } }),
    );
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: clusterArn,
      Topics: ['orders'],
      StartingPosition: 'LATEST',
    });
    const wiring = Object.values(
      t.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } }),
    ).map((f) => f.Properties.Environment.Variables.EVENT_WIRING as string);
    expect(wiring).toHaveLength(6);
    expect(new Set(wiring)).toEqual(
      new Set([JSON.stringify({ s3Buckets: [], kafkaTopics: ['orders'] })]),
    );
  }, 120_000);
});
