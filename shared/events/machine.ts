/**
 * The Sensor's and the EventSource's machines: their pure reducers (sensor.ts, event-source.ts)
 * as XState machines.
 */
import { reducerKind } from '../core/reducer-machine.js';
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

export const sensorKind = reducerKind<SensorState, SensorEvent>({
  kind: 'Sensor',
  id: 'sensor',
  effectKinds: EFFECT_KINDS,
  initial: (input) => initialSensorState(input.key, input.object),
  reduce: reduceSensor,
  status: sensorStatus,
});

export const eventSourceKind = reducerKind<EventSourceState, EventSourceEvent>({
  kind: 'EventSource',
  id: 'event-source',
  effectKinds: EFFECT_KINDS,
  initial: (input) => initialEventSourceState(input.key, input.object),
  reduce: reduceEventSource,
  status: eventSourceStatus,
});
