import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusFiles } from '../support/corpus.js';
import { parseYamlDocuments } from '../../shared/resources/yaml.js';
import {
  generateApplications,
  renderApplications,
  validateApplications,
} from '../../shared/cd/appset/render.js';
import { generateParams } from '../../shared/cd/appset/generators/index.js';
import {
  effectiveSyncPolicy,
  planAppSetChanges,
  planAppSetDeletion,
} from '../../shared/cd/appset/reconcile.js';
import { replaceString, sanitizeName, slugify } from '../../shared/cd/appset/templating.js';
import {
  doublestarMatch,
  gitPathspecMatch,
  goPathMatch,
} from '../../shared/cd/appset/generators/globs.js';
import {
  RESOURCES_FINALIZER,
  type Application,
  type ApplicationSet,
  type ApplicationSetGenerator,
  type GitTree,
  type Params,
  type RegisteredCluster,
} from '../../shared/cd/appset/types.js';

const fast = { goTemplate: false, goTemplateOptions: [] };
const goT = { goTemplate: true, goTemplateOptions: [] };

function appSet(spec: Partial<ApplicationSet['spec']>, name = 'guestbook'): ApplicationSet {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name, namespace: 'argocd', uid: 'uid-1' },
    spec: {
      generators: [],
      template: { metadata: { name: '{{name}}' }, spec: { project: 'default' } },
      ...spec,
    },
  };
}

/** An in-memory repository: path -> content. */
function memoryTree(files: Record<string, string>): GitTree & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    listFiles: async () => Object.keys(files),
    readFile: async (_repo, _rev, path) => {
      reads.push(path);
      const text = files[path];
      if (text === undefined) throw new Error(`no file ${path}`);
      return text;
    },
  };
}

const names = (apps: Application[]) => apps.map((a) => a.metadata.name);

const CLUSTERS: RegisteredCluster[] = [
  {
    name: 'prod-EU',
    server: 'https://prod.example.com',
    labels: { env: 'prod' },
    annotations: { team: 'a' },
  },
  { name: 'staging', server: 'https://staging.example.com', labels: { env: 'staging' } },
];

