/**
 * Argo CD's AppProject: its spec, and the rules that decide what an Application in the project may
 * deploy (sources, destinations, resource kinds) and as whom (destination service accounts).
 * Pure decisions, each returning `{ allowed, reason }` with Argo's own messages, so the
 * application machine and the effect worker can quote them in conditions.
 *
 * The globs are Argo's two dialects (glob.ts): gobwas/glob (sources, destinations, RBAC objects,
 * sync windows) and Go's filepath.Match (resource group / kind / name lists).
 */

import { escapeRegex, filepathMatch, globMatch, isValidGlob } from './glob.js';
import { ACTIONS } from './rbac.js';

export interface GroupKind {
  group: string;
  kind: string;
}

/** A cluster-scoped restriction may also name the resource (a filepath.Match pattern). */
export interface ClusterResourceRestrictionItem extends GroupKind {
  name?: string;
}

export interface ApplicationDestination {
  server?: string;
  name?: string;
  namespace?: string;
}

export interface JWTToken {
  iat: number;
  exp?: number;
  id?: string;
}

export interface ProjectRole {
  name: string;
  description?: string;
  policies?: string[];
  jwtTokens?: JWTToken[];
  groups?: string[];
}

export interface SyncWindow {
  kind: string;
  schedule: string;
  duration: string;
  applications?: string[];
  namespaces?: string[];
  clusters?: string[];
  manualSync?: boolean;
  timeZone?: string;
  /** Argo's JSON name for UseAndOperator. */
  andOperator?: boolean;
  description?: string;
  syncOverrun?: boolean;
}

export interface DestinationServiceAccount {
  server: string;
  namespace?: string;
  defaultServiceAccount: string;
}

export interface AppProjectSpec {
  description?: string;
  sourceRepos?: string[];
  destinations?: ApplicationDestination[];
  clusterResourceWhitelist?: ClusterResourceRestrictionItem[];
  clusterResourceBlacklist?: ClusterResourceRestrictionItem[];
  namespaceResourceWhitelist?: GroupKind[];
  namespaceResourceBlacklist?: GroupKind[];
  roles?: ProjectRole[];
  syncWindows?: SyncWindow[];
  destinationServiceAccounts?: DestinationServiceAccount[];
  sourceNamespaces?: string[];
  permitOnlyProjectScopedClusters?: boolean;
}

export interface AppProject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string };
  spec: AppProjectSpec;
  status?: { jwtTokensByRole?: Record<string, { items?: JWTToken[] }> };
}

export interface Decision {
  allowed: boolean;
  reason?: string;
}

/**
 * The `default` project as the Argo CD API server creates it on first start: any source, any
 * destination server and namespace, every cluster-scoped kind (namespaced kinds need no
 * whitelist).
 */
export const DEFAULT_PROJECT: AppProject = Object.freeze({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AppProject',
  metadata: { name: 'default', namespace: 'argocd' },
  spec: {
    sourceRepos: ['*'],
    destinations: [{ server: '*', namespace: '*' }],
    clusterResourceWhitelist: [{ group: '*', kind: '*' }],
  },
}) as AppProject;

// ---------------------------------------------------------------------------------------------
// Globs

// Kept importable from here too: the project rules were their first home.
export { filepathMatch, globMatch, isValidGlob };

const isDenyPattern = (pattern: string): boolean => pattern.startsWith('!');

/** Argo's project globMatch: `!pattern` inverts, `*` matches everything. */
export function projectGlobMatch(
  pattern: string,
  value: string,
  allowNegation: boolean,
  separators = '',
): boolean {
  if (allowNegation && isDenyPattern(pattern))
    return !globMatch(pattern.slice(1), value, separators);
  if (pattern === '*') return true;
  return globMatch(pattern, value, separators);
}

// ---------------------------------------------------------------------------------------------
// Git URLs

const SSH_URL = /^(ssh:\/\/)?([^/:]*?)@[^@]+$/;
// Characters Go's url.Parse accepts in a host (letters, digits and RFC 3986's unreserved and
// sub-delims, plus the few Go tolerates); anything else makes the URL invalid.
const HOST_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"%]*$/;

