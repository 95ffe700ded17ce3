/**
 * The Sensor's and the EventSource's XState machines: one state each, every event folded by the
 * pure reducers (sensor.ts, event-source.ts).
 */
import { enqueueActions, setup } from 'xstate';
import type { EffectRequest } from '../core/types.js';
import type { KindMachine, MachineInput, PersistedMachine } from '../core/machines.js';
import { effectAction } from '../core/machines.js';
import { CoreEffects } from '../core/effects.js';
import type { SensorEvent, SensorState } from './sensor.js';
import { initialSensorState, reduceSensor, sensorStatus } from './sensor.js';
import { EventEffects } from './triggers/plan.js';
import type { EventSourceEvent, EventSourceState } from './event-source.js';
import { eventSourceStatus, initialEventSourceState, reduceEventSource } from './event-source.js';

const actionName = (kind: string) => `effect:${kind}`;
const EFFECT_KINDS = [
  CoreEffects.SendMessage,
  CoreEffects.SetTimer,
  ...Object.values(EventEffects),
];
const effectActions = Object.fromEntries(EFFECT_KINDS.map((k) => [actionName(k), effectAction(k)]));

export const sensorMachine = setup({
  types: {} as { context: { state: SensorState }; events: SensorEvent; input: MachineInput },
  actions: effectActions,
}).createMachine({
  id: 'sensor',
  context: ({ input }) => ({ state: initialSensorState(input.key, input.object) }),
  initial: 'listening',
  states: {
    listening: {
      on: {
        '*': {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const state = structuredClone(context.state);
            const effects: EffectRequest[] = [];
            reduceSensor(state, event, effects);
            enqueue.assign({ state });
            for (const e of effects)
              enqueue({ type: actionName(e.kind), params: e.input } as never);
          }),
        },
      },
    },
  },
});

export const sensorKind: KindMachine = {
  kind: 'Sensor',
  version: 1,
  machine: sensorMachine,
  status: (persisted: PersistedMachine) =>
    sensorStatus((persisted.context as unknown as { state: SensorState }).state),
};

export const eventSourceMachine = setup({
  types: {} as {
    context: { state: EventSourceState };
    events: EventSourceEvent;
    input: MachineInput;
  },
  actions: effectActions,
}).createMachine({
  id: 'event-source',
  context: ({ input }) => ({ state: initialEventSourceState(input.key, input.object) }),
  initial: 'listening',
  entry: enqueueActions(({ context, event, enqueue }) => {
    const state = structuredClone(context.state);
    const effects: EffectRequest[] = [];
    const at = (event as unknown as { input?: MachineInput }).input?.at ?? 0;
    reduceEventSource(state, { type: 'xstate.init', at }, effects);
    enqueue.assign({ state });
    for (const e of effects) enqueue({ type: actionName(e.kind), params: e.input } as never);
  }),
  states: {
    listening: {
      on: {
        '*': {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const state = structuredClone(context.state);
            const effects: EffectRequest[] = [];
            reduceEventSource(state, event, effects);
            enqueue.assign({ state });
            for (const e of effects)
              enqueue({ type: actionName(e.kind), params: e.input } as never);
          }),
        },
      },
    },
  },
});

export const eventSourceKind: KindMachine = {
  kind: 'EventSource',
  version: 1,
  machine: eventSourceMachine,
  status: (persisted: PersistedMachine) =>
    eventSourceStatus((persisted.context as unknown as { state: EventSourceState }).state),
};
