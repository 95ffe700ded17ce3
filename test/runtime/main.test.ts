import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoRoot, startControlPlane } from '../support/start-process.js';
import type { StartedProcess } from '../support/start-process.js';
import { kubectl } from '../support/kubectl.js';

const run = promisify(execFile);
const seed = (name: string) => readFile(join(repoRoot, '../shared/corpus/seeds', name), 'utf8');

const started: StartedProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const p of started.splice(0)) await p.stop('SIGKILL');
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempDir() {
  const d = await mkdtemp(join(tmpdir(), 'argosls-main-'));
  dirs.push(d);
  return d;
}

async function start(args: string[]) {
  const p = await startControlPlane(args);
  started.push(p);
  return p;
}

const auth = (p: StartedProcess) => ({ Authorization: `Bearer ${p.token}` });

async function applyYaml(p: StartedProcess, yaml: string) {
  return fetch(`${p.url}/api/v1/apply`, {
    method: 'POST',
    headers: { ...auth(p), 'Content-Type': 'application/yaml' },
    body: yaml,
  });
}

describe('npm start (the embedded runtime entry point)', () => {
  it('--help documents every option and exits 0', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'shared/runtime/local/main.ts', '--help'],
      { cwd: repoRoot },
    );
    for (const option of [
      '--kubeconfig',
      '--context',
      '--data-dir',
      '--host',
      '--port',
      '--token',
      '--no-auth',
      '--durability',
      '--log-level',
    ]) {
      expect(stdout).toContain(option);
    }
  });

  it('refuses --no-auth on a non-loopback address', async () => {
    const result = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'shared/runtime/local/main.ts',
        '--no-auth',
        '--host',
        '0.0.0.0',
        '--data-dir',
        await tempDir(),
      ],
      { cwd: repoRoot },
    ).catch((e: { code: number; stderr: string }) => e);
    expect(result).toMatchObject({ code: 2 });
    expect((result as { stderr: string }).stderr).toMatch(
      /--no-auth is only allowed on a loopback address/,
    );
  });

  it('serves the API with a bearer token, and state survives a restart and a kill -9', async () => {
    const dataDir = await tempDir();
    const p = await start(['--port', '0', '--data-dir', dataDir]);
    expect(p.token).toBeTruthy();
    expect((await fetch(`${p.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${p.url}/api/v1/resources/Application`)).status).toBe(401);

    const applied = await applyYaml(p, await seed('application.yaml'));
    expect(applied.status).toBe(200);
    const get = await fetch(`${p.url}/api/v1/resources/Application/argocd/web-app`, {
      headers: auth(p),
    });
    expect(get.status).toBe(200);
    const object = (await get.json()) as { metadata: { uid: string; finalizers: string[] } };
    expect(object.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);

    // A 200 from apply means the version is committed and fsynced: SIGKILL must not lose it.
    await p.stop('SIGKILL');
    const again = await start(['--port', '0', '--data-dir', dataDir]);
    expect(again.token).toBe(p.token);
    const after = await fetch(`${again.url}/api/v1/resources/Application/argocd/web-app`, {
      headers: auth(again),
    });
    expect(after.status).toBe(200);
    expect(((await after.json()) as { metadata: { uid: string } }).metadata.uid).toBe(
      object.metadata.uid,
    );
  });

  it('starts the simulated home cluster: kubectl applies, rolls out and sets the image of a Deployment', async () => {
    const dataDir = await tempDir();
    const p = await start(['--port', '0', '--data-dir', dataDir]);
    const kubeconfig = /kubeconfig: (\S+)/.exec(p.output())?.[1];
    expect(kubeconfig).toBe(join(dataDir, 'kubeconfig'));
    expect(await kubectl(kubeconfig!, ['get', 'namespace', 'default', '-o', 'name'])).toBe(
      'namespace/default\n',
    );
    const deployment = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: web }',
      'spec:',
      '  replicas: 2',
      '  selector: { matchLabels: { app: web } }',
      '  template:',
      '    metadata: { labels: { app: web } }',
      '    spec: { containers: [{ name: web, image: "nginx:1.27" }] }',
    ].join('\n');
    await kubectl(kubeconfig!, ['apply', '--validate=false', '-f', '-'], deployment);
    expect(
      await kubectl(kubeconfig!, ['rollout', 'status', 'deployment/web', '--timeout=60s']),
    ).toMatch(/successfully rolled out/);
    const phases = await kubectl(kubeconfig!, [
      'get',
      'pods',
      '-o',
      'jsonpath={.items[*].status.phase}',
    ]);
    expect(phases.split(' ')).toEqual(['Running', 'Running']);
    await kubectl(kubeconfig!, ['set', 'image', 'deployment/web', 'web=nginx:1.28']);
    expect(
      await kubectl(kubeconfig!, ['rollout', 'status', 'deployment/web', '--timeout=60s']),
    ).toMatch(/successfully rolled out/);
    const images = await kubectl(kubeconfig!, [
      'get',
      'pods',
      '-o',
      'jsonpath={.items[*].spec.containers[0].image}',
    ]);
    expect(images.split(' ')).toEqual(['nginx:1.28', 'nginx:1.28']);
  });
});
