import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitTree } from '../../shared/cd/appset/git-tree.js';
import { generateApplications } from '../../shared/cd/appset/render.js';
import type { ApplicationSet } from '../../shared/cd/appset/types.js';
import type { GitSource } from '../../shared/cd/ports.js';
import { tempDirs } from '../support/temp-dirs.js';

const tempDir = tempDirs('appset-git-tree');
const REPO = 'https://git.example.com/configs.git';

/** A GitSource over local directories, one per commit; `head` names the branch's commit. */
async function localSource(commits: Record<string, Record<string, string>>) {
  const dirs: Record<string, string> = {};
  for (const [commit, files] of Object.entries(commits)) {
    const dir = await tempDir();
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(dir, ...path.split('/').slice(0, -1)), { recursive: true });
      await writeFile(join(dir, ...path.split('/')), text);
    }
    dirs[commit] = dir;
  }
  const calls: string[] = [];
  const state = { head: Object.keys(commits)[0]! };
  const source: GitSource = {
    resolve: async (repoURL, revision) => {
      calls.push(`resolve ${revision}`);
      if (repoURL !== REPO) throw new Error(`repository ${repoURL} not found`);
      return state.head;
    },
    checkout: async (repoURL, commit) => {
      calls.push(`checkout ${commit}`);
      return { repoURL, commit, dir: dirs[commit]! };
    },
  };
  return { source, calls, state, dirs };
}

describe('the git generator over a checkout', () => {
  it('lists the working tree’s files, /-separated and sorted, without .git', async () => {
    const { source, dirs } = await localSource({
      c1: {
        'apps/web/kustomization.yaml': '',
        'apps/api/kustomization.yaml': '',
        '.github/workflows/ci.yaml': '',
        'README.md': '',
      },
    });
    await mkdir(join(dirs['c1']!, '.git', 'objects'), { recursive: true });
    await writeFile(join(dirs['c1']!, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await symlink('apps/web', join(dirs['c1']!, 'web-link'));
    const files = await gitTree(source).listFiles(REPO, 'main');
    expect(files).toEqual([
      '.github/workflows/ci.yaml',
      'README.md',
      'apps/api/kustomization.yaml',
      'apps/web/kustomization.yaml',
      'web-link',
    ]);
  });

  it('resolves the revision once per generation, so every file comes from one commit', async () => {
    const { source, calls } = await localSource({
      c1: { 'envs/a/config.json': '{"env":"a"}', 'envs/b/config.json': '{"env":"b"}' },
    });
    const tree = gitTree(source);
    await tree.listFiles(REPO, 'main');
    expect(await tree.readFile(REPO, 'main', 'envs/b/config.json')).toBe('{"env":"b"}');
    expect(calls).toEqual(['resolve main', 'checkout c1']);
  });

  it('a new GitTree sees a new commit', async () => {
    const { source, state } = await localSource({
      c1: { 'apps/one/x.yaml': '' },
      c2: { 'apps/one/x.yaml': '', 'apps/two/x.yaml': '' },
    });
    expect(await gitTree(source).listFiles(REPO, 'main')).toHaveLength(1);
    state.head = 'c2';
    expect(await gitTree(source).listFiles(REPO, 'main')).toHaveLength(2);
  });

  it.each(['../secret', '/etc/passwd', 'a//b'])('refuses to read %s', async (path) => {
    const { source } = await localSource({ c1: { 'a/b': '' } });
    await expect(gitTree(source).readFile(REPO, 'main', path)).rejects.toThrow(
      /relative to the repository root/,
    );
  });

  it('directories and files generators render Applications from the checkout', async () => {
    const { source } = await localSource({
      c1: {
        'apps/web/kustomization.yaml': '',
        'apps/api/kustomization.yaml': '',
        'clusters/prod/config.yaml': 'cluster: {name: prod, address: https://prod.example.com}',
      },
    });
    const appSet = (generator: object, name: string): ApplicationSet => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'from-git', namespace: 'argocd' },
      spec: {
        generators: [{ git: { repoURL: REPO, revision: 'main', ...generator } }],
        template: {
          metadata: { name },
          spec: { project: 'default', source: { repoURL: REPO, path: '{{path}}' } },
        },
      },
    });
    const dirs = await generateApplications(
      appSet({ directories: [{ path: 'apps/*' }] }, '{{path.basename}}'),
      {
        git: gitTree(source),
      },
    );
    expect(dirs.map((a) => [a.metadata.name, (a.spec['source'] as { path: string }).path])).toEqual(
      [
        ['api', 'apps/api'],
        ['web', 'apps/web'],
      ],
    );
    const files = await generateApplications(
      appSet({ files: [{ path: 'clusters/*/config.yaml' }] }, '{{cluster.name}}-{{path[0]}}'),
      { git: gitTree(source) },
    );
    expect(files.map((a) => a.metadata.name)).toEqual(['prod-clusters']);
  });

  it('an unknown repository is a generator error naming it', async () => {
    const { source } = await localSource({ c1: { a: '' } });
    await expect(
      generateApplications(
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'ApplicationSet',
          metadata: { name: 'x', namespace: 'argocd' },
          spec: {
            generators: [
              {
                git: {
                  repoURL: 'https://nope.example.com/r.git',
                  revision: 'main',
                  directories: [{ path: '*' }],
                },
              },
            ],
            template: { metadata: { name: '{{path}}' }, spec: {} },
          },
        },
        { git: gitTree(source) },
      ),
    ).rejects.toThrow(/https:\/\/nope\.example\.com\/r\.git.*not found/);
  });
});
