/**
 * The LambdaInvoker port on the AWS SDK: an Invoke with the caller's keys, an assumed role, or the
 * process's own credentials. Throttling and service faults come back as TransientError (worth
 * another try); a refused invoke is an ordinary error.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { TransientError } from '../../core/effects.js';
import type { LambdaInvocation, LambdaInvoker } from '../../events/effect-handlers.js';
import { stsAssumeRole } from './sts-assume-role.js';

export function sdkLambdaInvoker(options: { endpoint?: string } = {}): LambdaInvoker {
  return {
    async invoke(call: LambdaInvocation) {
      let credentials: AwsCredentialIdentity | undefined = call.credentials;
      if (call.roleARN) {
        const sts = new STSClient({ region: call.region, ...(credentials ? { credentials } : {}) });
        credentials = await stsAssumeRole(sts, 'argo-serverless-sensor')(call.roleARN);
      }
      const client = new LambdaClient({
        region: call.region,
        ...(credentials ? { credentials } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      });
      const out = await client
        .send(
          new InvokeCommand({
            FunctionName: call.functionName,
            InvocationType: call.invocationType,
            Payload: Buffer.from(call.payload || '{}'),
          }),
        )
        .catch((err: unknown) => {
          const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata
            ?.httpStatusCode;
          if (status === undefined || status === 429 || status >= 500)
            throw new TransientError(`invoke ${call.functionName}: ${(err as Error).message}`);
          throw err;
        });
      return {
        status: out.StatusCode ?? 0,
        ...(out.FunctionError ? { functionError: out.FunctionError } : {}),
        payload: out.Payload ? Buffer.from(out.Payload).toString('utf8') : '',
      };
    },
  };
}
