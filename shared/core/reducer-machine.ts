/**
 * A kind whose logic is one pure reducer `(state, event, effects) => void` as an XState machine:
 * a single state whose context holds the reducer's state; the creating input is folded as an
 * `xstate.init` event and every later event as itself, and each effect the reducer pushes becomes
 * an effect action (see effectAction). The chart is trivial on purpose: these kinds' states live
 * in their data (slots, timers), not in a statechart.
 */
import { enqueueActions, setup } from 'xstate';
import type { EffectRequest, Json, MachineEvent } from './types.js';
import type { KindMachine, MachineInput } from './machines.js';
import { effectAction } from './machines.js';

export interface ReducerMachineSpec<S> {
  id: string;
  /** The one state's name (kept as persisted snapshots know it). Default `running`. */
  stateName?: string;
  /** Every effect kind the reducer may push. */
  effectKinds: readonly string[];
  initial(input: MachineInput): S;
  reduce(state: S, event: MachineEvent, effects: EffectRequest[]): void;
}

const actionName = (kind: string) => `effect:${kind}`;

export function reducerMachine<S>(spec: ReducerMachineSpec<S>) {
  const fold = (context: { state: S }, event: MachineEvent) => {
    // Folded into a copy: XState treats the assigned context as a new value.
    const state = structuredClone(context.state);
    const effects: EffectRequest[] = [];
    const input = (event as unknown as { input?: MachineInput }).input;
    spec.reduce(state, input ? { type: 'xstate.init', at: input.at } : event, effects);
    return { state, actions: effects.map((e) => ({ type: actionName(e.kind), params: e.input })) };
  };
  const step = enqueueActions<
    { state: S },
    MachineEvent,
    undefined,
    never,
    never,
    never,
    never,
    never,
    never
  >(({ context, event, enqueue }) => {
    const { state, actions } = fold(context, event);
    enqueue.assign({ state });
    for (const a of actions) enqueue(a as never);
  });
  return setup({
    types: {} as { context: { state: S }; events: MachineEvent; input: MachineInput },
    actions: Object.fromEntries(spec.effectKinds.map((k) => [actionName(k), effectAction(k)])),
  }).createMachine({
    id: spec.id,
    context: ({ input }) => ({ state: spec.initial(input) }),
    initial: spec.stateName ?? 'running',
    entry: step as never,
    states: { [spec.stateName ?? 'running']: { on: { '*': { actions: step as never } } } },
  });
}

/** A kind whose machine is a reducer, with its status computed from the reducer's state. */
export function reducerKind<S, E extends MachineEvent>(spec: {
  kind: string;
  id: string;
  effectKinds: readonly string[];
  initial(input: MachineInput): S;
  reduce(state: S, event: E, effects: EffectRequest[]): void;
  status(state: S): Json;
}): KindMachine {
  return {
    kind: spec.kind,
    version: 1,
    machine: reducerMachine<S>({
      id: spec.id,
      effectKinds: spec.effectKinds,
      initial: spec.initial,
      reduce: (state, event, effects) => spec.reduce(state, event as E, effects),
    }),
    status: (persisted) => spec.status((persisted.context as unknown as { state: S }).state),
  };
}
