/**
 * Argo CD RBAC decisions. Rows come from Argo's util/rbac/rbac_test.go and
 * server/rbacpolicy/rbacpolicy_test.go (named after them); rows that are ours say so. The seed
 * AppProject's roles grant exactly what their policies say.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseYamlDocuments } from '../../shared/resources/yaml.js';
import type { AppProject } from '../../shared/cd/project.js';
import {
  Enforcer,
  enforcerOptionsFromConfigMap,
  parsePolicyCsv,
  PolicyCsvError,
  policyCsvFromConfigMap,
  projectRoleFromSubject,
  projectTokenExists,
  scopeValues,
  subjectForToken,
  userIdentifier,
} from '../../shared/cd/rbac.js';

const seed = parseYamlDocuments(
  readFileSync(new URL('../../../shared/corpus/seeds/appproject.yaml', import.meta.url), 'utf8'),
)[0] as AppProject;

const user = (sub: string, groups?: string[]) => ({ sub, ...(groups ? { groups } : {}) });

describe('parsePolicyCsv', () => {
  it('reads p and g lines, skipping blanks and comments, and honours quotes', () => {
    const parsed = parsePolicyCsv(
      [
        '# comment',
        '',
        '  p, role:a, applications, get, */*, allow  ',
        'g, "org:team, with comma", role:a',
        'p, "role,admin", projects, delete, *, allow',
        'p, alice, clusters, get, "https://github.com/*/*.git", allow',
      ].join('\n'),
    );
    expect(parsed.policies.map((p) => [p.subject, p.object, p.source])).toEqual([
      ['role:a', '*/*', 'policy.csv line 3'],
      ['role,admin', '*', 'policy.csv line 5'],
      ['alice', 'https://github.com/*/*.git', 'policy.csv line 6'],
    ]);
    expect(parsed.groupings).toEqual([
      { member: 'org:team, with comma', role: 'role:a', source: 'policy.csv line 4' },
    ]);
  });

  it.each([
    // TestLoadPolicyLine and TestValidatePolicy's bad policies
    ['p'],
    ['Some comment'],
    ['agh, foo, bar'],
    ['p, role:Myrole, applications, *, myproj/* allow'],
    [', role:Myrole, applications, *, myproj/*, allow'],
    ['this, is, not, a, good, policy'],
    ['this\ttoo'],
    ['g, alice'],
    ['p, a"b, applications, get, */*, allow'],
    ['p, "unterminated, applications, get, */*, allow'],
  ])('refuses %j, naming the line number', (line) => {
    const csv = `p, ok, applications, get, */*, allow\n\n${line}`;
    expect(() => parsePolicyCsv(csv)).toThrow(PolicyCsvError);
    expect(() => parsePolicyCsv(csv)).toThrow(/^policy\.csv line 3: /);
  });

  it('accepts an effect other than allow/deny, as Argo does, with a warning that it never applies', () => {
    const parsed = parsePolicyCsv('p, alice, applications, get, */*, Allow');
    expect(parsed.policies).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/^policy\.csv line 1: effect 'Allow'/);
    const enforcer = new Enforcer({ policyCsv: 'p, alice, applications, get, */*, Allow' });
    expect(enforcer.enforce(user('alice'), 'applications', 'get', 'p/a')).toBe(false);
  });
});

describe('the built-in policy (TestBuiltinPolicyEnforcer)', () => {
  const enforcer = new Enforcer({ policyCsv: '' });
  it.each([
    ['admin', 'applications', 'get', 'foo/bar', true],
    ['admin', 'applications', 'delete', 'foo/bar', true],
    ['role:readonly', 'applications', 'get', 'foo/bar', true],
    ['role:admin', 'applications', 'get', 'foo/bar', true],
    ['role:admin', 'applications', 'delete', 'foo/bar', true],
    ['role:admin', 'applications', 'rollback', 'foo/bar', true],
    ['role:readonly', 'applications', 'create', 'foo/bar', false],
    ['role:readonly', 'applications', 'delete', 'foo/bar', false],
    ['role:readonly', 'applications', 'rollback', 'foo/bar', false],
    // ours: the rest of builtin-policy.csv
    ['role:admin', 'applications', 'action/apps/Deployment/restart', 'foo/bar', true],
    ['role:admin', 'applications', 'delete/apps/Deployment/default/web', 'foo/bar', true],
    ['role:admin', 'exec', 'create', 'foo/bar', true],
    ['role:readonly', 'exec', 'create', 'foo/bar', false],
    ['role:readonly', 'logs', 'get', 'foo/bar', true],
    ['role:admin', 'projects', 'create', 'anything', true],
    ['role:readonly', 'projects', 'update', 'anything', false],
    ['role:readonly', 'clusters', 'get', 'https://kubernetes.default.svc', true],
    ['role:admin', 'accounts', 'update', 'alice', true],
    ['role:admin', 'gpgkeys', 'create', '*', true],
    ['role:admin', 'extensions', 'invoke', 'metrics', false],
    ['nobody', 'applications', 'get', 'foo/bar', false],
  ])('%s %s %s %s: %s', (sub, resource, action, object, expected) => {
    expect(enforcer.enforce(user(sub), resource, action, object)).toBe(expected);
  });
});

