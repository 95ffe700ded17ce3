/**
 * AppProject rules as Argo CD decides them. The tables are Argo's own (types_test.go:
 * TestAppProject_IsSourcePermitted, IsNegatedSourcePermitted, IsDestinationPermitted,
 * IsNegatedDestinationPermitted, IsGroupKindPermitted, TestGlobMatch; impersonation_test.go);
 * rows that are ours say so. The seed project is checked against what it allows and denies.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseYamlDocuments } from '../../shared/resources/yaml.js';
import {
  type AppProject,
  type ApplicationDestination,
  DEFAULT_PROJECT,
  destinationServiceAccount,
  filepathMatch,
  globMatch,
  isAppNamespacePermitted,
  isDestinationPermitted,
  isGroupKindPermitted,
  isSourcePermitted,
  normalizeGitUrl,
  projectGlobMatch,
  validateProjectPolicy,
  validateProjectRoles,
} from '../../shared/cd/project.js';

const project = (spec: AppProject['spec'], name = 'my-proj'): AppProject => ({
  metadata: { name },
  spec,
});

const seed = parseYamlDocuments(
  readFileSync(new URL('../../../shared/corpus/seeds/appproject.yaml', import.meta.url), 'utf8'),
)[0] as AppProject;

describe('globs as Argo matches them', () => {
  it.each([
    // gobwas/glob without separators: `*` crosses `/`
    ['hello', 'hello', true],
    ['hell', 'hello', false],
    ['hell*', 'hello', true],
    ['e*', 'hello', false],
    ['e[[a*', 'e[[a*', false], // malformed: matches nothing
    ['*/*', 'proj/app', true],
    ['proj/*', 'proj/ns/app', true],
    ['a?c', 'abc', true],
    ['a?c', 'abbc', false],
    ['[ab]x', 'bx', true],
    ['[!ab]x', 'bx', false],
    ['[a-c]x', 'cx', true],
    ['{foo,bar}-*', 'bar-1', true],
    ['{foo,bar}-*', 'baz-1', false],
    ['a\\*', 'a*', true],
    ['a\\*', 'ab', false],
    ['{unclosed', '{unclosed', false],
    ['', '', true],
    ['', 'x', false],
  ])('gobwas %j against %j is %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  it.each([
    ['https://github.com/org/*', 'https://github.com/org/repo', true],
    ['https://github.com/org/*', 'https://github.com/org/a/b', false],
    ['https://github.com/org/**', 'https://github.com/org/a/b', true],
    ['https://github.com/org/?', 'https://github.com/org/x', true],
  ])('with "/" as separator %j against %j is %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text, '/')).toBe(expected);
  });

  it.each([
    // TestGlobMatch
    ['foo', 'foo', false, true],
    ['foo*', 'foobar', false, true],
    ['foo*', 'bar', false, false],
    ['*', 'anything', false, true],
    ['!foo', 'foo', true, false],
    ['!foo', 'bar', true, true],
    ['!foo', 'foo', false, false],
    ['!foo', '!foo', false, true],
  ])('project glob %j against %j (negation %s) is %s', (pattern, value, negation, expected) => {
    expect(projectGlobMatch(pattern, value, negation)).toBe(expected);
  });

  it.each([
    ['*', 'Deployment', true],
    ['Deploy*', 'Deployment', true],
    ['*', 'a/b', false], // filepath.Match: `*` never crosses `/`
    ['', '', true],
    ['', 'apps', false],
    ['[^a]pps', 'apps', false],
    ['[^a]pps', 'opps', true],
    ['[', 'x', false], // malformed
  ])('filepath.Match %j against %j is %s', (pattern, name, expected) => {
    expect(filepathMatch(pattern, name)).toBe(expected);
  });
});

describe('git URLs are normalised before matching', () => {
  it.each([
    ['https://GitHub.com/Org/Repo.git', 'https://github.com/org/repo'],
    ['git@github.com:org/repo.git', 'git@github.com/org/repo'],
    ['ssh://git@github.com/org/repo', 'git@github.com/org/repo'],
    ['  https://example.com/x  ', 'https://example.com/x'],
    // Go's url.Parse refuses a non-numeric port, so Argo's normalised form is empty
    ['ssh://git@GITHUB.com:argoproj/test', ''],
  ])('%j normalises to %j', (url, expected) => {
    expect(normalizeGitUrl(url)).toBe(expected);
  });
});

