/**
 * Argo CD's repo-server git client as a `GitSource` over HTTP(S), with isomorphic-git (pure JS: no
 * git binary on Lambda). `resolve` is Argo's LsRemote: one ref listing, no clone. `checkout` is a
 * shallow fetch of exactly one commit into `<cacheDir>/<hash(repoURL)>/<commit>`; commits never
 * change, so that directory is reused forever and shared by every render of that commit.
 *
 * ssh repositories (`git@host:org/repo`, `ssh://`) are refused: isomorphic-git speaks only the
 * smart HTTP protocol. Register the https URL of the repository instead.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import git from 'isomorphic-git';
import type { HttpClient, ServerRef } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { normalizeGitUrl } from '../../cd/project.js';
import { GitError } from '../../cd/ports.js';
import type { Checkout, GitSource, RepoCredentials } from '../../cd/ports.js';

export interface IsomorphicGitSourceOptions {
  /** Where checkouts live (a Lambda's /tmp, the embedded runtime's data directory). */
  cacheDir: string;
  /** Credentials for a repository URL (see repo-credentials.ts for Argo CD's Secret lookup). */
  credentials?: (repoURL: string) => Promise<RepoCredentials | undefined>;
  /** isomorphic-git's HTTP client; Node's by default. */
  http?: HttpClient;
}

const FULL_SHA = /^[0-9a-f]{40}$/i;
// Argo accepts 7+ hex characters as a truncated commit SHA.
const SHORT_SHA = /^[0-9a-f]{7,39}$/i;
const SSH_URL = /^(ssh:\/\/)?([^/:]*?)@[^@]+$/;

/**
 * Argo's NormalizeGitURL (lower case, `git@host:org/repo` as `host/org/repo`, no `.git`), also
 * ignoring trailing slashes, so that every spelling of one repository shares one cache and one
 * set of credentials.
 */
export function normalizeRepoURL(url: string): string {
  return normalizeGitUrl(url.trim().replace(/\/+$/, ''));
}

export function isSshRepoURL(url: string): boolean {
  const u = url.trim();
  return u.startsWith('ssh://') || (SSH_URL.test(u) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(u));
}

/** go-git's ReferenceName.Short: `refs/heads/x` -> `x`, `refs/tags/x` -> `x`, `refs/x` -> `x`. */
function shortRefName(ref: string): string {
  for (const prefix of ['refs/heads/', 'refs/tags/', 'refs/remotes/', 'refs/']) {
    if (ref.startsWith(prefix)) return ref.slice(prefix.length);
  }
  return ref;
}

