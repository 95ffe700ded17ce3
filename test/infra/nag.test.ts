import { describe, expect, it } from 'vitest';
import { App, Stack, Validations } from 'aws-cdk-lib';
import type { AppProps } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ControlPlaneStack } from '../../infra/control-plane-stack.js';

// Bundling is proven by stack.test.ts and synth.test.ts; the checks look at the template only.
const noBundling: AppProps = { context: { 'aws:cdk:bundling-stacks': [] } };

function checkedApp(props: AppProps = {}): App {
  const app = new App(props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

describe('cdk-nag AwsSolutions checks', () => {
  it('the stack has no unacknowledged findings', () => {
    const app = checkedApp(noBundling);
    new ControlPlaneStack(app, 'Checked', {
      eventBuckets: ['data-uploads'],
      kafka: {
        clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abc',
        topics: ['orders'],
      },
      vpc: {
        vpcId: 'vpc-0123456789abcdef0',
        subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
        securityGroupIds: ['sg-0123456789abcdef0'],
        routeTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2'],
        endpoints: true,
      },
      eksClusters: [{ name: 'prod', accessPolicy: 'AmazonEKSViewPolicy' }, { name: 'dev' }],
    });
    expect(() => app.synth()).not.toThrow();
  }, 120_000);

  it('the stack with a JWT authorizer and no VPC has no unacknowledged findings either', () => {
    const app = checkedApp(noBundling);
    new ControlPlaneStack(app, 'CheckedJwt', {
      apiAuth: { type: 'jwt', issuer: 'https://issuer.example.com', audience: ['argosls'] },
    });
    expect(() => app.synth()).not.toThrow();
  }, 120_000);

  it('the checks do run: a queue without a DLQ or TLS-only policy fails them', () => {
    const app = checkedApp();
    new Queue(new Stack(app, 'Careless'), 'Bare');
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3|AwsSolutions-SQS4/);
  });
});
