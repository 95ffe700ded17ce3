/**
 * Argo's argoWorkflow trigger: `submit` creates the Workflow (routed to our machine, named from
 * the firing like a k8s create); `submit-from` creates a Workflow from the WorkflowTemplate,
 * ClusterWorkflowTemplate or CronWorkflow the source names (as `argo submit --from`); suspend /
 * resume / terminate / stop / retry act on the Workflow the source names, through the same
 * changes `argosls` makes. resubmit is refused when the Sensor is applied (validation.ts).
 */
import type { JsonObject } from '../../core/types.js';
import type { ArgoWorkflowTrigger } from '../types.js';
import { RETRY_ANNOTATION } from '../../workflows/retry.js';
import { routedKey, sendTo, triggerObject } from './k8s.js';
import type { TriggerContext, TriggerPlanner } from './plan.js';
import type { TriggerObject } from './k8s.js';
import { derivedName } from './names.js';
import { CRON_SUBMIT_EVENT } from '../../workflows/cron-machine.js';

export const SUPPORTED_WORKFLOW_OPERATIONS = [
  'submit',
  'submit-from',
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
  if (operation === 'submit-from') return submitFrom(object, ctx);
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

/** `argo submit --from <kind>/<name>`: a new Workflow from a template or a CronWorkflow. */
function submitFrom(source: TriggerObject, ctx: TriggerContext) {
  const name = String(source.metadata['name']);
  const namespace = String(source.metadata['namespace'] ?? ctx.namespace);
  const workflowName = derivedName(`${name}-`, ctx.seed);
  switch (source.kind) {
    case 'CronWorkflow':
      // The CronWorkflow's machine holds its spec: it makes the Workflow, as it does on schedule.
      return [
        sendTo(routedKey(source, ctx.cluster), { type: CRON_SUBMIT_EVENT, name: workflowName }),
      ];
    case 'WorkflowTemplate':
    case 'ClusterWorkflowTemplate': {
      const cluster = source.kind === 'ClusterWorkflowTemplate';
      const workflow: TriggerObject = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: {
          name: workflowName,
          namespace,
          labels: {
            [cluster
              ? 'workflows.argoproj.io/cluster-workflow-template'
              : 'workflows.argoproj.io/workflow-template']: name,
          },
        },
        spec: { workflowTemplateRef: { name, ...(cluster ? { clusterScope: true } : {}) } },
      };
      return [sendTo(routedKey(workflow, ctx.cluster), { type: 'Apply', object: workflow })];
    }
    default:
      throw new Error(
        `argoWorkflow submit-from needs a WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow, not a ${source.kind}`,
      );
  }
}
