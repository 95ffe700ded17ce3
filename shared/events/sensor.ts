/**
 * The Sensor as a pure reducer: an arriving event is matched to the dependencies listening for it,
 * filtered, and offered to each trigger whose conditions name the dependency. As in Argo, a trigger
 * keeps one slot per dependency (a newer event overwrites it, and the older one is recorded as
 * superseded), fires when its conditions hold with the slots it has, and then clears them; a
 * trigger whose conditions are only `||` fires on each event alone. Every event stays in the log;
 * the status keeps counters and the latest dispositions.
 */
import type { EffectRequest, Json, ResourceKey } from '../core/types.js';
import { parseKey } from '../core/types.js';
import type { KubeObject } from '../core/objects.js';
import type { ArgoEvent, EventDependency, SensorSpec, Trigger } from './types.js';
import { filterEvent } from './filters.js';
import { conditionsMet, conditionsOf, requiresAnd } from './conditions.js';
import { applyParams } from './params.js';
import { listensTo } from './ingest.js';
import type { TriggerContext } from './triggers/plan.js';
import { planK8sTrigger } from './triggers/k8s.js';
import { planArgoWorkflowTrigger } from './triggers/argo-workflow.js';
import { planHttpTrigger } from './triggers/http.js';
import { planLogTrigger } from './triggers/log.js';

/** How many dispositions the status keeps (the log keeps them all). */
export const RECENT_LIMIT = 20;

export type DispositionKind = 'filtered' | 'held' | 'superseded' | 'fired' | 'failed' | 'cleared';

export interface Disposition {
  at: string;
  eventId: string;
  dependency?: string;
  trigger?: string;
  kind: DispositionKind;
  message?: string;
}

export interface TriggerState {
  fired: number;
  failed: number;
  lastFiredAt?: string;
  lastError?: string;
}

export interface SensorState {
  key: ResourceKey;
  namespace: string;
  spec: SensorSpec;
  /** trigger -> dependency -> id of the event held in that slot. */
  slots: Record<string, Record<string, string>>;
  /** Events held by some slot, by id. */
  held: Record<string, ArgoEvent>;
  triggers: Record<string, TriggerState>;
  received: number;
  filtered: number;
  recent: Disposition[];
}

export type SensorEvent =
  | { type: 'xstate.init'; at: number }
  | { type: 'ObjectApplied'; at: number; object: KubeObject }
  | { type: 'EventArrived'; at: number; event: ArgoEvent }
  | { type: 'EffectSucceeded'; at: number; effectKind: string; result: Json }
  | { type: 'EffectFailed'; at: number; effectKind: string; reason: string; tag?: Json }
  | { type: string; at: number; [k: string]: unknown };

export function initialSensorState(key: ResourceKey, object: KubeObject): SensorState {
  return {
    key,
    namespace: object.metadata.namespace ?? 'default',
    spec: structuredClone(object.spec) as unknown as SensorSpec,
    slots: {},
    held: {},
    triggers: {},
    received: 0,
    filtered: 0,
    recent: [],
  };
}

export function reduceSensor(
  state: SensorState,
  event: SensorEvent,
  effects: EffectRequest[],
): void {
  switch (event.type) {
    case 'ObjectApplied': {
      state.spec = structuredClone(
        (event as { object: KubeObject }).object.spec,
      ) as unknown as SensorSpec;
      // Slots of triggers or dependencies that no longer exist are dropped (Argo restarts the
      // sensor on a spec change and rebuilds its triggers).
      const triggers = new Set(state.spec.triggers.map((t) => t.template.name));
      const deps = new Set(state.spec.dependencies.map((d) => d.name));
      for (const name of Object.keys(state.slots)) {
        if (!triggers.has(name)) delete state.slots[name];
        else
          for (const dep of Object.keys(state.slots[name]!))
            if (!deps.has(dep)) delete state.slots[name]![dep];
      }
      collectHeld(state);
      return;
    }
    case 'EventArrived':
      arrive(state, (event as { event: ArgoEvent }).event, event.at, effects);
      return;
    case 'EffectSucceeded': {
      const e = event as { result: Json };
      const result = e.result as { tag?: string; error?: string } | null;
      if (result && typeof result.tag === 'string' && result.error)
        triggerFailed(state, result.tag, result.error, event.at);
      return;
    }
    case 'EffectFailed': {
      const e = event as { reason: string; tag?: Json; effectKind: string };
      if (typeof e.tag === 'string') triggerFailed(state, e.tag, e.reason, event.at);
      return;
    }
  }
}

function arrive(state: SensorState, event: ArgoEvent, at: number, effects: EffectRequest[]): void {
  state.received++;
  const dependencies = state.spec.dependencies.filter((d) => listensTo(d, event));
  for (const dep of dependencies) {
    const outcome = filterEvent(event, dep.filters, dep.filtersLogicalOperator);
    if (!outcome.pass) {
      state.filtered++;
      record(state, at, {
        eventId: event.context.id,
        dependency: dep.name,
        kind: 'filtered',
        ...(outcome.reason ? { message: outcome.reason } : {}),
      });
      continue;
    }
    for (const trigger of state.spec.triggers) offer(state, trigger, dep, event, at, effects);
  }
  collectHeld(state);
}

