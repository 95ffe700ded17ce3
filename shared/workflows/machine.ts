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

const EFFECT_KINDS = [
  ...Object.values(WorkflowEffects),
  CoreEffects.SetTimer,
  CoreEffects.SendMessage,
] as const;
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
    const state = context.state;
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
            // The reducer folds in place: copying a large workflow's nodes on every event would
            // make it quadratic. The runner evicts its cached head when a commit fails.
            const state = context.state;
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
  // The stored object carries the status without its nodes (a summary, compared on every event);
  // readers get Argo's whole status.
  status: (persisted: PersistedMachine) => {
    const { nodes: _nodes, ...summary } = (persisted.context as unknown as Context).state.status;
    return summary as unknown as Json;
  },
  view: (persisted: PersistedMachine) =>
    (persisted.context as unknown as Context).state.status as unknown as Json,
};