describe('policy.csv: globs, deny wins, role inheritance', () => {
  const enforcer = new Enforcer({
    policyCsv: `
p, role:foo-admin, *, *, foo/*, allow
p, role:bar-admin, *, *, bar/*, allow
g, alice, role:foo-admin
g, bob, role:bar-admin
p, role:foo-readonly, *, get, foo/*, allow
g, carol, role:foo-readonly
p, role:dev, applications, *, dev/*, allow
p, role:dev, applications, delete, dev/*, deny
p, role:dev, applications, sync, dev/critical-*, deny
g, role:senior-dev, role:dev
g, dave, role:senior-dev
p, role:senior-dev, applications, delete, dev/*, allow
p, erin, applications, sync, */*, allow
p, erin, applications, sync, prod/*, deny
p, frank, applications, action/argoproj.io/Rollout/*, my-proj/*, allow
p, grace, applications, action/argoproj.io/Rollout/resume, my-proj/*, allow
p, heidi, applications, action/*, my-proj/*, allow
p, alice2, repositories, *, foo/*, allow
p, bob2, repositories, *, foo/https://github.com/argoproj/argo-cd.git, allow
p, ivan, clusters, get, "https://github.com/*/*.git", allow
p, judy, applications, get, team/ns-a/*, allow
`,
  });
  it.each([
    // TestProjectIsolationEnforcement
    ['bob', 'applications', 'delete', 'bar/obj', true],
    ['bob', 'applications', 'delete', 'foo/obj', false],
    ['alice', 'applications', 'delete', 'foo/obj', true],
    ['alice', 'applications', 'delete', 'bar/obj', false],
    // TestProjectReadOnly
    ['carol', 'applications', 'get', 'foo/obj', true],
    ['carol', 'applications', 'delete', 'bar/obj', false],
    ['carol', 'applications', 'get', 'bar/obj', false],
    ['nobody', 'applications', 'get', 'foo/obj', false],
    // ours: deny wins over allow for one subject, through inheritance too
    ['dave', 'applications', 'get', 'dev/app', true],
    ['dave', 'applications', 'delete', 'dev/app', false],
    ['dave', 'applications', 'sync', 'dev/app', true],
    ['dave', 'applications', 'sync', 'dev/critical-db', false],
    ['erin', 'applications', 'sync', 'staging/a', true],
    ['erin', 'applications', 'sync', 'prod/a', false],
    // TestEnforceActionActions
    ['heidi', 'applications', 'action/argoproj.io/Rollout/resume', 'my-proj/my-app', true],
    ['heidi', 'applications', 'action/argoproj.io/NewCrd/abort', 'my-proj/my-app', true],
    ['frank', 'applications', 'action/argoproj.io/Rollout/resume', 'my-proj/my-app', true],
    ['frank', 'applications', 'action/argoproj.io/NewCrd/abort', 'my-proj/my-app', false],
    ['grace', 'applications', 'action/argoproj.io/Rollout/resume', 'my-proj/my-app', true],
    ['grace', 'applications', 'action/argoproj.io/Rollout/abort', 'my-proj/my-app', false],
    // TestURLAsObjectName
    ['alice2', 'repositories', 'delete', 'foo/https://github.com/argoproj/argo-cd.git', true],
    ['alice2', 'repositories', 'delete', 'foo/https://github.com/golang/go.git', true],
    ['bob2', 'repositories', 'delete', 'foo/https://github.com/argoproj/argo-cd.git', true],
    ['bob2', 'repositories', 'delete', 'foo/https://github.com/golang/go.git', false],
    // TestDefaultGlobMatchMode
    ['ivan', 'clusters', 'get', 'https://github.com/argoproj/argo-cd.git', true],
    ['ivan', 'repositories', 'get', 'https://github.com/argoproj/argo-cd.git', false],
    // ours: apps in other namespaces are <project>/<namespace>/<app>
    ['judy', 'applications', 'get', 'team/ns-a/web', true],
    ['judy', 'applications', 'get', 'team/ns-b/web', false],
  ])('%s %s %s %s: %s', (sub, resource, action, object, expected) => {
    expect(enforcer.enforce(user(sub), resource, action, object)).toBe(expected);
  });

  it('regex match mode (TestRegexMatchMode)', () => {
    const e = new Enforcer({
      policyCsv:
        'p, alice, clusters, get, "https://github.com/argo[a-z]{4}/argo-[a-z]+.git", allow',
      matchMode: 'regex',
    });
    expect(
      e.enforce(user('alice'), 'clusters', 'get', 'https://github.com/argoproj/argo-cd.git'),
    ).toBe(true);
    expect(
      e.enforce(user('alice'), 'clusters', 'get', 'https://github.com/argoproj/1argo-cd.git'),
    ).toBe(false);
  });

  it('follows role links at most ten levels deep, as casbin', () => {
    const chain = Array.from({ length: 12 }, (_, i) => `g, r${i}, r${i + 1}`).join('\n');
    const csv = (target: number) => `${chain}\np, r${target}, projects, get, *, allow`;
    expect(new Enforcer({ policyCsv: csv(10) }).enforce(user('r0'), 'projects', 'get', 'x')).toBe(
      true,
    );
    expect(new Enforcer({ policyCsv: csv(11) }).enforce(user('r0'), 'projects', 'get', 'x')).toBe(
      false,
    );
  });

  it('refuses a malformed policy.csv at construction, naming the line', () => {
    expect(() => new Enforcer({ policyCsv: 'p, a, b\n' })).toThrow(/policy\.csv line 1/);
  });
});