function offer(
  state: SensorState,
  trigger: Trigger,
  dep: EventDependency,
  event: ArgoEvent,
  at: number,
  effects: EffectRequest[],
): void {
  const names = state.spec.dependencies.map((d) => d.name);
  const conditions = conditionsOf(trigger.template.conditions, names);
  const mentioned = names.filter((n) =>
    new RegExp(`(^|[^\\w-])${escapeRe(n)}($|[^\\w-])`).test(conditions),
  );
  if (!mentioned.includes(dep.name)) return;
  const name = trigger.template.name;
  const slots = (state.slots[name] ??= {});
  let met: boolean;
  try {
    if (!requiresAnd(conditions)) {
      met = conditionsMet(conditions, names, new Set([dep.name]));
      if (met) fire(state, trigger, { [dep.name]: event }, at, effects);
      return;
    }
    met = conditionsMet(conditions, names, new Set([...Object.keys(slots), dep.name]));
  } catch (err) {
    triggerFailed(
      state,
      name,
      `conditions "${conditions}": ${(err as Error).message}`,
      at,
      event.context.id,
    );
    return;
  }
  if (met) {
    const events: Record<string, ArgoEvent> = {};
    for (const [d, id] of Object.entries(slots)) if (state.held[id]) events[d] = state.held[id]!;
    events[dep.name] = event;
    state.slots[name] = {};
    fire(state, trigger, events, at, effects);
    return;
  }
  const previous = slots[dep.name];
  if (previous && previous !== event.context.id)
    record(state, at, {
      eventId: previous,
      dependency: dep.name,
      trigger: name,
      kind: 'superseded',
      message: `by ${event.context.id}`,
    });
  slots[dep.name] = event.context.id;
  state.held[event.context.id] = event;
  record(state, at, {
    eventId: event.context.id,
    dependency: dep.name,
    trigger: name,
    kind: 'held',
  });
}

function fire(
  state: SensorState,
  trigger: Trigger,
  events: Record<string, ArgoEvent>,
  at: number,
  effects: EffectRequest[],
): void {
  const name = trigger.template.name;
  const ids = Object.values(events)
    .map((e) => e.context.id)
    .sort();
  const ctx: TriggerContext = {
    sensorKey: state.key,
    cluster: parseKey(state.key).cluster,
    namespace: state.namespace,
    ...(state.spec.template?.serviceAccountName
      ? { serviceAccountName: state.spec.template.serviceAccountName }
      : {}),
    trigger: name,
    seed: `${state.key}/${name}/${ids.join(',')}`,
    events,
  };
  const t = (state.triggers[name] ??= { fired: 0, failed: 0 });
  let planned: EffectRequest[];
  try {
    // Argo applies `trigger.parameters` to the template first, then the type's own parameters.
    const template = (trigger.parameters?.length
      ? applyParams(trigger.template as unknown as Json, trigger.parameters, events)
      : trigger.template) as unknown as Trigger['template'];
    planned = planFor(template, ctx);
  } catch (err) {
    triggerFailed(state, name, (err as Error).message, at, ids.join(','));
    return;
  }
  t.fired++;
  t.lastFiredAt = new Date(at).toISOString();
  delete t.lastError;
  effects.push(...planned);
  record(state, at, { eventId: ids.join(','), trigger: name, kind: 'fired' });
}

function planFor(template: Trigger['template'], ctx: TriggerContext): EffectRequest[] {
  if (template.k8s) return planK8sTrigger(template.k8s, ctx);
  if (template.argoWorkflow) return planArgoWorkflowTrigger(template.argoWorkflow, ctx);
  if (template.http) return planHttpTrigger(template.http, ctx);
  if (template.log) return planLogTrigger(template.log, ctx);
  const type = Object.keys(template).find(
    (k) => k !== 'name' && k !== 'conditions' && k !== 'conditionsReset',
  );
  throw new Error(`trigger type "${type ?? '(none)'}" is not supported by argo-serverless`);
}

function triggerFailed(
  state: SensorState,
  trigger: string,
  message: string,
  at: number,
  eventId = '',
): void {
  const t = (state.triggers[trigger] ??= { fired: 0, failed: 0 });
  t.failed++;
  t.lastError = message;
  record(state, at, { eventId, trigger, kind: 'failed', message });
}

function record(state: SensorState, at: number, d: Omit<Disposition, 'at'>): void {
  state.recent.push({ at: new Date(at).toISOString(), ...d });
  if (state.recent.length > RECENT_LIMIT)
    state.recent.splice(0, state.recent.length - RECENT_LIMIT);
}

/** Held events no slot refers to any more are let go (the log still has them). */
function collectHeld(state: SensorState): void {
  const live = new Set(Object.values(state.slots).flatMap((s) => Object.values(s)));
  for (const id of Object.keys(state.held)) if (!live.has(id)) delete state.held[id];
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The Sensor's status: Argo's conditions, plus counters and dispositions (an extension). */
export function sensorStatus(state: SensorState): Json {
  return {
    conditions: [
      {
        type: 'Deployed',
        status: 'True',
        reason: 'Serverless',
        message: 'runs on events, no deployment',
      },
      { type: 'DependenciesProvided', status: state.spec.dependencies.length ? 'True' : 'False' },
      { type: 'TriggersProvided', status: state.spec.triggers.length ? 'True' : 'False' },
    ],
    events: { received: state.received, filtered: state.filtered },
    triggers: state.triggers as unknown as Json,
    pending: Object.fromEntries(
      Object.entries(state.slots)
        .filter(([, s]) => Object.keys(s).length)
        .map(([t, s]) => [t, Object.keys(s).sort()]),
    ),
    recent: state.recent as unknown as Json,
  } as Json;
}
