/**
 * The Workflow kind's machine: one state, every event handed to the pure reducer, whose effect
 * requests come back as effect actions. The persisted context is the WorkflowState; the object's
 * `status` is Argo's status from it.
 */
import { enqueueActions, setup } from 'xstate';
import type { Json } from '../core/types.js';
import { effectAction } from '../core/machines.js';
import type { KindMachine, MachineInput, PersistedMachine } from '../core/machines.js';
import { CoreEffects } from '../core/effects.js';
import { parseKey } from '../core/types.js';
import { initialState, reduce, WorkflowEffects } from './reducer.js';
import type { WorkflowEvent } from './reducer.js';
import type { WorkflowState } from './state.js';

interface Context {
  state: WorkflowState;
}

const EFFECT_KINDS = [...Object.values(WorkflowEffects), CoreEffects.SetTimer] as const;
/** One named action per effect kind (XState names cannot hold dots). */
const actionName = (kind: string) => `effect:${kind}`;

const effectActions = Object.fromEntries(EFFECT_KINDS.map((k) => [actionName(k), effectAction(k)]));

export const workflowMachine = setup({
  types: {} as { context: Context; events: WorkflowEvent; input: MachineInput },
  actions: effectActions,
}).createMachine({
  id: 'workflow',
  context: ({ input }) => ({ state: initialState(parseKey(input.key), input.object, input.at) }),
  initial: 'active',
  entry: enqueueActions(({ context, enqueue }) => {
    const state = structuredClone(context.state);
    const effects = reduce(state, {
      type: 'xstate.init',
      at: Date.parse(state.status.startedAt ?? '') || 0,
    });
    enqueue.assign({ state });
    for (const e of effects)
      enqueue({ type: actionName(e.kind), params: e.input as Json } as never);
  }),
  states: {
    active: {
      on: {
        '*': {
          actions: enqueueActions(({ context, event, enqueue }) => {
            // The reducer mutates a copy: XState snapshots must not change in place.
            const state = structuredClone(context.state);
            const effects = reduce(state, event);
            enqueue.assign({ state });
            for (const e of effects)
              enqueue({ type: actionName(e.kind), params: e.input as Json } as never);
          }),
        },
      },
    },
  },
});

export const workflowKind: KindMachine = {
  kind: 'Workflow',
  version: 1,
  machine: workflowMachine,
  status: (persisted: PersistedMachine) =>
    ((persisted.context as unknown as Context).state.status as unknown as Json) ?? undefined,
};