describe('groups and the default role', () => {
  const enforcer = new Enforcer({
    policyCsv: `
p, role:org-admin, applications, *, */*, allow
g, my-org:team-alpha, role:org-admin
p, my-org:team-beta, applications, get, */*, allow
p, alice, applications, delete, */*, deny
`,
  });
  it('a group bound to a role grants the role', () => {
    expect(
      enforcer.enforce(user('someone', ['my-org:team-alpha']), 'applications', 'sync', 'p/a'),
    ).toBe(true);
    expect(enforcer.enforce(user('someone', ['my-org:other']), 'applications', 'sync', 'p/a')).toBe(
      false,
    );
  });
  it('a group that no g line names grants nothing, even if a p line names it (as Argo)', () => {
    expect(
      enforcer.enforce(user('someone', ['my-org:team-beta']), 'applications', 'get', 'p/a'),
    ).toBe(false);
  });
  it("a deny on the user does not undo a group's allow: each subject is decided alone (as Argo)", () => {
    expect(enforcer.enforce(user('alice'), 'applications', 'delete', 'p/a')).toBe(false);
    expect(
      enforcer.enforce(user('alice', ['my-org:team-alpha']), 'applications', 'delete', 'p/a'),
    ).toBe(true);
  });
  it('the default role applies to everyone (TestDefaultRole)', () => {
    const noDefault = new Enforcer({ policyCsv: '' });
    expect(noDefault.enforce(user('bob'), 'applications', 'get', 'foo/bar')).toBe(false);
    const withDefault = new Enforcer({ policyCsv: '', defaultRole: 'role:readonly' });
    expect(withDefault.enforce(user('bob'), 'applications', 'get', 'foo/bar')).toBe(true);
    expect(withDefault.enforce(user('bob'), 'applications', 'sync', 'foo/bar')).toBe(false);
  });
  it("the default role's allow wins over a deny on the user (as Argo)", () => {
    const e = new Enforcer({
      policyCsv: 'p, bob, applications, get, */*, deny',
      defaultRole: 'role:readonly',
    });
    expect(e.enforce(user('bob'), 'applications', 'get', 'foo/bar')).toBe(true);
  });
});