/**
 * Argo's NormalizeGitURL: lower-case, `git@host:org/repo` as `host/org/repo`, no `.git` suffix,
 * no `ssh://`. An unparsable URL normalises to '' (as Argo's does), so two unparsable URLs
 * compare equal, an Argo quirk we keep.
 */
export function normalizeGitUrl(repo: string): string {
  let url = repo.trim().toLowerCase();
  if (SSH_URL.test(url) && !url.startsWith('ssh://')) {
    url = `ssh://${url.replace(':', '/')}`;
  }
  if (url.endsWith('.git')) url = url.slice(0, -4);
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/.exec(url);
  if (withScheme) {
    const authority = withScheme[1]!;
    const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
    const port = /:([^:\]]*)$/.exec(hostPort);
    if (port && !/^\d*$/.test(port[1]!)) return '';
    if (!HOST_CHARS.test(hostPort)) return '';
  }
  return url.startsWith('ssh://') ? url.slice('ssh://'.length) : url;
}

// ---------------------------------------------------------------------------------------------
// Decisions

/**
 * Argo's IsSourcePermitted: a source is permitted if some pattern matches it and no `!pattern`
 * excludes it. A `!pattern` counts as matching every URL it does not exclude, so a list holding
 * only negations permits everything else (as in Argo). URLs are normalised and `*` does not
 * cross `/` (use `**` for sub-groups).
 */
export function isSourcePermitted(project: AppProject, repoURL: string): Decision {
  const source = normalizeGitUrl(repoURL);
  let anyMatched = false;
  let excluded = false;
  for (const pattern of project.spec.sourceRepos ?? []) {
    const normalized = isDenyPattern(pattern)
      ? `!${normalizeGitUrl(pattern.slice(1))}`
      : normalizeGitUrl(pattern);
    const matched = projectGlobMatch(normalized, source, true, '/');
    if (matched) anyMatched = true;
    else if (isDenyPattern(normalized)) {
      excluded = true;
      break;
    }
  }
  if (anyMatched && !excluded) return { allowed: true };
  return {
    allowed: false,
    reason: `application repo ${repoURL} is not permitted in project '${project.metadata.name}'`,
  };
}

/**
 * Argo's isDestinationMatched. Pass both the server and the name of the resolved cluster (Argo
 * resolves `destination.name` to a cluster before checking); a project entry matches by either.
 */
export function isDestinationPermitted(
  project: AppProject,
  destination: ApplicationDestination,
): Decision {
  const server = destination.server ?? '';
  const name = destination.name ?? '';
  const namespace = destination.namespace ?? '';
  let anyMatched = false;
  let excluded = false;
  for (const item of project.spec.destinations ?? []) {
    const itemServer = item.server ?? '';
    const itemName = item.name ?? '';
    const itemNamespace = item.namespace ?? '';
    const nameMatched = name !== '' && projectGlobMatch(itemName, name, true);
    const serverMatched = server !== '' && projectGlobMatch(itemServer, server, true);
    const namespaceMatched = projectGlobMatch(itemNamespace, namespace, true);
    if ((serverMatched || nameMatched) && namespaceMatched) {
      anyMatched = true;
      continue;
    }
    // Argo's precedence, kept exactly: a negated name excludes on its own; a negated server
    // excludes only when the namespace matched; a negated namespace only when the server did.
    if (
      (!nameMatched && isDenyPattern(itemName)) ||
      (!serverMatched && isDenyPattern(itemServer) && namespaceMatched) ||
      (!namespaceMatched && isDenyPattern(itemNamespace) && serverMatched)
    ) {
      excluded = true;
      break;
    }
  }
  if (anyMatched && !excluded) return { allowed: true };
  const shown = name !== '' ? name : server;
  return {
    allowed: false,
    reason: `application destination server '${shown}' and namespace '${namespace}' do not match any of the allowed destinations in project '${project.metadata.name}'`,
  };
}

