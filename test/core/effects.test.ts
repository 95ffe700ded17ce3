import { describe, expect, it } from 'vitest';
import { EffectWorker, TransientError } from '../../shared/core/effects.js';
import type { EffectHandler } from '../../shared/core/effects.js';
import type { Secrets, Timer } from '../../shared/core/ports.js';
import { SecretNotFoundError } from '../../shared/core/ports.js';
import type { Effect, Message } from '../../shared/core/types.js';
import { CollectingOutbox } from '../support/collecting-outbox.js';
import { KubernetesError } from '../../shared/core/kubernetes.js';

const KEY = 'in-cluster/Workflow/argo/wf1';
const effect = (kind: string, input: Effect['input'] = null): Effect => ({
  id: `${KEY}@3#0`,
  key: KEY,
  version: 3,
  kind,
  input,
  at: 1,
});

const secrets: Secrets = {
  async get(ref) {
    if (ref.namespace === 'argo' && ref.name === 'creds' && ref.key === 'token') return 's3cr3t';
    throw new SecretNotFoundError(ref);
  },
  listByLabel: async () => [],
};

function worker(handlers: EffectHandler[], options = {}) {
  const commands = new CollectingOutbox<Message>();
  const timers: Timer[] = [];
  const w = new EffectWorker({
    handlers,
    commands,
    timers: { schedule: async (t) => void timers.push(t) },
    secrets,
    clock: { now: () => 42 },
    options: { attemptsPerDelivery: 3, maxDeliveries: 2, ...options },
    sleep: async () => {},
  });
  return { w, commands, timers };
}

describe('effect worker', () => {
  it('reports EffectSucceeded with the result under a message id derived from the effect id', async () => {
    const { w, commands } = worker([{ kind: 'echo', run: async (e) => ({ got: e.input }) }]);
    await w.runDelivery({ body: effect('echo', 7), receiveCount: 1 });
    expect(commands.sent).toEqual([
      {
        id: `${KEY}@3#0/report`,
        key: KEY,
        at: 42,
        event: {
          type: 'EffectSucceeded',
          effectId: `${KEY}@3#0`,
          effectKind: 'echo',
          result: { got: 7 },
        },
      },
    ]);
  });

  it('retries a transient failure with backoff and succeeds within one delivery', async () => {
    let calls = 0;
    const { w, commands } = worker([
      {
        kind: 'flaky',
        run: async () => (++calls < 3 ? Promise.reject(new TransientError('429')) : 'ok'),
      },
    ]);
    await w.runDelivery({ body: effect('flaky'), receiveCount: 1 });
    expect(calls).toBe(3);
    expect(commands.sent[0]?.event.type).toBe('EffectSucceeded');
  });

  it('throws (redeliver) while deliveries remain, then reports EffectFailed instead of reaching a DLQ', async () => {
    const { w, commands } = worker([
      { kind: 'down', run: async () => Promise.reject(new TransientError('503')) },
    ]);
    await expect(w.runDelivery({ body: effect('down'), receiveCount: 1 })).rejects.toThrow(
      /still failing: 503/,
    );
    expect(commands.sent).toEqual([]);
    await w.runDelivery({ body: effect('down'), receiveCount: 2 });
    expect(commands.sent[0]?.event).toMatchObject({
      type: 'EffectFailed',
      reason: '503',
      attempts: 6,
    });
  });

  it('a permanent failure is reported at once', async () => {
    let calls = 0;
    const { w, commands } = worker([
      {
        kind: 'bad',
        run: async () => {
          calls++;
          throw new Error('422 invalid manifest');
        },
      },
    ]);
    await w.runDelivery({ body: effect('bad'), receiveCount: 1 });
    expect(calls).toBe(1);
    expect(commands.sent[0]?.event).toMatchObject({
      type: 'EffectFailed',
      reason: '422 invalid manifest',
    });
  });

  it('an unknown effect kind fails the effect with a clear reason', async () => {
    const { w, commands } = worker([]);
    await w.runDelivery({ body: effect('k8s.teleport'), receiveCount: 1 });
    expect(commands.sent[0]?.event).toMatchObject({
      type: 'EffectFailed',
      reason: 'no effect handler for kind "k8s.teleport"',
    });
  });

  it('resolves SecretRefs only in the worker, defaulting to the resource namespace', async () => {
    const { w, commands } = worker([
      {
        kind: 'auth',
        run: async (_e, ctx) => ({
          length: (await ctx.secret({ name: 'creds', key: 'token' })).length,
        }),
      },
    ]);
    await w.runDelivery({ body: effect('auth'), receiveCount: 1 });
    expect(commands.sent[0]?.event).toMatchObject({ result: { length: 6 } });
    expect(JSON.stringify(commands.sent)).not.toContain('s3cr3t');
  });

  it('timer.set schedules through the Timers port and sends no report', async () => {
    const { w, commands, timers } = worker([]);
    await w.runDelivery({
      body: effect('timer.set', { timerId: 'requeue', generation: 2, fireAt: 9_000 }),
      receiveCount: 1,
    });
    expect(timers).toEqual([{ key: KEY, timerId: 'requeue', generation: 2, fireAt: 9_000 }]);
    expect(commands.sent).toEqual([]);
  });

  it('message.send delivers an event to another resource under the effect id', async () => {
    const { w, commands } = worker([]);
    const to = 'in-cluster/Application/argocd/child';
    await w.runDelivery({
      body: effect('message.send', { key: to, event: { type: 'Refresh' } }),
      receiveCount: 1,
    });
    expect(commands.sent).toEqual([
      { id: `${KEY}@3#0`, key: to, at: 42, event: { type: 'Refresh' } },
    ]);
  });

  it('a batch runs in parallel and reports only the deliveries to retry', async () => {
    const { w } = worker([
      { kind: 'ok', run: async () => 1 },
      { kind: 'down', run: async () => Promise.reject(new TransientError('503')) },
    ]);
    const result = await w.handleBatch([
      { deliveryId: 'a', group: 'a', body: effect('ok'), receiveCount: 1 },
      { deliveryId: 'b', group: 'b', body: effect('down'), receiveCount: 1 },
    ]);
    expect(result).toEqual({ failed: ['b'] });
  });

  it('a Kubernetes 429 counts as transient and is retried', async () => {
    let calls = 0;
    const { w, commands } = worker([
      {
        kind: 'k8s.apply',
        run: async () => {
          if (++calls === 1) throw KubernetesError.fromStatus(429, 'too many requests', 1);
          return 'applied';
        },
      },
    ]);
    await w.runDelivery({ body: effect('k8s.apply'), receiveCount: 1 });
    expect(calls).toBe(2);
    expect(commands.sent[0]?.event).toMatchObject({ type: 'EffectSucceeded', result: 'applied' });
  });
});
