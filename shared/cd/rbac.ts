/**
 * Argo CD's RBAC: the policy.csv model (casbin with Argo's model.conf), the built-in roles, the
 * default role, groups from token claims (`scopes`) and AppProject roles. Pure: an Enforcer is
 * built from the argocd-rbac-cm data and the AppProjects, and answers one question.
 *
 * Argo's model, which this file reproduces:
 * - `p, subject, resource, action, object, allow|deny`; `g, member, role` (roles inherit, up to
 *   ten levels, as casbin's role manager).
 * - resource, action and object match as gobwas globs where `*` crosses `/` (`*` matches
 *   `proj/app`), or as regular expressions with `policy.matchMode: regex`.
 * - for one subject, any matching deny wins over any matching allow.
 * - the default role is tried first; then the subject; then each of its groups that some `g`
 *   line names. Each is its own decision, so a deny on the user does not undo an allow that a
 *   group or the default role grants (an Argo behaviour users trip over, kept on purpose).
 * - a request on a project-scoped resource (`applications`, `applicationsets`, `logs`, `exec`,
 *   `clusters`, `repositories` with object `<project>/...`, or `projects` with object
 *   `<project>`) also sees that project's role policies; a project token subject
 *   (`proj:<project>:<role>`) is judged by them alone (plus the default role).
 */
import { parse as parseYaml } from 'yaml';
import type { Json, JsonObject } from '../core/types.js';
import { globMatch } from './glob.js';
import type { JWTToken, ProjectRole } from './project.js';

export const RESOURCES = [
  'clusters',
  'projects',
  'applications',
  'applicationsets',
  'repositories',
  'write-repositories',
  'certificates',
  'accounts',
  'gpgkeys',
  'logs',
  'exec',
  'extensions',
] as const;

export const ACTIONS = [
  'get',
  'create',
  'update',
  'delete',
  'sync',
  'rollback',
  'override',
  'action',
  'invoke',
] as const;

/** Argo CD's assets/builtin-policy.csv: role:readonly, role:admin, and the admin user. */
export const BUILTIN_POLICY_CSV = `
p, role:readonly, applications, get, */*, allow
p, role:readonly, applicationsets, get, */*, allow
p, role:readonly, certificates, get, *, allow
p, role:readonly, clusters, get, *, allow
p, role:readonly, repositories, get, *, allow
p, role:readonly, write-repositories, get, *, allow
p, role:readonly, projects, get, *, allow
p, role:readonly, accounts, get, *, allow
p, role:readonly, gpgkeys, get, *, allow
p, role:readonly, logs, get, */*, allow

p, role:admin, applications, create, */*, allow
p, role:admin, applications, update, */*, allow
p, role:admin, applications, update/*, */*, allow
p, role:admin, applications, delete, */*, allow
p, role:admin, applications, delete/*, */*, allow
p, role:admin, applications, sync, */*, allow
p, role:admin, applications, rollback, */*, allow
p, role:admin, applications, override, */*, allow
p, role:admin, applications, action/*, */*, allow
p, role:admin, applicationsets, get, */*, allow
p, role:admin, applicationsets, create, */*, allow
p, role:admin, applicationsets, update, */*, allow
p, role:admin, applicationsets, delete, */*, allow
p, role:admin, certificates, create, *, allow
p, role:admin, certificates, update, *, allow
p, role:admin, certificates, delete, *, allow
p, role:admin, clusters, create, *, allow
p, role:admin, clusters, update, *, allow
p, role:admin, clusters, delete, *, allow
p, role:admin, repositories, create, *, allow
p, role:admin, repositories, update, *, allow
p, role:admin, repositories, delete, *, allow
p, role:admin, write-repositories, create, *, allow
p, role:admin, write-repositories, update, *, allow
p, role:admin, write-repositories, delete, *, allow
p, role:admin, projects, create, *, allow
p, role:admin, projects, update, *, allow
p, role:admin, projects, delete, *, allow
p, role:admin, accounts, update, *, allow
p, role:admin, gpgkeys, create, *, allow
p, role:admin, gpgkeys, delete, *, allow
p, role:admin, exec, create, */*, allow

g, role:admin, role:readonly
g, admin, role:admin
`;

