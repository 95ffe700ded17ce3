/**
 * The EventSource as a pure reducer. HTTP-fed and queue-fed sources need nothing from it (the
 * ingress reads the spec); calendar sources do: one timer per calendar event, and when it fires
 * the event is published to the Sensors (`events.publish`) and the next fire time armed. A stale
 * timer generation (the spec changed since) is ignored.
 */
import type { EffectRequest, Json, ResourceKey } from '../core/types.js';
import { parseKey } from '../core/types.js';
import { CoreEffects } from '../core/effects.js';
import type { KubeObject } from '../core/objects.js';
import type { CalendarSourceEntry } from './sources/calendar.js';
import { calendarData, nextCalendarTime } from './sources/calendar.js';
import { DEPLOYED_CONDITION, eventId, makeEvent } from './event.js';
import { EventEffects } from './triggers/plan.js';
import { wiredSources } from './wiring.js';
import type { WiredSource } from './wiring.js';

export interface EventSourceState {
  key: ResourceKey;
  spec: Json;
  namespace: string;
  name: string;
  calendar: Record<string, CalendarSourceEntry>;
  /** Calendar event -> its armed timer. Generations only grow, so old timers stay stale. */
  timers: Record<string, { generation: number; fireAt: number }>;
  generation: number;
  published: number;
  lastError?: string;
  /** Queue-fed sources the deployment does not deliver (from an events.wiring check). */
  unwired?: { type: string; eventName: string; reason: string }[];
}

export type EventSourceEvent =
  | { type: 'xstate.init'; at: number }
  | { type: 'ObjectApplied'; at: number; object: KubeObject }
  | { type: 'TimerFired'; at: number; timerId: string; generation: number }
  | { type: 'EffectSucceeded'; at: number; effectKind: string; result: Json }
  | { type: string; at: number; [k: string]: unknown };

export function initialEventSourceState(key: ResourceKey, object: KubeObject): EventSourceState {
  return {
    key,
    spec: structuredClone(object.spec ?? null) as Json,
    namespace: object.metadata.namespace ?? 'default',
    name: object.metadata.name,
    calendar: calendarOf(object),
    timers: {},
    generation: 0,
    published: 0,
  };
}

function calendarOf(object: KubeObject): Record<string, CalendarSourceEntry> {
  return structuredClone(
    ((object.spec as { calendar?: Record<string, CalendarSourceEntry> } | undefined)?.calendar ??
      {}) as Record<string, CalendarSourceEntry>,
  );
}

const timerId = (eventName: string) => `calendar:${eventName}`;

export function reduceEventSource(
  state: EventSourceState,
  event: EventSourceEvent,
  effects: EffectRequest[],
): void {
  switch (event.type) {
    case 'xstate.init':
      armAll(state, event.at, effects);
      checkWiring(state.spec, effects);
      return;
    case 'ObjectApplied':
      state.spec = structuredClone((event as { object: KubeObject }).object.spec ?? null) as Json;
      state.calendar = calendarOf((event as { object: KubeObject }).object);
      state.timers = {};
      armAll(state, event.at, effects);
      checkWiring(state.spec, effects);
      return;
    case 'EffectFailed': {
      const e = event as { tag?: Json; reason?: string };
      if (e.tag !== 'wiring') return;
      // Not known to be delivered: say so rather than look healthy.
      state.unwired = wiredSources(state.spec).map((source) => ({
        type: source.type,
        eventName: source.eventName,
        reason: `could not check that the deployment delivers it: ${e.reason ?? 'unknown error'}`,
      }));
      return;
    }
    case 'EffectSucceeded': {
      const result = (event as { result: Json }).result as {
        tag?: string;
        unwired?: { source: WiredSource; reason: string }[];
      } | null;
      if (result?.tag !== 'wiring') return;
      state.unwired = (result.unwired ?? []).map((u) => ({
        type: u.source.type,
        eventName: u.source.eventName,
        reason: u.reason,
      }));
      return;
    }
    case 'TimerFired': {
      const e = event as { timerId: string; generation: number };
      const name = Object.keys(state.timers).find((n) => timerId(n) === e.timerId);
      const timer = name ? state.timers[name] : undefined;
      if (!name || !timer || timer.generation !== e.generation) return;
      const entry = state.calendar[name]!;
      const origin = {
        namespace: state.namespace,
        eventSource: state.name,
        eventName: name,
        type: 'calendar',
      };
      const published = makeEvent(
        origin,
        eventId(origin, String(timer.fireAt)),
        timer.fireAt,
        calendarData(entry, timer.fireAt),
      );
      effects.push({
        kind: EventEffects.Publish,
        input: {
          cluster: parseKey(state.key).cluster,
          namespace: state.namespace,
          at: timer.fireAt,
          event: published as unknown as Json,
        },
      });
      state.published++;
      arm(state, name, timer.fireAt, effects);
      return;
    }
  }
}

/** Asks whether the deployment delivers the queue-fed sources (the answer lands in status). */
function checkWiring(spec: Json, effects: EffectRequest[]): void {
  const sources = wiredSources(spec);
  if (sources.length > 0)
    effects.push({
      kind: EventEffects.Wiring,
      input: { tag: 'wiring', sources: sources as unknown as Json },
    });
}

function armAll(state: EventSourceState, at: number, effects: EffectRequest[]): void {
  for (const name of Object.keys(state.calendar)) arm(state, name, at, effects);
}

function arm(state: EventSourceState, name: string, after: number, effects: EffectRequest[]): void {
  let fireAt: number;
  try {
    fireAt = nextCalendarTime(state.calendar[name]!, after);
  } catch (err) {
    state.lastError = `calendar ${name}: ${(err as Error).message}`;
    delete state.timers[name];
    return;
  }
  state.generation++;
  state.timers[name] = { generation: state.generation, fireAt };
  effects.push({
    kind: CoreEffects.SetTimer,
    input: { timerId: timerId(name), generation: state.generation, fireAt },
  });
}

export function eventSourceStatus(state: EventSourceState): Json {
  const unwired = state.unwired ?? [];
  return {
    conditions: [
      DEPLOYED_CONDITION,
      unwired.length === 0
        ? { type: 'SourcesProvided', status: 'True' }
        : {
            type: 'SourcesProvided',
            status: 'False',
            reason: 'NotWired',
            message: unwired.map((u) => `${u.type} ${u.eventName}: ${u.reason}`).join('; '),
          },
    ],
    ...(Object.keys(state.timers).length
      ? {
          calendar: Object.fromEntries(
            Object.entries(state.timers).map(([n, t]) => [
              n,
              { nextFireTime: new Date(t.fireAt).toISOString() },
            ]),
          ),
        }
      : {}),
    published: state.published,
    ...(state.lastError ? { lastError: state.lastError } : {}),
  } as Json;
}
