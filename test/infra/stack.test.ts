import { beforeAll, describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ControlPlaneStack } from '../../infra/control-plane-stack.js';
import type { ControlPlaneStackProps } from '../../infra/control-plane-stack.js';

/** A variant's template without bundling (the main template below proves bundling works). */
function variant(id: string, props: ControlPlaneStackProps): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new ControlPlaneStack(app, id, props));
}

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
};
const statementsOf = (t: Template, policyName?: RegExp): Statement[] =>
  Object.entries(t.findResources('AWS::IAM::Policy'))
    .filter(([id]) => !policyName || policyName.test(id))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
const actionsOf = (s: Statement) => ([] as string[]).concat(s.Action);
const nodeFunctions = (t: Template) =>
  t.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } });
const functionId = (t: Template, name: string) =>
  Object.keys(nodeFunctions(t)).find((id) => id.startsWith(`Functions${name}`))!;

let template: Template;
beforeAll(() => {
  // Bundles the three functions with esbuild, offline and without Docker.
  const app = new App();
  template = Template.fromStack(
    new ControlPlaneStack(app, 'Test', { maxConcurrency: 5, eventBuckets: ['data-uploads'] }),
  );
}, 120_000);

describe('CDK stack', () => {
  it('has the commands, effects and render queues as FIFO, timers and ingress as standard, each redriving to its own DLQ', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    const fifo = Object.values(queues).filter((q) => q.Properties?.FifoQueue === true);
    expect(fifo.length).toBe(6); // commands, effects, render and their DLQs
    expect(Object.keys(queues).length).toBe(10);
    const withRedrive = Object.entries(queues).filter(([, q]) => q.Properties?.RedrivePolicy);
    expect(withRedrive.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'QueuesCommands',
      'QueuesEffects',
      'QueuesIngress',
      'QueuesRender',
      'QueuesTimers',
    ]);
    for (const [id, q] of withRedrive) {
      expect(q.Properties.RedrivePolicy.maxReceiveCount).toBe(10);
      const dlq = (q.Properties.RedrivePolicy.deadLetterTargetArn as { 'Fn::GetAtt': string[] })[
        'Fn::GetAtt'
      ][0]!;
      expect(dlq).toMatch(new RegExp(`^${id.replace(/[0-9A-F]{8}$/, '')}Dlq`));
      // A FIFO queue's DLQ is FIFO too (SQS requires it).
      expect(queues[dlq]!.Properties?.FifoQueue).toBe(q.Properties?.FifoQueue);
      expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    }
    // Six times the consumer's timeout: controller 30 s, effects 120 s, render 300 s.
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, VisibilityTimeout: 180 });
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, VisibilityTimeout: 720 });
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, VisibilityTimeout: 1800 });
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

  it('runs eight Node.js 22 functions, arm64 except the rendering worker (x86_64 with the kubectl layer)', () => {
    const functions = nodeFunctions(template);
    expect(Object.keys(functions).length).toBe(8);
    const base = [
      'ARTIFACTS_BUCKET',
      'COMMANDS_QUEUE_URL',
      'EFFECTS_QUEUE_URL',
      'EVENT_WIRING',
      'INGRESS_QUEUE_URL',
      'POWERTOOLS_LOG_LEVEL',
      'RENDER_EFFECT_KINDS',
      'RENDER_QUEUE_URL',
      'SCHEDULER_ROLE_ARN',
      'SCHEDULE_GROUP',
      'SECRETS_PREFIX',
      'TABLE_NAME',
      'TIMERS_QUEUE_URL',
    ];
    const extra: Record<string, string[]> = {
      Api: ['API_VERSION'],
      Tick: ['TICK_KINDS'],
      Render: ['EFFECT_KINDS', 'HELM_PATH', 'KUBECTL_PATH'],
    };
    for (const [id, f] of Object.entries(functions)) {
      const name = id.replace(/^Functions/, '').replace(/[0-9A-F]{8}$/, '');
      expect(f.Properties.Architectures).toEqual([name === 'Render' ? 'x86_64' : 'arm64']);
      expect(Object.keys(f.Properties.Environment.Variables).sort()).toEqual(
        [...base, ...(extra[name] ?? [])].sort(),
      );
    }
    const render = functions[functionId(template, 'Render')]!.Properties;
    expect(render.Layers).toHaveLength(1);
    expect(render.Timeout).toBe(300);
    expect(render.MemorySize).toBe(2048);
    expect(render.Environment.Variables.EFFECT_KINDS).toBe('cd.*');
    expect(functions[functionId(template, 'Api')]!.Properties.Timeout).toBeLessThan(30);
  });

  it('feeds each queue to its consumer with partial batch responses and maximum concurrency', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings.length).toBe(5);
    const pairs = mappings.map((m) => {
      expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(m.Properties.ScalingConfig).toEqual({ MaximumConcurrency: 5 });
      const queue = (m.Properties.EventSourceArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
      return `${queue.replace(/[0-9A-F]{8}$/, '')} -> ${(m.Properties.FunctionName as { Ref: string }).Ref.replace(/[0-9A-F]{8}$/, '')}`;
    });
    expect(pairs.sort()).toEqual([
      'QueuesCommands -> FunctionsController',
      'QueuesEffects -> FunctionsEffects',
      'QueuesIngress -> FunctionsIngest',
      'QueuesRender -> FunctionsRender',
      'QueuesTimers -> FunctionsTimers',
    ]);
  });

  it('uses a * resource only for secretsmanager:ListSecrets, which has no resource-level permissions', () => {
    const wildcards = statementsOf(template).filter((s) => JSON.stringify(s.Resource) === '"*"');
    expect(wildcards.length).toBeGreaterThan(0);
    for (const s of wildcards) expect(actionsOf(s)).toEqual(['secretsmanager:ListSecrets']);
  });

  it('keeps every log group for the configured retention (30 days by default)', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBe(9); // eight functions and the API's access logs
    for (const g of groups) expect(g.Properties.RetentionInDays).toBe(30);
  });

  it("ticks every 15 minutes (the backstop of the Applications' own timers) into functions/tick, and has a Scheduler group whose role may only send to the commands queue", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionId(template, 'Tick'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
      },
    });
    const schedulerRole = statementsOf(template, /^SchedulesSchedulerRole/);
    expect(schedulerRole).toHaveLength(1);
    expect(schedulerRole[0]!.Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^QueuesCommands[0-9A-F]{8}$/), 'Arn'],
    });
    const scheduling = statementsOf(template).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('scheduler:')),
    );
    expect(scheduling.length).toBeGreaterThanOrEqual(3); // effects, render, timers
    for (const s of scheduling)
      expect(JSON.stringify(s.Resource)).toMatch(/:schedule\/Test-Schedules-Timers-[0-9A-F]+\/\*/);
    const passRole = statementsOf(template).filter((s) => actionsOf(s).includes('iam:PassRole'));
    expect(passRole).toHaveLength(3);
    for (const s of passRole) {
      expect(s.Condition).toEqual({
        StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      });
      expect(JSON.stringify(s.Resource)).toMatch(/SchedulesSchedulerRole/);
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
    expect(metrics.filter((m) => m === 'ApproximateNumberOfMessagesVisible').length).toBe(5);
    expect(metrics.filter((m) => m === 'ApproximateAgeOfOldestMessage').length).toBe(5);
    expect(metrics.filter((m) => m === 'Errors').length).toBe(8);
    for (const a of alarms) expect(a.Properties.AlarmDescription).toBeTruthy();
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('lets the webhook, effects, render and API functions read secrets under the deployment prefix only, and only the API write them', () => {
    const statements = statementsOf(template);
    const get = statements.filter((s) => s.Action === 'secretsmanager:GetSecretValue');
    expect(get).toHaveLength(4);
    for (const s of get) expect(JSON.stringify(s.Resource)).toContain(':secret:argo-serverless/*');
    const writes = statements.filter((s) =>
      actionsOf(s).some((a) => /^secretsmanager:(Create|Put|Delete|Tag|Untag)/.test(a)),
    );
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0]!.Resource)).toContain(':secret:argo-serverless/*');
    expect(statementsOf(template, /^FunctionsApi/)).toContainEqual(writes[0]);
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

  it('routes webhooks unauthenticated (their event source checks them) and the API behind IAM, with access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'ANY /webhooks/{proxy+}',
      AuthorizationType: 'NONE',
    });
    for (const key of ['ANY /api/{proxy+}', 'GET /version'])
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: key,
        AuthorizationType: 'AWS_IAM',
      });
    const outputs = Object.keys(template.findOutputs('*'));
    for (const name of [
      'ApiUrl',
      'WebhookUrl',
      'TableName',
      'BucketName',
      'CommandsQueueName',
      'EffectsQueueName',
      'IngressQueueName',
      'TimersQueueName',
      'RenderQueueName',
    ])
      expect(outputs).toContain(name);
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
    const clusterArn = 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abc';
    const t = variant('WithKafka', { kafka: { clusterArn, topics: ['orders'] } });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: clusterArn,
      Topics: ['orders'],
      StartingPosition: 'LATEST',
    });
    const wiring = Object.values(
      t.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } }),
    ).map((f) => f.Properties.Environment.Variables.EVENT_WIRING as string);
    expect(wiring).toHaveLength(9);
    expect(new Set(wiring)).toEqual(
      new Set([JSON.stringify({ s3Buckets: [], kafkaTopics: ['orders'] })]),
    );
  }, 120_000);
});

