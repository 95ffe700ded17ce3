import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApiServer } from '../../shared/api/http-server.js';
import { LocalRuntime } from '../../shared/runtime/local/runtime.js';
import { counterKind } from '../support/counter-machine.js';
import { repoRoot } from '../support/start-process.js';

const TOKEN = 'test-token';
let runtime: LocalRuntime;
let server: Server;
let base: string;
let dataDir: string;
const logged: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'argosls-api-'));
  runtime = await LocalRuntime.start({
    dataDir,
    durability: 'none',
    kinds: [counterKind],
    effectHandlers: [{ kind: 'counter.add', run: async (e) => e.input }],
  });
  server = createApiServer({
    controlPlane: runtime,
    auth: { token: TOKEN },
    version: 'test',
    maxBodyBytes: 1024 * 1024,
    log: {
      debug: () => {},
      info: () => {},
      warn: (m, f) => logged.push(m + JSON.stringify(f)),
      error: (m, f) => logged.push(m + JSON.stringify(f)),
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await runtime.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const auth = { Authorization: `Bearer ${TOKEN}` };
const call = (method: string, path: string, body?: string, contentType = 'application/yaml') =>
  fetch(base + path, {
    method,
    headers: { ...auth, ...(body !== undefined ? { 'Content-Type': contentType } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
const json = async (r: Response) => (await r.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const corpus = (path: string) => readFile(join(repoRoot, '../shared/corpus', path), 'utf8');

const configMap = (
  name: string,
  data: Record<string, string>,
  labels: Record<string, string> = {},
) => `
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: team-a
  labels: ${JSON.stringify(labels)}
data: ${JSON.stringify(data)}
`;

describe('HTTP API', () => {
  it('health needs no token; everything else does', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const denied = await fetch(`${base}/api/v1/resources/Workflow`);
    expect(denied.status).toBe(401);
    expect(await json(denied)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect(
      (
        await fetch(`${base}/api/v1/resources/Workflow`, {
          headers: { Authorization: 'Bearer nope' },
        })
      ).status,
    ).toBe(401);
  });

  it('applies a multi-document YAML file from the corpus and stores each object', async () => {
    const res = await call('POST', '/api/v1/apply', await corpus('seeds/workflowtemplate.yaml'));
    const body = await json(res);
    expect(res.status).toBe(200);
    expect(body['items'].length).toBeGreaterThan(0);
    for (const item of body['items']) expect(item.result).toBe('created');
    const key = body['items'][0].key as string;
    const [, kind, ns, name] = key.split('/');
    const got = await call('GET', `/api/v1/resources/${kind}/${ns}/${name}`);
    expect(got.status).toBe(200);
    expect((await json(got))['metadata']).toMatchObject({ generation: 1, resourceVersion: '1' });
  });

  it('a Workflow with generateName gets a generated name, as argo submit does', async () => {
    const res = await call(
      'POST',
      '/api/v1/apply',
      await corpus('argo-workflows/examples/arguments-parameters.yaml'),
    );
    const [item] = (await json(res))['items'];
    expect(item.result).toBe('created');
    expect(item.object.metadata.name).toMatch(/^arguments-parameters-[a-z0-9]{5}$/);
    expect(item.object.metadata.namespace).toBe('default');
  });

  it('refuses invalid documents with field paths, and applies none of the batch', async () => {
    const yaml = `${configMap('ok-one', { a: '1' })}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n  labels:\n    "bad key!": x\n`;
    const res = await call('POST', '/api/v1/apply', yaml);
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body['message']).toMatch(/document 2: metadata.name: "Bad_Name"/);
    expect(body['message']).toMatch(/document 2: metadata.labels\["bad key!"\]/);
    expect((await call('GET', '/api/v1/resources/ConfigMap/team-a/ok-one')).status).toBe(404);
  });

  it('reports unknown fields as warnings, like kubectl', async () => {
    const res = await call('POST', '/api/v1/apply', configMap('warned', { a: '1' }) + 'spex: {}\n');
    expect(res.status).toBe(200);
    expect((await json(res))['warnings']).toEqual(['document 1: unknown field "spex"']);
    expect(res.headers.get('warning')).toContain('unknown field');
  });

  it('bad YAML is a 400 naming the line', async () => {
    const res = await call('POST', '/api/v1/apply', 'a: [1, 2\nb: c\n');
    expect(res.status).toBe(400);
    expect((await json(res))['message']).toMatch(/invalid YAML at line \d+, column \d+/);
  });

  it('apply twice is unchanged; a change is configured and bumps the generation', async () => {
    await call('POST', '/api/v1/apply', configMap('cfg', { a: '1' }));
    expect(
      (await json(await call('POST', '/api/v1/apply', configMap('cfg', { a: '1' }))))['items'][0]
        .result,
    ).toBe('unchanged');
    const changed = (await json(await call('POST', '/api/v1/apply', configMap('cfg', { a: '2' }))))[
      'items'
    ][0];
    expect(changed.result).toBe('configured');
    expect(changed.object.metadata.generation).toBe(2);
  });

  it('lists by kind name, plural or short name, with namespace and label selectors', async () => {
    await call(
      'POST',
      '/api/v1/apply',
      [
        configMap('l1', {}, { app: 'web', tier: 'front' }),
        configMap('l2', {}, { app: 'web', tier: 'back' }),
        configMap('l3', {}, { app: 'db' }),
      ].join('---\n'),
    );
    const names = async (q: string) =>
      (
        (await json(await call('GET', `/api/v1/resources/${q}`)))['items'] as {
          metadata: { name: string };
        }[]
      ).map((o) => o.metadata.name);
    expect(await names('cm?namespace=team-a&labelSelector=app%3Dweb')).toEqual(['l1', 'l2']);
    expect(await names('configmaps?labelSelector=app%3Dweb,tier!%3Dfront')).toEqual(['l2']);
    expect(await names('ConfigMap?labelSelector=app%20in%20(db,cache)')).toEqual(['l3']);
    expect(await names('ConfigMap?namespace=elsewhere')).toEqual([]);
    expect((await call('GET', '/api/v1/resources/cm?labelSelector=a%20in%20(')).status).toBe(400);
  });

  it('merge patch, JSON patch, a failing test op and a stale resourceVersion', async () => {
    await call('POST', '/api/v1/apply', configMap('p', { a: '1' }));
    const merged = await call(
      'PATCH',
      '/api/v1/resources/ConfigMap/team-a/p',
      JSON.stringify({ data: { b: '2' } }),
      'application/merge-patch+json',
    );
    expect(merged.status).toBe(200);
    expect((await json(merged))['data']).toEqual({ a: '1', b: '2' });
    const patched = await call(
      'PATCH',
      '/api/v1/resources/ConfigMap/team-a/p',
      JSON.stringify([{ op: 'remove', path: '/data/a' }]),
      'application/json-patch+json',
    );
    expect((await json(patched))['data']).toEqual({ b: '2' });
    const failed = await call(
      'PATCH',
      '/api/v1/resources/ConfigMap/team-a/p',
      JSON.stringify([{ op: 'test', path: '/data/b', value: 'x' }]),
      'application/json-patch+json',
    );
    expect(failed.status).toBe(422);
    const stale = await call(
      'PATCH',
      '/api/v1/resources/ConfigMap/team-a/p',
      JSON.stringify({ metadata: { resourceVersion: '1' }, data: { c: '3' } }),
      'application/merge-patch+json',
    );
    expect(stale.status).toBe(409);
    expect(
      (
        await call(
          'PATCH',
          '/api/v1/resources/ConfigMap/team-a/p',
          '{}',
          'application/strategic-merge-patch+json',
        )
      ).status,
    ).toBe(415);
    expect(
      (
        await call(
          'PATCH',
          '/api/v1/resources/ConfigMap/team-a/missing',
          '{}',
          'application/merge-patch+json',
        )
      ).status,
    ).toBe(404);
  });

  it('delete honours finalizers: deletionTimestamp first, gone when the last one is removed', async () => {
    await call('POST', '/api/v1/apply', await corpus('seeds/application.yaml'));
    const deleting = await call('DELETE', '/api/v1/resources/Application/argocd/web-app');
    expect(deleting.status).toBe(200);
    expect((await json(deleting))['metadata']['deletionTimestamp']).toBeTruthy();
    const gone = await call(
      'PATCH',
      '/api/v1/resources/app/argocd/web-app',
      JSON.stringify({ metadata: { finalizers: null } }),
      'application/merge-patch+json',
    );
    expect(await json(gone)).toMatchObject({ kind: 'Status', status: 'Success' });
    expect((await call('GET', '/api/v1/resources/Application/argocd/web-app')).status).toBe(404);
    expect(
      ((await json(await call('GET', '/api/v1/resources/Application')))['items'] as unknown[])
        .length,
    ).toBe(0);
    expect((await call('DELETE', '/api/v1/resources/Application/argocd/web-app')).status).toBe(404);
  });

  it('the event log shows every change, the effects, and the machine status follows', async () => {
    const counter = `apiVersion: demo.argo-serverless.dev/v1\nkind: Counter\nmetadata:\n  name: c\n  namespace: team-a\nspec: {}\n`;
    await call('POST', '/api/v1/apply', counter);
    await runtime.submit([
      {
        id: 'add-1',
        key: 'in-cluster/Counter/team-a/c',
        at: Date.now(),
        event: { type: 'Add', amount: 5 },
      },
    ]);
    await runtime.settled();
    expect((await json(await call('GET', '/api/v1/resources/Counter/team-a/c')))['status']).toEqual(
      { total: 5, adds: 1, confirmed: 1, failed: 0 },
    );
    const log = await json(await call('GET', '/api/v1/resources/Counter/team-a/c/events'));
    const types = (log['items'] as { events: { type: string }[] }[]).flatMap((v) =>
      v.events.map((e) => e.type),
    );
    expect(types).toEqual(['Apply', 'Add', 'EffectSucceeded']);
    expect(log['items'][1].effects).toEqual([
      { id: 'in-cluster/Counter/team-a/c@2#0', kind: 'counter.add' },
    ]);
    expect(JSON.stringify(log)).not.toContain('snapshot');
  });

  it('Secrets go to the secrets store: never returned, listed or logged', async () => {
    const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: repo-creds\n  namespace: argocd\n  labels:\n    argocd.argoproj.io/secret-type: repository\nstringData:\n  password: hunter2\n`;
    const res = await call('POST', '/api/v1/apply', secret);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain('hunter2');
    expect(
      await runtime.secrets.get({ name: 'repo-creds', namespace: 'argocd', key: 'password' }),
    ).toBe('hunter2');
    expect((await call('GET', '/api/v1/resources/Secret/argocd/repo-creds')).status).toBe(403);
    expect((await call('GET', '/api/v1/resources/secrets')).status).toBe(403);
    expect(await runtime.store.listKeys('in-cluster/Secret/')).toEqual([]);
    expect(logged.join('\n')).not.toContain('hunter2');
    expect((await call('DELETE', '/api/v1/resources/Secret/argocd/repo-creds')).status).toBe(200);
  });

  it('refuses bodies over the limit, unknown routes and wrong methods', async () => {
    expect((await call('POST', '/api/v1/apply', 'x'.repeat(1024 * 1024 + 1))).status).toBe(413);
    expect((await call('GET', '/api/v2/things')).status).toBe(404);
    expect((await call('PUT', '/api/v1/resources/ConfigMap/team-a/p', '{}')).status).toBe(405);
    expect((await call('GET', '/api/v1/apply')).status).toBe(405);
  });
});
