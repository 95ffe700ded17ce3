/** The Sensor's XState machine: one state, every event folded by the pure reducer (sensor.ts). */
import { enqueueActions, setup } from 'xstate';
import type { EffectRequest } from '../core/types.js';
import type { KindMachine, MachineInput, PersistedMachine } from '../core/machines.js';
import { effectAction } from '../core/machines.js';
import { CoreEffects } from '../core/effects.js';
import type { SensorEvent, SensorState } from './sensor.js';
import { initialSensorState, reduceSensor, sensorStatus } from './sensor.js';
import { EventEffects } from './triggers/plan.js';

const actionName = (kind: string) => `effect:${kind}`;
const EFFECT_KINDS = [CoreEffects.SendMessage, ...Object.values(EventEffects)];

export const sensorMachine = setup({
  types: {} as { context: { state: SensorState }; events: SensorEvent; input: MachineInput },
  actions: Object.fromEntries(EFFECT_KINDS.map((k) => [actionName(k), effectAction(k)])),
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
