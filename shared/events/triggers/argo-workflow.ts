/**
 * Argo's argoWorkflow trigger: `submit` creates the Workflow (routed to our machine, named from
 * the firing like a k8s create); suspend / resume / terminate / stop / retry act on the Workflow
 * the source names, through the same changes `argosls` makes. resubmit and submit-from are
 * refused when the Sensor is applied (validation.ts).
 */
import type { JsonObject } from '../../core/types.js';
import type { ArgoWorkflowTrigger } from '../types.js';
import { RETRY_ANNOTATION } from '../../workflows/retry.js';
import { routedKey, sendTo, triggerObject } from './k8s.js';
import type { TriggerPlanner } from './plan.js';

export const SUPPORTED_WORKFLOW_OPERATIONS = [
  'submit',
  'suspend',
  'resume',
  'terminate',
  'stop',
  'retry',
];

export const planArgoWorkflowTrigger: TriggerPlanner<ArgoWorkflowTrigger> = (spec, ctx) => {
  const operation = spec.operation || 'submit';
  if (!SUPPORTED_WORKFLOW_OPERATIONS.includes(operation))
    throw new Error(`argoWorkflow operation "${operation}" is not supported by argo-serverless`);
  const { object } = triggerObject(spec.source, spec.parameters, ctx, operation === 'submit');
  if (object.kind !== 'Workflow')
    throw new Error(`argoWorkflow ${operation} needs a Workflow, not a ${object.kind}`);
  const key = routedKey(object, ctx.cluster);
  const patch = (p: JsonObject) => sendTo(key, { type: 'Patch', patchType: 'merge', patch: p });
  switch (operation) {
    case 'submit':
      return [sendTo(key, { type: 'Apply', object })];
    case 'suspend':
      return [patch({ spec: { suspend: true } })];
    case 'resume':
      return [patch({ spec: { suspend: null } })];
    case 'terminate':
      return [patch({ spec: { shutdown: 'Terminate' } })];
    case 'stop':
      return [patch({ spec: { shutdown: 'Stop' } })];
    default:
      return [
        patch({
          metadata: {
            annotations: { [RETRY_ANNOTATION]: JSON.stringify({ at: ctx.seed }) },
          },
        }),
      ];
  }
};
