import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/objects.js';
import type { SecretObject, Secrets } from '../../shared/core/ports.js';
import { generate } from '../../shared/cd/appset/effect-handlers.js';
import { APPSET_OWNER_ANNOTATION } from '../../shared/cd/appset/applicationset.js';
import type { ApplicationSet } from '../../shared/cd/appset/types.js';

const KEY = 'in-cluster/ApplicationSet/argocd/apps';

function appSet(spec: Partial<ApplicationSet['spec']> = {}): ApplicationSet {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'apps', namespace: 'argocd', uid: 'u1' },
    spec: {
      generators: [{ list: { elements: [{ name: 'one' }, { name: 'two' }] } }],
      template: { metadata: { name: '{{name}}' }, spec: { project: 'default' } },
      ...spec,
    },
  };
}

const app = (name: string, annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name, namespace: 'argocd', annotations },
  spec: { project: 'default' },
});

function reader(objects: Record<string, KubeObject>) {
  const reads: string[] = [];
  return {
    reads,
    get: async (key: string) => {
      reads.push(key);
      return objects[key] ?? null;
    },
  };
}

const secrets = (list: SecretObject[]): Secrets => ({
  get: async () => {
    throw new Error('not used');
  },
  listByLabel: async (selector) =>
    list.filter((s) => Object.entries(selector).every(([k, v]) => s.labels[k] === v)),
});

const input = (a: ApplicationSet, known: string[] = []) => ({
  tag: 'generate#1',
  key: KEY,
  appSet: a,
  known,
});

describe('the cd.appset.generate effect', () => {
  it.each([
    [
      'a generator that cannot run: ApplicationGenerationFromParamsError',
      appSet({ generators: [{ scmProvider: {} }] }),
      'ApplicationGenerationFromParamsError',
      /scmProvider generator is not supported/,
    ],
    [
      'a git generator without repository access',
      appSet({
        generators: [
          {
            git: {
              repoURL: 'https://g.example.com/r.git',
              revision: 'main',
              directories: [{ path: '*' }],
            },
          },
        ],
      }),
      'ApplicationGenerationFromParamsError',
      /needs repository access/,
    ],
    [
      'a template that does not render: RenderTemplateParamsError',
      appSet({
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        template: { metadata: { name: '{{ .nope }}' }, spec: {} },
      }),
      'RenderTemplateParamsError',
      /nope/,
    ],
  ])('%s', async (_name, a, reason, message) => {
    const result = await generate({ resources: reader({}) }, input(a));
    expect(result.error?.reason).toBe(reason);
    expect(result.error?.message).toMatch(message);
    expect(result.generated).toEqual([]);
  });

  it('without a lister, reads the Applications it remembers and those it generates, by key', async () => {
    const r = reader({
      'in-cluster/Application/argocd/one': app('one', { [APPSET_OWNER_ANNOTATION]: KEY }),
      'in-cluster/Application/argocd/old': app('old', { [APPSET_OWNER_ANNOTATION]: KEY }),
    });
    const result = await generate({ resources: r }, input(appSet(), ['old']));
    expect(result.generated.map((a) => a.metadata.name)).toEqual(['one', 'two']);
    expect(result.live.map((a) => a.metadata.name)).toEqual(['old', 'one']);
    expect(result.projects).toEqual(['default']);
  });

  it('with a lister, finds owned Applications by annotation or controller reference, and same-named ones', async () => {
    const listed = [
      app('one'),
      app('mine-by-annotation', { [APPSET_OWNER_ANNOTATION]: KEY }),
      {
        ...app('mine-by-reference'),
        metadata: {
          ...app('mine-by-reference').metadata,
          ownerReferences: [
            {
              apiVersion: 'argoproj.io/v1alpha1',
              kind: 'ApplicationSet',
              name: 'apps',
              controller: true,
            },
          ],
        },
      },
      app('someone-elses', { [APPSET_OWNER_ANNOTATION]: 'in-cluster/ApplicationSet/argocd/other' }),
      app('unrelated'),
    ];
    const filters: unknown[] = [];
    const result = await generate(
      {
        resources: reader({}),
        listResources: async (kind, filter) => {
          filters.push([kind, filter]);
          return listed;
        },
      },
      input(appSet()),
    );
    expect(filters).toEqual([['Application', { cluster: 'in-cluster', namespace: 'argocd' }]]);
    expect(result.live.map((a) => a.metadata.name)).toEqual([
      'one',
      'mine-by-annotation',
      'mine-by-reference',
    ]);
  });

  it('registered clusters come from cluster Secrets, without their credentials', async () => {
    const result = await generate(
      {
        resources: reader({}),
        secrets: secrets([
          {
            name: 'c1',
            namespace: 'argocd',
            labels: { 'argocd.argoproj.io/secret-type': 'cluster', env: 'prod' },
            data: {
              name: 'prod',
              server: 'https://prod.example.com',
              project: 'team',
              config: '{"bearerToken":"t0ken"}',
            },
          },
          {
            name: 'broken',
            namespace: 'argocd',
            labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
            data: { name: 'no-server' },
          },
          {
            name: 'repo',
            namespace: 'argocd',
            labels: { 'argocd.argoproj.io/secret-type': 'repository' },
            data: { url: 'https://g.example.com' },
          },
        ]),
      },
      input(
        appSet({
          generators: [{ clusters: { selector: { matchLabels: { env: 'prod' } } } }],
          template: { metadata: { name: '{{name}}-app' }, spec: { project: '{{project}}' } },
        }),
      ),
    );
    expect(result.clusters).toEqual([
      {
        name: 'prod',
        server: 'https://prod.example.com',
        labels: { 'argocd.argoproj.io/secret-type': 'cluster', env: 'prod' },
        project: 'team',
      },
    ]);
    expect(JSON.stringify(result)).not.toContain('t0ken');
    expect(result.generated.map((a) => a.metadata.name)).toEqual(['prod-app']);
    // `team` is not a stored project, and only `default` exists without being stored.
    expect(result.projects).toEqual([]);
  });
});
