/**
 * The HTTP API (API Gateway HTTP API): `ANY /webhooks/{proxy+}` -> functions/webhook (each delivery
 * authenticated by its event source's own secret), and the control-plane API (`ANY /api/{proxy+}`,
 * `GET /version`) -> functions/api behind IAM (SigV4) or a JWT authorizer (context `apiAuth`).
 * Both answer well inside API Gateway's 30 s: they enqueue and return. Access logs go to
 * CloudWatch.
 */
import { CfnOutput, Stack, Validations } from 'aws-cdk-lib';
import type { Duration } from 'aws-cdk-lib';
import { CfnStage, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ApiAuth } from '../context.js';

export class ControlPlaneHttpApi extends Construct {
  readonly api: HttpApi;

  constructor(
    scope: Construct,
    id: string,
    props: {
      webhook: IFunction;
      api: IFunction;
      auth: ApiAuth;
      logRetention: RetentionDays;
      /** The API function's timeout: must stay under API Gateway's 30 s. */
      apiTimeout: Duration;
    },
  ) {
    super(scope, id);
    if (props.apiTimeout.toSeconds() >= 30)
      throw new Error('the API function must time out before API Gateway does (30 s)');
    this.api = new HttpApi(this, 'Api', { description: 'argo-serverless: webhooks and API' });
    const webhookRoutes = this.api.addRoutes({
      path: '/webhooks/{proxy+}',
      methods: [HttpMethod.ANY],
      integration: new HttpLambdaIntegration('Webhook', props.webhook),
    });
    const authorizer: IHttpRouteAuthorizer =
      props.auth.type === 'jwt'
        ? new HttpJwtAuthorizer('Jwt', props.auth.issuer, { jwtAudience: props.auth.audience })
        : new HttpIamAuthorizer();
    const apiIntegration = new HttpLambdaIntegration('ControlPlaneApi', props.api);
    this.api.addRoutes({
      path: '/api/{proxy+}',
      methods: [HttpMethod.ANY],
      integration: apiIntegration,
      authorizer,
    });
    this.api.addRoutes({
      path: '/version',
      methods: [HttpMethod.GET],
      integration: apiIntegration,
      authorizer,
    });
    const logs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    const stage = this.api.defaultStage!.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: logs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        caller: '$context.identity.userArn',
        method: '$context.httpMethod',
        path: '$context.path',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
      }),
    };
    for (const route of webhookRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          'Webhook routes are called by GitHub, GitLab and other senders that cannot sign AWS requests; each delivery is authenticated by its event source (signature, token or bearer secret) in the function, and refused with 401 otherwise.',
      });
    }
    const url = this.api.apiEndpoint;
    new CfnOutput(Stack.of(this), 'ApiUrl', { value: `${url}/api/v1` });
    new CfnOutput(Stack.of(this), 'WebhookUrl', {
      value: `${url}/webhooks/<namespace>/<eventsource>/<event>`,
    });
  }
}
