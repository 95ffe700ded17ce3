/**
 * A small demo machine for the core's tests and benchmarks: a Counter resource whose `Add`
 * events each ask for one effect (`counter.add`) on an external ledger, and which counts the
 * confirmations. Every decision is commutative, so any delivery order gives the same state.
 */
import { assign, setup } from 'xstate';
import { effectAction } from '../../shared/core/machines.js';
import type { KindMachine, MachineInput } from '../../shared/core/machines.js';
import type { EffectFailedEvent, EffectSucceededEvent } from '../../shared/core/types.js';

export interface CounterContext {
  status: { total: number; adds: number; confirmed: number; failed: number };
}

type CounterEvent =
  | { type: 'Add'; amount: number; at: number }
  | ({ at: number } & EffectSucceededEvent)
  | ({ at: number } & EffectFailedEvent)
  | { type: 'ObjectApplied'; at: number }
  | { type: 'ObjectDeleted'; at: number };

export const counterMachine = setup({
  types: {} as { context: CounterContext; events: CounterEvent; input: MachineInput },
  actions: {
    addToLedger: effectAction('counter.add'),
    count: assign({
      status: ({ context, event }) =>
        event.type === 'Add'
          ? {
              ...context.status,
              total: context.status.total + event.amount,
              adds: context.status.adds + 1,
            }
          : context.status,
    }),
    confirm: assign({
      status: ({ context }) => ({ ...context.status, confirmed: context.status.confirmed + 1 }),
    }),
    recordFailure: assign({
      status: ({ context }) => ({ ...context.status, failed: context.status.failed + 1 }),
    }),
  },
}).createMachine({
  id: 'counter',
  context: () => ({ status: { total: 0, adds: 0, confirmed: 0, failed: 0 } }),
  initial: 'counting',
  states: {
    counting: {
      on: {
        Add: {
          actions: [
            'count',
            {
              type: 'addToLedger',
              params: ({ event }: { event: CounterEvent }) => ({
                amount: event.type === 'Add' ? event.amount : 0,
              }),
            },
          ],
        },
        EffectSucceeded: { actions: 'confirm' },
        EffectFailed: { actions: 'recordFailure' },
        ObjectDeleted: { target: 'gone' },
      },
    },
    gone: { type: 'final' },
  },
});

export const counterKind: KindMachine = { kind: 'Counter', version: 1, machine: counterMachine };

export function counterObject(name: string, namespace = 'default') {
  return {
    apiVersion: 'demo.argo-serverless.dev/v1',
    kind: 'Counter',
    metadata: { name, namespace },
    spec: {},
  };
}
