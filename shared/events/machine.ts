/**
 * The Sensor's and the EventSource's machines: their pure reducers (sensor.ts, event-source.ts)
 * as XState machines.
 */
import type { Json, MachineEvent, EffectRequest } from '../core/types.js';
import type { KindMachine, MachineInput } from '../core/machines.js';
import { reducerMachine } from '../core/reducer-machine.js';
import { CoreEffects } from '../core/effects.js';
import type { SensorEvent, SensorState } from './sensor.js';
import { initialSensorState, reduceSensor, sensorStatus } from './sensor.js';
import { EventEffects } from './triggers/plan.js';
import type { EventSourceEvent, EventSourceState } from './event-source.js';
import { eventSourceStatus, initialEventSourceState, reduceEventSource } from './event-source.js';

const EFFECT_KINDS = [
  CoreEffects.SendMessage,
  CoreEffects.SetTimer,
  ...Object.values(EventEffects),
];

function reducerKind<S, E extends MachineEvent>(spec: {
  kind: string;
  id: string;
  initial(input: MachineInput): S;
  reduce(state: S, event: E, effects: EffectRequest[]): void;
  status(state: S): Json;
}): KindMachine {
  return {
    kind: spec.kind,
    version: 1,
    machine: reducerMachine<S>({
      id: spec.id,
      effectKinds: EFFECT_KINDS,
      initial: spec.initial,
      reduce: (state, event, effects) => spec.reduce(state, event as E, effects),
    }),
    status: (persisted) => spec.status((persisted.context as unknown as { state: S }).state),
  };
}

export const sensorKind = reducerKind<SensorState, SensorEvent>({
  kind: 'Sensor',
  id: 'sensor',
  initial: (input) => initialSensorState(input.key, input.object),
  reduce: reduceSensor,
  status: sensorStatus,
});

export const eventSourceKind = reducerKind<EventSourceState, EventSourceEvent>({
  kind: 'EventSource',
  id: 'event-source',
  initial: (input) => initialEventSourceState(input.key, input.object),
  reduce: reduceEventSource,
  status: eventSourceStatus,
});
