import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/objects.js';
import { isDestinationPermitted, isSourcePermitted } from '../../shared/cd/project.js';
import { projectFor, projectKey } from '../../shared/cd/projects.js';
import { seedDocuments } from '../support/corpus.js';

function store(objects: KubeObject[]) {
  const byKey = new Map(
    objects.map((o) => [projectKey(o.metadata.name, o.metadata.namespace), o] as const),
  );
  const reads: string[] = [];
  return {
    reads,
    read: async (key: string) => {
      reads.push(key);
      return byKey.get(key) ?? null;
    },
  };
}

const seed = seedDocuments('appproject.yaml')[0] as unknown as KubeObject;

describe('projectFor', () => {
  it('the default project exists without being stored, allowing any source and destination', async () => {
    const { read, reads } = store([]);
    const project = await projectFor('default', read);
    expect(reads).toEqual(['in-cluster/AppProject/argocd/default']);
    expect(project?.metadata).toEqual({ name: 'default', namespace: 'argocd' });
    expect(isSourcePermitted(project!, 'https://github.com/any/repo.git').allowed).toBe(true);
    expect(
      isDestinationPermitted(project!, { server: 'https://x.example.com', namespace: 'y' }).allowed,
    ).toBe(true);
  });

  it('a stored default project wins over the built-in one', async () => {
    const narrowed: KubeObject = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'default', namespace: 'argocd' },
      spec: { sourceRepos: ['https://github.com/myorg/*'] },
    };
    const project = await projectFor('default', store([narrowed]).read);
    expect(isSourcePermitted(project!, 'https://github.com/other/x').allowed).toBe(false);
    expect(isSourcePermitted(project!, 'https://github.com/myorg/x').allowed).toBe(true);
  });

  it('the seed project is found by name in Argo CD’s namespace, with its rules', async () => {
    const project = await projectFor('production', store([seed]).read);
    expect(project?.spec.description).toBe('Production applications');
    expect(
      isDestinationPermitted(project!, {
        server: 'https://kubernetes.default.svc',
        namespace: 'production-eu',
      }).allowed,
    ).toBe(true);
    expect(
      isDestinationPermitted(project!, {
        server: 'https://kubernetes.default.svc',
        namespace: 'staging',
      }).allowed,
    ).toBe(false);
  });

  it.each([
    ['a project nobody stored', 'missing'],
    ['an empty name (Argo finds no project "")', ''],
    ['a name that cannot be a key', 'a/b'],
  ])('%s is no project', async (_what, name) => {
    expect(await projectFor(name, store([seed]).read)).toBeNull();
  });

  it('another Argo CD namespace is honoured, for default too', async () => {
    const { read, reads } = store([]);
    const project = await projectFor('default', read, 'gitops');
    expect(reads).toEqual(['in-cluster/AppProject/gitops/default']);
    expect(project?.metadata.namespace).toBe('gitops');
  });
});