describe('the seed ApplicationSet', () => {
  const seed = parseYamlDocuments(
    readFileSync(
      corpusFiles('seeds').find((f) => f.endsWith('applicationset.yaml'))!,
      'utf8',
    ),
  )[0] as ApplicationSet;

  it('generates one Application per list element with the templated names, paths and destinations', async () => {
    const apps = await generateApplications(seed);
    expect(names(apps)).toEqual(['production-web-app', 'staging-web-app']);
    const [prod, staging] = apps as [Application, Application];
    expect(prod.metadata.namespace).toBe('argocd');
    expect(prod.metadata.labels).toEqual({ environment: 'prod' });
    expect(prod.spec).toMatchObject({
      project: 'default',
      source: {
        path: 'apps/web-app/overlays/prod',
        helm: { parameters: [{ name: 'replicaCount', value: '5' }] },
      },
      destination: { server: 'https://prod-cluster.example.com', namespace: 'production' },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    });
    expect(staging.spec).toMatchObject({
      source: {
        path: 'apps/web-app/overlays/staging',
        helm: { parameters: [{ name: 'replicaCount', value: '2' }] },
      },
      destination: { server: 'https://staging-cluster.example.com' },
    });
  });

  it('gives each Application the resources finalizer and the ApplicationSet as controller', async () => {
    const apps = await generateApplications(seed);
    for (const app of apps) {
      expect(app.metadata.finalizers).toEqual([RESOURCES_FINALIZER]);
      expect(app.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'ApplicationSet',
          name: 'cluster-apps',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
  });
});

describe('every ApplicationSet in the corpus', () => {
  const docs = corpusFiles('.')
    .filter((file) => /kind:\s*ApplicationSet\b/.test(readFileSync(file, 'utf8')))
    .flatMap((file) =>
      parseYamlDocuments(readFileSync(file, 'utf8'))
        .filter((d) => (d as { kind?: string }).kind === 'ApplicationSet')
        .map((d) => ({ file, appSet: d as ApplicationSet })),
    );

  it('renders, or fails saying its generator is unsupported', async () => {
    const inputs = { clusters: CLUSTERS, git: memoryTree({ 'apps/a/config.json': '{}' }) };
    let rendered = 0;
    let unsupported = 0;
    for (const { file, appSet: set } of docs) {
      try {
        const apps = await generateApplications(set, inputs);
        expect(apps.length, file).toBeGreaterThan(0);
        expect(validateApplications(set, apps).invalid, file).toEqual([]);
        rendered++;
      } catch (err) {
        expect((err as Error).message, file).toMatch(/is not supported/);
        unsupported++;
      }
    }
    expect(docs.length).toBeGreaterThan(0);
    // Counts as of writing: 1 ApplicationSet (the seed), rendered.
    expect({ rendered, unsupported }).toEqual({ rendered: docs.length, unsupported: 0 });
  });
});

describe('fasttemplate (goTemplate off)', () => {
  const params: Params = { name: 'web', 'values.env': 'prod', n: 5, nested: { a: 'b' } };
  it.each([
    ['{{name}}', 'web'],
    ['{{ name }}-x', 'web-x'],
    ['{{values.env}}/{{name}}', 'prod/web'],
    ['{{missing}}', '{{missing}}'],
    ['{{ missing }}', '{{ missing }}'],
    ['{{n}}', '{{n}}'],
    ['{{nested}}', '{{nested}}'],
    ['{{}}', '{{}}'],
    ['plain', 'plain'],
    ['{{name\n}}', '{{name\n}}'],
  ])('%j -> %j', (tmpl, want) => {
    expect(replaceString(tmpl, params, fast)).toBe(want);
  });

  it('fails on an opening tag without its end when the string is templated', () => {
    expect(() => replaceString('{{name}} {{oops', params, fast)).toThrow(/cannot find end tag/);
  });
});

describe('goTemplate', () => {
  const params: Params = {
    name: 'Web App',
    path: { basename: 'guest-book', segments: ['a', 'b'] },
  };
  it.each([
    ['{{.name}}', 'Web App'],
    ['{{.path.basename}}', 'guest-book'],
    ['{{index .path.segments 1}}', 'b'],
    ['{{.name | normalize}}', 'web-app'],
    ['{{slugify .name}}', 'web-app'],
    ['{{.path | toYaml}}', 'basename: guest-book\nsegments:\n  - a\n  - b'],
    ['{{.missing}}', '<no value>'],
    ['{{.name | upper}}', 'WEB APP'],
  ])('%j -> %j', (tmpl, want) => {
    expect(replaceString(tmpl, params, goT)).toBe(want);
  });

  it('fails on a missing key with missingkey=error', () => {
    const strict = { goTemplate: true, goTemplateOptions: ['missingkey=error'] };
    expect(() => replaceString('{{.missing}}', params, strict)).toThrow(
      /map has no entry for key "missing"/,
    );
    expect(replaceString('{{.path.basename}}', params, strict)).toBe('guest-book');
  });

  it('rejects an unknown template option', () => {
    expect(() =>
      replaceString('x', params, { goTemplate: true, goTemplateOptions: ['nope'] }),
    ).toThrow(/goTemplateOptions: unrecognized option "nope"/);
  });
});

describe('name normalisation', () => {
  it.each([
    ['Prod_EU', 'prod-eu'],
    ['-a.b-', 'a.b'],
    ['x'.repeat(300), 'x'.repeat(253)],
  ])('sanitizeName(%j)', (input, want) => expect(sanitizeName(input)).toBe(want));

  it.each([
    [['Hello World.Example'], 'hello-world-example'],
    [[10, true, 'aaaa-bbbb-cccc'], 'aaaa-bbbb'],
    [[10, false, 'aaaa-bbbb-cccc'], 'aaaa-bbbb-'],
  ])('slugify(%j)', (args, want) => expect(slugify(...args)).toBe(want));
});

describe('list generator', () => {
  it('takes nested values as values.<key> without goTemplate', async () => {
    const set = appSet({
      generators: [{ list: { elements: [{ name: 'a', values: { env: 'dev' } }] } }],
      template: { metadata: { name: '{{name}}-{{values.env}}' }, spec: { project: 'default' } },
    });
    expect(names(await generateApplications(set))).toEqual(['a-dev']);
  });

  it('refuses a non-string value without goTemplate, naming the field', async () => {
    const set = appSet({ generators: [{ list: { elements: [{ name: 'a', replicas: 3 }] } }] });
    await expect(generateApplications(set)).rejects.toThrow(
      /spec\.generators\[0\]\.list\.elements\[0\]\.replicas: 3 is not a string/,
    );
  });

  it('passes elements as they are with goTemplate, then appends elementsYaml', async () => {
    const set = appSet({
      goTemplate: true,
      generators: [
        {
          list: {
            elements: [{ name: 'a', replicas: 3 }],
            elementsYaml: '- name: b\n  replicas: 4\n',
          },
        },
      ],
      template: {
        metadata: { name: '{{.name}}-{{.replicas}}' },
        spec: { project: 'default' },
      },
    });
    expect(names(await generateApplications(set))).toEqual(['a-3', 'b-4']);
  });
});

describe('cluster generator', () => {
  const gen = (g: ApplicationSetGenerator['clusters'], goTemplate = false) =>
    generateParams(appSet({ goTemplate, generators: [{ clusters: g }] }), { clusters: CLUSTERS });

  it('gives every registered cluster and then the home cluster when the selector is empty', async () => {
    const [res] = await gen({});
    expect(res!.params).toEqual([
      {
        name: 'prod-EU',
        nameNormalized: 'prod-eu',
        server: 'https://prod.example.com',
        project: '',
        'metadata.annotations.team': 'a',
        'metadata.labels.env': 'prod',
        'metadata.labels.argocd.argoproj.io/secret-type': 'cluster',
      },
      {
        name: 'staging',
        nameNormalized: 'staging',
        server: 'https://staging.example.com',
        project: '',
        'metadata.labels.env': 'staging',
        'metadata.labels.argocd.argoproj.io/secret-type': 'cluster',
      },
      {
        name: 'in-cluster',
        nameNormalized: 'in-cluster',
        server: 'https://kubernetes.default.svc',
        project: '',
      },
    ]);
  });

  it.each([
    [{ matchLabels: { env: 'prod' } }, ['prod-EU']],
    [
      { matchExpressions: [{ key: 'env', operator: 'In' as const, values: ['prod', 'staging'] }] },
      ['prod-EU', 'staging'],
    ],
    [
      { matchExpressions: [{ key: 'env', operator: 'NotIn' as const, values: ['prod'] }] },
      ['staging'],
    ],
    [
      { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' as const }] },
      ['prod-EU', 'staging'],
    ],
  ])('selector %j leaves out the home cluster', async (selector, want) => {
    const [res] = await gen({ selector });
    expect(res!.params.map((p) => p['name'])).toEqual(want);
  });

  it('does not add the home cluster when a registered cluster already points at it', async () => {
    const [res] = await generateParams(appSet({ generators: [{ clusters: {} }] }), {
      clusters: [{ name: 'local', server: 'https://kubernetes.default.svc' }],
    });
    expect(res!.params.map((p) => p['name'])).toEqual(['local']);
  });

  it('templates values with the cluster parameters, flat or nested', async () => {
    const [flat] = await gen({
      selector: { matchLabels: { env: 'staging' } },
      values: { rev: '{{name}}-head' },
    });
    expect(flat!.params[0]!['values.rev']).toBe('staging-head');
    const [nested] = await gen(
      { selector: { matchLabels: { env: 'prod' } }, values: { rev: '{{.metadata.labels.env}}' } },
      true,
    );
    expect(nested!.params[0]).toMatchObject({
      metadata: { labels: { env: 'prod' }, annotations: { team: 'a' } },
      values: { rev: 'prod' },
    });
  });

  it('gives all clusters as one parameter set with flatList', async () => {
    const [res] = await gen({ flatList: true }, true);
    expect(res!.params).toHaveLength(1);
    expect((res!.params[0]!['clusters'] as Params[]).map((c) => c['name'])).toEqual([
      'prod-EU',
      'staging',
      'in-cluster',
    ]);
  });
});

describe('path patterns', () => {
  it.each([
    ['apps/*', 'apps/a', true],
    ['apps/*', 'apps/a/b', false],
    ['apps/?', 'apps/a', true],
    ['apps/[a-c]', 'apps/b', true],
    ['apps/[^a-c]', 'apps/b', false],
    ['apps/[', 'apps/[', false],
  ])('Go path.Match(%j, %j) = %s', (p, n, want) => expect(goPathMatch(p, n)).toBe(want));

  it.each([
    ['cluster-config/**/config.json', 'cluster-config/eng/dev/config.json', true],
    ['cluster-config/*/config.json', 'cluster-config/eng/dev/config.json', true],
    ['cluster-config', 'cluster-config/eng/config.json', true],
    ['*.json', 'a/b.json', true],
    ['a/b.json', 'a/b.json5', false],
  ])('git pathspec %j matches %j: %s', (p, n, want) => expect(gitPathspecMatch(p, n)).toBe(want));

  it.each([
    ['cluster-config/**/config.json', 'cluster-config/config.json', true],
    ['cluster-config/**/config.json', 'cluster-config/eng/dev/config.json', true],
    ['cluster-config/*/config.json', 'cluster-config/eng/dev/config.json', false],
    ['apps/{a,b}/*.yaml', 'apps/b/x.yaml', true],
  ])('doublestar %j matches %j: %s', (p, n, want) => expect(doublestarMatch(p, n)).toBe(want));
});

describe('git generator', () => {
  const repo = memoryTree({
    'apps/guestbook/kustomization.yaml': '',
    'apps/helm-guestbook/Chart.yaml': '',
    'apps/excluded/Chart.yaml': '',
    'apps/guestbook/nested/x.yaml': '',
    '.github/workflows/ci.yaml': '',
    'README.md': '',
    'cluster-config/engineering/dev/config.json':
      '{"cluster": {"owner": "a@b.c", "name": "engineering-dev", "address": "https://1.2.3.4"}, "replicas": 1000000}',
    'cluster-config/engineering/prod/config.json':
      '{"cluster": {"owner": "a@b.c", "name": "engineering-prod", "address": "https://5.6.7.8"}}',
    'lists/many.yaml': '- name: one\n- name: two\n',
    'lists/empty.yaml': '',
  });
  const git = (g: Partial<NonNullable<ApplicationSetGenerator['git']>>, goTemplate = false) =>
    generateParams(
      appSet({
        goTemplate,
        generators: [{ git: { repoURL: 'https://git.example/r.git', revision: 'HEAD', ...g } }],
      }),
      { git: repo },
    );

  it('lists directories matching a pattern, minus excluded ones, with path parameters', async () => {
    const [res] = await git({
      directories: [{ path: 'apps/*' }, { path: 'apps/excluded', exclude: true }],
    });
    expect(res!.params).toEqual([
      {
        path: 'apps/guestbook',
        'path.basename': 'guestbook',
        'path.basenameNormalized': 'guestbook',
        'path[0]': 'apps',
        'path[1]': 'guestbook',
      },
      {
        path: 'apps/helm-guestbook',
        'path.basename': 'helm-guestbook',
        'path.basenameNormalized': 'helm-guestbook',
        'path[0]': 'apps',
        'path[1]': 'helm-guestbook',
      },
    ]);
  });

  it('excludes a directory even when another pattern includes it', async () => {
    const [res] = await git({
      directories: [{ path: 'apps/excluded', exclude: true }, { path: 'apps/*' }],
    });
    expect(res!.params.map((p) => p['path'])).toEqual(['apps/guestbook', 'apps/helm-guestbook']);
  });

  it('skips hidden directories', async () => {
    const [res] = await git({ directories: [{ path: '*' }, { path: '*/*' }] });
    expect(res!.params.map((p) => p['path'])).toEqual([
      'apps',
      'apps/excluded',
      'apps/guestbook',
      'apps/helm-guestbook',
      'cluster-config',
      'cluster-config/engineering',
      'lists',
    ]);
  });

  it('gives nested path parameters with goTemplate and a pathParamPrefix', async () => {
    const [res] = await git(
      { directories: [{ path: 'apps/guestbook' }], pathParamPrefix: 'src' },
      true,
    );
    expect(res!.params).toEqual([
      {
        src: {
          path: {
            path: 'apps/guestbook',
            basename: 'guestbook',
            basenameNormalized: 'guestbook',
            segments: ['apps', 'guestbook'],
          },
        },
      },
    ]);
  });

  it('flattens the files it reads, values printed as Go prints them', async () => {
    const [res] = await git({ files: [{ path: 'cluster-config/**/config.json' }] });
    expect(res!.params[0]).toEqual({
      'cluster.owner': 'a@b.c',
      'cluster.name': 'engineering-dev',
      'cluster.address': 'https://1.2.3.4',
      replicas: '1e+06',
      path: 'cluster-config/engineering/dev',
      'path.basename': 'dev',
      'path.basenameNormalized': 'dev',
      'path.filename': 'config.json',
      'path.filenameNormalized': 'config.json',
      'path[0]': 'cluster-config',
      'path[1]': 'engineering',
      'path[2]': 'dev',
    });
    expect(res!.params).toHaveLength(2);
  });

  it('keeps file content nested with goTemplate', async () => {
    const [res] = await git(
      { files: [{ path: 'cluster-config/engineering/prod/config.json' }] },
      true,
    );
    expect(res!.params[0]).toMatchObject({
      cluster: { name: 'engineering-prod' },
      path: {
        path: 'cluster-config/engineering/prod',
        filename: 'config.json',
        segments: ['cluster-config', 'engineering', 'prod'],
      },
    });
  });

  it('gives one parameter set per list item, and one for an empty file', async () => {
    const [res] = await git({ files: [{ path: 'lists/*.yaml' }] });
    expect(res!.params.map((p) => [p['path.filename'], p['name']])).toEqual([
      ['empty.yaml', undefined],
      ['many.yaml', 'one'],
      ['many.yaml', 'two'],
    ]);
  });

  it('drops files matched by an exclude pattern', async () => {
    const [res] = await git({
      files: [
        { path: 'cluster-config/**/config.json' },
        { path: 'cluster-config/*/prod/*', exclude: true },
      ],
    });
    expect(res!.params.map((p) => p['cluster.name'])).toEqual(['engineering-dev']);
  });

  it('reports a file it cannot parse, naming file and repository', async () => {
    const bad = memoryTree({ 'a.yaml': 'just a string' });
    await expect(
      generateParams(
        appSet({
          generators: [{ git: { repoURL: 'r', revision: 'HEAD', files: [{ path: 'a.yaml' }] } }],
        }),
        { git: bad },
      ),
    ).rejects.toThrow(/unable to process file 'a\.yaml' from repository 'r'/);
  });
});

describe('matrix generator', () => {
  const repo = memoryTree({ 'apps/a/x.yaml': '', 'apps/b/x.yaml': '' });

  it('gives the cartesian product of its two children', async () => {
    const set = appSet({
      generators: [
        {
          matrix: {
            generators: [
              { git: { repoURL: 'r', revision: 'HEAD', directories: [{ path: 'apps/*' }] } },
              { clusters: { selector: { matchLabels: { env: 'prod' } } } },
            ],
          },
        },
      ],
      template: { metadata: { name: '{{path.basename}}-{{name}}' }, spec: { project: 'default' } },
    });
    expect(names(await generateApplications(set, { git: repo, clusters: CLUSTERS }))).toEqual([
      'a-prod-EU',
      'b-prod-EU',
    ]);
  });

  it("lets the second child use the first child's parameters", async () => {
    const set = appSet({
      goTemplate: true,
      generators: [
        {
          matrix: {
            generators: [
              { git: { repoURL: 'r', revision: 'HEAD', directories: [{ path: 'apps/*' }] } },
              { list: { elements: [{ app: '{{.path.basename}}-svc' }] } },
            ],
          },
        },
      ],
      template: { metadata: { name: '{{.app}}' }, spec: { project: 'default' } },
    });
    expect(names(await generateApplications(set, { git: repo }))).toEqual(['a-svc', 'b-svc']);
  });

  it("keeps a second child's values that name its own parameters for it to resolve", async () => {
    const set = appSet({
      goTemplate: true,
      generators: [
        {
          matrix: {
            generators: [
              { list: { elements: [{ env: 'prod' }] } },
              {
                clusters: {
                  selector: { matchLabels: { env: 'prod' } },
                  values: { id: '{{.env}}-x', own: '{{.name}}' },
                },
              },
            ],
          },
        },
      ],
      template: { metadata: { name: 'x' }, spec: { project: 'default' } },
    });
    const [res] = await generateParams(set, { clusters: CLUSTERS });
    expect(res!.params[0]).toMatchObject({
      env: 'prod',
      name: 'prod-EU',
      values: { id: 'prod-x', own: 'prod-EU' },
    });
  });

  it('fails when the two children give one key different values (without goTemplate)', async () => {
    const set = appSet({
      generators: [
        {
          matrix: {
            generators: [
              { list: { elements: [{ name: 'a' }] } },
              { list: { elements: [{ name: 'b' }] } },
            ],
          },
        },
      ],
    });
    await expect(generateApplications(set)).rejects.toThrow(
      /found duplicate key name with different value, a: a ,b: b/,
    );
  });

  it.each([1, 3])('refuses %i children', async (n) => {
    const set = appSet({
      generators: [
        {
          matrix: {
            generators: Array.from({ length: n }, () => ({ list: { elements: [{ name: 'a' }] } })),
          },
        },
      ],
    });
    await expect(generateApplications(set)).rejects.toThrow(/Matrix support only two/);
  });

  it('refuses a matrix nested two levels deep', async () => {
    const inner = { list: { elements: [{ name: 'a' }] } };
    const set = appSet({
      generators: [
        {
          matrix: {
            generators: [
              inner,
              { matrix: { generators: [inner, { matrix: { generators: [inner, inner] } }] } },
            ],
          },
        },
      ],
    });
    await expect(generateApplications(set)).rejects.toThrow(/nested only one level/);
  });
});

describe('merge generator', () => {
  it('overrides base parameter sets that share the merge keys, ignoring unmatched later sets', async () => {
    const set = appSet({
      generators: [
        {
          merge: {
            mergeKeys: ['server'],
            generators: [
              { clusters: { values: { kafka: 'true' } } },
              {
                list: {
                  elements: [
                    { server: 'https://staging.example.com', 'values.kafka': 'false' },
                    { server: 'https://nowhere' },
                  ],
                },
              },
            ],
          },
        },
      ],
      template: { metadata: { name: '{{name}}-{{values.kafka}}' }, spec: { project: 'default' } },
    });
    expect(names(await generateApplications(set, { clusters: CLUSTERS }))).toEqual([
      'prod-EU-true',
      'staging-false',
      'in-cluster-true',
    ]);
  });

  it('refuses param sets that are not unique by the merge keys', async () => {
    const set = appSet({
      generators: [
        {
          merge: {
            mergeKeys: ['env'],
            generators: [
              { list: { elements: [{ env: 'a' }, { env: 'a' }] } },
              { list: { elements: [] } },
            ],
          },
        },
      ],
    });
    await expect(generateApplications(set)).rejects.toThrow(
      /not unique by the given mergeKeys.*\{"env":"a"\}/,
    );
  });

  it('refuses an empty mergeKeys', async () => {
    const set = appSet({
      generators: [
        {
          merge: {
            mergeKeys: [],
            generators: [{ list: { elements: [] } }, { list: { elements: [] } }],
          },
        },
      ],
    });
    await expect(generateApplications(set)).rejects.toThrow(/no merge keys were specified/);
  });
});

describe('generator selector and unsupported generators', () => {
  it('post-filters parameter sets by their flattened values', async () => {
    const set = appSet({
      goTemplate: true,
      generators: [
        {
          list: {
            elements: [
              { name: 'a', meta: { tier: 'web' } },
              { name: 'b', meta: { tier: 'db' } },
            ],
          },
          selector: { matchLabels: { 'meta.tier': 'web' } },
        },
      ],
      template: { metadata: { name: '{{.name}}' }, spec: { project: 'default' } },
    });
    expect(names(await generateApplications(set))).toEqual(['a']);
  });

  it.each(['scmProvider', 'pullRequest', 'clusterDecisionResource', 'plugin'])(
    '%s is refused, naming the generator',
    async (kind) => {
      const set = appSet({ generators: [{ [kind]: {} } as ApplicationSetGenerator] });
      await expect(generateApplications(set)).rejects.toThrow(
        new RegExp(`spec\\.generators\\[0\\]\\.${kind}: the ${kind} generator is not supported`),
      );
    },
  );

  it('refuses an unsupported generator inside a matrix too', async () => {
    const set = appSet({
      generators: [
        { matrix: { generators: [{ list: { elements: [{ name: 'a' }] } }, { plugin: {} }] } },
      ],
    });
    await expect(generateApplications(set)).rejects.toThrow(
      /matrix\.generators\[1\]\.plugin: the plugin generator is not supported/,
    );
  });

  it('refuses an unrecognized generator', async () => {
    const set = appSet({ generators: [{ lists: {} } as unknown as ApplicationSetGenerator] });
    await expect(generateApplications(set)).rejects.toThrow(/unrecognized generator "lists"/);
  });
});

describe('rendering', () => {
  it('leaves the resources finalizer out when preserving resources on deletion', () => {
    const set = appSet({ syncPolicy: { preserveResourcesOnDeletion: true } });
    const [app] = renderApplications(set, [{ name: 'a' }]);
    expect(app!.metadata.finalizers).toBeUndefined();
  });

  it("keeps the template's own finalizers instead of adding the resources finalizer", () => {
    const set = appSet({
      template: {
        metadata: { name: '{{name}}', finalizers: ['x/{{name}}'] },
        spec: { project: 'default' },
      },
    });
    expect(renderApplications(set, [{ name: 'a' }])[0]!.metadata.finalizers).toEqual(['x/a']);
  });

  it('returns the template untouched for an empty parameter set, as Argo does', () => {
    const set = appSet({});
    const [app] = renderApplications(set, [{}]);
    expect(app!.metadata.name).toBe('{{name}}');
    expect(app!.metadata.finalizers).toBeUndefined();
  });

  it('templates map keys as well as values, and forces the ApplicationSet namespace', () => {
    const set = appSet({
      template: {
        metadata: {
          name: '{{name}}',
          namespace: 'elsewhere',
          annotations: { 'team/{{name}}': 'owner-{{name}}' },
        },
        spec: { project: 'default' },
      },
    });
    const [app] = renderApplications(set, [{ name: 'a' }]);
    expect(app!.metadata.annotations).toEqual({ 'team/a': 'owner-a' });
    expect(app!.metadata.namespace).toBe('argocd');
  });

  it("uses a generator's own template over the ApplicationSet's", async () => {
    const set = appSet({
      generators: [
        {
          list: {
            elements: [{ name: 'a' }],
            template: {
              metadata: {},
              spec: { project: 'special', destination: { namespace: '{{name}}' } },
            },
          },
        },
      ],
    });
    const [app] = await generateApplications(set);
    expect(app!.metadata.name).toBe('a');
    expect(app!.spec).toEqual({ project: 'special', destination: { namespace: 'a' } });
  });

  it('applies templatePatch but never lets it change the project', () => {
    const set = appSet({
      goTemplate: true,
      template: { metadata: { name: '{{.name}}' }, spec: { project: 'default' } },
      templatePatch: 'spec:\n  project: hijack\n  source:\n    path: "{{.name}}/overlay"\n',
    });
    const [app] = renderApplications(set, [{ name: 'a' }]);
    expect(app!.spec).toEqual({ project: 'default', source: { path: 'a/overlay' } });
  });

  it('names an invalid Application: no name, or a duplicated name (every copy)', () => {
    const set = appSet({});
    const apps = renderApplications(set, [
      { name: 'a' },
      { name: 'b' },
      { name: 'a' },
      { name: '' },
    ]);
    const result = validateApplications(set, apps);
    expect(names(result.valid)).toEqual(['b']);
    expect(result.invalid.map((i) => i.name)).toEqual(['', 'a']);
    expect(result.conditionMessage).toBe(
      'ApplicationSet guestbook contains applications with duplicate name: a (and 1 more)',
    );
  });

  it('fails on a missing key with goTemplateOptions missingkey=error', async () => {
    const set = appSet({
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ list: { elements: [{ name: 'a' }] } }],
      template: { metadata: { name: '{{.nope}}' }, spec: { project: 'default' } },
    });
    await expect(generateApplications(set)).rejects.toThrow(/map has no entry for key "nope"/);
  });
});

function app(
  name: string,
  extra: Partial<Application['metadata']> = {},
  spec: Application['spec'] = { project: 'default' },
): Application {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd', ...extra },
    spec,
  };
}