const inGroupKindList = (group: string, kind: string, list: GroupKind[]): boolean =>
  list.some((item) => filepathMatch(item.kind, kind) && filepathMatch(item.group, group));

const inNamedList = (
  group: string,
  kind: string,
  name: string,
  list: ClusterResourceRestrictionItem[],
): boolean =>
  list.some(
    (item) =>
      filepathMatch(item.kind, kind) &&
      filepathMatch(item.group, group) &&
      (!item.name || filepathMatch(item.name, name)),
  );

/**
 * Argo's IsGroupKindNamePermitted. Cluster-scoped kinds are denied unless the cluster whitelist
 * names them (an absent whitelist denies all). Namespaced kinds are allowed unless blacklisted,
 * or unless a namespace whitelist is present and misses them; note an empty whitelist (`[]`)
 * is present and denies every namespaced kind, while an absent one allows all.
 */
export function isGroupKindPermitted(
  project: AppProject,
  group: string,
  kind: string,
  namespaced: boolean,
  name = '',
): Decision {
  const spec = project.spec;
  let allowed: boolean;
  if (namespaced) {
    const whitelist = spec.namespaceResourceWhitelist;
    const blacklist = spec.namespaceResourceBlacklist ?? [];
    const whitelisted = whitelist === undefined || inGroupKindList(group, kind, whitelist);
    allowed = whitelisted && !inGroupKindList(group, kind, blacklist);
  } else {
    const whitelist = spec.clusterResourceWhitelist ?? [];
    const blacklist = spec.clusterResourceBlacklist ?? [];
    allowed =
      inNamedList(group, kind, name, whitelist) && !inNamedList(group, kind, name, blacklist);
  }
  if (allowed) return { allowed: true };
  return {
    allowed: false,
    reason: `resource ${group}:${kind} is not permitted in project ${project.metadata.name}`,
  };
}

// Argo refuses these in a defaultServiceAccount: they would make it a pattern or a path.
const SERVICE_ACCOUNT_DISALLOWED = /[!*[\]{}\\/]/;

export interface ServiceAccountDecision {
  /** `system:serviceaccount:<namespace>:<name>`, or undefined when no entry matches. */
  serviceAccount?: string;
  /** Set when the matching entry is invalid; the sync must fail with it. */
  error?: string;
}

/**
 * Argo's DeriveServiceAccountToImpersonate: the first destinationServiceAccounts entry whose
 * server and namespace globs match wins. A bare account name takes the destination namespace
 * (or the Application's namespace when the destination has none); `ns:name` is used as is.
 */
export function destinationServiceAccount(
  project: AppProject,
  destination: { server: string; namespace?: string },
  applicationNamespace = '',
): ServiceAccountDecision {
  const namespace = destination.namespace ?? '';
  const accountNamespace = namespace !== '' ? namespace : applicationNamespace;
  for (const [i, item] of (project.spec.destinationServiceAccounts ?? []).entries()) {
    const path = `spec.destinationServiceAccounts[${i}]`;
    if (!isValidGlob(item.server))
      return {
        error: `invalid glob pattern for destination server: ${path}.server '${item.server}'`,
      };
    if (!isValidGlob(item.namespace ?? ''))
      return {
        error: `invalid glob pattern for destination namespace: ${path}.namespace '${item.namespace}'`,
      };
    if (!globMatch(item.server, destination.server) || !globMatch(item.namespace ?? '', namespace))
      continue;
    const account = item.defaultServiceAccount ?? '';
    if (account.trim() === '' || SERVICE_ACCOUNT_DISALLOWED.test(account))
      return {
        error: `default service account contains invalid chars '${account}' (${path}.defaultServiceAccount)`,
      };
    if (account.includes(':')) return { serviceAccount: `system:serviceaccount:${account}` };
    return { serviceAccount: `system:serviceaccount:${accountNamespace}:${account}` };
  }
  return {};
}

