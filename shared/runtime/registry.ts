/**
 * The kinds and effect kinds this deployment runs. Each subsystem (workflows, rollouts, events,
 * cd) adds its machines and effect handlers here; a kind without a machine is still stored.
 */
import type { EffectHandler } from '../core/effects.js';
import type { KindMachine } from '../core/machines.js';

export const kindMachines: readonly KindMachine[] = [];

export const effectHandlers: readonly EffectHandler[] = [];