describe('isSourcePermitted', () => {
  it.each([
    // TestAppProject_IsSourcePermitted
    [['*'], 'https://github.com/argoproj/test.git', true],
    [['https://github.com/argoproj/test.git'], 'https://github.com/argoproj/test.git', true],
    [['ssh://git@GITHUB.com:argoproj/test'], 'ssh://git@github.com:argoproj/test', true],
    [['https://github.com/argoproj/*'], 'https://github.com/argoproj/argoproj.git', true],
    [
      ['https://github.com/test1/test.git', 'https://github.com/test2/test.git'],
      'https://github.com/test2/test.git',
      true,
    ],
    [['https://github.com/argoproj/test1.git'], 'https://github.com/argoproj/test2.git', false],
    [['https://github.com/argoproj/*.git'], 'https://github.com/argoproj1/test2.git', false],
    [['https://github.com/argoproj/foo'], 'https://github.com/argoproj/foo1', false],
    [['https://gitlab.com/group/*'], 'https://gitlab.com/group/repo/owner', false],
    [['https://gitlab.com/group/*/*'], 'https://gitlab.com/group/repo/owner', true],
    [['https://gitlab.com/group/*/*/*'], 'https://gitlab.com/group/sub-group/repo/owner', true],
    [['https://gitlab.com/group/**'], 'https://gitlab.com/group/sub-group/repo/owner', true],
    // TestAppProject_IsNegatedSourcePermitted
    [['!https://github.com/argoproj/test.git'], 'https://github.com/argoproj/test.git', false],
    [['!ssh://git@GITHUB.com:argoproj/test'], 'ssh://git@github.com:argoproj/test', false],
    [['!https://github.com/argoproj/*'], 'https://github.com/argoproj/argoproj.git', false],
    [
      ['https://github.com/test1/test.git', '!https://github.com/test2/test.git'],
      'https://github.com/test2/test.git',
      false,
    ],
    [['!https://github.com/argoproj/foo*'], 'https://github.com/argoproj/foo1', false],
    [['!https://gitlab.com/group/*/*'], 'https://gitlab.com/group/repo/owner', false],
    [['!https://gitlab.com/group/**'], 'https://gitlab.com/group/sub-group/repo/owner', false],
    [['https://github.com/argoproj/test1.git', '*'], 'https://github.com/argoproj/test2.git', true],
    [['!https://github.com/argoproj/*.git', '*'], 'https://github.com/argoproj1/test2.git', true],
    // ours: a negation alone permits everything it does not exclude (as Argo's globMatch
    // counts a non-excluded URL as matched), and an exclusion wins over a later `*`
    [['!https://github.com/other/*'], 'https://github.com/argoproj/x', true],
    [['!https://github.com/argoproj/*', '*'], 'https://github.com/argoproj/x', false],
    // ours: no sourceRepos at all permits nothing
    [[], 'https://github.com/argoproj/x', false],
  ])('sources %j with %j: %s', (sourceRepos, repoURL, expected) => {
    expect(isSourcePermitted(project({ sourceRepos }), repoURL).allowed).toBe(expected);
  });

  it("says which repo is not permitted in which project, as Argo's condition does", () => {
    expect(isSourcePermitted(project({ sourceRepos: [] }), 'https://x/y')).toEqual({
      allowed: false,
      reason: "application repo https://x/y is not permitted in project 'my-proj'",
    });
  });
});

type DestRow = [string, ApplicationDestination[], ApplicationDestination, boolean];
const k8s = 'https://kubernetes.default.svc';

