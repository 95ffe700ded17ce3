/**
 * Argo CD's git webhook (util/webhook/webhook.go) as pure decisions: read a GitHub or GitLab push,
 * check its signature or token, and pick the Applications to refresh: those with a source whose
 * repoURL is the pushed repository (https, ssh and `.git` spellings alike, any port) and whose
 * targetRevision is the pushed branch or tag (HEAD and an empty revision follow the default
 * branch), unless their `argocd.argoproj.io/manifest-generate-paths` annotation names paths the
 * push did not touch.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Json, JsonObject } from '../core/types.js';

export const WEBHOOK_SECRET_NAME = 'argocd-secret';
export const GITHUB_SECRET_KEY = 'webhook.github.secret';
export const GITLAB_SECRET_KEY = 'webhook.gitlab.secret';
export const MANIFEST_GENERATE_PATHS_ANNOTATION = 'argocd.argoproj.io/manifest-generate-paths';

export interface PushEvent {
  provider: 'github' | 'gitlab';
  /** The repository's web URL (GitHub html_url, GitLab web_url). */
  webURL: string;
  /** The pushed branch or tag, without refs/heads/ or refs/tags/. */
  revision: string;
  /** The push moved the default branch (what HEAD names). */
  touchedHead: boolean;
  /** Files added, modified or removed by the pushed commits. */
  changedFiles: string[];
}

export type WebhookOutcome =
  { push: PushEvent } | { ignored: string } | { rejected: string; status: 400 | 401 };

const obj = (v: Json | undefined): JsonObject =>
  v && typeof v === 'object' && !Array.isArray(v) ? v : {};
const str = (v: Json | undefined): string => (typeof v === 'string' ? v : '');

/** Argo's ParseRevision: the branch or tag a ref names. */
export function parseRevision(ref: string): string {
  for (const prefix of ['refs/heads/', 'refs/tags/'])
    if (ref.startsWith(prefix)) return ref.slice(prefix.length);
  return ref;
}

function changedFiles(payload: JsonObject): string[] {
  const files = new Set<string>();
  for (const commit of Array.isArray(payload['commits']) ? payload['commits'] : []) {
    const c = obj(commit);
    for (const field of ['added', 'modified', 'removed']) {
      const list = c[field];
      if (Array.isArray(list)) for (const f of list) if (typeof f === 'string') files.add(f);
    }
  }
  return [...files];
}

function hmacMatches(body: string, secret: string, header: string): boolean {
  const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const a = Buffer.from(expected);
  const b = Buffer.from(header);
  return a.length === b.length && timingSafeEqual(a, b);
}

