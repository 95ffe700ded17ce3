/**
 * The webhook door refuses what it must, before anything is enqueued: unknown endpoint 404, wrong
 * method 405, too large 413, malformed JSON 400, missing or wrong credentials 401; it accepts a
 * valid delivery with 202 and Argo's event shape (auth headers stripped).
 */
import { describe, expect, it } from 'vitest';
import { WebhookIngress } from '../../shared/events/ingress.js';
import type { IngressItem } from '../../shared/events/ingest.js';
import type { KubeObject } from '../../shared/core/objects.js';
import type { Secrets } from '../../shared/core/ports.js';
import { SecretNotFoundError } from '../../shared/core/ports.js';
import { sign } from '../support/events.js';

const eventSource = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'EventSource',
  metadata: { name: 'es', namespace: 'ns' },
  spec: {
    webhook: {
      hook: {
        port: '12000',
        endpoint: '/hook',
        method: 'POST',
        webhookSecret: { name: 's', key: 'hub' },
      },
      plain: { port: '12000', endpoint: '/plain', method: 'POST', maxPayloadSize: 64 },
      token: {
        port: '12000',
        endpoint: '/token',
        method: 'POST',
        authSecret: { name: 's', key: 'token' },
      },
      missing: {
        port: '12000',
        endpoint: '/missing',
        method: 'POST',
        authSecret: { name: 'nope', key: 'x' },
      },
      get: { port: '12000', endpoint: '/get', method: 'GET' },
    },
    gitlab: {
      lab: {
        webhook: { port: '12001', endpoint: '/lab', method: 'POST' },
        secretToken: { name: 's', key: 'lab' },
      },
    },
    github: {
      gh: {
        webhook: { port: '12002', endpoint: '/gh', method: 'POST' },
        webhookSecret: { name: 's', key: 'hub' },
      },
    },
  },
} as unknown as KubeObject;

const secrets: Secrets = {
  async get(ref) {
    const values: Record<string, string> = { hub: 'hub-secret', token: 'tok', lab: 'lab-token' };
    if (ref.name !== 's' || !values[ref.key]) throw new SecretNotFoundError(ref);
    return values[ref.key]!;
  },
  listByLabel: async () => [],
};

function door() {
  const sent: IngressItem[] = [];
  const ingress = new WebhookIngress({
    eventSource: async (_c, ns, name) => (ns === 'ns' && name === 'es' ? eventSource : null),
    secrets,
    ingress: { send: async (items) => void sent.push(...items) },
    clock: { now: () => Date.parse('2026-11-30T10:00:00Z') },
    newId: () => 'fresh',
  });
  const post = (
    eventName: string,
    body: string,
    headers: Record<string, string> = {},
    method = 'POST',
    eventSourceName = 'es',
  ) =>
    ingress.handle(
      { cluster: 'in-cluster', namespace: 'ns', eventSource: eventSourceName, eventName },
      {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body,
        query: new URLSearchParams('a=1&a=2'),
      },
    );
  return { sent, post };
}

describe('refusals: nothing is enqueued', () => {
  it.each([
    ['an unknown event', () => door().post('nope', '{}'), 404],
    ['an unknown event source', () => door().post('hook', '{}', {}, 'POST', 'other'), 404],
    ['a wrong method', () => door().post('plain', '{}', {}, 'PUT'), 405],
    [
      'a body over maxPayloadSize',
      () => door().post('plain', JSON.stringify({ x: 'y'.repeat(100) })),
      413,
    ],
    ['malformed JSON', () => door().post('plain', '{"x":'), 400],
    ['a missing signature', () => door().post('hook', '{}'), 401],
    [
      'a wrong signature',
      async () => door().post('hook', '{}', { 'x-hub-signature-256': await sign('wrong', '{}') }),
      401,
    ],
    [
      'a wrong bearer token',
      () => door().post('token', '{}', { authorization: 'Bearer nope' }),
      401,
    ],
    ['no Authorization header', () => door().post('token', '{}'), 401],
    [
      'a secret that does not exist',
      () => door().post('missing', '{}', { authorization: 'Bearer x' }),
      401,
    ],
    ['a wrong X-Gitlab-Token', () => door().post('lab', '{}', { 'x-gitlab-token': 'nope' }), 401],
  ])('%s', async (_name, run, status) => {
    expect((await run()).status).toBe(status);
  });

  it('a refused request enqueues nothing', async () => {
    const d = door();
    await d.post('hook', '{}', { 'x-hub-signature-256': await sign('wrong', '{}') });
    expect(d.sent).toEqual([]);
  });
});

