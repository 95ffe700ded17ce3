/**
 * The HTTP API's webhook route: `ANY /webhooks/{proxy+}` -> functions/webhook, which verifies the
 * delivery, enqueues it and answers 202 well inside API Gateway's 30 s (DESIGN.md). Access logs
 * go to CloudWatch.
 */
import { CfnOutput, Stack, Validations } from 'aws-cdk-lib';
import { CfnStage, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export class WebhookApi extends Construct {
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: { webhook: IFunction }) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', { description: 'argo-serverless: webhooks' });
    const routes = this.api.addRoutes({
      path: '/webhooks/{proxy+}',
      methods: [HttpMethod.ANY],
      integration: new HttpLambdaIntegration('Webhook', props.webhook),
    });
    const logs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    const stage = this.api.defaultStage!.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: logs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        method: '$context.httpMethod',
        path: '$context.path',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
      }),
    };
    for (const route of routes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          'Webhook routes are called by GitHub, GitLab and other senders that cannot sign AWS requests; each delivery is authenticated by its event source (signature, token or bearer secret) in the function, and refused with 401 otherwise.',
      });
    }
    new CfnOutput(Stack.of(this), 'WebhookUrl', {
      value: `${this.api.apiEndpoint}/webhooks/<namespace>/<eventsource>/<event>`,
    });
  }
}
