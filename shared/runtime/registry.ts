/**
 * The kinds and effect kinds this deployment runs. Each subsystem (workflows, rollouts, events,
 * cd) adds its machines and effect handlers here; a kind without a machine is still stored.
 */
import type { EffectHandler } from '../core/effects.js';
import type { KindMachine } from '../core/machines.js';
import { workflowKind } from '../workflows/machine.js';
import { cronWorkflowKind } from '../workflows/cron-machine.js';
import { workflowEffectHandlers } from '../workflows/effect-handlers.js';
import type { WorkflowEffectDeps } from '../workflows/effect-handlers.js';
import { registerWorkflowValidators } from '../workflows/validation.js';
import { eventSourceKind, sensorKind } from '../events/machine.js';
import { eventEffectHandlers } from '../events/effect-handlers.js';
import type { EventEffectDeps } from '../events/effect-handlers.js';
import { registerEventValidators } from '../events/validation.js';

registerWorkflowValidators();
registerEventValidators();

export const kindMachines: readonly KindMachine[] = [
  workflowKind,
  cronWorkflowKind,
  sensorKind,
  eventSourceKind,
];

/** What the subsystems' effect handlers need from the runtime they run in. */
export type SubsystemDeps = WorkflowEffectDeps & EventEffectDeps;

export function subsystemEffectHandlers(deps: SubsystemDeps): EffectHandler[] {
  return [...workflowEffectHandlers(deps), ...eventEffectHandlers(deps)];
}

/**
 * The handlers the AWS effects function runs today. The workflow effects run on AWS protocols in
 * the test lane (`subsystemDepsOnAws`: S3 artifacts, table reads, commands-queue submissions);
 * the deployed function still needs its home EKS cluster and bucket wired by the CDK app (infra
 * issue). Until then a workflow's effects on AWS report "no effect handler", failing its nodes
 * visibly.
 */
export const effectHandlers: readonly EffectHandler[] = [];