describe('isDestinationPermitted', () => {
  const rows: DestRow[] = [
    // TestAppProject_IsDestinationPermitted
    [
      'server and namespace match',
      [{ server: k8s, namespace: 'default' }],
      { server: k8s, namespace: 'default' },
      true,
    ],
    [
      'namespace does not match',
      [{ server: k8s, namespace: 'default' }],
      { server: k8s, namespace: 'kube-system' },
      false,
    ],
    [
      'server does not match',
      [{ server: 'https://my-cluster', namespace: 'default' }],
      { server: k8s, namespace: 'default' },
      false,
    ],
    [
      'wildcard namespace',
      [{ server: k8s, namespace: '*' }],
      { server: k8s, namespace: 'kube-system' },
      true,
    ],
    [
      'wildcard server',
      [{ server: 'https://*.default.svc', namespace: 'default' }],
      { server: k8s, namespace: 'default' },
      true,
    ],
    [
      'wildcard server prefix mismatch',
      [{ server: 'https://team1-*', namespace: 'default' }],
      { server: 'https://test2-dev-cluster', namespace: 'default' },
      false,
    ],
    [
      'wildcard namespace with prefix',
      [{ server: k8s, namespace: 'test-*' }],
      { server: k8s, namespace: 'test-foo' },
      true,
    ],
    [
      'wildcard namespace without prefix',
      [{ server: k8s, namespace: 'test-*' }],
      { server: k8s, namespace: 'test' },
      false,
    ],
    [
      'wildcard server and namespace',
      [{ server: '*', namespace: '*' }],
      { server: k8s, namespace: 'test' },
      true,
    ],
    [
      'by name',
      [{ server: '', namespace: '*', name: 'test' }],
      { name: 'test', namespace: 'test' },
      true,
    ],
    [
      'by different name',
      [{ server: '', namespace: '*', name: 'test2' }],
      { name: 'test', namespace: 'test' },
      false,
    ],
    [
      'negated namespace with multiple values',
      [
        { name: 'host-cluster', server: k8s, namespace: '!{kube-system,argocd}' },
        {
          name: 'destination-cluster-01',
          server: 'https://eks-cluster-endpoint.ap-southeast-1.eks.amazonaws.com',
          namespace: '*',
        },
      ],
      {
        server: 'https://eks-cluster-endpoint.ap-southeast-1.eks.amazonaws.com',
        namespace: 'kube-system',
      },
      true,
    ],
    // TestAppProject_IsNegatedDestinationPermitted
    [
      'negated server',
      [{ server: `!${k8s}`, namespace: 'default' }],
      { server: k8s, namespace: 'default' },
      false,
    ],
    [
      'negated namespace, other namespace',
      [{ server: k8s, namespace: '!default' }],
      { server: k8s, namespace: 'kube-system' },
      true,
    ],
    [
      'negated other server',
      [{ server: '!https://my-cluster', namespace: 'default' }],
      { server: k8s, namespace: 'default' },
      true,
    ],
    [
      'negated server, any namespace',
      [{ server: `!${k8s}`, namespace: '*' }],
      { server: k8s, namespace: 'kube-system' },
      false,
    ],
    [
      'negated server glob',
      [{ server: '!https://*.default.svc', namespace: 'default' }],
      { server: k8s, namespace: 'default' },
      false,
    ],
    [
      'negated server prefix',
      [{ server: '!https://team1-*', namespace: 'default' }],
      { server: 'https://test2-dev-cluster', namespace: 'default' },
      true,
    ],
    [
      'negated namespace glob',
      [{ server: k8s, namespace: '!test-*' }],
      { server: k8s, namespace: 'test-foo' },
      false,
    ],
    [
      'negated namespace glob, other',
      [{ server: k8s, namespace: '!test-*' }],
      { server: k8s, namespace: 'test' },
      true,
    ],
    [
      'negated name',
      [{ server: '', namespace: '*', name: '!test' }],
      { name: 'test', namespace: 'test' },
      false,
    ],
    [
      'negated other name',
      [{ server: '', namespace: '*', name: '!test2' }],
      { name: 'test', namespace: 'test' },
      true,
    ],
    [
      'allow then negate namespace',
      [
        { server: '*', namespace: 'kube-system' },
        { server: '*', namespace: '!kube-system' },
      ],
      { server: k8s, namespace: 'kube-system' },
      false,
    ],
    [
      'all then negate namespace',
      [
        { server: '*', namespace: '*' },
        { server: '*', namespace: '!kube-system' },
      ],
      { server: k8s, namespace: 'kube-system' },
      false,
    ],
    [
      'server then negate server',
      [
        { server: k8s, namespace: '*' },
        { server: `!${k8s}`, namespace: '*' },
      ],
      { server: k8s, namespace: 'kube-system' },
      false,
    ],
    [
      'all then negate server in namespace',
      [
        { server: '*', namespace: '*' },
        { server: `!${k8s}`, namespace: 'kube-system' },
      ],
      { server: k8s, namespace: 'kube-system' },
      false,
    ],
    [
      'three entries, denied namespace',
      [
        { server: '*', namespace: '*' },
        { server: `!${k8s}`, namespace: 'kube-system' },
        { server: '*', namespace: '!kube-system' },
      ],
      { server: k8s, namespace: 'kube-system' },
      false,
    ],
    [
      'three entries, other namespace',
      [
        { server: '*', namespace: '*' },
        { server: `!${k8s}`, namespace: 'kube-system' },
        { server: '*', namespace: '!kube-system' },
      ],
      { server: k8s, namespace: 'default' },
      true,
    ],
    [
      'three entries, other server',
      [
        { server: '*', namespace: '*' },
        { server: `!${k8s}`, namespace: 'kube-system' },
        { server: '*', namespace: '!kube-system' },
      ],
      { server: 'https://test-dev-cluster', namespace: 'kube-system' },
      false,
    ],
    [
      'name then negated name',
      [
        { server: '', namespace: '*', name: 'test' },
        { server: '', namespace: '*', name: '!test' },
      ],
      { name: 'test', namespace: 'test' },
      false,
    ],
    [
      'negated server in another namespace does not exclude',
      [
        { server: '*', namespace: 'test' },
        { server: '!https://test-server', namespace: 'other' },
      ],
      { server: 'https://test-server', namespace: 'test' },
      true,
    ],
    [
      'negated namespace on another server does not exclude',
      [
        { server: '*', namespace: '*' },
        { server: 'https://test-server', namespace: '!other' },
      ],
      { server: 'https://other-test-server', namespace: 'other' },
      true,
    ],
  ];
  it.each(rows)('%s', (_name, destinations, destination, expected) => {
    expect(isDestinationPermitted(project({ destinations }), destination).allowed).toBe(expected);
  });

  it("names server, namespace and project as Argo's condition does (the cluster name when given)", () => {
    const p = project({ destinations: [{ server: k8s, namespace: 'prod' }] }, 'z');
    expect(isDestinationPermitted(p, { server: 'x', namespace: 'y' }).reason).toBe(
      "application destination server 'x' and namespace 'y' do not match any of the allowed destinations in project 'z'",
    );
    expect(
      isDestinationPermitted(p, { server: 'https://c', name: 'c1', namespace: 'y' }).reason,
    ).toBe(
      "application destination server 'c1' and namespace 'y' do not match any of the allowed destinations in project 'z'",
    );
  });
});