/** Argo's IsAppNamespacePermitted: Applications outside the control namespace need a match. */
export function isAppNamespacePermitted(
  project: AppProject,
  applicationNamespace: string,
  controlNamespace: string,
): boolean {
  if (applicationNamespace === '' || applicationNamespace === controlNamespace) return true;
  return (project.spec.sourceNamespaces ?? []).some((pattern) => {
    if (pattern.length > 1 && pattern.startsWith('/') && pattern.endsWith('/')) {
      try {
        if (new RegExp(pattern.slice(1, -1)).test(applicationNamespace)) return true;
      } catch {
        // An invalid regular expression falls through to glob matching, as in Argo.
      }
    }
    return globMatch(pattern, applicationNamespace);
  });
}

// ---------------------------------------------------------------------------------------------
// Role validation (what Argo's API refuses when a project is created or updated)

const ROLE_NAME = /^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const PROJECT_SCOPED_RESOURCES = new Set([
  'applications',
  'applicationsets',
  'repositories',
  'exec',
  'logs',
  'clusters',
]);
// Argo builds validActions from the RBAC actions too: all but `action` (valid only with a `/...`
// suffix, below) and `invoke`, plus `*`.
const PROJECT_ACTIONS = new Set<string>([
  ...ACTIONS.filter((a) => a !== 'action' && a !== 'invoke'),
  '*',
]);

function isValidProjectAction(action: string): boolean {
  if (PROJECT_ACTIONS.has(action)) return true;
  // Argo's patterns are unanchored (`action/.*`), so the prefix may appear anywhere.
  return /(action|update|delete)\//.test(action);
}

/**
 * Argo's validation of a project role's policy line: `p, proj:<project>:<role>, <resource>,
 * <action>, <project>[/<namespace>]/<app>, allow|deny`. Returns the error, or undefined.
 */
export function validateProjectPolicy(
  projectName: string,
  roleName: string,
  policy: string,
): string | undefined {
  const parts = policy.split(',').map((p) => p.trim());
  const where = `invalid policy rule '${policy}'`;
  if (parts.length !== 6 || parts[0] !== 'p')
    return `${where}: must be of the form: 'p, sub, res, act, obj, eft'`;
  const [, subject, resource, action, object, effect] = parts as [string, ...string[]];
  const expected = `proj:${projectName}:${roleName}`;
  if (subject !== expected)
    return `${where}: policy subject must be: '${expected}', not '${subject}'`;
  if (!PROJECT_SCOPED_RESOURCES.has(resource!))
    return `${where}: project resource must be: 'applications', 'applicationsets', 'repositories', 'exec', 'logs' or 'clusters', not '${resource}'`;
  if (!isValidProjectAction(action!)) return `${where}: invalid action '${action}'`;
  const objectPattern = new RegExp(`^${escapeRegex(projectName)}(/[*\\w\\-.]+)?/[*\\w\\-.]+$`);
  if (!objectPattern.test(object!))
    return `${where}: object must be of form '${projectName}/*', '${projectName}[/<NAMESPACE>]/<APPNAME>' or '${projectName}/<APPNAME>', not '${object}'`;
  if (effect !== 'allow' && effect !== 'deny') return `${where}: effect must be: 'allow' or 'deny'`;
  return undefined;
}

/** Every role problem Argo's ValidateProject would report, with its field path. */
export function validateProjectRoles(project: AppProject): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const [i, role] of (project.spec.roles ?? []).entries()) {
    const path = `spec.roles[${i}]`;
    if (seen.has(role.name)) errors.push(`${path}.name: role '${role.name}' already exists`);
    seen.add(role.name);
    if (!ROLE_NAME.test(role.name))
      errors.push(
        `${path}.name: invalid role name '${role.name}'. Must consist of alphanumeric characters, '-' or '_', and must start and end with an alphanumeric character`,
      );
    const policies = new Set<string>();
    for (const [j, policy] of (role.policies ?? []).entries()) {
      if (policies.has(policy))
        errors.push(
          `${path}.policies[${j}]: policy '${policy}' already exists for role '${role.name}'`,
        );
      policies.add(policy);
      const error = validateProjectPolicy(project.metadata.name, role.name, policy);
      if (error) errors.push(`${path}.policies[${j}]: ${error}`);
    }
  }
  return errors;
}