describe('accepted deliveries', () => {
  it('a signed delivery becomes an Argo webhook event, signature header stripped', async () => {
    const d = door();
    const body = '{"ref":"refs/heads/main"}';
    const res = await d.post('hook', body, {
      'x-hub-signature-256': await sign('hub-secret', body),
      'x-github-delivery': 'd1',
      'x-github-hook-id': '7',
    });
    expect(res.status).toBe(202);
    expect(d.sent).toHaveLength(1);
    const item = d.sent[0]!;
    if (item.kind !== 'event') throw new Error('not an event');
    expect(item.event.context).toMatchObject({
      source: 'es',
      subject: 'hook',
      type: 'webhook',
      specversion: '1.0',
      datacontenttype: 'application/json',
      time: '2026-11-30T10:00:00.000Z',
    });
    expect(item.event.data).toEqual({
      header: {
        'Content-Type': ['application/json'],
        'X-Github-Delivery': ['d1'],
        'X-Github-Hook-Id': ['7'],
      },
      body: { ref: 'refs/heads/main' },
    });
  });

  it('the same delivery id gives the same event id; another hook or delivery another', async () => {
    const d = door();
    const body = '{}';
    const sig = await sign('hub-secret', body);
    for (const [delivery, hook] of [
      ['d1', '1'],
      ['d1', '1'],
      ['d1', '2'],
      ['d2', '1'],
    ])
      await d.post('hook', body, {
        'x-hub-signature-256': sig,
        'x-github-delivery': delivery!,
        'x-github-hook-id': hook!,
      });
    const ids = d.sent.map((i) => (i.kind === 'event' ? i.event.context.id : ''));
    expect(ids[0]).toBe(ids[1]);
    expect(new Set(ids).size).toBe(3);
  });

  it('GET bodies are the query, as Argo marshals url.Values', async () => {
    const d = door();
    expect((await d.post('get', '', {}, 'GET')).status).toBe(202);
    const item = d.sent[0]!;
    expect(item.kind === 'event' && (item.event.data as { body: unknown }).body).toEqual({
      a: ['1', '2'],
    });
  });

  it('gitlab: the right token is accepted and data uses `headers`', async () => {
    const d = door();
    expect(
      (await d.post('lab', '{"object_kind":"push"}', { 'x-gitlab-token': 'lab-token' })).status,
    ).toBe(202);
    const item = d.sent[0]!;
    expect(item.kind === 'event' && item.event.data).toEqual({
      headers: { 'Content-Type': ['application/json'] },
      body: { object_kind: 'push' },
    });
  });

  it('github: the body also carries X-GitHub-Event and X-GitHub-Delivery, as Argo adds them', async () => {
    const d = door();
    const body = '{"zen":"hi"}';
    await d.post('gh', body, {
      'x-hub-signature-256': await sign('hub-secret', body),
      'x-github-event': 'ping',
      'x-github-delivery': 'd9',
    });
    const item = d.sent[0]!;
    expect(item.kind === 'event' && (item.event.data as { body: unknown }).body).toEqual({
      zen: 'hi',
      'X-GitHub-Event': 'ping',
      'X-GitHub-Delivery': 'd9',
    });
  });
});
