/**
 * With the commands queue given, the runner sends `message.send` effects straight to it after the
 * commit (the ids an effect worker would use), other effects to the effects queue; a duplicate of
 * the message re-dispatches both the same way.
 */
import { describe, expect, it } from 'vitest';
import { Runner } from '../../shared/core/runner.js';
import { machineRegistry } from '../../shared/core/machines.js';
import type { KindMachine } from '../../shared/core/machines.js';
import { reducerMachine } from '../../shared/core/reducer-machine.js';
import type { Effect, Message } from '../../shared/core/types.js';
import { MemoryEventStore } from '../support/memory-event-store.js';
import { CollectingOutbox } from '../support/collecting-outbox.js';

const relayKind: KindMachine = {
  kind: 'Relay',
  version: 1,
  machine: reducerMachine<{ relayed: number }>({
    id: 'relay',
    effectKinds: ['message.send', 'relay.note'],
    initial: () => ({ relayed: 0 }),
    reduce: (state, event, effects) => {
      if (event.type !== 'Relay') return;
      state.relayed++;
      effects.push({
        kind: 'message.send',
        input: { key: 'in-cluster/Relay/default/b', event: { type: 'Relay' } },
      });
      effects.push({ kind: 'relay.note', input: { n: state.relayed } });
    },
  }),
};

const KEY = 'in-cluster/Relay/default/a';
const object = {
  apiVersion: 'example.dev/v1',
  kind: 'Relay',
  metadata: { name: 'a', namespace: 'default' },
};

describe('messages to other resources', () => {
  it('go straight to the commands queue with the effect id, stamped by the clock', async () => {
    const effects = new CollectingOutbox<Effect>();
    const messages = new CollectingOutbox<Message>();
    const runner = new Runner({
      store: new MemoryEventStore(),
      effects,
      messages,
      clock: { now: () => 42 },
      kinds: machineRegistry([relayKind]),
    });
    await runner.handle([{ id: 'm1', key: KEY, at: 1, event: { type: 'Apply', object } }]);
    const relay: Message = { id: 'm2', key: KEY, at: 2, event: { type: 'Relay' } };
    await runner.handle([relay]);
    expect(messages.sent).toEqual([
      { id: `${KEY}@2#0`, key: 'in-cluster/Relay/default/b', at: 42, event: { type: 'Relay' } },
    ]);
    expect(effects.sent.map((e) => [e.id, e.kind])).toEqual([[`${KEY}@2#1`, 'relay.note']]);
    // A redelivered duplicate re-dispatches the same message and effect (the targets dedup).
    await runner.handle([relay]);
    expect(messages.sent.map((m) => m.id)).toEqual([`${KEY}@2#0`, `${KEY}@2#0`]);
    expect(effects.sent.map((e) => e.id)).toEqual([`${KEY}@2#1`, `${KEY}@2#1`]);
  });

  it('go through the effects queue when the runner has no commands queue', async () => {
    const effects = new CollectingOutbox<Effect>();
    const runner = new Runner({
      store: new MemoryEventStore(),
      effects,
      kinds: machineRegistry([relayKind]),
    });
    await runner.handle([{ id: 'm1', key: KEY, at: 1, event: { type: 'Apply', object } }]);
    await runner.handle([{ id: 'm2', key: KEY, at: 2, event: { type: 'Relay' } }]);
    expect(effects.sent.map((e) => e.kind)).toEqual(['message.send', 'relay.note']);
  });
});