describe('planning the writes', () => {
  const desired = [app('a', {}, { project: 'new' }), app('b')];
  const existing = [
    app('a', {}, { project: 'old' }),
    app('c', { finalizers: [RESOURCES_FINALIZER] }),
  ];

  it.each([
    ['create-only', ['b'], [], []],
    ['create-update', ['b'], ['a'], []],
    ['create-delete', ['b'], [], ['c']],
    ['sync', ['b'], ['a'], ['c']],
  ] as const)('%s creates %j, updates %j, deletes %j', (policy, create, update, del) => {
    const plan = planAppSetChanges(desired, existing, { applicationsSync: policy });
    expect(names(plan.create)).toEqual(create);
    expect(names(plan.update)).toEqual(update);
    expect(plan.delete.map((d) => d.application.metadata.name)).toEqual(del);
  });

  it('does not update an Application that already matches', () => {
    const plan = planAppSetChanges([app('a')], [app('a')]);
    expect(plan.update).toEqual([]);
  });

  it('keeps preserved annotations and labels and the hook finalizers of the live Application', () => {
    const live = app('a', {
      annotations: { 'argocd.argoproj.io/refresh': 'hard', keep: '1', drop: '1' },
      labels: { team: 'x' },
      finalizers: ['pre-delete-finalizer.argocd.argoproj.io/cleanup', 'other'],
      uid: 'u',
    });
    const plan = planAppSetChanges(
      [app('a', { finalizers: [RESOURCES_FINALIZER] }, { project: 'p' })],
      [live],
      { preservedFields: { annotations: ['keep'], labels: ['team'] } },
    );
    expect(plan.update[0]!.metadata).toEqual({
      name: 'a',
      namespace: 'argocd',
      uid: 'u',
      annotations: { 'argocd.argoproj.io/refresh': 'hard', keep: '1' },
      labels: { team: 'x' },
      finalizers: [RESOURCES_FINALIZER, 'pre-delete-finalizer.argocd.argoproj.io/cleanup'],
    });
    expect(plan.update[0]!.spec).toEqual({ project: 'p' });
  });

  it('does not delete an Application whose generated version is invalid', () => {
    const plan = planAppSetChanges([], [app('a')], {}, ['a']);
    expect(plan.delete).toEqual([]);
  });

  it('deletes without the resources finalizer when preserving resources', () => {
    const plan = planAppSetChanges([], [app('c', { finalizers: [RESOURCES_FINALIZER, 'x'] })], {
      preserveResourcesOnDeletion: true,
    });
    expect(plan.delete[0]!.removeFinalizers).toEqual([RESOURCES_FINALIZER]);
    expect(plan.delete[0]!.application.metadata.finalizers).toEqual(['x']);
  });

  it.each([
    [{ server: 'https://gone.example.com' }, [RESOURCES_FINALIZER]],
    [{ name: 'gone' }, [RESOURCES_FINALIZER]],
    [{ server: 'https://staging.example.com' }, []],
    [{ name: 'prod-EU' }, []],
    [{ server: 'https://kubernetes.default.svc' }, []],
  ])('an Application bound for %j loses finalizers %j before deletion', (destination, removed) => {
    const plan = planAppSetChanges(
      [],
      [app('c', { finalizers: [RESOURCES_FINALIZER] }, { project: 'default', destination })],
      { clusters: CLUSTERS },
    );
    expect(plan.delete[0]!.removeFinalizers).toEqual(removed);
  });

  it.each([
    [undefined, undefined, 'create-only', 'create-only'],
    [undefined, undefined, undefined, 'sync'],
    ['create-update', undefined, 'create-only', 'create-update'],
    ['create-update', true, 'create-only', 'create-only'],
    [undefined, false, 'create-only', 'sync'],
  ] as const)(
    'controller policy %s, override %s, ApplicationSet %s -> %s',
    (policy, enablePolicyOverride, own, want) => {
      const set = appSet({ syncPolicy: own ? { applicationsSync: own } : undefined });
      expect(effectiveSyncPolicy(set, { policy, enablePolicyOverride })).toBe(want);
    },
  );

  it('deleting the ApplicationSet deletes its Applications, or orphans them when the policy forbids deletion', () => {
    const owned = [app('a', { ownerReferences: [{ kind: 'ApplicationSet', name: 'guestbook' }] })];
    expect(planAppSetDeletion(owned, 'sync')).toEqual({ delete: owned, orphan: [] });
    const kept = planAppSetDeletion(owned, 'create-only');
    expect(kept.delete).toEqual([]);
    expect(kept.orphan[0]!.metadata.ownerReferences).toBeUndefined();
  });
});