describe('isGroupKindPermitted', () => {
  type Row = [string, AppProject['spec'], string, string, boolean, string, boolean];
  const rows: Row[] = [
    // TestAppProject_IsGroupKindPermitted
    [
      'an empty namespace whitelist denies every namespaced kind',
      {
        namespaceResourceWhitelist: [],
        namespaceResourceBlacklist: [{ group: 'apps', kind: 'Deployment' }],
      },
      'apps',
      'ReplicaSet',
      true,
      '',
      false,
    ],
    [
      'a blacklisted kind is denied',
      {
        namespaceResourceWhitelist: [],
        namespaceResourceBlacklist: [{ group: 'apps', kind: 'Deployment' }],
      },
      'apps',
      'Deployment',
      true,
      '',
      false,
    ],
    [
      'a whitelisted namespaced kind is allowed',
      {
        namespaceResourceWhitelist: [{ group: 'apps', kind: 'ReplicaSet' }],
        namespaceResourceBlacklist: [{ group: 'apps', kind: 'Deployment' }],
      },
      'apps',
      'ReplicaSet',
      true,
      '',
      true,
    ],
    [
      'a namespaced kind the whitelist misses is denied',
      {
        namespaceResourceWhitelist: [{ group: 'apps', kind: 'ReplicaSet' }],
        namespaceResourceBlacklist: [{ group: 'apps', kind: 'Deployment' }],
      },
      'apps',
      'Action',
      true,
      '',
      false,
    ],
    [
      'a blacklisted cluster kind is denied',
      { clusterResourceBlacklist: [{ group: '', kind: 'Namespace' }] },
      '',
      'Namespace',
      false,
      '',
      false,
    ],
    [
      'blacklist wins over whitelist',
      {
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
        clusterResourceBlacklist: [{ group: '*', kind: '*' }],
      },
      '',
      'Namespace',
      false,
      '',
      false,
    ],
    [
      'a cluster blacklist does not touch namespaced kinds',
      {
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
        clusterResourceBlacklist: [{ group: '*', kind: '*' }],
      },
      'apps',
      'Action',
      true,
      '',
      true,
    ],
    [
      'an empty cluster whitelist denies cluster kinds',
      { clusterResourceWhitelist: [], namespaceResourceWhitelist: [{ group: '*', kind: '*' }] },
      '',
      'Namespace',
      false,
      '',
      false,
    ],
    [
      'a wildcard namespace whitelist allows namespaced kinds',
      { clusterResourceWhitelist: [], namespaceResourceWhitelist: [{ group: '*', kind: '*' }] },
      'apps',
      'Action',
      true,
      '',
      true,
    ],
    ['by default cluster-scoped kinds are denied', {}, '', 'Namespace', false, '', false],
    ['by default namespaced kinds are allowed', {}, 'apps', 'Action', true, '', true],
    [
      'a named whitelist entry misses other names',
      { clusterResourceWhitelist: [{ group: '', kind: 'Namespace', name: 'team1-*' }] },
      '',
      'Namespace',
      false,
      'other-namespace',
      false,
    ],
    [
      'a named whitelist entry allows its names',
      { clusterResourceWhitelist: [{ group: '', kind: 'Namespace', name: 'team1-*' }] },
      '',
      'Namespace',
      false,
      'team1-namespace',
      true,
    ],
    // ours: the core group is '' and must be written as such
    [
      'group "" does not match "apps"',
      { clusterResourceWhitelist: [{ group: '', kind: '*' }] },
      'apps',
      'ClusterThing',
      false,
      '',
      false,
    ],
  ];
  it.each(rows)('%s', (_name, spec, group, kind, namespaced, name, expected) => {
    expect(isGroupKindPermitted(project(spec), group, kind, namespaced, name).allowed).toBe(
      expected,
    );
  });

  it("names group, kind and project as Argo's sync error does", () => {
    expect(isGroupKindPermitted(project({}, 'p'), '', 'Namespace', false).reason).toBe(
      'resource :Namespace is not permitted in project p',
    );
  });
});

