/**
 * The argosls command as users run it (the package's bin), alone and against `npm start`.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusRoot } from '../support/corpus.js';
import { repoRoot, startControlPlane } from '../support/start-process.js';
import type { StartedProcess } from '../support/start-process.js';
import { tempDirs } from '../support/temp-dirs.js';

const tempDir = tempDirs('argosls-cli');

function argosls(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'cli/argosls.mjs'), ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const example = (name: string) => join(corpusRoot, 'argo-workflows/examples', name);
const seed = (name: string) => join(corpusRoot, 'seeds', name);

describe('argosls lint and run', () => {
  it('--help lists every command', async () => {
    const { code, stdout } = await argosls(['--help']);
    expect(code).toBe(0);
    for (const command of [
      'lint',
      'run',
      'submit',
      'get',
      'suspend',
      'resume',
      'stop',
      'terminate',
      'resubmit',
      'retry',
      'logs',
    ])
      expect(stdout).toContain(command);
  });

  it('lint passes a good file and fails the seed template by field path (exit 1)', async () => {
    expect((await argosls(['lint', example('dag-diamond.yaml')])).code).toBe(0);
    const bad = await argosls(['lint', seed('workflowtemplate.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'spec.templates[1].container.volumeMounts[0].name: volume "workspace" is not declared',
    );
  });

  it(
    'run --executor host -o json prints the final Workflow; exit 0 when it Succeeded',
    { timeout: 60_000 },
    async () => {
      const { code, stdout, stderr } = await argosls([
        'run',
        example('output-parameter.yaml'),
        '--executor',
        'host',
        '-o',
        'json',
      ]);
      expect(stderr).toMatch(/Succeeded 2\/2/);
      expect(code).toBe(0);
      const wf = JSON.parse(stdout) as {
        status: {
          phase: string;
          nodes: Record<
            string,
            {
              displayName: string;
              outputs?: { parameters?: { value: string }[] };
              inputs?: { parameters?: { value: string }[] };
            }
          >;
        };
      };
      expect(wf.status.phase).toBe('Succeeded');
      const consume = Object.values(wf.status.nodes).find(
        (n) => n.displayName === 'consume-parameter',
      )!;
      expect(consume.inputs?.parameters?.[0]?.value).toBe('hello world');
    },
  );

  it(
    'run exits 1 when a Workflow fails, and -p sets a parameter',
    { timeout: 60_000 },
    async () => {
      const dir = await tempDir();
      const file = join(dir, 'exit.yaml');
      await writeFile(
        file,
        `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: exit-}
spec:
  entrypoint: main
  arguments: {parameters: [{name: code, value: "0"}]}
  templates:
    - name: main
      container: {image: busybox, command: [sh, -c, "exit {{workflow.parameters.code}}"]}
`,
      );
      expect((await argosls(['run', file, '--executor', 'host'])).code).toBe(0);
      const failed = await argosls(['run', file, '--executor', 'host', '-p', 'code=3']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('Failed');
      expect(failed.stderr).toContain('exit code 3');
    },
  );
});

describe('argosls against npm start', () => {
  let cp: StartedProcess;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await tempDir();
    cp = await startControlPlane([
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--no-auth',
      '--durability',
      'none',
    ]);
  }, 60_000);
  afterAll(async () => {
    await cp?.stop();
  });

  it(
    'submit --watch follows a Workflow to Succeeded; get and list show it',
    { timeout: 60_000 },
    async () => {
      const submitted = await argosls([
        'submit',
        example('dag-diamond.yaml'),
        '--watch',
        '--server',
        cp.url,
      ]);
      expect(submitted.stderr).toMatch(/Succeeded 4\/4/);
      expect(submitted.code).toBe(0);
      const name = /Workflow\/default\/(dag-diamond-\w+)/.exec(submitted.stderr)![1]!;
      const got = await argosls(['get', name, '--server', cp.url]);
      expect(got.stdout).toContain('Status:    Succeeded');
      expect((await argosls(['list', '--server', cp.url])).stdout).toContain(name);
      const again = await argosls(['resubmit', name, '--watch', '--server', cp.url]);
      expect(again.stderr).toContain(`resubmitted from ${name}`);
      expect(again.stderr).toMatch(/Succeeded 4\/4/);
      expect(again.code).toBe(0);
      // As `argo retry`: a Succeeded workflow is not retried.
      const retried = await argosls(['retry', name, '--server', cp.url]);
      expect(retried.code).toBe(1);
      expect(retried.stderr).toContain('only Failed or Error can be retried');
    },
  );

  it('a suspended step waits until resume', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const file = join(dir, 'approve.yaml');
    await writeFile(
      file,
      `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: approve-me}
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - {name: approve, template: wait}
        - - {name: after, template: hello}
    - name: wait
      suspend: {}
    - name: hello
      container: {image: busybox, command: [echo, approved]}
`,
    );
    expect((await argosls(['submit', file, '--server', cp.url])).code).toBe(0);
    for (let i = 0; i < 50; i++) {
      const got = await argosls(['get', 'approve-me', '--server', cp.url]);
      if (/approve\tSuspend\tRunning/.test(got.stdout)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    expect((await argosls(['get', 'approve-me', '--server', cp.url])).stdout).toContain(
      'Status:    Running',
    );
    expect((await argosls(['resume', 'approve-me', '--server', cp.url])).code).toBe(0);
    for (let i = 0; i < 100; i++) {
      const got = await argosls(['get', 'approve-me', '--server', cp.url]);
      if (got.stdout.includes('Status:    Succeeded')) {
        const logs = await argosls([
          'logs',
          'approve-me',
          '--server',
          cp.url,
          '--kubeconfig',
          join(dataDir, 'kubeconfig'),
        ]);
        expect(logs.code).toBe(0);
        expect(logs.stdout).toContain('after: simulated: busybox ran');
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('approve-me did not succeed after resume');
  });

  it('the API refuses the seed template by field path, and warns on unknown fields', async () => {
    const { readFile } = await import('node:fs/promises');
    const res = await fetch(`${cp.url}/api/v1/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: await readFile(seed('workflowtemplate.yaml'), 'utf8'),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { message: string }).message).toContain(
      'spec.templates[1].container.volumeMounts[0].name: volume "workspace" is not declared',
    );
    const warned = await fetch(`${cp.url}/api/v1/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: 'apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata: {name: t}\nspec:\n  templates:\n    - name: a\n      container: {image: busybox, comand: [x]}\n',
    });
    expect(warned.status).toBe(200);
    expect(((await warned.json()) as { warnings: string[] }).warnings).toEqual([
      'document 1: spec.templates[0].container.comand: unknown field "comand"',
    ]);
  });
});
