import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  IsomorphicGitSource,
  isSshRepoURL,
  normalizeRepoURL,
} from '../../shared/adapters/git/isomorphic-git-source.js';
import {
  findRepoCredsSecret,
  lookupRepoCredentials,
  repoCredentialsFrom,
} from '../../shared/adapters/git/repo-credentials.js';
import { GitError } from '../../shared/cd/ports.js';
import type { SecretObject, Secrets } from '../../shared/core/ports.js';
import { listFiles, startGitServer } from '../support/git-server.js';
import type { GitServer } from '../support/git-server.js';
import { tempDirs } from '../support/temp-dirs.js';

const tempDir = tempDirs('git-source');

function secretsOf(list: SecretObject[]): Secrets {
  return {
    get: () => Promise.reject(new Error('not used')),
    listByLabel: (selector) =>
      Promise.resolve(
        list.filter((s) => Object.entries(selector).every(([k, v]) => s.labels[k] === v)),
      ),
  };
}

function secret(name: string, type: string, data: Record<string, string>): SecretObject {
  return {
    name,
    namespace: 'argocd',
    labels: { 'argocd.argoproj.io/secret-type': type },
    data,
  };
}

async function rejection(p: Promise<unknown>): Promise<GitError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GitError);
  return err as GitError;
}