describe('the default project', () => {
  it('allows any source, any destination and every kind, cluster-scoped or not', () => {
    expect(DEFAULT_PROJECT.metadata.name).toBe('default');
    expect(isSourcePermitted(DEFAULT_PROJECT, 'git@example.com:a/b/c.git').allowed).toBe(true);
    expect(
      isDestinationPermitted(DEFAULT_PROJECT, { server: 'https://any', namespace: 'kube-system' })
        .allowed,
    ).toBe(true);
    expect(
      isGroupKindPermitted(DEFAULT_PROJECT, 'rbac.authorization.k8s.io', 'ClusterRole', false)
        .allowed,
    ).toBe(true);
    expect(isGroupKindPermitted(DEFAULT_PROJECT, 'apps', 'Deployment', true).allowed).toBe(true);
  });
});

describe('the seed AppProject (production)', () => {
  it.each([
    ['https://github.com/myorg/app', true],
    ['https://github.com/myorg/app.git', true],
    ['https://charts.example.com', true],
    ['https://github.com/otherorg/app', false],
    ['https://github.com/myorg/group/app', false], // `*` does not cross `/`
  ])('source %s: %s', (repoURL, expected) => {
    expect(isSourcePermitted(seed, repoURL).allowed).toBe(expected);
  });

  it.each([
    [k8s, 'production', true],
    [k8s, 'production-eu', true],
    [k8s, 'staging', false],
    ['https://other-cluster', 'production', false],
  ])('destination %s / %s: %s', (server, namespace, expected) => {
    expect(isDestinationPermitted(seed, { server, namespace }).allowed).toBe(expected);
  });

  it.each([
    ['', 'Namespace', false, true],
    ['rbac.authorization.k8s.io', 'ClusterRole', false, true],
    ['rbac.authorization.k8s.io', 'ClusterRoleBinding', false, true],
    ['apiextensions.k8s.io', 'CustomResourceDefinition', false, false],
    ['storage.k8s.io', 'StorageClass', false, false],
    ['', 'ResourceQuota', true, false],
    ['', 'LimitRange', true, false],
    ['apps', 'Deployment', true, true],
    ['', 'ConfigMap', true, true],
  ])('kind %s/%s (namespaced %s): %s', (group, kind, namespaced, expected) => {
    expect(isGroupKindPermitted(seed, group, kind, namespaced).allowed).toBe(expected);
  });

  it('has role policies that Argo would accept', () => {
    expect(validateProjectRoles(seed)).toEqual([]);
  });
});