function basicAuth(creds: RepoCredentials | undefined): Record<string, string> {
  if (!creds) return {};
  // A bearer token travels as the password of basic auth, which GitHub, GitLab and Bitbucket
  // Cloud all accept with any user name.
  const password = creds.bearerToken ?? creds.password;
  if (password === undefined || password === '') return {};
  const user = creds.username || (creds.bearerToken ? 'x-access-token' : '');
  return { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

interface IsoGitError {
  code?: string;
  message: string;
  data?: { statusCode?: number; statusMessage?: string };
}

function describe(err: unknown, repoURL: string, action: string): GitError {
  if (err instanceof GitError) return err;
  const e = err as IsoGitError & { errno?: number; syscall?: string };
  const status = e.data?.statusCode;
  if (e.code === 'HttpError' && (status === 401 || status === 403)) {
    return new GitError(
      `${action} ${repoURL}: authentication ${status === 401 ? 'required' : 'refused'} (HTTP ${status}); ` +
        'add or fix the repository credentials (a Secret labelled argocd.argoproj.io/secret-type: repository or repo-creds)',
    );
  }
  if (e.code === 'HttpError' && status === 404) {
    return new GitError(`${action} ${repoURL}: repository not found (HTTP 404); check repoURL`);
  }
  if (e.code === 'HttpError' && status !== undefined && (status >= 500 || status === 429)) {
    return new GitError(`${action} ${repoURL}: the git server answered HTTP ${status}`, true);
  }
  const network = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE', 'ENOTFOUND'];
  if (e.code && network.includes(e.code)) {
    return new GitError(`${action} ${repoURL}: ${e.code} (${e.message})`, e.code !== 'ENOTFOUND');
  }
  return new GitError(`${action} ${repoURL}: ${e.message}`);
}

export class IsomorphicGitSource implements GitSource {
  private readonly http: HttpClient;
  // Two renders of one commit in this process share one fetch.
  private readonly inFlight = new Map<string, Promise<Checkout>>();

  constructor(private readonly options: IsomorphicGitSourceOptions) {
    this.http = options.http ?? nodeHttp;
  }

  private repoDir(repoURL: string): string {
    const hash = createHash('sha256').update(normalizeRepoURL(repoURL)).digest('hex').slice(0, 16);
    return join(this.options.cacheDir, hash);
  }

  private async headers(repoURL: string): Promise<Record<string, string>> {
    return basicAuth(await this.options.credentials?.(repoURL));
  }

  private refuseSsh(repoURL: string): void {
    if (isSshRepoURL(repoURL)) {
      throw new GitError(
        `repository ${repoURL}: ssh repositories are not supported here; use the https URL of the repository`,
      );
    }
  }

  async resolve(repoURL: string, revision: string): Promise<string> {
    this.refuseSsh(repoURL);
    const rev = revision.trim() === '' ? 'HEAD' : revision.trim();
    if (FULL_SHA.test(rev)) return rev.toLowerCase();

    let refs: ServerRef[];
    try {
      refs = await git.listServerRefs({
        http: this.http,
        url: repoURL,
        headers: await this.headers(repoURL),
        protocolVersion: 1,
        symrefs: true,
        peelTags: true,
      });
    } catch (err) {
      throw describe(err, repoURL, 'listing the refs of');
    }

    // As Argo: the first ref (server order: HEAD, branches, tags) whose full or short name is
    // the revision wins. Annotated tags are peeled to the commit they tag.
    const isShort = !rev.startsWith('refs/');
    const byName = new Map(refs.map((r) => [r.ref, r]));
    for (const ref of refs) {
      if (ref.ref === rev || (isShort && shortRefName(ref.ref) === rev)) {
        const target = ref.target ? byName.get(ref.target) : undefined;
        return (target?.peeled ?? target?.oid ?? ref.peeled ?? ref.oid).toLowerCase();
      }
    }

    if (SHORT_SHA.test(rev)) {
      const known = await this.cachedCommits(repoURL);
      const matches = known.filter((c) => c.startsWith(rev.toLowerCase()));
      if (matches.length === 1) return matches[0]!;
      throw new GitError(
        `revision '${rev}' of ${repoURL} looks like a short commit SHA, which cannot be resolved ` +
          `without fetching the history${matches.length > 1 ? ' (it is ambiguous)' : ''}; ` +
          'use the full 40-character SHA, a branch or a tag',
      );
    }
    throw new GitError(
      `unable to resolve '${rev}' to a commit SHA: no branch or tag of ${repoURL} has that name; ` +
        'check targetRevision',
    );
  }

  private async cachedCommits(repoURL: string): Promise<string[]> {
    try {
      return (await readdir(this.repoDir(repoURL))).filter((n) => FULL_SHA.test(n));
    } catch {
      return [];
    }
  }

  async checkout(repoURL: string, commit: string): Promise<Checkout> {
    this.refuseSsh(repoURL);
    if (!FULL_SHA.test(commit)) {
      throw new GitError(
        `checkout of ${repoURL}: '${commit}' is not a full commit SHA; resolve the revision first`,
      );
    }
    const sha = commit.toLowerCase();
    const dir = join(this.repoDir(repoURL), sha);
    const key = `${normalizeRepoURL(repoURL)}@${sha}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.materialise(repoURL, sha, dir).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async materialise(repoURL: string, commit: string, dir: string): Promise<Checkout> {
    const done: Checkout = { repoURL, commit, dir };
    if (await exists(dir)) return done;

    // Build beside the target and rename: a rename is atomic, so a reader (or a concurrent
    // checkout in another process) sees either nothing or the complete tree.
    const scratch = join(this.repoDir(repoURL), `.tmp-${randomBytes(6).toString('hex')}`);
    const work = join(scratch, 'tree');
    const gitdir = join(scratch, 'git');
    await mkdir(work, { recursive: true });
    try {
      await git.init({ fs, dir: work, gitdir });
      await git.addRemote({ fs, dir: work, gitdir, remote: 'origin', url: repoURL });
      const headers = await this.headers(repoURL);
      const base = { fs, http: this.http, dir: work, gitdir, url: repoURL, headers };
      try {
        await git.fetch({ ...base, ref: commit, singleBranch: true, depth: 1, tags: false });
      } catch (err) {
        const e = err as IsoGitError;
        if (e.code === 'HttpError' && e.data?.statusCode !== 400 && e.data?.statusCode !== 500) {
          throw describe(err, repoURL, 'fetching from');
        }
        // Some servers refuse to send a commit that no ref points at ("not our ref"): fetch the
        // branches and tags with their history instead and look for it there.
        try {
          await git.fetch({ ...base, singleBranch: false, tags: true });
        } catch (again) {
          throw describe(again, repoURL, 'fetching from');
        }
      }
      try {
        await git.readCommit({ fs, gitdir, oid: commit });
      } catch {
        throw new GitError(
          `commit ${commit} was not found in ${repoURL}; it may have been force-pushed away — check targetRevision`,
        );
      }
      await git.checkout({ fs, dir: work, gitdir, ref: commit, force: true });
      await rm(gitdir, { recursive: true, force: true });
      try {
        await rename(work, dir);
      } catch (err) {
        // Another checkout of the same commit finished first: its tree is identical.
        if (!(await exists(dir))) throw err;
      }
      return done;
    } catch (err) {
      throw describe(err, repoURL, 'checking out');
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
