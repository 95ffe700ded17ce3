/**
 * The Sensor as a pure reducer: an arriving event is matched to the dependencies listening for it,
 * filtered, and offered to each trigger whose conditions name the dependency. As in Argo, a trigger
 * keeps one slot per dependency (a newer event overwrites it, and the older one is recorded as
 * superseded), fires when its conditions hold with the slots it has, and then clears them; a
 * trigger whose conditions are only `||` fires on each event alone. `conditionsReset` clears the
 * slots on a cron schedule (a timer). A firing whose trigger source must be fetched (a ConfigMap,
 * a URL) or whose effect reports back is kept until its outcome arrives; a failed firing fires the
 * trigger's `dlqTrigger` with the same events. Every event stays in the log; the status keeps
 * counters and the latest dispositions.
 */
import type { EffectRequest, Json, ResourceKey } from '../core/types.js';
import { parseKey } from '../core/types.js';
import type { KubeObject } from '../core/objects.js';
import type { ArgoEvent, EventDependency, SensorSpec, Trigger } from './types.js';
import { filterEvent } from './filters.js';
import { DEPLOYED_CONDITION } from './event.js';
import { transformEvent } from './transform.js';
import { conditionsMet, conditionsOf, requiresAnd } from './conditions.js';
import { applyParams } from './params.js';
import { listensTo } from './ingest.js';
import type { TriggerContext } from './triggers/plan.js';
import { planK8sTrigger } from './triggers/k8s.js';
import { planArgoWorkflowTrigger } from './triggers/argo-workflow.js';
import { planHttpTrigger } from './triggers/http.js';
import { planLogTrigger } from './triggers/log.js';
import { planAwsLambdaTrigger } from './triggers/aws-lambda.js';
import { EventEffects } from './triggers/plan.js';
import { needsResolving } from './triggers/source.js';
import { CoreEffects } from '../core/effects.js';
import { nextFireTime, parseCronSchedule } from '../workflows/cron.js';

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

/** A firing waiting for its turn (rateLimit), its trigger source, or its effects' outcome. */
export interface Firing {
  trigger: string;
  /** The trigger as it was when it fired (a dlqTrigger is not among the spec's triggers). */
  spec: Trigger;
  /** dependency -> event id (the events are in `held`). */
  events: Record<string, string>;
  stage: 'waiting' | 'resolving' | 'running';
  /** Effects that report back still outstanding. */
  pending: number;
  /** A dlqTrigger firing, which has no DLQ of its own. */
  dlq?: boolean;
}

export interface SensorState {
  key: ResourceKey;
  namespace: string;
  spec: SensorSpec;
  /** trigger -> dependency -> id of the event held in that slot. */
  slots: Record<string, Record<string, string>>;
  /** Events held by a slot or a firing, by id. */
  held: Record<string, ArgoEvent>;
  /** Firings in progress, by tag (`<trigger>#<seq>`, carried by their effects). */
  firings: Record<string, Firing>;
  seq: number;
  /** conditionsReset timers, by trigger. */
  resets: Record<string, { generation: number; fireAt: number }>;
  /** rateLimit: when each limited trigger may fire next, its firings waiting, and their timer. */
  rates: Record<
    string,
    { nextAt: number; waiting: string[]; timer?: { generation: number; fireAt: number } }
  >;
  generation: number;
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
  | { type: 'TimerFired'; at: number; timerId: string; generation: number }
  | { type: string; at: number; [k: string]: unknown };

export function initialSensorState(key: ResourceKey, object: KubeObject): SensorState {
  return {
    key,
    namespace: object.metadata.namespace ?? 'default',
    spec: structuredClone(object.spec) as unknown as SensorSpec,
    slots: {},
    held: {},
    firings: {},
    seq: 0,
    resets: {},
    rates: {},
    generation: 0,
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
    case 'xstate.init':
      armResets(state, event.at, effects);
      return;
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
      state.resets = {};
      armResets(state, event.at, effects);
      collectHeld(state);
      return;
    }
    case 'EventArrived':
      arrive(state, (event as { event: ArgoEvent }).event, event.at, effects);
      return;
    case 'EffectSucceeded': {
      const result = (event as { result: Json }).result as {
        tag?: string;
        error?: string;
        object?: Json;
      } | null;
      if (!result || typeof result.tag !== 'string') return;
      if (result.error) firingFailed(state, result.tag, result.error, event.at, effects);
      else if (result.object !== undefined)
        resolved(state, result.tag, result.object, event.at, effects);
      else firingDone(state, result.tag);
      collectHeld(state);
      return;
    }
    case 'EffectFailed': {
      const e = event as { reason: string; tag?: Json };
      if (typeof e.tag === 'string') firingFailed(state, e.tag, e.reason, event.at, effects);
      collectHeld(state);
      return;
    }
    case 'TimerFired': {
      const e = event as { timerId: string; generation: number };
      if (e.timerId.startsWith('rate:'))
        return released(state, e.timerId.slice(5), e.generation, effects);
      const trigger = e.timerId.startsWith('reset:') ? e.timerId.slice('reset:'.length) : '';
      const timer = state.resets[trigger];
      if (!timer || timer.generation !== e.generation) return;
      for (const [dep, id] of Object.entries(state.slots[trigger] ?? {}))
        record(state, event.at, {
          eventId: id,
          dependency: dep,
          trigger,
          kind: 'cleared',
          message: 'conditionsReset',
        });
      state.slots[trigger] = {};
      collectHeld(state);
      armReset(state, trigger, timer.fireAt, effects);
      return;
    }
  }
}

