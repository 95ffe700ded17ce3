/**
 * A real git HTTP server for tests: Debian's `git http-backend` behind a small Node CGI bridge on
 * 127.0.0.1, serving bare repositories from a temporary root. Repositories are built and changed
 * with the `git` CLI in a scratch work tree, so what the client sees is exactly what a git host
 * serves (smart HTTP protocol v1 and v2, annotated tags, shallow fetches).
 */
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitServerOptions {
  /** When set, every request must carry these basic-auth credentials (401 otherwise). */
  basicAuth?: { username: string; password: string };
}

export interface GitServer {
  /** http://127.0.0.1:<port> */
  baseURL: string;
  /** The clone URL of a repository created with createRepo. */
  url(name: string): string;
  /** A bare repository `<name>.git` with one commit holding `files` (path -> content) on `branch`. */
  createRepo(name: string, files: Record<string, string>, branch?: string): Promise<string>;
  /** A bare repository holding a copy of the directory `dir` as its first commit. */
  createRepoFromDir(name: string, dir: string, branch?: string): Promise<string>;
  /** Commits `files` (null deletes a path) on `branch`; returns the new commit SHA. */
  commit(
    name: string,
    files: Record<string, string | null>,
    options?: { branch?: string; message?: string },
  ): Promise<string>;
  /** A lightweight tag, or an annotated one when `message` is given. Returns the tagged commit. */
  tag(name: string, tag: string, options?: { ref?: string; message?: string }): Promise<string>;
  /** `git rev-parse` in the bare repository (e.g. `main`, `v1^{}`, `refs/tags/v1`). */
  revParse(name: string, rev: string): Promise<string>;
  /** Number of requests served (to prove a cache was used). */
  requests(): number;
  stop(): Promise<void>;
}

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

async function git(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('git', args, {
    cwd,
    env: { ...process.env, ...IDENTITY, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd },
  });
  return stdout.trim();
}

async function writeFiles(dir: string, files: Record<string, string | null>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    if (content === null) {
      await rm(target, { force: true });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}

export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const root = await mkdtemp(join(tmpdir(), 'git-server-'));
  let served = 0;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    served++;
    if (options.basicAuth) {
      const expected = `Basic ${Buffer.from(
        `${options.basicAuth.username}:${options.basicAuth.password}`,
      ).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
        res.end('authentication required');
        return;
      }
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_ADDR: '127.0.0.1',
      REMOTE_USER: options.basicAuth?.username ?? '',
      // Protocol v2 is negotiated through this header; http-backend reads it from the env.
      GIT_PROTOCOL: (req.headers['git-protocol'] as string | undefined) ?? '',
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
    };
    const cgi = spawn('git', ['http-backend'], { env });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headerDone = false;
    let stderr = '';
    cgi.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headerDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      let sep = head.indexOf('\r\n\r\n');
      let sepLen = 4;
      if (sep < 0) {
        sep = head.indexOf('\n\n');
        sepLen = 2;
      }
      if (sep < 0) return;
      headerDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, sep).toString().split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const key = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[key] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(sep + sepLen));
    });
    cgi.on('close', (code) => {
      if (!headerDone) {
        res.writeHead(500);
        res.end(`git http-backend exited ${code}: ${stderr}`);
        return;
      }
      res.end();
    });
  };

  const server = createServer(handle);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  const baseURL = `http://127.0.0.1:${port}`;
  const bare = (name: string) => join(root, `${name}.git`);

  // One scratch work tree per repository, kept between commits.
  const workTrees = new Map<string, string>();

  async function createRepoFromDir(name: string, dir: string, branch = 'main'): Promise<string> {
    const work = await mkdtemp(join(tmpdir(), `git-work-${name.replace(/\W/g, '_')}-`));
    workTrees.set(name, work);
    await cp(dir, work, { recursive: true });
    await git(['init', '-q', '-b', branch], work);
    await git(['add', '-A'], work);
    await git(['commit', '-q', '-m', 'initial'], work);
    await mkdir(dirname(bare(name)), { recursive: true });
    await git(['clone', '-q', '--bare', work, bare(name)], root);
    await git(['remote', 'add', 'origin', bare(name)], work);
    return git(['rev-parse', 'HEAD'], work);
  }

  return {
    baseURL,
    url: (name) => `${baseURL}/${name}.git`,
    async createRepo(name, files, branch = 'main') {
      const src = await mkdtemp(join(tmpdir(), 'git-src-'));
      try {
        await writeFiles(src, files);
        return await createRepoFromDir(name, src, branch);
      } finally {
        await rm(src, { recursive: true, force: true });
      }
    },
    createRepoFromDir,
    async commit(name, files, { branch = 'main', message = 'change' } = {}) {
      const work = workTrees.get(name);
      if (!work) throw new Error(`no repository ${name}: create it first`);
      const branches = await git(['branch', '--list', branch], work);
      await git(branches ? ['checkout', '-q', branch] : ['checkout', '-q', '-b', branch], work);
      await writeFiles(work, files);
      await git(['add', '-A'], work);
      await git(['commit', '-q', '--allow-empty', '-m', message], work);
      await git(['push', '-q', 'origin', branch], work);
      return git(['rev-parse', 'HEAD'], work);
    },
    async tag(name, tag, { ref = 'HEAD', message } = {}) {
      const work = workTrees.get(name);
      if (!work) throw new Error(`no repository ${name}: create it first`);
      await git(message ? ['tag', '-a', tag, '-m', message, ref] : ['tag', tag, ref], work);
      await git(['push', '-q', 'origin', `refs/tags/${tag}`], work);
      return git(['rev-parse', `${tag}^{commit}`], work);
    },
    revParse: (name, rev) => git(['rev-parse', rev], bare(name)),
    requests: () => served,
    async stop() {
      await new Promise<void>((ok) => server.close(() => ok()));
      for (const dir of [root, ...workTrees.values()]) {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Files of a directory tree, relative paths sorted (to compare checkouts). */
export async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}