describe('IsomorphicGitSource against git http-backend', () => {
  let server: GitServer;
  let first: string;
  let second: string;
  let tagged: string;

  beforeAll(async () => {
    server = await startGitServer();
    first = await server.createRepo('apps', {
      'guestbook/deploy.yaml': 'kind: ConfigMap\n',
      'README.md': 'hello\n',
    });
    await server.tag('apps', 'v1.0.0');
    tagged = await server.tag('apps', 'v1.0.1', { message: 'annotated release' });
    second = await server.commit('apps', { 'guestbook/extra.yaml': 'kind: Secret\n' });
    await server.commit('apps', { 'feature.txt': 'f\n' }, { branch: 'feature' });
  });
  afterAll(() => server.stop());

  it('resolves a branch, HEAD, an empty revision and a full ref name to the branch tip', async () => {
    const source = new IsomorphicGitSource({ cacheDir: await tempDir() });
    const url = server.url('apps');
    expect(await source.resolve(url, 'main')).toBe(second);
    expect(await source.resolve(url, 'HEAD')).toBe(second);
    expect(await source.resolve(url, '')).toBe(second);
    expect(await source.resolve(url, 'refs/heads/main')).toBe(second);
    expect(await source.resolve(url, 'feature')).toBe(await server.revParse('apps', 'feature'));
  });

  it('resolves a lightweight tag and peels an annotated tag to its commit', async () => {
    const source = new IsomorphicGitSource({ cacheDir: await tempDir() });
    const url = server.url('apps');
    expect(await source.resolve(url, 'v1.0.0')).toBe(first);
    const tagObject = await server.revParse('apps', 'refs/tags/v1.0.1');
    expect(tagObject).not.toBe(tagged);
    expect(await source.resolve(url, 'v1.0.1')).toBe(tagged);
    expect(await source.resolve(url, 'refs/tags/v1.0.1')).toBe(tagged);
  });

  it('accepts a full SHA as it is, without asking the server', async () => {
    const source = new IsomorphicGitSource({ cacheDir: await tempDir() });
    const before = server.requests();
    expect(await source.resolve('http://127.0.0.1:1/none.git', first.toUpperCase())).toBe(first);
    expect(server.requests()).toBe(before);
  });

  it('a new commit changes what the branch resolves to', async () => {
    await server.createRepo('moving', { 'a.yaml': 'kind: A\n' });
    const source = new IsomorphicGitSource({ cacheDir: await tempDir() });
    const before = await source.resolve(server.url('moving'), 'main');
    const after = await server.commit('moving', { 'a.yaml': 'kind: B\n' });
    expect(after).not.toBe(before);
    expect(await source.resolve(server.url('moving'), 'main')).toBe(after);
  });

  it('an unknown revision is a GitError naming it, not a transient one', async () => {
    const source = new IsomorphicGitSource({ cacheDir: await tempDir() });
    const err = await rejection(source.resolve(server.url('apps'), 'no-such-branch'));
    expect(err.message).toContain("'no-such-branch'");
    expect(err.transient).toBe(false);
  });

  it('an unknown repository is a GitError saying it was not found', async () => {
    const source = new IsomorphicGitSource({ cacheDir: await tempDir() });
    const err = await rejection(source.resolve(server.url('missing'), 'main'));
    expect(err.message).toMatch(/not found/);
  });

  it('a short SHA is refused until that commit has been checked out, then expands', async () => {
    const source = new IsomorphicGitSource({ cacheDir: await tempDir() });
    const url = server.url('apps');
    const err = await rejection(source.resolve(url, first.slice(0, 8)));
    expect(err.message).toMatch(/full 40-character SHA/);
    await source.checkout(url, first);
    expect(await source.resolve(url, first.slice(0, 8))).toBe(first);
  });

  it('checks out the tree of a commit, not of the branch tip', async () => {
    const source = new IsomorphicGitSource({ cacheDir: await tempDir() });
    const url = server.url('apps');
    const old = await source.checkout(url, first);
    expect(old).toMatchObject({ repoURL: url, commit: first });
    expect(await listFiles(old.dir)).toEqual(['README.md', 'guestbook/deploy.yaml']);
    expect(await readFile(join(old.dir, 'guestbook/deploy.yaml'), 'utf8')).toBe(
      'kind: ConfigMap\n',
    );
    const tip = await source.checkout(url, second);
    expect(await listFiles(tip.dir)).toEqual([
      'README.md',
      'guestbook/deploy.yaml',
      'guestbook/extra.yaml',
    ]);
  });

  it('a checkout asks for that one commit only (two requests: refs, then one pack)', async () => {
    const source = new IsomorphicGitSource({ cacheDir: await tempDir() });
    const before = server.requests();
    await source.checkout(server.url('apps'), first);
    expect(server.requests() - before).toBe(2);
  });

  it('a second checkout of a commit is served from the cache, even by a new instance', async () => {
    const cacheDir = await tempDir();
    const url = server.url('apps');
    const a = await new IsomorphicGitSource({ cacheDir }).checkout(url, second);
    const before = server.requests();
    const b = await new IsomorphicGitSource({ cacheDir }).checkout(`${url}/`, second);
    expect(b.dir).toBe(a.dir);
    expect(server.requests()).toBe(before);
  });

  it('concurrent checkouts of one commit all get the same complete tree', async () => {
    const cacheDir = await tempDir();
    const url = server.url('apps');
    const sources = [0, 1, 2].map(() => new IsomorphicGitSource({ cacheDir }));
    const all = await Promise.all(sources.map((s) => s.checkout(url, second)));
    expect(new Set(all.map((c) => c.dir)).size).toBe(1);
    expect(await listFiles(all[0]!.dir)).toHaveLength(3);
  });

  it('a commit the server does not have is a GitError', async () => {
    const source = new IsomorphicGitSource({ cacheDir: await tempDir() });
    const err = await rejection(source.checkout(server.url('apps'), 'a'.repeat(40)));
    expect(err.message).toContain('a'.repeat(40));
  });

  it('ssh repositories are refused with the reason', async () => {
    const source = new IsomorphicGitSource({ cacheDir: await tempDir() });
    const err = await rejection(source.resolve('git@github.com:org/repo.git', 'main'));
    expect(err.message).toMatch(/ssh repositories are not supported here; use the https URL/);
  });
});

