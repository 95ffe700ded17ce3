/**
 * Argo's http trigger: the payload built from `payload` parameters, sent by the effect worker with
 * the effect id as `Idempotency-Key` (an http trigger may still reach its server more than once:
 * at-least-once delivery, said in the README). Secure headers travel as secret references.
 */
import type { HttpTrigger } from '../types.js';
import { constructPayload } from '../params.js';
import type { TriggerPlanner } from './plan.js';
import { EventEffects } from './plan.js';

export const planHttpTrigger: TriggerPlanner<HttpTrigger> = (spec, ctx) => {
  // `serverURL` is the field's name in Argo Events before 1.0; its tutorials still use it.
  const url = spec.url ?? spec.serverURL;
  if (!url) throw new Error('http trigger: url is required');
  return [
    {
      kind: EventEffects.Http,
      input: {
        tag: ctx.tag,
        url,
        method: (spec.method ?? 'POST').toUpperCase(),
        payload: constructPayload(spec.payload, ctx.events),
        headers: spec.headers ?? {},
        secureHeaders: (spec.secureHeaders ?? [])
          .filter((h) => h.valueFrom?.secretKeyRef)
          .map((h) => ({
            name: h.name,
            secret: {
              name: h.valueFrom.secretKeyRef!.name,
              key: h.valueFrom.secretKeyRef!.key,
              namespace: ctx.namespace,
            },
          })),
        timeoutSeconds: spec.timeout ?? 60,
        // As Argo: without `policy.status.allow` any response counts as success.
        ...(ctx.allowedStatuses ? { allowedStatuses: ctx.allowedStatuses } : {}),
      },
    },
  ];
};
