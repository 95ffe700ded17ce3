/**
 * `argosls app` against a control plane's HTTP API: the Application machine on a local runtime,
 * its effects on in-memory ports (a cluster, git), the CLI over HTTP.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../shared/runtime/local/runtime.js';
import { createApiServer } from '../../shared/api/http-server.js';
import { applicationKindWith } from '../../shared/cd/machine.js';
import { DEFAULT_APPLICATION_SETTINGS } from '../../shared/cd/application.js';
import { applicationEffectHandlers } from '../../shared/cd/effect-handlers.js';
import type { Json } from '../../shared/core/types.js';
import { appCommand } from '../../cli/app.js';
import type { AppValues } from '../../cli/app.js';
import { application, configMap, FakeGit, FakeKube } from './app-harness.js';

const KEY = 'in-cluster/Application/argocd/web';
const SHA1 = '1'.repeat(40);
const SHA2 = '2'.repeat(40);

let runtime: LocalRuntime;
let server: Server;
let values: AppValues;
const kube = new FakeKube();
const git = new FakeGit();

beforeAll(async () => {
  runtime = await LocalRuntime.start({
    dataDir: await mkdtemp(join(tmpdir(), 'app-cli-')),
    durability: 'none',
    kinds: [applicationKindWith({ ...DEFAULT_APPLICATION_SETTINGS, waveDelayMs: 0 })],
    effectHandlers: (rt) =>
      applicationEffectHandlers({
        clusters: { forCluster: async () => kube },
        git,
        renderer: git,
        controlPlane: {
          get: async (key) => (await rt.get(key)).object,
          submit: async (key, event, id) => {
            await rt.submit([{ id, key, at: rt.clock.now(), event }], { waitMs: 5_000 });
          },
        },
      }),
  });
  server = createApiServer({ controlPlane: runtime, auth: { none: true }, version: 'test' });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  values = { server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeout: '20' };
  git.commit('main', SHA1, [configMap('cfg', { a: '1' })]);
  const id = runtime.newMessageId();
  await runtime.submit(
    [
      {
        id,
        key: KEY,
        at: runtime.clock.now(),
        event: { type: 'Apply', object: application({}) as unknown as Json },
      },
    ],
    { waitMs: 5_000 },
  );
  // The first refresh (render, observe) runs on its own after the Application is stored.
  const reconciled = async () =>
    Boolean(
      ((await runtime.get(KEY)).object?.status as { reconciledAt?: string } | undefined)
        ?.reconciledAt,
    );
  for (let i = 0; i < 100 && !(await reconciled()); i++)
    await new Promise((r) => setTimeout(r, 50));
});

afterAll(async () => {
  server?.close();
  await runtime?.stop();
});

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        append(String(chunk));
        done();
      },
    });
  const flags: AppValues = { ...values };
  const positionals: string[] = [];
  for (const a of args) {
    if (a === '--prune') flags.prune = true;
    else if (a.startsWith('--cascade=')) flags.cascade = a.slice('--cascade='.length);
    else if (a.startsWith('--revision=')) flags.revision = a.slice('--revision='.length);
    else positionals.push(a);
  }
  const code = await appCommand(positionals, flags, {
    out: sink((s) => (out += s)),
    err: sink((s) => (err += s)),
  });
  return { code, out, err };
}

describe('argosls app', () => {
  it('get shows the sync status, health and resources', async () => {
    const { code, out } = await run('get', 'web');
    expect(code).toBe(0);
    expect(out).toContain('Name:               argocd/web');
    expect(out).toContain(`Sync Status:        OutOfSync to main (${SHA1.slice(0, 7)})`);
    expect(out).toMatch(/ConfigMap\s+prod\s+cfg\s+OutOfSync/);
  });

  it('diff lists what a sync would change and exits 1', async () => {
    const { code, out } = await run('diff', 'web');
    expect(code).toBe(1);
    expect(out).toContain('===== ConfigMap prod/cfg ======');
  });

  it('sync asks for a sync, waits for it and exits 0 when it Succeeded', async () => {
    const { code, out } = await run('sync', 'web');
    expect(code).toBe(0);
    expect(out).toContain('Phase:              Succeeded');
    expect(kube.find('ConfigMap', 'cfg')).toBeDefined();
    const app = (await runtime.get(KEY)).object!;
    expect(app['operation']).toBeUndefined();
    expect(await run('diff', 'web')).toMatchObject({ code: 0, out: '' });
  });

  it('history lists the deployments; rollback syncs an earlier one', async () => {
    git.commit('main', SHA2, [configMap('cfg', { a: '2' })]);
    expect((await run('sync', 'web')).code).toBe(0);
    const history = await run('history', 'web');
    expect(
      history.out
        .split('\n')
        .filter((l) => /^\d/.test(l))
        .map((l) => l.split(/\s+/).at(-1)),
    ).toEqual([SHA1, SHA2]);
    expect((await run('rollback', 'web', '0')).code).toBe(0);
    expect(kube.find('ConfigMap', 'cfg')!['data']).toEqual({ a: '1' });
    expect((await run('rollback', 'web', '9')).err).toContain(
      "does not have deployment id '9' in history",
    );
  });

  it('delete cascades: the Application goes, and its resources with it', async () => {
    const { code } = await run('delete', 'web');
    expect(code).toBe(0);
    for (let i = 0; i < 100 && (await runtime.get(KEY)).object; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await runtime.get(KEY)).object).toBeNull();
    expect(kube.find('ConfigMap', 'cfg')).toBeUndefined();
  });
});
