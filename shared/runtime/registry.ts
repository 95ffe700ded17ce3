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
import { registerRolloutValidators } from '../rollouts/validation.js';
import { registerCdValidators } from '../cd/validation.js';
import { analysisRunKind, rolloutKind } from '../rollouts/machine.js';
import { rolloutEffectHandlers } from '../rollouts/effect-handlers.js';
import type { RolloutEffectDeps } from '../rollouts/effect-handlers.js';
import { applicationSetKind } from '../cd/appset/machine.js';
import { appSetEffectHandlers } from '../cd/appset/effect-handlers.js';
import type { AppSetEffectDeps } from '../cd/appset/effect-handlers.js';
import { applicationKind } from '../cd/machine.js';
import { applicationEffectHandlers } from '../cd/effect-handlers.js';
import type { ApplicationEffectDeps } from '../cd/effect-handlers.js';

registerWorkflowValidators();
registerEventValidators();
registerRolloutValidators();
registerCdValidators();

export const kindMachines: readonly KindMachine[] = [
  workflowKind,
  cronWorkflowKind,
  sensorKind,
  eventSourceKind,
  rolloutKind,
  analysisRunKind,
  applicationSetKind,
  applicationKind,
];

/** What the subsystems' effect handlers need from the runtime they run in. */
export type SubsystemDeps = WorkflowEffectDeps &
  EventEffectDeps &
  RolloutEffectDeps &
  AppSetEffectDeps &
  ApplicationEffectDeps;

export function subsystemEffectHandlers(deps: SubsystemDeps): EffectHandler[] {
  return [
    ...workflowEffectHandlers(deps),
    ...eventEffectHandlers(deps),
    ...rolloutEffectHandlers(deps),
    ...appSetEffectHandlers(deps),
    ...applicationEffectHandlers(deps),
  ];
}
