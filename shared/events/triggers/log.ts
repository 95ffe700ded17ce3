/** Argo's log trigger: the firing's events written to the log (the Sensor's status counts it). */
import type { Json } from '../../core/types.js';
import type { LogTrigger } from '../types.js';
import type { TriggerPlanner } from './plan.js';
import { EventEffects } from './plan.js';

export const planLogTrigger: TriggerPlanner<LogTrigger> = (_spec, ctx) => [
  {
    kind: EventEffects.Log,
    input: {
      tag: ctx.tag,
      sensor: ctx.sensorKey,
      events: ctx.events as unknown as Json,
    },
  },
];