/** The claims Argo reads groups from when argocd-rbac-cm sets no `scopes`. */
export const DEFAULT_SCOPES = ['groups'];

// Casbin's default role manager stops following `g` links after ten levels.
const MAX_HIERARCHY_LEVEL = 10;

// Resources whose object starts with `<project>/`, so the project's roles take part.
const PROJECT_SCOPED = new Set([
  'applications',
  'applicationsets',
  'repositories',
  'clusters',
  'logs',
  'exec',
]);

export interface PolicyRule {
  subject: string;
  resource: string;
  action: string;
  object: string;
  effect: string;
  /** Where the rule came from, for messages: `policy.csv line 3`. */
  source: string;
}

export interface GroupingRule {
  member: string;
  role: string;
  source: string;
}

export interface ParsedPolicy {
  policies: PolicyRule[];
  groupings: GroupingRule[];
  /** Lines Argo accepts but that can never apply (an effect other than allow / deny). */
  warnings: string[];
}

export class PolicyCsvError extends Error {
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(message);
    this.name = 'PolicyCsvError';
  }
}

/** One record as Go's encoding/csv reads it with TrimLeadingSpace (quotes, `""` escapes). */
function splitCsvRecord(line: string, where: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length)
          throw new PolicyCsvError(`${where}: unterminated quoted field in "${line}"`, where);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',')
        throw new PolicyCsvError(
          `${where}: extraneous or missing " in quoted field in "${line}"`,
          where,
        );
    } else {
      while (i < line.length && line[i] !== ',') {
        if (line[i] === '"')
          throw new PolicyCsvError(
            `${where}: bare " in a field that is not quoted in "${line}"; quote the whole field`,
            where,
          );
        field += line[i++];
      }
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

function parsePolicyLine(rawLine: string, where: string, into: ParsedPolicy): void {
  const line = rawLine.trim();
  if (line === '' || line.startsWith('#')) return;
  const tokens = splitCsvRecord(line, where);
  const kind = tokens[0];
  if (kind === 'p' && tokens.length === 6) {
    const [, subject, resource, action, object, effect] = tokens as [string, ...string[]];
    into.policies.push({
      subject: subject!,
      resource: resource!,
      action: action!,
      object: object!,
      effect: effect!,
      source: where,
    });
    if (effect !== 'allow' && effect !== 'deny')
      into.warnings.push(
        `${where}: effect '${effect}' is neither 'allow' nor 'deny', so the rule never applies`,
      );
    return;
  }
  if (kind === 'g' && tokens.length === 3) {
    into.groupings.push({ member: tokens[1]!, role: tokens[2]!, source: where });
    return;
  }
  throw new PolicyCsvError(
    `${where}: invalid RBAC policy "${line}": expected 'p, <subject>, <resource>, <action>, <object>, <allow|deny>' (6 fields) or 'g, <subject>, <role>' (3 fields), found ${tokens.length} field(s) starting with '${kind}'`,
    where,
  );
}

/**
 * Parses policy.csv text. Blank lines and `#` comments are skipped; any other malformed line
 * throws a PolicyCsvError naming its line number.
 */
export function parsePolicyCsv(csv: string, sourceName = 'policy.csv'): ParsedPolicy {
  const parsed: ParsedPolicy = { policies: [], groupings: [], warnings: [] };
  csv
    .split('\n')
    .forEach((line, i) => parsePolicyLine(line, `${sourceName} line ${i + 1}`, parsed));
  return parsed;
}

/**
 * Argo's PolicyCSV: `policy.csv` first, then every `policy.<overlay>.csv` key in sorted order,
 * each on its own lines.
 */
export function policyCsvFromConfigMap(data: Record<string, string>): string {
  let csv = data['policy.csv'] ?? '';
  for (const key of Object.keys(data).sort()) {
    if (key.startsWith('policy.') && key.endsWith('.csv') && key !== 'policy.csv')
      csv += `\n${data[key]}`;
  }
  return csv;
}

/** Enforcer options from argocd-rbac-cm's data (policy CSVs, policy.default, matchMode, scopes). */
export function enforcerOptionsFromConfigMap(
  data: Record<string, string>,
): Omit<EnforcerOptions, 'projects'> {
  const options: Omit<EnforcerOptions, 'projects'> = { policyCsv: policyCsvFromConfigMap(data) };
  if (data['policy.default']) options.defaultRole = data['policy.default'];
  if (data['policy.matchMode'] === 'regex') options.matchMode = 'regex';
  const scopes = data.scopes;
  if (scopes !== undefined && scopes.trim() !== '') {
    const value: unknown = parseYaml(scopes);
    if (!Array.isArray(value) || !value.every((s) => typeof s === 'string'))
      throw new Error(
        `argocd-rbac-cm data.scopes: expected a list of claim names such as '[groups, email]', got '${scopes}'`,
      );
    options.scopes = value;
  }
  return options;
}

export interface AppProjectLike {
  metadata: { name: string };
  spec: { roles?: ProjectRole[] };
  status?: { jwtTokensByRole?: Record<string, { items?: JWTToken[] }> };
}

export interface EnforcerOptions {
  /** The user policy (argocd-rbac-cm policy.csv plus overlays). */
  policyCsv: string;
  /** policy.default: a role every authenticated subject has. */
  defaultRole?: string;
  projects?: AppProjectLike[];
  /** Claims holding the user's groups (argocd-rbac-cm `scopes`); default `['groups']`. */
  scopes?: string[];
  matchMode?: 'glob' | 'regex';
  /** Replaces Argo's built-in policy (tests only; Argo always loads it). */
  builtinPolicyCsv?: string;
}

export interface Subject {
  sub: string;
  groups?: string[];
}

export interface RbacDecision {
  allowed: boolean;
  reason?: string;
}

/** The subject a project role's JWT token carries: `proj:<project>:<role>`. */
export function subjectForToken(projectName: string, roleName: string): string {
  if (!projectName || projectName.includes(':'))
    throw new Error(
      `project name '${projectName}' cannot form a token subject: it is empty or contains ':'`,
    );
  if (!roleName || roleName.includes(':'))
    throw new Error(
      `role name '${roleName}' cannot form a token subject: it is empty or contains ':'`,
    );
  return `proj:${projectName}:${roleName}`;
}

/** `proj:<project>:<role>` split into its parts, or undefined for any other subject. */
export function projectRoleFromSubject(
  subject: string,
): { project: string; role: string } | undefined {
  const parts = subject.split(':');
  if (parts.length === 3 && parts[0] === 'proj') return { project: parts[1]!, role: parts[2]! };
  return undefined;
}

/**
 * Whether a project token is still issued (Argo refuses revoked tokens): the role exists and
 * holds a token with this id, or, for old tokens without one, this issued-at time.
 */
export function projectTokenExists(
  project: AppProjectLike,
  roleName: string,
  token: { id?: string; iat?: number },
): boolean {
  const role = project.spec.roles?.find((r) => r.name === roleName);
  if (!role) return false;
  const tokens = [
    ...(project.status?.jwtTokensByRole?.[roleName]?.items ?? []),
    ...(role.jwtTokens ?? []),
  ];
  if (token.id && tokens.some((t) => t.id === token.id)) return true;
  return token.iat !== undefined && tokens.some((t) => t.iat === token.iat);
}

/** Argo's GetUserIdentifier: Dex's federated_claims.user_id, else `sub`. */
export function userIdentifier(claims: JsonObject): string {
  const federated = claims.federated_claims;
  if (federated && typeof federated === 'object' && !Array.isArray(federated)) {
    const userId = federated.user_id;
    if (typeof userId === 'string' && userId !== '') return userId;
  }
  return typeof claims.sub === 'string' ? claims.sub : '';
}

/** Argo's GetScopeValues: string and string-list claims named by the scopes, in order. */
export function scopeValues(claims: JsonObject, scopes: string[]): string[] {
  const values: string[] = [];
  for (const scope of scopes) {
    const value: Json | undefined = claims[scope];
    if (typeof value === 'string') values.push(value);
    else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') values.push(v);
  }
  return values;
}

/** The rules one decision consults: the policies and the `g` graph. */
class PolicySet {
  readonly rolesOf = new Map<string, string[]>();

  constructor(
    readonly policies: PolicyRule[],
    groupings: GroupingRule[],
  ) {
    for (const g of groupings) {
      const roles = this.rolesOf.get(g.member);
      if (roles) roles.push(g.role);
      else this.rolesOf.set(g.member, [g.role]);
    }
  }

  /** The subject and every role it reaches through `g` lines, as casbin's role manager. */
  identities(subject: string): Set<string> {
    const seen = new Set([subject]);
    let frontier = [subject];
    for (let level = 0; level < MAX_HIERARCHY_LEVEL && frontier.length > 0; level++) {
      const next: string[] = [];
      for (const name of frontier)
        for (const role of this.rolesOf.get(name) ?? [])
          if (!seen.has(role)) {
            seen.add(role);
            next.push(role);
          }
      frontier = next;
    }
    return seen;
  }
}

export class Enforcer {
  /** Problems that do not stop enforcement (effects that never apply, invalid project roles). */
  readonly warnings: string[] = [];
  private readonly global: PolicySet;
  private readonly globalParsed: ParsedPolicy;
  private readonly projects = new Map<string, AppProjectLike>();
  private readonly projectSets = new Map<string, PolicySet>();
  private readonly defaultRole: string;
  private readonly scopes: string[];
  private readonly match: (value: string, pattern: string) => boolean;

  constructor(options: EnforcerOptions) {
    const builtin = parsePolicyCsv(
      options.builtinPolicyCsv ?? BUILTIN_POLICY_CSV,
      'builtin-policy.csv',
    );
    const user = parsePolicyCsv(options.policyCsv, 'policy.csv');
    this.globalParsed = {
      policies: [...builtin.policies, ...user.policies],
      groupings: [...builtin.groupings, ...user.groupings],
      warnings: [...builtin.warnings, ...user.warnings],
    };
    this.warnings.push(...this.globalParsed.warnings);
    this.global = new PolicySet(this.globalParsed.policies, this.globalParsed.groupings);
    this.defaultRole = options.defaultRole ?? '';
    this.scopes = options.scopes ?? DEFAULT_SCOPES;
    this.match =
      options.matchMode === 'regex' ? regexMatch : (value, pattern) => globMatch(pattern, value);
    for (const project of options.projects ?? []) this.projects.set(project.metadata.name, project);
  }

  /** Whether the subject (a user and its groups, or a project token) may act on the object. */
  enforce(subject: Subject, resource: string, action: string, object: string): boolean {
    const project = this.projectForRequest(resource, object);
    const set = project ? this.projectSet(project) : this.global;
    if (this.defaultRole !== '') {
      if (this.decide(this.global, this.defaultRole, resource, action, object)) return true;
      if (this.decide(set, this.defaultRole, resource, action, object)) return true;
    }
    const token = projectRoleFromSubject(subject.sub);
    if (project && token) {
      // A token of another project gets nothing here, whatever policy.csv grants its subject.
      if (token.project !== project.metadata.name) return false;
      return this.decide(set, subject.sub, resource, action, object);
    }
    if (this.decide(set, subject.sub, resource, action, object)) return true;
    // Only groups that some `g` line names are tried: a group used directly as a `p` subject
    // without any `g` line grants nothing, exactly as in Argo CD.
    for (const group of subject.groups ?? []) {
      if (!set.rolesOf.has(group)) continue;
      if (this.decide(set, group, resource, action, object)) return true;
    }
    return false;
  }

  /** enforce() for a token's claims: the user from `sub` (or Dex's user_id), groups via scopes. */
  enforceClaims(claims: JsonObject, resource: string, action: string, object: string): boolean {
    const subject = { sub: userIdentifier(claims), groups: scopeValues(claims, this.scopes) };
    return this.enforce(subject, resource, action, object);
  }

  /** enforce() with Argo's denial message (`permission denied: applications, get, p/a, sub: x`). */
  check(subject: Subject, resource: string, action: string, object: string): RbacDecision {
    if (this.enforce(subject, resource, action, object)) return { allowed: true };
    const who = subject.sub !== '' ? `, sub: ${subject.sub}` : '';
    return {
      allowed: false,
      reason: `permission denied: ${resource}, ${action}, ${object}${who}`,
    };
  }

  private decide(
    set: PolicySet,
    subject: string,
    resource: string,
    action: string,
    object: string,
  ): boolean {
    const identities = set.identities(subject);
    let allowed = false;
    for (const rule of set.policies) {
      if (!identities.has(rule.subject)) continue;
      if (rule.effect !== 'allow' && rule.effect !== 'deny') continue;
      if (
        !this.match(resource, rule.resource) ||
        !this.match(action, rule.action) ||
        !this.match(object, rule.object)
      )
        continue;
      if (rule.effect === 'deny') return false;
      allowed = true;
    }
    return allowed;
  }

  private projectForRequest(resource: string, object: string): AppProjectLike | undefined {
    if (PROJECT_SCOPED.has(resource)) {
      const parts = object.split('/');
      return parts.length >= 2 ? this.projects.get(parts[0]!) : undefined;
    }
    // Project roles and their groups may always read their own project.
    if (resource === 'projects') return this.projects.get(object);
    return undefined;
  }

  private projectSet(project: AppProjectLike): PolicySet {
    const name = project.metadata.name;
    let set = this.projectSets.get(name);
    if (set) return set;
    const runtime: ParsedPolicy = { policies: [], groupings: [], warnings: [] };
    try {
      for (const [i, role] of (project.spec.roles ?? []).entries()) {
        const where = `AppProject '${name}' spec.roles[${i}]`;
        const subject = `proj:${name}:${role.name}`;
        parsePolicyLine(`p, ${subject}, projects, get, ${name}, allow`, where, runtime);
        for (const [j, policy] of (role.policies ?? []).entries())
          parsePolicyLine(policy, `${where}.policies[${j}]`, runtime);
        for (const group of role.groups ?? [])
          runtime.groupings.push({ member: group, role: subject, source: `${where}.groups` });
      }
      this.warnings.push(...runtime.warnings);
      set = new PolicySet(
        [...this.globalParsed.policies, ...runtime.policies],
        [...this.globalParsed.groupings, ...runtime.groupings],
      );
    } catch (e) {
      // As Argo: a project whose role policies do not parse contributes nothing, and requests
      // on it are judged by the global policy alone.
      this.warnings.push(`${(e as Error).message}; the project's roles are ignored`);
      set = this.global;
    }
    this.projectSets.set(name, set);
    return set;
  }
}

const regexCache = new Map<string, RegExp | null>();

/** casbin's RegexMatchFunc: an unanchored search; a bad expression matches nothing. */
function regexMatch(value: string, pattern: string): boolean {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern);
    } catch {
      re = null;
    }
    if (regexCache.size >= 10_000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re !== null && re.test(value);
}
