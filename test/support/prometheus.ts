/**
 * A real Prometheus (Debian's `prometheus` package, installed by .ci/ensure-prometheus.sh) for
 * the analysis tests, fed with known series.
 *
 * The series are backfilled rather than scraped: `promtool tsdb create-blocks-from openmetrics`
 * writes them into a block in a fresh data directory before Prometheus starts, so every sample
 * and timestamp is exactly what the test wrote and queries are answerable as soon as the server
 * is ready (about a second), with no scrape interval to wait for. Timestamps should be recent
 * (within the query's window before now): Prometheus serves old blocks too, but instant queries
 * only look 5 minutes back.
 */
import { spawn, execFile } from 'node:child_process';
import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Series {
  /** The metric name, e.g. `http_requests_total`. */
  name: string;
  labels?: Record<string, string>;
  /** Time in epoch ms (whole seconds are kept exactly), oldest first. */
  samples: { t: number; v: number }[];
}

export interface RunningPrometheus {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Prometheus' own output so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** Binary names or paths; default `prometheus` and `promtool` on PATH. */
  prometheus?: string;
  promtool?: string;
  readyTimeoutMs?: number;
}

/** Where `command` is on PATH (or the path itself), or a clear error saying how to get it. */
export async function findBinary(command: string): Promise<string> {
  const candidates = command.includes('/')
    ? [command]
    : (process.env['PATH'] ?? '').split(delimiter).map((dir) => join(dir, command));
  for (const path of candidates) {
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // not here: try the next directory
    }
  }
  throw new Error(
    `${command} not found on PATH: the real-Prometheus tests need Debian's prometheus package ` +
      `(prometheus and promtool); run \`bash .ci/ensure-prometheus.sh\``,
  );
}

/** Starts Prometheus on a free loopback port with `series` already in its database. */
export async function startPrometheus(
  series: Series[],
  options: PrometheusOptions = {},
): Promise<RunningPrometheus> {
  const prometheus = await findBinary(options.prometheus ?? 'prometheus');
  const promtool = await findBinary(options.promtool ?? 'promtool');
  const dir = await mkdtemp(join(tmpdir(), 'prometheus-'));
  const data = join(dir, 'data');
  try {
    await writeFile(join(dir, 'series.om'), openMetrics(series));
    await run(promtool, [
      'tsdb',
      'create-blocks-from',
      'openmetrics',
      join(dir, 'series.om'),
      data,
    ]);
    // No scrape jobs: the data is all backfilled.
    await writeFile(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`could not prepare Prometheus' data with ${promtool}: ${String(error)}`, {
      cause: error,
    });
  }
  const port = await freePort();
  const child = spawn(
    prometheus,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${data}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) {
      await stop();
      throw new Error(`prometheus exited with ${exitCode} before it was ready:\n${out}`);
    }
    if (await ready(url)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready at ${url} in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, output: () => out, stop };
}

async function ready(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The series as OpenMetrics text (untyped families; timestamps in seconds). A family's lines must
 * be together, so the series are grouped by name.
 */
export function openMetrics(series: Series[]): string {
  const lines: string[] = [];
  const byName = [...series].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const number = (v: number) =>
    Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
  for (const s of byName) {
    const labels = Object.entries(s.labels ?? {})
      .map(
        ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
      )
      .join(',');
    for (const { t, v } of s.samples) {
      lines.push(`${s.name}${labels ? `{${labels}}` : ''} ${number(v)} ${t / 1000}`);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}
