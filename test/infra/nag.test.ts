import { describe, expect, it } from 'vitest';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ControlPlaneStack } from '../../infra/control-plane-stack.js';

function checkedApp(): App {
  const app = new App();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

describe('cdk-nag AwsSolutions checks', () => {
  it('the stack has no unacknowledged findings', () => {
    const app = checkedApp();
    new ControlPlaneStack(app, 'Checked', {
      eventBuckets: ['data-uploads'],
      kafka: {
        clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abc',
        topics: ['orders'],
      },
    });
    expect(() => app.synth()).not.toThrow();
  }, 120_000);

  it('the checks do run: a queue without a DLQ or TLS-only policy fails them', () => {
    const app = checkedApp();
    new Queue(new Stack(app, 'Careless'), 'Bare');
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3|AwsSolutions-SQS4/);
  });
});
