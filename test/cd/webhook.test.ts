import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../shared/core/types.js';
import type { PushEvent } from '../../shared/cd/webhook.js';
import { filesMatter, readWebhook, repoIdentity, shouldRefresh } from '../../shared/cd/webhook.js';

interface Example {
  name: string;
  examples: JsonObject[];
}
const examples = JSON.parse(
  readFileSync('node_modules/@octokit/webhooks-examples/api.github.com/index.json', 'utf8'),
) as Example[];
const pushes = examples.find((e) => e.name === 'push')!.examples;
const branchPush = pushes.find((p) => p['ref'] === 'refs/heads/master')!;
const tagPush = pushes.find((p) => p['ref'] === 'refs/tags/simple-tag')!;

const sign = (body: string, secret: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

function app(repoURL: string, targetRevision: string, extra: JsonObject = {}): JsonObject {
  return {
    metadata: { name: 'a', namespace: 'argocd', ...extra },
    spec: { source: { repoURL, targetRevision, path: 'apps/web' } },
  };
}

describe('GitHub and GitLab deliveries', () => {
  it("checks GitHub's signature with webhook.github.secret (GitHub's documented vector)", () => {
    const secret = "It's a Secret to Everybody";
    const headers = {
      'x-github-event': 'push',
      'x-hub-signature-256':
        'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    };
    // The signature is right, so the body is read (and is not a push payload).
    expect(readWebhook(headers, 'Hello, World!', { github: secret })).toMatchObject({
      status: 400,
    });
    expect(readWebhook(headers, 'Hello, World?', { github: secret })).toMatchObject({
      status: 401,
    });
    expect(readWebhook({ 'x-github-event': 'push' }, '{}', { github: secret })).toMatchObject({
      status: 401,
      rejected: expect.stringMatching(/missing X-Hub-Signature-256/),
    });
  });

  it('reads a real GitHub push: web URL, branch, default branch and changed files', () => {
    const body = JSON.stringify(branchPush);
    const outcome = readWebhook(
      { 'x-github-event': 'push', 'x-hub-signature-256': sign(body, 's') },
      body,
      { github: 's' },
    );
    expect(outcome).toEqual({
      push: {
        provider: 'github',
        webURL: 'https://github.com/Codertocat/Hello-World',
        revision: 'master',
        touchedHead: true,
        changedFiles: expect.any(Array),
      },
    });
    const tag = readWebhook({ 'x-github-event': 'push' }, JSON.stringify(tagPush), {});
    expect(tag).toMatchObject({ push: { revision: 'simple-tag', touchedHead: false } });
  });

  it('ignores other GitHub events and unknown senders', () => {
    expect(readWebhook({ 'x-github-event': 'ping' }, '{}', {})).toHaveProperty('ignored');
    expect(readWebhook({}, '{}', {})).toHaveProperty('ignored');
  });

  it('checks the GitLab token with webhook.gitlab.secret', () => {
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      project: { web_url: 'https://gitlab.com/group/sub/repo', default_branch: 'main' },
      commits: [{ added: ['a.yaml'], modified: ['b.yaml'], removed: [] }],
    });
    expect(
      readWebhook({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'nope' }, body, {
        gitlab: 't',
      }),
    ).toMatchObject({
      status: 401,
    });
    expect(
      readWebhook({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 't' }, body, { gitlab: 't' }),
    ).toEqual({
      push: {
        provider: 'gitlab',
        webURL: 'https://gitlab.com/group/sub/repo',
        revision: 'main',
        touchedHead: true,
        changedFiles: ['a.yaml', 'b.yaml'],
      },
    });
  });
});

describe('which Applications a push refreshes', () => {
  it.each([
    ['https://github.com/org/repo', 'github.com/org/repo'],
    ['https://github.com/org/repo.git', 'github.com/org/repo'],
    ['HTTPS://GitHub.com/Org/Repo/', 'github.com/org/repo'],
    ['git@github.com:org/repo.git', 'github.com/org/repo'],
    ['ssh://git@github.com/org/repo.git', 'github.com/org/repo'],
    ['ssh://git@github.com:2222/org/repo', 'github.com/org/repo'],
    ['http://user@git.local:8080/org/repo.git', 'git.local/org/repo'],
  ])('%s is %s', (url, identity) => {
    expect(repoIdentity(url)).toBe(identity);
  });

  const push: PushEvent = {
    provider: 'github',
    webURL: 'https://github.com/org/repo',
    revision: 'main',
    touchedHead: true,
    changedFiles: ['apps/web/overlays/production/kustomization.yaml'],
  };

  it.each([
    ['same repo, same branch', app('https://github.com/org/repo.git', 'main'), true],
    ['ssh spelling of the repo', app('git@github.com:org/repo.git', 'main'), true],
    ['HEAD follows the default branch', app('https://github.com/org/repo', 'HEAD'), true],
    ['empty revision follows the default branch', app('https://github.com/org/repo', ''), true],
    ['refs/heads/ prefix', app('https://github.com/org/repo', 'refs/heads/main'), true],
    ['another branch', app('https://github.com/org/repo', 'dev'), false],
    ['another repository', app('https://github.com/org/other', 'main'), false],
    ['a repository whose name extends it', app('https://github.com/org/repo-two', 'main'), false],
    [
      'manifest-generate-paths that the push touched',
      app('https://github.com/org/repo', 'main', {
        annotations: { 'argocd.argoproj.io/manifest-generate-paths': '.' },
      }),
      true,
    ],
    [
      'manifest-generate-paths that the push did not touch',
      app('https://github.com/org/repo', 'main', {
        annotations: { 'argocd.argoproj.io/manifest-generate-paths': '/other;../api' },
      }),
      false,
    ],
  ])('%s: %s', (_name, application, expected) => {
    expect(shouldRefresh(application, push)).toBe(expected);
  });

  it('HEAD does not follow a push to another branch', () => {
    expect(
      shouldRefresh(app('https://github.com/org/repo', 'HEAD'), {
        ...push,
        revision: 'dev',
        touchedHead: false,
      }),
    ).toBe(false);
  });

  it('multi-source apps match by any source', () => {
    const multi: JsonObject = {
      metadata: { name: 'm' },
      spec: {
        sources: [
          { repoURL: 'https://charts.example.com', chart: 'x', targetRevision: '1.0.0' },
          { repoURL: 'https://github.com/org/repo', targetRevision: 'main', ref: 'values' },
        ],
      },
    };
    expect(shouldRefresh(multi, push)).toBe(true);
  });

  it('manifest-generate-paths: relative to the source path, absolute from the repo root', () => {
    expect(filesMatter('.', 'apps/web', ['apps/web/a.yaml'])).toBe(true);
    expect(filesMatter('../shared', 'apps/web', ['apps/shared/x.yaml'])).toBe(true);
    expect(filesMatter('/charts', 'apps/web', ['charts/c/values.yaml'])).toBe(true);
    expect(filesMatter('/charts', 'apps/web', ['apps/web/a.yaml'])).toBe(false);
  });
});
