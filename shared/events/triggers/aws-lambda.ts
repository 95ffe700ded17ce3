/**
 * Argo's awsLambda trigger: the payload built from `payload` parameters, invoked by the effect
 * worker (`events.lambda`) with credentials from `accessKey` / `secretKey` (secret references in
 * the Sensor's namespace), an assumed `roleARN`, or the worker's own role. A function error or a
 * status outside 2xx fails the firing. Invocations are at least once, as every trigger here.
 */
import type { AwsLambdaTrigger } from '../types.js';
import { constructPayload } from '../params.js';
import type { TriggerPlanner } from './plan.js';
import { EventEffects } from './plan.js';

export const planAwsLambdaTrigger: TriggerPlanner<AwsLambdaTrigger> = (spec, ctx) => {
  if (!spec.functionName) throw new Error('awsLambda trigger: functionName is required');
  const secret = (ref: { name: string; key: string } | undefined) =>
    ref ? { name: ref.name, key: ref.key, namespace: ctx.namespace } : undefined;
  const accessKey = secret(spec.accessKey);
  const secretKey = secret(spec.secretKey);
  return [
    {
      kind: EventEffects.Lambda,
      input: {
        tag: ctx.tag,
        functionName: spec.functionName,
        ...(spec.region ? { region: spec.region } : {}),
        invocationType: spec.invocationType ?? 'RequestResponse',
        payload: constructPayload(spec.payload, ctx.events),
        ...(accessKey && secretKey ? { accessKey, secretKey } : {}),
        ...(spec.roleARN ? { roleARN: spec.roleARN } : {}),
      },
    },
  ];
};