function tokenMatches(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * One webhook delivery. `headers` are lower-cased (Node's). A secret that is unset (undefined or
 * empty) is not checked, as in Argo CD.
 */
export function readWebhook(
  headers: Record<string, string | string[] | undefined>,
  body: string,
  secrets: { github?: string; gitlab?: string },
): WebhookOutcome {
  const header = (name: string): string => {
    const value = headers[name];
    return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
  };
  const githubEvent = header('x-github-event');
  const gitlabEvent = header('x-gitlab-event');
  if (githubEvent) {
    if (secrets.github) {
      const signature = header('x-hub-signature-256');
      if (!signature)
        return {
          rejected: 'missing X-Hub-Signature-256: the GitHub webhook secret is set',
          status: 401,
        };
      if (!hmacMatches(body, secrets.github, signature))
        return {
          rejected: 'X-Hub-Signature-256 does not match the body signed with webhook.github.secret',
          status: 401,
        };
    }
    if (githubEvent !== 'push')
      return { ignored: `GitHub event "${githubEvent}" does not refresh applications` };
    const payload = parse(body);
    if ('rejected' in payload) return payload;
    const repository = obj(payload.json['repository']);
    const ref = str(payload.json['ref']);
    const revision = parseRevision(ref);
    return {
      push: {
        provider: 'github',
        webURL: str(repository['html_url']),
        revision,
        touchedHead: revision === str(repository['default_branch']),
        changedFiles: changedFiles(payload.json),
      },
    };
  }
  if (gitlabEvent) {
    if (secrets.gitlab && !tokenMatches(header('x-gitlab-token'), secrets.gitlab))
      return { rejected: 'X-Gitlab-Token does not match webhook.gitlab.secret', status: 401 };
    if (gitlabEvent !== 'Push Hook' && gitlabEvent !== 'Tag Push Hook')
      return { ignored: `GitLab event "${gitlabEvent}" does not refresh applications` };
    const payload = parse(body);
    if ('rejected' in payload) return payload;
    const project = obj(payload.json['project']);
    const revision = parseRevision(str(payload.json['ref']));
    return {
      push: {
        provider: 'gitlab',
        webURL: str(project['web_url']),
        revision,
        touchedHead: revision === str(project['default_branch']),
        changedFiles: changedFiles(payload.json),
      },
    };
  }
  return { ignored: 'not a GitHub (X-GitHub-Event) or GitLab (X-Gitlab-Event) delivery' };
}

function parse(body: string): { json: JsonObject } | { rejected: string; status: 400 } {
  try {
    return { json: obj(JSON.parse(body) as Json) };
  } catch (err) {
    return { rejected: `the push payload is not JSON: ${(err as Error).message}`, status: 400 };
  }
}

/**
 * `host/path` of a repository URL, lower case, whatever its spelling: https or http, ssh:// or
 * scp-like `git@host:path`, any user and port, with or without `.git` and a trailing slash.
 */
export function repoIdentity(url: string): string {
  let rest = url.trim().toLowerCase();
  rest = rest.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  rest = rest.replace(/^[^@/]*@/, '');
  // scp-like `host:path` (no digits-only port) and `host:port/path` both become `host/path`.
  rest = rest.replace(/^([^/:]+):(\d+)(?=\/)/, '$1').replace(/^([^/:]+):/, '$1/');
  rest = rest.replace(/\/+$/, '').replace(/\.git$/, '');
  return rest;
}

/** Argo's sourceRevisionHasChanged. */
export function revisionMatches(targetRevision: string | undefined, push: PushEvent): boolean {
  const target = parseRevision(targetRevision ?? '');
  if (target === '' || target === 'HEAD') return push.touchedHead;
  return target === push.revision;
}

/** Argo's GetAppRefreshPaths + appFilesHaveChanged. No annotation: every push counts. */
export function filesMatter(
  annotation: string | undefined,
  sourcePath: string,
  files: readonly string[],
): boolean {
  if (annotation === undefined || annotation.trim() === '') return true;
  const abs = (p: string) => (p.startsWith('/') ? p : `/${p}`);
  const paths = annotation
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => (p.startsWith('/') ? p : `/${joinPath(sourcePath, p)}`));
  if (paths.length === 0) return true;
  return files.some((f) => paths.some((p) => abs(f).startsWith(p)));
}

function joinPath(base: string, rel: string): string {
  const parts: string[] = [];
  for (const part of `${base}/${rel}`.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

/** Whether a push concerns an Application (object as stored: spec.source or spec.sources). */
export function shouldRefresh(app: JsonObject, push: PushEvent): boolean {
  const spec = obj(app['spec']);
  const metadata = obj(app['metadata']);
  const annotation = obj(metadata['annotations'])[MANIFEST_GENERATE_PATHS_ANNOTATION];
  const sources =
    Array.isArray(spec['sources']) && spec['sources'].length > 0
      ? spec['sources']
      : [spec['source']];
  const pushed = repoIdentity(push.webURL);
  if (pushed === '') return false;
  return sources.some((s) => {
    const source = obj(s);
    if (repoIdentity(str(source['repoURL'])) !== pushed) return false;
    if (!revisionMatches(str(source['targetRevision']), push)) return false;
    return filesMatter(
      typeof annotation === 'string' ? annotation : undefined,
      str(source['path']),
      push.changedFiles,
    );
  });
}
