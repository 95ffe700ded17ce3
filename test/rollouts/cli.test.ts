/**
 * `argosls rollout` against a running embedded control plane: the CLI (cli/main.ts, in-process)
 * talks to the HTTP API with a bearer token, and undo reads the ReplicaSets from the simulated
 * cluster through the kubeconfig the embedded runtime writes. Each action is checked by what the
 * rollout machine then does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { PassThrough } from 'node:stream';
import { createApiServer } from '../../shared/api/http-server.js';
import type { Json } from '../../shared/core/types.js';
import { main } from '../../cli/main.js';
import { tempDirs } from '../support/temp-dirs.js';

/** main's io is typed as the process streams; it only writes to them. */
type MainIo = NonNullable<Parameters<typeof main>[1]>;
import { canaryRollout, RolloutLab, until, withImage } from './lab.js';

const NS = 'cli';
const TOKEN = 'rollout-cli-test-token';
const dataDir = tempDirs('rollout-cli');
let lab: RolloutLab;
let server: Server;
let url = '';

beforeAll(async () => {
  lab = await RolloutLab.start(await dataDir(), NS);
  server = createApiServer({
    controlPlane: lab.embedded.runtime,
    auth: { token: TOKEN },
    version: 'test',
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  await lab?.stop();
});

/** Runs `argosls rollout ...` in-process; returns its exit code and what it wrote. */
async function argosls(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (c: Buffer) => (chunks.out += c.toString()));
  err.on('data', (c: Buffer) => (chunks.err += c.toString()));
  const io = { out, err } as unknown as MainIo;
  const code = await main(['rollout', ...args, '-n', NS, '--server', url, '--token', TOKEN], io);
  return { code, ...chunks };
}

const steps: Json[] = [{ setWeight: 50 }, { pause: {} }];
const web = canaryRollout('web', NS, {}, { maxSurge: 1, maxUnavailable: 0, steps });
/**
 * The Rollout's status, a second of the controlled clock later each time: the machine's polls
 * run on that clock, as they would on a real one while a test waits.
 */
const status = async () => {
  await lab.advance(1000, 1000);
  return lab.status('web');
};

async function image(): Promise<string> {
  const object = (await lab.embedded.runtime.get(lab.key('Rollout', 'web'))).object;
  return (object?.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
    .containers[0]!.image;
}

describe('argosls rollout', () => {
  it('refuses a wrong token', async () => {
    await lab.apply(web);
    const out = new PassThrough();
    const err = new PassThrough();
    let text = '';
    err.on('data', (c: Buffer) => (text += c.toString()));
    const code = await main(
      ['rollout', 'status', 'web', '-n', NS, '--server', url, '--token', 'wrong'],
      { out, err } as unknown as MainIo,
    );
    expect(code).toBe(1);
    expect(text).toContain('401');
  });

  it('status: the phase, strategy and replicas; -o json: the status object', async () => {
    await until('Healthy', status, (s) => s.phase === 'Healthy');
    const { code, out } = await argosls('status', 'web');
    expect(code).toBe(0);
    expect(out).toContain('Name:            web');
    expect(out).toContain('Status:          Healthy');
    expect(out).toContain('Strategy:        Canary');
    expect(out).toMatch(/Replicas: +Desired 2 +Current 2 +Updated 2/);
    const json = await argosls('status', 'web', '-o', 'json');
    expect(JSON.parse(json.out)).toMatchObject({ phase: 'Healthy', currentStepIndex: 2 });
  });

  it('status --watch returns 0 once Paused', async () => {
    await lab.apply(withImage(web, 'web:v2'));
    await until('Paused', status, (s) => s.phase === 'Paused');
    const { code, out } = await argosls('status', 'web', '--watch');
    expect(code).toBe(0);
    expect(out.trim().split('\n').at(-1)).toBe('Paused - CanaryPauseStep');
  });

  it('promote lifts the pause: the new revision becomes stable', async () => {
    const paused = await until('Paused', status, (s) => s.phase === 'Paused');
    const { code, err } = await argosls('promote', 'web');
    expect(code).toBe(0);
    expect(err).toBe("rollout 'web' promoted\n");
    const s = await until('Healthy', status, (s) => s.phase === 'Healthy');
    expect(s.stableRS).toBe(paused.currentPodHash);
  });

  it('abort sends the update back to stable (Degraded); retry starts it again', async () => {
    const stable = (await status()).stableRS!;
    await lab.apply(withImage(web, 'web:v3'));
    const paused = await until(
      'Paused',
      status,
      (s) => s.phase === 'Paused' && s.currentPodHash !== stable,
    );
    expect((await argosls('abort', 'web')).code).toBe(0);
    const aborted = await until('Degraded', status, (s) => s.phase === 'Degraded');
    expect(aborted.message).toContain('RolloutAborted');
    await lab.advance(60_000, 5_000);
    await until(
      'canary scaled down',
      () => lab.replicaSets('web'),
      (r) => r[paused.currentPodHash!] === 0 && r[stable] === 2,
    );
    expect((await argosls('retry', 'web')).code).toBe(0);
    const retried = await until(
      'Paused again',
      status,
      (s) => s.phase === 'Paused' && s.abort === false,
    );
    expect(retried.currentStepIndex).toBe(1);
  });

  it('pause sets spec.paused ("manually paused"); resume clears it', async () => {
    expect((await argosls('pause', 'web')).err).toBe("rollout 'web' paused\n");
    await until('manually paused', status, (s) => s.message === 'manually paused');
    expect((await argosls('resume', 'web')).err).toBe("rollout 'web' resumed\n");
    const s = await until('step pause', status, (s) => s.message === 'CanaryPauseStep');
    expect(s.phase).toBe('Paused');
  });

  it('promote --full skips the remaining steps', async () => {
    const current = (await status()).currentPodHash;
    expect((await argosls('promote', 'web', '--full')).err).toBe("rollout 'web' fully promoted\n");
    const s = await until('Healthy', status, (s) => s.phase === 'Healthy');
    expect(s.stableRS).toBe(current);
    expect(await image()).toBe('web:v3');
  });

  it("undo puts the previous revision's pod template back (read through the kubeconfig)", async () => {
    const kubeconfig = lab.embedded.cluster.kubeconfigPath;
    const undo = await argosls('undo', 'web', '--kubeconfig', kubeconfig);
    expect(undo).toMatchObject({ code: 0, err: "rollout 'web' undo\n" });
    expect(await image()).toBe('web:v2');
    const back = await argosls('undo', 'web', '--kubeconfig', kubeconfig, '--to-revision', '1');
    expect(back.code).toBe(0);
    expect(await image()).toBe('web:v1');
    const none = await argosls('undo', 'web', '--kubeconfig', kubeconfig, '--to-revision', '9');
    expect(none.code).toBe(1);
    expect(none.err).toContain("no revision 9 of rollout 'web'");
  });

  it('names what is missing', async () => {
    const { code, err } = await argosls('promote');
    expect(code).toBe(2);
    expect(err).toBe('argosls rollout promote: give the Rollout name\n');
    const unknown = await argosls('explode', 'web');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown action 'explode'");
  });
});
