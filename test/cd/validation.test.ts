/**
 * Applications, ApplicationSets and AppProjects are checked when applied: what Argo CD's API
 * server refuses (and needs no cluster or repository to decide) is an error naming the field
 * path, fields the CRD does not know are warnings naming the path, what we cannot run is refused
 * by name, and every Argo CD manifest of the corpus is accepted or refused with a reason.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../shared/core/types.js';
import { parseYamlDocuments } from '../../shared/resources/yaml.js';
import { validateObject, type Validation } from '../../shared/resources/validate-object.js';
import { checkCdSchema, CD_SCHEMA_KINDS } from '../../shared/cd/schema.js';
import { asApplication, DEFAULT_REVISION_HISTORY_LIMIT } from '../../shared/cd/types.js';
import { backoffDurationSeconds, registerCdValidators } from '../../shared/cd/validation.js';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const SEEDS = join(CORPUS, 'seeds');
const CD_KINDS = new Set(['Application', 'ApplicationSet', 'AppProject']);

const seed = (file: string): Doc =>
  parseYamlDocuments(readFileSync(join(SEEDS, file), 'utf8'))[0] as Doc;

const errorsOf = (v: Validation): string[] => v.errors.map((e) => `${e.path}: ${e.message}`);

beforeAll(() => registerCdValidators());

function* yamlFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* yamlFiles(path);
    else if (/\.ya?ml$/.test(entry)) yield path;
  }
}

describe('the corpus', () => {
  it('every Application, ApplicationSet and AppProject is accepted, or refused with a reason', () => {
    const counts: Record<string, { accepted: number; refused: number }> = {};
    for (const file of yamlFiles(CORPUS)) {
      let docs: unknown[];
      try {
        docs = parseYamlDocuments(readFileSync(file, 'utf8'));
      } catch {
        continue; // Helm templates and other non-YAML: not manifests of our kinds.
      }
      for (const doc of docs) {
        const kind = (doc as Doc | null)?.['kind'];
        if (typeof kind !== 'string' || !CD_KINDS.has(kind)) continue;
        const result = validateObject(doc);
        const entry = (counts[kind] ??= { accepted: 0, refused: 0 });
        if (result.object) entry.accepted++;
        else {
          entry.refused++;
          for (const e of result.errors) expect(e.message, `${file}: ${e.path}`).not.toBe('');
        }
      }
    }
    console.log('Argo CD kinds in the corpus:', JSON.stringify(counts));
    // The corpus holds one of each, the seeds, and all three must be accepted.
    expect(counts).toEqual({
      Application: { accepted: 1, refused: 0 },
      ApplicationSet: { accepted: 1, refused: 0 },
      AppProject: { accepted: 1, refused: 0 },
    });
  });

  it.each(['application.yaml', 'applicationset.yaml', 'appproject.yaml'])(
    'the seed %s is valid, with no warnings',
    (file) => {
      const result = validateObject(seed(file));
      expect(errorsOf(result)).toEqual([]);
      expect(result.warnings).toEqual([]);
      expect(result.object).toBeDefined();
    },
  );

  it('a validated seed Application reads as the typed Application', () => {
    const app = asApplication(validateObject(seed('application.yaml')).object!);
    expect(app.spec.destination.server).toBe('https://kubernetes.default.svc');
    expect(app.spec.syncPolicy?.retry?.backoff?.maxDuration).toBe('3m');
    expect(app.spec.revisionHistoryLimit).toBe(DEFAULT_REVISION_HISTORY_LIMIT);
  });
});

// ---------------------------------------------------------------------------------------------

const app = (edit: (spec: Doc, doc: Doc) => void): Doc => {
  const doc = seed('application.yaml');
  edit(doc['spec'], doc);
  return doc;
};

describe('Application rules', () => {
  const refused: [string, Doc, string][] = [
    [
      'a destination needs a server or a name',
      app((s) => delete s.destination.server),
      'spec.destination: one of server or name is required',
    ],
    [
      'a destination cannot have both a server and a name',
      app((s) => (s.destination.name = 'in-cluster')),
      "spec.destination: application destination can't have both name and server defined: in-cluster https://kubernetes.default.svc",
    ],
    ['the destination is required', app((s) => delete s.destination), 'spec.destination: required'],
    ['the project is required', app((s) => delete s.project), 'spec.project: required'],
    [
      'a source is required',
      app((s) => delete s.source),
      'spec.source: required: give spec.source (or spec.sources)',
    ],
    [
      'a source needs a repoURL',
      app((s) => delete s.source.repoURL),
      'spec.source.repoURL: required',
    ],
    [
      'an empty repoURL is refused',
      app((s) => (s.source.repoURL = '')),
      'spec.source.repoURL: required',
    ],
    [
      'a source needs a path or a chart',
      app((s) => delete s.source.path),
      'spec.source.path: required unless spec.source.chart is set',
    ],
    [
      'a chart needs a targetRevision',
      app((s) => {
        s.source = { repoURL: 'https://charts.example.com', chart: 'web' };
      }),
      'spec.source.targetRevision: required when spec.source.chart is set',
    ],
    [
      'one source type at most (Argo names them Kustomize, Helm, Directory, Plugin)',
      app((s) => (s.source.helm = { releaseName: 'web' })),
      'spec.source: multiple application sources defined: Kustomize,Helm',
    ],
    [
      'config management plugins are refused by name',
      app((s) => {
        delete s.source.kustomize;
        s.source.plugin = { name: 'cdk8s' };
      }),
      'spec.source.plugin: config management plugins are not supported',
    ],
    [
      'the source hydrator is refused by name',
      app((s) => {
        s.sourceHydrator = {
          drySource: { repoURL: 'https://x', targetRevision: 'main', path: '.' },
          syncSource: { targetBranch: 'env', path: '.' },
        };
      }),
      'spec.sourceHydrator: not supported by argo-serverless',
    ],
    [
      'a backoff duration must parse',
      app((s) => (s.syncPolicy.retry.backoff.duration = 'five seconds')),
      'spec.syncPolicy.retry.backoff.duration: unable to parse "five seconds" as a duration',
    ],
    [
      'a backoff maxDuration must parse',
      app((s) => (s.syncPolicy.retry.backoff.maxDuration = '3 min')),
      'spec.syncPolicy.retry.backoff.maxDuration: unable to parse "3 min" as a duration',
    ],
    [
      "an operation's retry backoff must parse too",
      app((_s, d) => {
        d['operation'] = { sync: {}, retry: { limit: 2, backoff: { duration: '1x' } } };
      }),
      'operation.retry.backoff.duration: unable to parse "1x"',
    ],
    [
      'the backoff factor is an integer',
      app((s) => (s.syncPolicy.retry.backoff.factor = 1.5)),
      'spec.syncPolicy.retry.backoff.factor: must be an integer, not number 1.5',
    ],
    [
      'multi-source: each source needs a path, chart or ref',
      app((s) => {
        s.sources = [{ repoURL: 'https://a' }];
        delete s.source;
      }),
      'spec.sources[0].path: required unless spec.sources[0].chart or spec.sources[0].ref is set',
    ],
    [
      'multi-source: a ref has only letters, digits, _ and -',
      app((s) => {
        s.sources = [{ repoURL: 'https://a', ref: 'my.values' }];
        delete s.source;
      }),
      "spec.sources[0].ref: \"my.values\" cannot contain any special characters except '_' and '-'",
    ],
    [
      'multi-source: refs are unique',
      app((s) => {
        s.sources = [
          { repoURL: 'https://a', ref: 'values' },
          { repoURL: 'https://b', ref: 'values' },
        ];
        delete s.source;
      }),
      'spec.sources[1].ref: "values" is already the ref of another source',
    ],
    [
      'multi-source: source names are unique',
      app((s) => {
        s.sources = [
          { repoURL: 'https://a', path: 'a', name: 'app' },
          { repoURL: 'https://b', path: 'b', name: 'app' },
        ];
        delete s.source;
      }),
      'spec.sources[1].name: duplicate source name "app"',
    ],
    [
      'the managed-by URL is http or https',
      app((_s, d) => {
        d['metadata'].annotations = { 'argocd.argoproj.io/managed-by-url': 'ftp://argo.example' };
      }),
      'metadata.annotations["argocd.argoproj.io/managed-by-url"]: invalid managed-by URL',
    ],
    [
      'automated.prune is true or false',
      app((s) => (s.syncPolicy.automated.prune = 'yes')),
      'spec.syncPolicy.automated.prune: must be true or false, not string "yes"',
    ],
    [
      'ignoreDifferences entries name a kind',
      app((s) => delete s.ignoreDifferences[0].kind),
      'spec.ignoreDifferences[0].kind: required',
    ],
  ];
  it.each(refused)('%s', (_name, doc, expected) => {
    const result = validateObject(doc);
    expect(result.object).toBeUndefined();
    expect(errorsOf(result).join('\n')).toContain(expected);
  });

  const accepted: [string, Doc, string[]][] = [
    [
      'a destination by name alone',
      app((s) => {
        delete s.destination.server;
        s.destination.name = 'in-cluster';
      }),
      [],
    ],
    [
      'sources win over source, which is ignored with a warning',
      app((s) => (s.sources = [{ repoURL: 'https://a', path: 'app' }])),
      ['spec.source: ignored: spec.sources is set'],
    ],
    [
      'a values-only source with a ref in a multi-source Application',
      app((s) => {
        s.sources = [
          {
            repoURL: 'https://charts.example.com',
            chart: 'web',
            targetRevision: '1.2.0',
            helm: { valueFiles: ['$values/web.yaml'] },
          },
          { repoURL: 'https://github.com/org/values', ref: 'values' },
        ];
        delete s.source;
      }),
      [],
    ],
    [
      'a bare number of seconds as backoff duration',
      app((s) => (s.syncPolicy.retry.backoff.duration = '30')),
      [],
    ],
    ['an empty project means the default project', app((s) => (s.project = '')), []],
    [
      'an unknown field is a warning naming its path',
      app((s) => (s.syncPolicy.automated.selfheal = true)),
      ['spec.syncPolicy.automated.selfheal: unknown field, ignored (not in the CRD schema)'],
    ],
    [
      'a sync option Argo would not act on is a warning',
      app((s) => s.syncPolicy.syncOptions.push('CreateNamespace=True')),
      ['spec.syncPolicy.syncOptions[4]'],
    ],
    [
      'an operation is checked against the CRD',
      app((_s, d) => {
        d['operation'] = { sync: { revision: 'main', prune: true, force: true } };
      }),
      ['operation.sync.force: unknown field'],
    ],
  ];
  it.each(accepted)('%s', (_name, doc, warnings) => {
    const result = validateObject(doc);
    expect(errorsOf(result)).toEqual([]);
    for (const w of warnings) expect(result.warnings.join('\n')).toContain(w);
    if (warnings.length === 0)
      expect(result.warnings.filter((w) => !w.startsWith('unknown field "operation"'))).toEqual([]);
  });

  it('a missing spec is an error, not a crash', () => {
    const doc = seed('application.yaml');
    delete doc['spec'];
    expect(errorsOf(validateObject(doc))).toEqual(['spec: required: an Application is its spec']);
  });
});

describe('backoff durations as Argo parses them', () => {
  it.each([
    ['5s', 5],
    ['3m', 180],
    ['1h30m', 5400],
    ['30', 30],
    ['0', 0],
    ['500ms', 0.5],
    ['5 s', undefined],
    ['five', undefined],
    ['', undefined],
    ['1d', undefined],
  ])('%j -> %j seconds', (text, seconds) => {
    expect(backoffDurationSeconds(text)).toBe(seconds);
  });
});

// ---------------------------------------------------------------------------------------------

const appSet = (edit: (spec: Doc) => void): Doc => {
  const doc = seed('applicationset.yaml');
  edit(doc['spec']);
  return doc;
};

const list = { list: { elements: [{ cluster: 'a' }] } };

describe('ApplicationSet rules', () => {
  const refused: [string, Doc, string][] = [
    ['generators are required', appSet((s) => delete s.generators), 'spec.generators: required'],
    ['a template is required', appSet((s) => delete s.template), 'spec.template: required'],
    [
      'the template spec is an Application spec',
      appSet((s) => delete s.template.spec.destination),
      'spec.template.spec.destination: required',
    ],
    ...(['scmProvider', 'pullRequest', 'clusterDecisionResource', 'plugin'] as const).map(
      (g): [string, Doc, string] => [
        `the ${g} generator is refused by name`,
        appSet((s) => s.generators.push({ [g]: {} })),
        `spec.generators[1].${g}: the ${g} generator is not supported`,
      ],
    ),
    [
      'an unsupported generator inside a matrix is refused too',
      appSet((s) => s.generators.push({ matrix: { generators: [list, { pullRequest: {} }] } })),
      'spec.generators[1].matrix.generators[1].pullRequest: the pullRequest generator is not supported',
    ],
    [
      'a matrix has exactly two generators',
      appSet((s) => s.generators.push({ matrix: { generators: [list] } })),
      'spec.generators[1].matrix.generators: found 1 generators, Matrix support only two',
    ],
    [
      'a merge has two or more generators',
      appSet((s) => s.generators.push({ merge: { mergeKeys: ['cluster'], generators: [list] } })),
      'spec.generators[1].merge.generators: found less than two generators',
    ],
    [
      'a merge names its merge keys',
      appSet((s) => s.generators.push({ merge: { generators: [list, list] } })),
      'spec.generators[1].merge.mergeKeys: required',
    ],
    [
      'a selector operator is one Kubernetes knows',
      appSet((s) =>
        s.generators.push({
          ...list,
          selector: { matchExpressions: [{ key: 'cluster', operator: 'Matches', values: ['a'] }] },
        }),
      ),
      'spec.generators[1].selector.matchExpressions[0].operator: "Matches" is not a valid label selector operator',
    ],
    [
      'applicationsSync is one of the four policies',
      appSet((s) => (s.syncPolicy = { applicationsSync: 'create-only-once' })),
      'spec.syncPolicy.applicationsSync: "create-only-once" is not one of create-only, create-update, create-delete, sync',
    ],
    [
      'an unquoted {{...}} is a map, not a string',
      appSet((s) => (s.template.spec.destination.server = { '[object Object]': null })),
      'spec.template.spec.destination.server: must be a string, not a map (an unquoted {{...}}: quote it)',
    ],
  ];
  it.each(refused)('%s', (_name, doc, expected) => {
    const result = validateObject(doc);
    expect(result.object).toBeUndefined();
    expect(errorsOf(result).join('\n')).toContain(expected);
  });

  const accepted: [string, Doc, string[]][] = [
    [
      'a matrix of two generators',
      appSet((s) => s.generators.push({ matrix: { generators: [list, { clusters: {} }] } })),
      [],
    ],
    [
      'progressive syncs are accepted and not acted on',
      appSet((s) => (s.strategy = { type: 'RollingSync', rollingSync: { steps: [] } })),
      ['spec.strategy: accepted and not acted on'],
    ],
    [
      'ignoreApplicationDifferences is accepted and not acted on',
      appSet((s) => (s.ignoreApplicationDifferences = [{ jsonPointers: ['/spec/source'] }])),
      ['spec.ignoreApplicationDifferences: accepted and not acted on'],
    ],
    [
      'an unknown generator field is a warning',
      appSet((s) => (s.generators[0].list.element = [])),
      ['spec.generators[0].list.element: unknown field'],
    ],
  ];
  it.each(accepted)('%s', (_name, doc, warnings) => {
    const result = validateObject(doc);
    expect(errorsOf(result)).toEqual([]);
    expect(result.warnings).toHaveLength(warnings.length);
    for (const w of warnings) expect(result.warnings.join('\n')).toContain(w);
  });
});

// ---------------------------------------------------------------------------------------------

const project = (edit: (spec: Doc) => void): Doc => {
  const doc = seed('appproject.yaml');
  edit(doc['spec']);
  return doc;
};

describe('AppProject rules (Argo ValidateProject)', () => {
  const refused: [string, Doc, string][] = [
    [
      "a destination of '!*' matches nothing",
      project((s) => s.destinations.push({ server: '!*', namespace: 'x' })),
      "spec.destinations[2].server: server has an invalid format, '!*'",
    ],
    [
      'destinations are unique by server and namespace',
      project((s) => s.destinations.push({ ...s.destinations[0] })),
      "spec.destinations[2]: destination 'https://kubernetes.default.svc/production' already added",
    ],
    [
      'a destination by name is keyed by its name',
      project((s) =>
        s.destinations.push({ name: 'prod', namespace: 'a' }, { name: 'prod', namespace: 'a' }),
      ),
      "spec.destinations[3]: destination 'prod/a' already added",
    ],
    [
      "a source repository of '!*' is refused",
      project((s) => s.sourceRepos.push('!*')),
      "spec.sourceRepos[2]: source repository has an invalid format, '!*'",
    ],
    [
      'source repositories are unique',
      project((s) => s.sourceRepos.push('https://charts.example.com')),
      "spec.sourceRepos[2]: source repository 'https://charts.example.com' already added",
    ],
    [
      'source namespaces are unique',
      project((s) => (s.sourceNamespaces = ['team-a', 'team-a'])),
      "spec.sourceNamespaces[1]: source namespace 'team-a' already added",
    ],
    [
      "a role's policy names its own project and role",
      project((s) =>
        s.roles[0].policies.push('p, proj:staging:developer, applications, get, staging/*, allow'),
      ),
      "spec.roles[0].policies[2]: invalid policy rule 'p, proj:staging:developer, applications, get, staging/*, allow': policy subject must be: 'proj:production:developer'",
    ],
    [
      'role names are unique',
      project((s) => s.roles.push({ ...s.roles[0] })),
      "spec.roles[2].name: role 'developer' already exists",
    ],
    [
      'a group with a comma must be quoted',
      project((s) => s.roles[0].groups.push('dev,ops')),
      "spec.roles[0].groups[1]: group 'dev,ops' must be quoted",
    ],
    [
      'groups of a role are unique',
      project((s) => s.roles[0].groups.push('developers')),
      "spec.roles[0].groups[1]: group 'developers' already added",
    ],
    [
      'a sync window names an application, namespace or cluster',
      project((s) => (s.syncWindows = [{ kind: 'deny', schedule: '0 22 * * *', duration: '1h' }])),
      "spec.syncWindows[0]: window 'deny':'0 22 * * *':'1h' requires one of application, cluster or namespace",
    ],
    [
      'a sync window kind is allow or deny',
      project(
        (s) =>
          (s.syncWindows = [
            { kind: 'block', schedule: '0 22 * * *', duration: '1h', applications: ['*'] },
          ]),
      ),
      "spec.syncWindows[0].kind: kind 'block' mismatch: can only be allow or deny",
    ],
    [
      'a destination service account is a name, not a pattern',
      project(
        (s) =>
          (s.destinationServiceAccounts = [
            {
              server: 'https://kubernetes.default.svc',
              namespace: 'production',
              defaultServiceAccount: 'deploy*',
            },
          ]),
      ),
      "spec.destinationServiceAccounts[0].defaultServiceAccount: defaultServiceAccount has an invalid format, 'deploy*'",
    ],
    [
      'a destination service account server has no negation',
      project(
        (s) =>
          (s.destinationServiceAccounts = [
            { server: '!https://x', namespace: '*', defaultServiceAccount: 'deploy' },
          ]),
      ),
      "spec.destinationServiceAccounts[0].server: server has an invalid format, '!https://x'",
    ],
    [
      'cluster resource whitelist entries name a group and a kind',
      project((s) => delete s.clusterResourceWhitelist[0].group),
      'spec.clusterResourceWhitelist[0].group: required',
    ],
  ];
  it.each(refused)('%s', (_name, doc, expected) => {
    const result = validateObject(doc);
    expect(result.object).toBeUndefined();
    expect(errorsOf(result).join('\n')).toContain(expected);
  });

  it('a quoted group may hold a comma', () => {
    const result = validateObject(project((s) => s.roles[0].groups.push('"dev,ops"')));
    expect(errorsOf(result)).toEqual([]);
  });

  it('an AppProject is cluster-visible by name only: a project without spec fields is valid', () => {
    const doc = project(() => undefined);
    doc['spec'] = {};
    expect(errorsOf(validateObject(doc))).toEqual([]);
  });
});

describe('the schema', () => {
  it('describes the three Argo CD kinds', () => {
    expect([...CD_SCHEMA_KINDS].sort()).toEqual(['AppProject', 'Application', 'ApplicationSet']);
  });

  it('checks list items, maps and nested objects by path', () => {
    const issues = checkCdSchema('Application', {
      spec: {
        project: 'default',
        destination: { server: 'https://x', namespace: 7 },
        source: {
          repoURL: 'https://r',
          path: '.',
          kustomize: { commonLabels: { a: 1 }, images: 'x' },
        },
        info: [{ name: 'a', value: 'b' }, { name: 'c' }],
      },
    } as JsonObject);
    expect(issues.map((i) => `${i.severity} ${i.path}: ${i.message}`)).toEqual([
      'error spec.destination.namespace: must be a string, not number 7 (quote it)',
      'error spec.source.kustomize.commonLabels["a"]: must be a string, not number 1 (quote it)',
      'error spec.source.kustomize.images: must be a list, not string "x"',
      'error spec.info[1].value: required',
    ]);
  });

  it('a kind it does not describe has no issues', () => {
    expect(checkCdSchema('Rollout', { spec: { nonsense: true } })).toEqual([]);
  });
});
