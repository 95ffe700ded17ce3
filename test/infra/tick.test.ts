import { describe, expect, it } from 'vitest';
import { tickHandler, tickKindsFromEnv, REFRESH_EVENT } from '../../shared/runtime/aws/tick.js';
import type { IndexEntry } from '../../shared/core/ports.js';
import type { Message } from '../../shared/core/types.js';

const entry = (kind: string, name: string) =>
  ({ key: `in-cluster/${kind}/argocd/${name}`, kind, name }) as unknown as IndexEntry;

function setup() {
  const sent: Message[] = [];
  const index: Record<string, IndexEntry[]> = {
    Application: [entry('Application', 'guestbook'), entry('Application', 'api')],
    ApplicationSet: [entry('ApplicationSet', 'envs')],
  };
  const deps = {
    list: (kind: string) => Promise.resolve(index[kind] ?? []),
    commands: { send: (m: readonly Message[]) => Promise.resolve(void sent.push(...m)) },
    clock: { now: () => 1_000 },
  };
  return { sent, deps };
}

describe('the reconcile tick', () => {
  it('sends a Refresh to every resource of the ticked kinds, one message group per resource', async () => {
    const { sent, deps } = setup();
    const tick = tickHandler({ ...deps, kinds: ['Application'] });
    expect(await tick({ id: 'ev-1', time: '2025-01-01T00:02:00Z' })).toEqual({ refreshed: 2 });
    expect(sent.map((m) => [m.key, m.event.type])).toEqual([
      ['in-cluster/Application/argocd/guestbook', REFRESH_EVENT],
      ['in-cluster/Application/argocd/api', REFRESH_EVENT],
    ]);
    expect(sent.every((m) => m.at === 1_000)).toBe(true);
  });

  it('gives a redelivered tick the same message ids (the FIFO queue drops the duplicate)', async () => {
    const { sent, deps } = setup();
    const tick = tickHandler({ ...deps, kinds: ['Application'] });
    await tick({ id: 'ev-1', time: 't' });
    await tick({ id: 'ev-1', time: 't' });
    await tick({ id: 'ev-2', time: 't2' });
    expect(new Set(sent.map((m) => m.id)).size).toBe(4);
    expect(sent[0]!.id).toBe(sent[2]!.id);
  });

  it.each([
    [undefined, ['Application']],
    ['', ['Application']],
    ['Application, ApplicationSet', ['Application', 'ApplicationSet']],
  ])('TICK_KINDS=%j ticks %j', (value, kinds) => {
    expect(tickKindsFromEnv(value === undefined ? {} : { TICK_KINDS: value })).toEqual(kinds);
  });
});