describe('destinationServiceAccount', () => {
  const p = project({
    destinationServiceAccounts: [
      { server: k8s, namespace: 'team-a-*', defaultServiceAccount: 'team-a-deployer' },
      { server: k8s, namespace: '*', defaultServiceAccount: 'argocd:fallback' },
      { server: 'https://*', namespace: 'team-a-x', defaultServiceAccount: 'never-reached' },
    ],
  });
  it('takes the first matching entry and qualifies a bare name with the destination namespace', () => {
    expect(destinationServiceAccount(p, { server: k8s, namespace: 'team-a-x' })).toEqual({
      serviceAccount: 'system:serviceaccount:team-a-x:team-a-deployer',
    });
  });
  it('uses a namespace:name account as written', () => {
    expect(destinationServiceAccount(p, { server: k8s, namespace: 'other' })).toEqual({
      serviceAccount: 'system:serviceaccount:argocd:fallback',
    });
  });
  it("falls back to the Application's namespace when the destination has none", () => {
    const q = project({
      destinationServiceAccounts: [{ server: '*', namespace: '*', defaultServiceAccount: 'sa' }],
    });
    expect(destinationServiceAccount(q, { server: k8s }, 'apps-ns').serviceAccount).toBe(
      'system:serviceaccount:apps-ns:sa',
    );
  });
  it('finds nothing when no entry matches', () => {
    expect(destinationServiceAccount(p, { server: 'https://remote', namespace: 'x' })).toEqual({});
  });
  it.each(['', ' ', 'a*b', 'ns/sa', '!sa'])('refuses the account %j', (account) => {
    const q = project({
      destinationServiceAccounts: [{ server: '*', namespace: '*', defaultServiceAccount: account }],
    });
    expect(destinationServiceAccount(q, { server: k8s, namespace: 'x' }).error).toContain(
      'default service account contains invalid chars',
    );
  });
  it('refuses an invalid server glob, naming the field', () => {
    const q = project({
      destinationServiceAccounts: [{ server: '[', namespace: '*', defaultServiceAccount: 'sa' }],
    });
    expect(destinationServiceAccount(q, { server: k8s, namespace: 'x' }).error).toContain(
      'spec.destinationServiceAccounts[0].server',
    );
  });
});

describe('applications in other namespaces (sourceNamespaces)', () => {
  const p = project({ sourceNamespaces: ['team-*', '/^ops-[0-9]+$/'] });
  it.each([
    ['', true],
    ['argocd', true],
    ['team-a', true],
    ['ops-12', true],
    ['ops-x', false],
    ['other', false],
  ])('namespace %j: %s', (ns, expected) => {
    expect(isAppNamespacePermitted(p, ns, 'argocd')).toBe(expected);
  });
});

describe('project role policies', () => {
  it.each([
    ['p, proj:p:r, applications, get, p/*, allow', undefined],
    ['p, proj:p:r, applications, action/apps/Deployment/restart, p/ns/app, deny', undefined],
    ['p, proj:p:r, applications, get, p/*', "must be of the form: 'p, sub, res, act, obj, eft'"],
    [
      'p, proj:q:r, applications, get, p/*, allow',
      "policy subject must be: 'proj:p:r', not 'proj:q:r'",
    ],
    ['p, proj:p:r, projects, get, p/*, allow', "not 'projects'"],
    ['p, proj:p:r, applications, fly, p/*, allow', "invalid action 'fly'"],
    ['p, proj:p:r, applications, get, other/*, allow', "not 'other/*'"],
    ['p, proj:p:r, applications, get, p/*, maybe', "effect must be: 'allow' or 'deny'"],
  ])('%s', (policy, error) => {
    const result = validateProjectPolicy('p', 'r', policy);
    if (error === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(error);
  });

  it('reports bad role names and duplicate policies with their field paths', () => {
    const errors = validateProjectRoles(
      project(
        {
          roles: [
            { name: '-bad', policies: [] },
            {
              name: 'ok',
              policies: [
                'p, proj:p:ok, logs, get, p/*, allow',
                'p, proj:p:ok, logs, get, p/*, allow',
              ],
            },
          ],
        },
        'p',
      ),
    );
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^spec\.roles\[0\]\.name: invalid role name '-bad'/);
    expect(errors[1]).toMatch(/^spec\.roles\[1\]\.policies\[1\]: policy .* already exists/);
  });
});