describe('credentials', () => {
  let server: GitServer;
  let head: string;
  beforeAll(async () => {
    server = await startGitServer({ basicAuth: { username: 'argo', password: 's3cret' } });
    head = await server.createRepo('private/apps', { 'a.yaml': 'kind: A\n' });
  });
  afterAll(() => server.stop());

  it('without credentials a private repository is an authentication GitError', async () => {
    const source = new IsomorphicGitSource({ cacheDir: await tempDir() });
    const err = await rejection(source.resolve(server.url('private/apps'), 'main'));
    expect(err.message).toMatch(/authentication required \(HTTP 401\)/);
  });

  it('with a repository Secret it resolves and checks out', async () => {
    const secrets = secretsOf([
      secret('repo', 'repository', {
        url: server.url('private/apps'),
        username: 'argo',
        password: 's3cret',
      }),
    ]);
    const source = new IsomorphicGitSource({
      cacheDir: await tempDir(),
      credentials: repoCredentialsFrom(secrets),
    });
    expect(await source.resolve(server.url('private/apps'), 'main')).toBe(head);
    const checkout = await source.checkout(server.url('private/apps'), head);
    expect(await listFiles(checkout.dir)).toEqual(['a.yaml']);
  });

  it('with a repo-creds template for the URL prefix it works too', async () => {
    const secrets = secretsOf([
      secret('wrong', 'repo-creds', {
        url: server.baseURL,
        username: 'argo',
        password: 'wrong',
      }),
      secret('longer', 'repo-creds', {
        url: `${server.baseURL}/private`,
        username: 'argo',
        password: 's3cret',
      }),
    ]);
    const source = new IsomorphicGitSource({
      cacheDir: await tempDir(),
      credentials: repoCredentialsFrom(secrets),
    });
    expect(await source.resolve(server.url('private/apps'), 'main')).toBe(head);
  });
});

describe('repository credential lookup (Argo CD Secrets)', () => {
  const url = 'https://github.com/org/repo.git';
  const cases: {
    name: string;
    secrets: SecretObject[];
    project?: string;
    want: Record<string, string> | undefined;
  }[] = [
    {
      name: 'a repository Secret matches the same URL in another spelling',
      secrets: [
        secret('r', 'repository', {
          url: 'https://GitHub.com/org/repo',
          username: 'u',
          password: 'p',
        }),
      ],
      want: { username: 'u', password: 'p' },
    },
    {
      name: 'a repository Secret for another repository does not',
      secrets: [secret('r', 'repository', { url: 'https://github.com/org/other', password: 'p' })],
      want: undefined,
    },
    {
      name: 'the longest repo-creds prefix wins',
      secrets: [
        secret('a', 'repo-creds', { url: 'https://github.com', username: 'a', password: 'a' }),
        secret('b', 'repo-creds', { url: 'https://github.com/org', username: 'b', password: 'b' }),
      ],
      want: { username: 'b', password: 'b' },
    },
    {
      name: 'a repository Secret without credentials inherits the template',
      secrets: [
        secret('r', 'repository', { url }),
        secret('t', 'repo-creds', { url: 'https://github.com/org', bearerToken: 't' }),
      ],
      want: { bearerToken: 't' },
    },
    {
      name: 'a repository Secret with credentials ignores templates',
      secrets: [
        secret('r', 'repository', { url, username: 'own', password: 'own' }),
        secret('t', 'repo-creds', { url: 'https://github.com', username: 't', password: 't' }),
      ],
      want: { username: 'own', password: 'own' },
    },
    {
      name: 'a Secret scoped to the project wins over an unscoped one',
      project: 'team',
      secrets: [
        secret('global', 'repository', { url, username: 'g', password: 'g' }),
        secret('scoped', 'repository', { url, username: 's', password: 's', project: 'team' }),
      ],
      want: { username: 's', password: 's' },
    },
  ];
  it.each(cases)('$name', async ({ secrets, project, want }) => {
    const got = await lookupRepoCredentials(secretsOf(secrets), url, project ? { project } : {});
    expect(got).toEqual(want);
  });

  it('a prefix that is not a prefix of the normalised URL is no match', () => {
    const s = [secret('a', 'repo-creds', { url: 'https://gitlab.com' })];
    expect(findRepoCredsSecret(s, url)).toBeUndefined();
  });
});

describe('repository URLs', () => {
  it.each([
    ['https://GitHub.com/Org/Repo.git', 'https://github.com/org/repo'],
    ['https://github.com/org/repo/', 'https://github.com/org/repo'],
    ['git@github.com:org/repo.git', 'git@github.com/org/repo'],
    ['ssh://git@github.com/org/repo', 'git@github.com/org/repo'],
  ])('%s normalises to %s', (url, want) => {
    expect(normalizeRepoURL(url)).toBe(want);
  });

  it.each([
    ['git@github.com:org/repo.git', true],
    ['ssh://git@github.com/org/repo', true],
    ['https://github.com/org/repo', false],
    ['https://user@github.com/org/repo', false],
  ])('%s is ssh: %s', (url, want) => {
    expect(isSshRepoURL(url)).toBe(want);
  });
});
