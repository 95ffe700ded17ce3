/**
 * Starts `npm start` (the real entry point) as a child process and waits for its banner, so
 * tests exercise exactly what a user runs.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface StartedProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  token: string | undefined;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startControlPlane(
  args: string[],
  timeoutMs = 30_000,
): Promise<StartedProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'shared/runtime/local/main.ts', ...args],
    {
      cwd: repoRoot,
      env: { ...process.env, NODE_OPTIONS: '' },
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await new Promise<void>((ok, ko) => {
    const timer = setTimeout(
      () => ko(new Error(`control plane did not start in time:\n${out}`)),
      timeoutMs,
    );
    const check = () => {
      if (/Press Ctrl-C to stop/.test(out)) {
        clearTimeout(timer);
        ok();
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      ko(new Error(`control plane exited with ${code}:\n${out}`));
    });
  });
  const url = /API:\s+(\S+)\/api\/v1/.exec(out)?.[1];
  if (!url) throw new Error(`no API address in the banner:\n${out}`);
  const token = /Authorization: Bearer (\S+)/.exec(out)?.[1];
  return {
    child,
    url,
    token,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
  };
}