describe('claims: the user identifier and scopes', () => {
  it('prefers Dex federated_claims.user_id over sub', () => {
    expect(userIdentifier({ sub: 'qwertyuiop', federated_claims: { user_id: 'bob' } })).toBe('bob');
    expect(userIdentifier({ sub: 'alice' })).toBe('alice');
    expect(userIdentifier({ federated_claims: { user_id: '' }, sub: 'x' })).toBe('x');
  });
  it('collects string and string-list claims named by the scopes', () => {
    expect(
      scopeValues({ groups: ['a', 1, 'b'], email: 'e@x', other: ['z'] }, ['groups', 'email']),
    ).toEqual(['a', 'b', 'e@x']);
  });
  it('enforces with groups from the configured claim (cognito:groups)', () => {
    const policyCsv = 'p, role:x, applications, get, */*, allow\ng, my-org:my-team, role:x';
    const claims = { 'cognito:groups': ['my-org:my-team'] };
    expect(new Enforcer({ policyCsv }).enforceClaims(claims, 'applications', 'get', 'p/a')).toBe(
      false,
    );
    expect(
      new Enforcer({ policyCsv, scopes: ['cognito:groups'] }).enforceClaims(
        claims,
        'applications',
        'get',
        'p/a',
      ),
    ).toBe(true);
  });
});

describe('AppProject roles', () => {
  const myProj: AppProject = {
    metadata: { name: 'my-proj' },
    spec: {
      roles: [
        {
          name: 'my-role',
          policies: [
            'p, proj:my-proj:my-role, applications, create, my-proj/*, allow',
            'p, proj:my-proj:my-role, logs, get, my-proj/*, allow',
            'p, proj:my-proj:my-role, exec, create, my-proj/*, allow',
          ],
          groups: ['my-org:my-team'],
          jwtTokens: [{ iat: 1234 }],
        },
      ],
    },
    status: { jwtTokensByRole: { 'my-role': { items: [{ iat: 1234, id: 'tok-1' }] } } },
  };
  const enforcer = new Enforcer({
    policyCsv: [
      'p, bob, applications, create, my-proj/*, allow',
      'p, bob, logs, get, my-proj/*, allow',
      'p, bob, exec, create, my-proj/*, allow',
    ].join('\n'),
    projects: [myProj],
  });

  // TestEnforceAllPolicies
  it.each([
    ['applications', 'create'],
    ['logs', 'get'],
    ['exec', 'create'],
  ])(
    '%s %s is granted to the user, the project token and the role group, not to others',
    (resource, action) => {
      const token = subjectForToken('my-proj', 'my-role');
      expect(enforcer.enforce(user('bob'), resource, action, 'my-proj/my-app')).toBe(true);
      expect(enforcer.enforce(user(token), resource, action, 'my-proj/my-app')).toBe(true);
      expect(
        enforcer.enforce(user('', ['my-org:my-team']), resource, action, 'my-proj/my-app'),
      ).toBe(true);
      expect(enforcer.enforce(user('cathy'), resource, action, 'my-proj/my-app')).toBe(false);
    },
  );

  it('role policies only reach objects of their project', () => {
    expect(
      enforcer.enforce(user('', ['my-org:my-team']), 'applications', 'create', 'other/app'),
    ).toBe(false);
    expect(
      enforcer.enforce(user('proj:my-proj:my-role'), 'applications', 'create', 'other/app'),
    ).toBe(false);
  });

  it('a role may always get its own project', () => {
    expect(enforcer.enforce(user('proj:my-proj:my-role'), 'projects', 'get', 'my-proj')).toBe(true);
    expect(enforcer.enforce(user('', ['my-org:my-team']), 'projects', 'get', 'my-proj')).toBe(true);
    expect(enforcer.enforce(user('proj:my-proj:my-role'), 'projects', 'update', 'my-proj')).toBe(
      false,
    );
  });

  it("a project token also has what policy.csv grants its subject: the project's rules extend the global policy", () => {
    const e = new Enforcer({
      policyCsv: 'g, proj:my-proj:my-role, role:admin',
      projects: [myProj],
    });
    expect(e.enforce(user('proj:my-proj:my-role'), 'applications', 'delete', 'my-proj/a')).toBe(
      true,
    );
    expect(
      enforcer.enforce(user('proj:my-proj:my-role'), 'applications', 'delete', 'my-proj/a'),
    ).toBe(false);
  });

  it("a token of another project gets nothing on this project's objects", () => {
    const e = new Enforcer({ policyCsv: 'g, proj:other:r, role:admin', projects: [myProj] });
    expect(e.enforce(user('proj:other:r'), 'applications', 'get', 'my-proj/a')).toBe(false);
    expect(e.enforce(user('proj:other:r'), 'projects', 'get', 'my-proj')).toBe(false);
    expect(e.enforce(user('proj:other:r'), 'clusters', 'get', 'https://x')).toBe(true);
  });

  it('names tokens, parses them back and recognises revoked ones', () => {
    expect(subjectForToken('p', 'r')).toBe('proj:p:r');
    expect(() => subjectForToken('p', 'a:b')).toThrow(/role name 'a:b'/);
    expect(projectRoleFromSubject('proj:p:r')).toEqual({ project: 'p', role: 'r' });
    expect(projectRoleFromSubject('alice')).toBeUndefined();
    expect(projectTokenExists(myProj, 'my-role', { id: 'tok-1' })).toBe(true);
    expect(projectTokenExists(myProj, 'my-role', { iat: 1234 })).toBe(true);
    expect(projectTokenExists(myProj, 'my-role', { id: 'revoked', iat: 99 })).toBe(false);
    expect(projectTokenExists(myProj, 'no-role', { iat: 1234 })).toBe(false);
  });

  it('a project whose role policies do not parse contributes nothing, with a warning (TestInvalidRuntimePolicy)', () => {
    const broken: AppProject = {
      metadata: { name: 'broken' },
      spec: {
        roles: [{ name: 'r', policies: ['this, is, not, a, good, policy'], groups: ['g1'] }],
      },
    };
    const e = new Enforcer({ policyCsv: '', projects: [broken] });
    expect(e.enforce(user('admin'), 'applications', 'update', 'broken/app')).toBe(true);
    expect(e.enforce(user('', ['g1']), 'projects', 'get', 'broken')).toBe(false);
    expect(e.warnings.join('\n')).toContain("AppProject 'broken' spec.roles[0].policies[0]");
  });
});

