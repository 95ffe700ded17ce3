/** What every trigger planner is given, and what it returns: effects for the Sensor to ask for. */
import type { EffectRequest } from '../../core/types.js';
import type { ArgoEvent } from '../types.js';

export interface TriggerContext {
  sensorKey: string;
  cluster: string;
  namespace: string;
  serviceAccountName?: string;
  /** The trigger's name. */
  trigger: string;
  /** The firing's tag (`<trigger>#<seq>`): effect inputs carry it so outcomes find the firing. */
  tag: string;
  /** Unique per firing and stable on replay (trigger + event ids): names derive from it. */
  seed: string;
  events: Readonly<Record<string, ArgoEvent>>;
  /** The trigger's `policy.status.allow` (http). */
  allowedStatuses?: number[];
}

export type TriggerPlanner<T> = (spec: T, ctx: TriggerContext) => EffectRequest[];

export const EventEffects = {
  K8s: 'events.k8s',
  Http: 'events.http',
  Log: 'events.log',
  Lambda: 'events.lambda',
  /** input: { cluster, namespace, at, event } -> the event routed to the Sensors listening. */
  Publish: 'events.publish',
  /** input: { tag, cluster, namespace, source } -> { tag, object }: a trigger source fetched. */
  Resolve: 'events.resolve',
  /** input: { tag: 'wiring', sources } -> { tag, unwired }: does the deployment deliver them? */
  Wiring: 'events.wiring',
} as const;
