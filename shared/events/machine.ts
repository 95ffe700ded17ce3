/**
 * The Sensor's and the EventSource's machines: their pure reducers (sensor.ts, event-source.ts)
 * as XState machines.
 */
import type { Json } from '../core/types.js';
import type { KindMachine, PersistedMachine } from '../core/machines.js';
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

const stateOf = <S>(persisted: PersistedMachine) =>
  (persisted.context as unknown as { state: S }).state;

export const sensorKind: KindMachine = {
  kind: 'Sensor',
  version: 1,
  machine: reducerMachine<SensorState>({
    id: 'sensor',
    effectKinds: EFFECT_KINDS,
    initial: (input) => initialSensorState(input.key, input.object),
    reduce: (state, event, effects) => reduceSensor(state, event as SensorEvent, effects),
  }),
  status: (persisted): Json => sensorStatus(stateOf<SensorState>(persisted)),
};

export const eventSourceKind: KindMachine = {
  kind: 'EventSource',
  version: 1,
  machine: reducerMachine<EventSourceState>({
    id: 'event-source',
    effectKinds: EFFECT_KINDS,
    initial: (input) => initialEventSourceState(input.key, input.object),
    reduce: (state, event, effects) => reduceEventSource(state, event as EventSourceEvent, effects),
  }),
  status: (persisted): Json => eventSourceStatus(stateOf<EventSourceState>(persisted)),
};