/** A timer per trigger with `conditionsReset: [{byTime: {cron, timezone}}]`. */
function armResets(state: SensorState, at: number, effects: EffectRequest[]): void {
  for (const t of state.spec.triggers)
    if (t.template.conditionsReset?.some((r) => r.byTime?.cron))
      armReset(state, t.template.name, at, effects);
}

function armReset(
  state: SensorState,
  trigger: string,
  after: number,
  effects: EffectRequest[],
): void {
  const t = state.spec.triggers.find((x) => x.template.name === trigger);
  const times = (t?.template.conditionsReset ?? [])
    .filter((r) => r.byTime?.cron)
    .map((r) =>
      nextFireTime(parseCronSchedule(r.byTime!.cron), after, r.byTime!.timezone || 'UTC'),
    );
  if (times.length === 0) return;
  state.generation++;
  const fireAt = Math.min(...times);
  state.resets[trigger] = { generation: state.generation, fireAt };
  effects.push({
    kind: CoreEffects.SetTimer,
    input: { timerId: `reset:${trigger}`, generation: state.generation, fireAt },
  });
}

function arrive(state: SensorState, event: ArgoEvent, at: number, effects: EffectRequest[]): void {
  state.received++;
  const dependencies = state.spec.dependencies.filter((d) => listensTo(d, event));
  for (const dep of dependencies) {
    // As Argo: the dependency's transform first, then its filters, on the transformed event.
    let transformed: ArgoEvent;
    try {
      transformed = transformEvent(event, dep.transform);
    } catch (err) {
      state.filtered++;
      record(state, at, {
        eventId: event.context.id,
        dependency: dep.name,
        kind: 'filtered',
        message: `transform failed: ${(err as Error).message}`,
      });
      continue;
    }
    const outcome = filterEvent(transformed, dep.filters, dep.filtersLogicalOperator);
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
    for (const trigger of state.spec.triggers) offer(state, trigger, dep, transformed, at, effects);
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
  dlq = false,
): void {
  const name = trigger.template.name;
  const tag = `${name}#${++state.seq}`;
  const ids = Object.values(events)
    .map((e) => e.context.id)
    .sort();
  state.firings[tag] = {
    trigger: name,
    spec: trigger,
    events: Object.fromEntries(Object.entries(events).map(([d, e]) => [d, e.context.id])),
    stage: 'waiting',
    pending: 0,
    ...(dlq ? { dlq } : {}),
  };
  for (const e of Object.values(events)) state.held[e.context.id] ??= e;
  const t = (state.triggers[name] ??= { fired: 0, failed: 0 });
  t.fired++;
  t.lastFiredAt = new Date(at).toISOString();
  record(state, at, {
    eventId: ids.join(','),
    trigger: name,
    kind: 'fired',
    ...(dlq ? { message: 'dlqTrigger' } : {}),
  });
  const interval = rateInterval(trigger);
  const rate = interval ? (state.rates[name] ??= { nextAt: 0, waiting: [] }) : undefined;
  if (rate && (at < rate.nextAt || rate.waiting.length > 0)) {
    // As uber's ratelimit in Argo: firings are spaced by unit / requestsPerUnit; this one waits.
    rate.waiting.push(tag);
    if (!rate.timer) armRate(state, name, rate.nextAt, effects);
    return;
  }
  start(state, tag, at, effects);
}

/** The spacing a trigger's rateLimit asks for (ms), if any. */
function rateInterval(trigger: Trigger): number | undefined {
  const limit = trigger.rateLimit;
  if (!limit?.requestsPerUnit || limit.requestsPerUnit <= 0) return undefined;
  const unit = { Second: 1_000, Minute: 60_000, Hour: 3_600_000 }[limit.unit ?? 'Second'] ?? 1_000;
  return unit / limit.requestsPerUnit;
}

function armRate(
  state: SensorState,
  trigger: string,
  fireAt: number,
  effects: EffectRequest[],
): void {
  const rate = state.rates[trigger]!;
  state.generation++;
  rate.timer = { generation: state.generation, fireAt };
  effects.push({
    kind: CoreEffects.SetTimer,
    input: { timerId: `rate:${trigger}`, generation: state.generation, fireAt },
  });
}

/** A rate-limited trigger's turn came: the oldest waiting firing starts. */
function released(
  state: SensorState,
  trigger: string,
  generation: number,
  effects: EffectRequest[],
): void {
  const rate = state.rates[trigger];
  if (!rate?.timer || rate.timer.generation !== generation) return;
  const at = rate.timer.fireAt;
  delete rate.timer;
  const tag = rate.waiting.shift();
  if (tag && state.firings[tag]) start(state, tag, at, effects);
  if (rate.waiting.length > 0) armRate(state, trigger, rate.nextAt, effects);
  collectHeld(state);
}

/**
 * The firing's trigger template with `trigger.parameters` applied (Argo applies them to the
 * template first, the trigger type's own parameters later). Throws a ParameterError.
 */
function templateOf(state: SensorState, firing: Firing): Trigger['template'] {
  return (firing.spec.parameters?.length
    ? applyParams(
        firing.spec.template as unknown as Json,
        firing.spec.parameters,
        eventsOf(state, firing),
      )
    : structuredClone(firing.spec.template)) as unknown as Trigger['template'];
}

/** Starts a firing: the trigger's parameters applied, its source fetched or its effects asked for. */
function start(state: SensorState, tag: string, at: number, effects: EffectRequest[]): void {
  const firing = state.firings[tag]!;
  const interval = rateInterval(firing.spec);
  if (interval) {
    const rate = (state.rates[firing.trigger] ??= { nextAt: 0, waiting: [] });
    rate.nextAt = Math.max(at, rate.nextAt) + interval;
  }
  let template: Trigger['template'];
  try {
    template = templateOf(state, firing);
  } catch (err) {
    firingFailed(state, tag, (err as Error).message, at, effects);
    return;
  }
  const source = template.k8s?.source ?? template.argoWorkflow?.source;
  if (source && needsResolving(source)) {
    firing.stage = 'resolving';
    effects.push({
      kind: EventEffects.Resolve,
      input: {
        tag,
        cluster: parseKey(state.key).cluster,
        namespace: state.namespace,
        source: source as unknown as Json,
      },
    });
    return;
  }
  run(state, tag, template, at, effects);
}

/** Plans the firing's trigger and asks for its effects. */
function run(
  state: SensorState,
  tag: string,
  template: Trigger['template'],
  at: number,
  effects: EffectRequest[],
): void {
  const firing = state.firings[tag]!;
  const events = eventsOf(state, firing);
  const ctx: TriggerContext = {
    sensorKey: state.key,
    cluster: parseKey(state.key).cluster,
    namespace: state.namespace,
    ...(state.spec.template?.serviceAccountName
      ? { serviceAccountName: state.spec.template.serviceAccountName }
      : {}),
    trigger: firing.trigger,
    tag,
    ...(firing.spec.policy?.status?.allow
      ? { allowedStatuses: firing.spec.policy.status.allow }
      : {}),
    seed: `${state.key}/${firing.trigger}/${Object.values(firing.events).sort().join(',')}`,
    events,
  };
  let planned: EffectRequest[];
  try {
    planned = planFor(template, ctx);
  } catch (err) {
    firingFailed(state, tag, (err as Error).message, at, effects);
    return;
  }
  effects.push(...planned);
  firing.stage = 'running';
  firing.pending = planned.filter((e) => REPORTING.has(e.kind)).length;
  const t = state.triggers[firing.trigger]!;
  if (firing.pending === 0) {
    delete t.lastError;
    delete state.firings[tag];
  }
}

/** Effect kinds whose outcome comes back to the Sensor (message.send is silent). */
const REPORTING = new Set<string>([
  EventEffects.K8s,
  EventEffects.Http,
  EventEffects.Log,
  EventEffects.Lambda,
]);

function eventsOf(state: SensorState, firing: Firing): Record<string, ArgoEvent> {
  const events: Record<string, ArgoEvent> = {};
  for (const [dep, id] of Object.entries(firing.events))
    if (state.held[id]) events[dep] = state.held[id]!;
  return events;
}

/** The trigger source came back from the cluster or a URL: now the trigger can run. */
function resolved(
  state: SensorState,
  tag: string,
  object: Json,
  at: number,
  effects: EffectRequest[],
): void {
  const firing = state.firings[tag];
  if (!firing || firing.stage !== 'resolving') return;
  let template: Trigger['template'];
  try {
    template = templateOf(state, firing);
  } catch (err) {
    return firingFailed(state, tag, (err as Error).message, at, effects);
  }
  const body = template.k8s ?? template.argoWorkflow;
  if (body) body.source = { resource: object };
  run(state, tag, template, at, effects);
}

function firingDone(state: SensorState, tag: string): void {
  const firing = state.firings[tag];
  if (!firing) return;
  if (--firing.pending > 0) return;
  delete state.triggers[firing.trigger]?.lastError;
  delete state.firings[tag];
}

function firingFailed(
  state: SensorState,
  tag: string,
  message: string,
  at: number,
  effects: EffectRequest[],
): void {
  const firing = state.firings[tag];
  const name = firing?.trigger ?? tag.split('#')[0]!;
  triggerFailed(state, name, message, at, firing ? Object.values(firing.events).join(',') : '');
  if (!firing) return;
  delete state.firings[tag];
  if (!firing.dlq && firing.spec.dlqTrigger) {
    const dlq = firing.spec.dlqTrigger;
    const dlqTrigger: Trigger = {
      ...dlq,
      template: { ...dlq.template, name: dlq.template?.name || `${name}-dlq` },
    };
    fire(state, dlqTrigger, eventsOf(state, firing), at, effects, true);
  }
}

function planFor(template: Trigger['template'], ctx: TriggerContext): EffectRequest[] {
  if (template.k8s) return planK8sTrigger(template.k8s, ctx);
  if (template.argoWorkflow) return planArgoWorkflowTrigger(template.argoWorkflow, ctx);
  if (template.http) return planHttpTrigger(template.http, ctx);
  if (template.log) return planLogTrigger(template.log, ctx);
  if (template.awsLambda) return planAwsLambdaTrigger(template.awsLambda, ctx);
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
  const live = new Set([
    ...Object.values(state.slots).flatMap((s) => Object.values(s)),
    ...Object.values(state.firings).flatMap((f) => Object.values(f.events)),
  ]);
  for (const id of Object.keys(state.held)) if (!live.has(id)) delete state.held[id];
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The Sensor's status: Argo's conditions, plus counters and dispositions (an extension). */
export function sensorStatus(state: SensorState): Json {
  return {
    conditions: [
      DEPLOYED_CONDITION,
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