describe('CDK stack options from context', () => {
  it('puts the API behind a JWT authorizer with the given issuer and audience (context apiAuth)', () => {
    const t = variant('WithJwt', {
      apiAuth: { type: 'jwt', issuer: 'https://issuer.example.com', audience: ['argosls'] },
      tickMinutes: 5,
      logRetentionDays: 90,
      renderMemoryMb: 4096,
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://issuer.example.com', Audience: ['argosls'] },
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'ANY /api/{proxy+}',
      AuthorizationType: 'JWT',
    });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    for (const g of Object.values(t.findResources('AWS::Logs::LogGroup')))
      expect(g.Properties.RetentionInDays).toBe(90);
    expect(nodeFunctions(t)[functionId(t, 'Render')]!.Properties.MemorySize).toBe(4096);
  });

  it('runs the functions that call Kubernetes in the given subnets, with interface and gateway endpoints (context vpc)', () => {
    const t = variant('WithVpc', {
      vpc: {
        vpcId: 'vpc-0123456789abcdef0',
        subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
        securityGroupIds: ['sg-0123456789abcdef0'],
        routeTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2'],
        endpoints: true,
      },
    });
    const inVpc = Object.entries(nodeFunctions(t))
      .filter(([, f]) => f.Properties.VpcConfig)
      .map(([id, f]) => {
        expect(f.Properties.VpcConfig).toEqual({
          SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
          SecurityGroupIds: ['sg-0123456789abcdef0'],
        });
        return id.replace(/[0-9A-F]{8}$/, '');
      });
    expect(inVpc.sort()).toEqual(['FunctionsEffects', 'FunctionsRender']);
    const endpoints = Object.values(t.findResources('AWS::EC2::VPCEndpoint')).map(
      (e) =>
        `${e.Properties.VpcEndpointType} ${(e.Properties.ServiceName as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].at(-1) as string}`,
    );
    expect(endpoints.sort()).toEqual([
      'Gateway .dynamodb',
      'Gateway .s3',
      'Interface .eks',
      'Interface .scheduler',
      'Interface .secretsmanager',
      'Interface .sqs',
      'Interface .sts',
    ]);
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      RouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2'],
    });
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [
        Match.objectLike({
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          SourceSecurityGroupId: 'sg-0123456789abcdef0',
        }),
      ],
    });
  });

  it('gives the effect workers (not the controller) access entries on the listed EKS clusters, DescribeCluster on those only (context eksClusters)', () => {
    const t = variant('WithEks', {
      eksClusters: [{ name: 'prod', accessPolicy: 'AmazonEKSViewPolicy' }, { name: 'dev' }],
    });
    const entries = Object.values(t.findResources('AWS::EKS::AccessEntry'));
    expect(entries).toHaveLength(4);
    const principals = entries.map(
      (e) =>
        `${e.Properties.ClusterName} ${(e.Properties.PrincipalArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!.replace(/ServiceRole.*$/, '')} ${e.Properties.Username}`,
    );
    expect(principals.sort()).toEqual([
      'dev FunctionsEffects argo-serverless:effects',
      'dev FunctionsRender argo-serverless:render',
      'prod FunctionsEffects argo-serverless:effects',
      'prod FunctionsRender argo-serverless:render',
    ]);
    for (const e of entries) {
      expect(e.Properties.Type).toBe('STANDARD');
      expect(e.Properties.KubernetesGroups).toEqual(['argo-serverless']);
    }
    t.hasResourceProperties('AWS::EKS::AccessEntry', {
      ClusterName: 'prod',
      AccessPolicies: [
        {
          PolicyArn: {
            'Fn::Join': [
              '',
              Match.arrayWith([':eks::aws:cluster-access-policy/AmazonEKSViewPolicy']),
            ],
          },
          AccessScope: { Type: 'cluster' },
        },
      ],
    });
    const describe = statementsOf(t).filter((s) => actionsOf(s).includes('eks:DescribeCluster'));
    expect(describe).toHaveLength(4);
    for (const s of describe) expect(JSON.stringify(s.Resource)).toMatch(/:cluster\/(prod|dev)"/);
    // The first listed cluster is the home cluster (`in-cluster`) of the effect workers.
    const effects = Object.entries(t.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('FunctionsEffects'),
    )![1];
    expect(effects.Properties.Environment.Variables.HOME_CLUSTER).toBe('prod');
    expect(
      statementsOf(t, /^FunctionsController/).some((s) =>
        actionsOf(s).some((a) => a.startsWith('eks:')),
      ),
    ).toBe(false);
  });
});