describe('the seed AppProject roles grant exactly what their policies say', () => {
  const enforcer = new Enforcer({ policyCsv: '', projects: [seed] });
  const developers = user('dev-user', ['developers']);
  const platform = user('ops-user', ['platform-team']);
  it.each([
    [developers, 'applications', 'get', 'production/web', true],
    [developers, 'applications', 'sync', 'production/web', true],
    [developers, 'applications', 'delete', 'production/web', false],
    [developers, 'applications', 'update', 'production/web', false],
    [developers, 'applications', 'get', 'staging/web', false],
    [developers, 'projects', 'get', 'production', true],
    [developers, 'projects', 'update', 'production', false],
    [platform, 'applications', 'delete', 'production/web', true],
    [platform, 'applications', 'action/apps/Deployment/restart', 'production/web', true],
    [platform, 'applications', 'sync', 'staging/web', false],
    [platform, 'clusters', 'create', 'https://x', false],
    [user('proj:production:developer'), 'applications', 'sync', 'production/web', true],
    [user('proj:production:developer'), 'applications', 'delete', 'production/web', false],
    [user('proj:production:admin'), 'applications', 'delete', 'production/web', true],
    [user('someone', ['other']), 'applications', 'get', 'production/web', false],
  ])('%j %s %s %s: %s', (subject, resource, action, object, expected) => {
    expect(enforcer.enforce(subject, resource, action, object)).toBe(expected);
  });
});

describe('argocd-rbac-cm', () => {
  it('joins policy.csv and the policy.*.csv overlays in key order (TestPolicyCSV)', () => {
    expect(
      policyCsvFromConfigMap({
        'policy.b.csv': 'policyb',
        'policy.csv': 'policy1',
        'policy.a.csv': 'policya',
        'policy.c.csv': 'policyc',
        'policy.default': 'role:readonly',
      }).split('\n'),
    ).toEqual(['policy1', 'policya', 'policyb', 'policyc']);
  });
  it('reads policy.default, policy.matchMode and scopes', () => {
    expect(
      enforcerOptionsFromConfigMap({
        'policy.csv': 'p, a, b, c, d, allow',
        'policy.default': 'role:readonly',
        'policy.matchMode': 'regex',
        scopes: '[groups, email]',
      }),
    ).toEqual({
      policyCsv: 'p, a, b, c, d, allow',
      defaultRole: 'role:readonly',
      matchMode: 'regex',
      scopes: ['groups', 'email'],
    });
    expect(() => enforcerOptionsFromConfigMap({ scopes: 'groups: 1' })).toThrow(/data\.scopes/);
  });
  it("gives Argo's denial message", () => {
    const e = new Enforcer({ policyCsv: '' });
    expect(e.check(user('alice'), 'applications', 'get', 'foo/bar')).toEqual({
      allowed: false,
      reason: 'permission denied: applications, get, foo/bar, sub: alice',
    });
    expect(e.check(user('admin'), 'applications', 'get', 'foo/bar')).toEqual({ allowed: true });
  });
});
