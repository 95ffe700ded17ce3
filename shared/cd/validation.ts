/**
 * Argo CD kinds checked when applied: first against the CRD's field schema (schema.ts: unknown
 * fields are warnings naming the path, wrong types and missing required fields errors), then the
 * rules Argo CD's API server applies before it stores an object, where they need no I/O:
 *
 * - Application: GetDestinationCluster's name-or-server rule, validateSourcePermissions' required
 *   source fields, ExplicitType's one source type, GetRefSources' ref keys, unique source names,
 *   the retry backoff's durations (Argo only finds a bad one when it first retries, and the sync
 *   then fails: we refuse it up front), the managed-by URL, sync options we would ignore.
 * - ApplicationSet: generators we cannot run refused by name, the matrix / merge shapes, selectors,
 *   applicationsSync; fields we accept and do not act on are warnings.
 * - AppProject: ValidateProject (destinations, sources, roles, groups, sync windows, destination
 *   service accounts).
 *
 * What needs other objects (the project exists and permits the source and destination, the
 * cluster named by `destination.name` is registered, the repository is reachable) is decided when
 * the Application is reconciled, as Argo reports it there as a condition.
 */
import type { KubeObject } from '../core/objects.js';
import type { KindValidator } from '../resources/validate-object.js';
import { kindValidators } from '../resources/validate-object.js';
import type { Obj } from '../rollouts/field-checks.js';
import {
  Checker,
  goDurationSeconds,
  isObj,
  listAt,
  objAt,
  strAt,
} from '../rollouts/field-checks.js';
import { UNSUPPORTED_GENERATORS } from './appset/generators/index.js';
import { checkSelector } from './appset/selector.js';
import { APPLICATIONS_SYNC_POLICIES, AppSetError, type LabelSelector } from './appset/types.js';
import { isValidGlob, validateProjectRoles, type AppProject } from './project.js';
import { checkCdSchema } from './schema.js';
import { validateSyncWindows } from './sync-windows.js';
import { parseSyncOptions } from './sync/options.js';

const MANAGED_BY_URL_ANNOTATION = 'argocd.argoproj.io/managed-by-url';

function kindValidator(
  kind: string,
  check: (c: Checker, object: KubeObject, spec: Obj) => void,
): KindValidator {
  return (object: KubeObject) => {
    const c = new Checker();
    const spec = object.spec;
    if (!isObj(spec)) {
      c.error('spec', `required: an ${kind} is its spec`);
      return c.result;
    }
    for (const issue of checkCdSchema(kind, object as Record<string, unknown>)) {
      if (issue.severity === 'error') c.error(issue.path, issue.message);
      else c.warn(issue.path, issue.message);
    }
    check(c, object, spec);
    return c.result;
  };
}

// ---------------------------------------------------------------------------------------------
// Application

const set = (v: unknown): boolean => v !== undefined && v !== null;

/** Argo's parseStringToDuration: a bare integer is seconds, else a Go duration. */
export function backoffDurationSeconds(text: string): number | undefined {
  if (/^[-+]?\d+$/.test(text)) return Number(text);
  return goDurationSeconds(text);
}

function checkApplication(c: Checker, object: KubeObject, spec: Obj): void {
  checkDestination(c, objAt(spec['destination']));
  checkSources(c, spec);
  const syncPolicy = objAt(spec['syncPolicy']);
  if (syncPolicy) {
    checkRetry(c, objAt(syncPolicy['retry']), 'spec.syncPolicy.retry');
    checkSyncOptions(c, syncPolicy['syncOptions'], 'spec.syncPolicy.syncOptions');
  }
  const operation = objAt(object['operation']);
  if (operation) {
    checkRetry(c, objAt(operation['retry']), 'operation.retry');
    const sync = objAt(operation['sync']);
    if (sync) checkSyncOptions(c, sync['syncOptions'], 'operation.sync.syncOptions');
  }
  const managedBy = object.metadata.annotations?.[MANAGED_BY_URL_ANNOTATION];
  if (managedBy !== undefined && managedBy !== '' && !/^https?:\/\/[^\s]*$/.test(managedBy))
    c.error(
      `metadata.annotations["${MANAGED_BY_URL_ANNOTATION}"]`,
      `invalid managed-by URL "${managedBy}": URL must include http or https protocol`,
    );
}

function checkDestination(c: Checker, destination: Obj | undefined): void {
  // A missing destination is the schema's "required".
  if (!destination) return;
  const server = strAt(destination['server']);
  const name = strAt(destination['name']);
  if (server !== '' && name !== '')
    c.error(
      'spec.destination',
      `application destination can't have both name and server defined: ${name} ${server}; keep one`,
    );
  else if (server === '' && name === '')
    c.error(
      'spec.destination',
      'one of server or name is required (https://kubernetes.default.svc or in-cluster for the home cluster)',
    );
}

function checkSources(c: Checker, spec: Obj): void {
  if (set(spec['sourceHydrator'])) {
    c.error(
      'spec.sourceHydrator',
      'not supported by argo-serverless (it commits rendered manifests back to git): use spec.source or spec.sources',
    );
    return;
  }
  const sources = listAt(spec['sources']);
  if (sources.length > 0) {
    if (set(spec['source']))
      c.warn(
        'spec.source',
        'ignored: spec.sources is set, and Argo CD then uses spec.sources only; remove one of them',
      );
    const names = new Set<string>();
    const refs = new Set<string>();
    sources.forEach((s, i) => {
      const source = objAt(s);
      if (!source) return;
      const at = `spec.sources[${i}]`;
      checkSource(c, source, at, true);
      const name = strAt(source['name']);
      if (name !== '' && names.has(name))
        c.error(`${at}.name`, `duplicate source name "${name}": source names must be unique`);
      names.add(name);
      const ref = strAt(source['ref']);
      if (ref === '') return;
      if (!/^[a-zA-Z0-9_-]+$/.test(ref))
        c.error(`${at}.ref`, `"${ref}" cannot contain any special characters except '_' and '-'`);
      else if (refs.has(ref))
        c.error(`${at}.ref`, `"${ref}" is already the ref of another source: refs must be unique`);
      refs.add(ref);
    });
    return;
  }
  const source = objAt(spec['source']);
  if (!source) {
    c.error(
      'spec.source',
      'required: give spec.source (or spec.sources) with a repoURL and a path or chart',
    );
    return;
  }
  checkSource(c, source, 'spec.source', false);
}

const SOURCE_TYPES: readonly (readonly [field: string, type: string])[] = [
  ['kustomize', 'Kustomize'],
  ['helm', 'Helm'],
  ['directory', 'Directory'],
  ['plugin', 'Plugin'],
];

function checkSource(c: Checker, source: Obj, at: string, multi: boolean): void {
  // repoURL missing is the schema's "required"; an empty one is Argo's own rule.
  if (source['repoURL'] === '')
    c.error(`${at}.repoURL`, 'required: the Git or Helm repository URL');
  const path = strAt(source['path']);
  const chart = strAt(source['chart']);
  if (path === '' && chart === '' && !(multi && strAt(source['ref']) !== ''))
    c.error(
      `${at}.path`,
      `required unless ${at}.chart${multi ? ` or ${at}.ref` : ''} is set (use "." for the repository root)`,
    );
  if (chart !== '' && strAt(source['targetRevision']) === '')
    c.error(
      `${at}.targetRevision`,
      `required when ${at}.chart is set: the chart version to deploy`,
    );
  const types = SOURCE_TYPES.filter(([field]) => set(source[field])).map(([, type]) => type);
  if (types.length > 1)
    c.error(at, `multiple application sources defined: ${types.join(',')}; keep only one of them`);
  if (set(source['plugin']))
    c.error(
      `${at}.plugin`,
      'config management plugins are not supported by argo-serverless (they run as repo-server sidecars): render with Helm, Kustomize or a directory of manifests',
    );
}

function checkRetry(c: Checker, retry: Obj | undefined, at: string): void {
  const backoff = objAt(retry?.['backoff']);
  if (!backoff) return;
  for (const field of ['duration', 'maxDuration']) {
    const value = backoff[field];
    if (typeof value !== 'string' || value === '') continue;
    if (backoffDurationSeconds(value) === undefined)
      c.error(
        `${at}.backoff.${field}`,
        `unable to parse "${value}" as a duration: use a Go duration such as 5s or 3m, or a number of seconds`,
      );
  }
}

function checkSyncOptions(c: Checker, options: unknown, at: string): void {
  if (!Array.isArray(options) || options.some((o) => typeof o !== 'string')) return;
  for (const warning of parseSyncOptions(options as string[], at).warnings)
    c.warnings.push(warning);
}

// ---------------------------------------------------------------------------------------------
// ApplicationSet

const NESTING_GENERATORS = ['matrix', 'merge'];

function checkApplicationSet(c: Checker, _object: KubeObject, spec: Obj): void {
  listAt(spec['generators']).forEach((g, i) => checkGenerator(c, g, `spec.generators[${i}]`, 0));
  const applicationsSync = objAt(spec['syncPolicy'])?.['applicationsSync'];
  if (
    typeof applicationsSync === 'string' &&
    !(APPLICATIONS_SYNC_POLICIES as readonly string[]).includes(applicationsSync)
  )
    c.error(
      'spec.syncPolicy.applicationsSync',
      `"${applicationsSync}" is not one of ${APPLICATIONS_SYNC_POLICIES.join(', ')}`,
    );
  if (set(spec['strategy']))
    c.warn(
      'spec.strategy',
      'accepted and not acted on: progressive syncs are not implemented, every generated Application syncs by its own policy',
    );
  if (set(spec['ignoreApplicationDifferences']))
    c.warn(
      'spec.ignoreApplicationDifferences',
      'accepted and not acted on: updates to generated Applications overwrite these fields',
    );
}

function checkGenerator(c: Checker, generator: unknown, at: string, depth: number): void {
  const g = objAt(generator);
  if (!g) return;
  for (const [key, value] of Object.entries(g)) {
    if (!set(value)) continue;
    const why = UNSUPPORTED_GENERATORS[key];
    if (why) {
      c.error(
        `${at}.${key}`,
        `the ${key} generator is not supported (${why}); use list, clusters, git, matrix or merge`,
      );
      continue;
    }
    if (!NESTING_GENERATORS.includes(key)) continue;
    // Argo's CRD allows one level of matrix/merge inside a matrix/merge, no deeper.
    if (depth > 1) {
      c.error(
        `${at}.${key}`,
        `a ${key} generator may be nested only one level inside another matrix or merge`,
      );
      continue;
    }
    const children = listAt(objAt(value)?.['generators']);
    if (key === 'matrix' && children.length !== 2)
      c.error(
        `${at}.matrix.generators`,
        `found ${children.length} generators, Matrix support only two`,
      );
    if (key === 'merge' && children.length < 2)
      c.error(
        `${at}.merge.generators`,
        'found less than two generators, Merge requires two or more',
      );
    children.forEach((child, i) =>
      checkGenerator(c, child, `${at}.${key}.generators[${i}]`, depth + 1),
    );
  }
  const selector = objAt(g['selector']);
  if (selector) {
    try {
      checkSelector(selector as LabelSelector, `${at}.selector`);
    } catch (err) {
      if (!(err instanceof AppSetError)) throw err;
      const [path, ...rest] = err.message.split(': ');
      c.error(path!, rest.join(': '));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// AppProject

const SERVICE_ACCOUNT_DISALLOWED = /[!*[\]{}\\/]/;

function checkAppProject(c: Checker, object: KubeObject, spec: Obj): void {
  const duplicate = (values: string[], path: string, what: (v: string) => string): void => {
    const seen = new Set<string>();
    values.forEach((v, i) => {
      if (seen.has(v)) c.error(`${path}[${i}]`, `${what(v)} already added: remove the repeat`);
      seen.add(v);
    });
  };
  const destinations = listAt(spec['destinations']).map((d) => objAt(d) ?? {});
  destinations.forEach((d, i) => {
    for (const field of ['name', 'server', 'namespace'])
      if (d[field] === '!*')
        c.error(
          `spec.destinations[${i}].${field}`,
          `${field} has an invalid format, '!*' (it would match nothing)`,
        );
  });
  duplicate(
    destinations.map((d) => {
      const server = strAt(d['server']);
      const key = server === '' && strAt(d['name']) !== '' ? strAt(d['name']) : server;
      return `${key}/${strAt(d['namespace'])}`;
    }),
    'spec.destinations',
    (k) => `destination '${k}'`,
  );
  const repos = listAt(spec['sourceRepos']).map(strAt);
  repos.forEach((r, i) => {
    if (r === '!*')
      c.error(`spec.sourceRepos[${i}]`, "source repository has an invalid format, '!*'");
  });
  duplicate(repos, 'spec.sourceRepos', (r) => `source repository '${r}'`);
  duplicate(
    listAt(spec['sourceNamespaces']).map(strAt),
    'spec.sourceNamespaces',
    (n) => `source namespace '${n}'`,
  );

  // project.ts and sync-windows.ts hold the role and window rules; both read typed fields, so
  // they run only on a spec whose schema check found no errors.
  if (c.errors.length === 0) {
    const project = { metadata: object.metadata, spec } as unknown as AppProject;
    for (const error of validateProjectRoles(project)) {
      const [path, ...rest] = error.split(': ');
      c.error(path!, rest.join(': '));
    }
    for (const error of validateSyncWindows(project.spec.syncWindows)) {
      const [path, ...rest] = error.split(': ');
      c.error(path!, rest.join(': '));
    }
  }
  listAt(spec['roles']).forEach((r, i) => {
    const groups = listAt(objAt(r)?.['groups']).map(strAt);
    groups.forEach((g, j) => {
      const problem = groupNameProblem(g);
      if (problem) c.error(`spec.roles[${i}].groups[${j}]`, problem);
    });
    duplicate(groups, `spec.roles[${i}].groups`, (g) => `group '${g}'`);
  });
  const accounts = listAt(spec['destinationServiceAccounts']).map((a) => objAt(a) ?? {});
  accounts.forEach((a, i) => {
    const at = `spec.destinationServiceAccounts[${i}]`;
    for (const field of ['server', 'namespace']) {
      const value = strAt(a[field]);
      if (value.includes('!') || !isValidGlob(value))
        c.error(
          `${at}.${field}`,
          `${field} has an invalid format, '${value}' (a glob without '!')`,
        );
    }
    const account = strAt(a['defaultServiceAccount']);
    if (account.trim() === '' || SERVICE_ACCOUNT_DISALLOWED.test(account))
      c.error(
        `${at}.defaultServiceAccount`,
        `defaultServiceAccount has an invalid format, '${account}' (a service account name, or namespace:name)`,
      );
  });
  duplicate(
    accounts.map((a) => `${strAt(a['server'])}/${strAt(a['namespace'])}`),
    'spec.destinationServiceAccounts',
    (k) => `destinationServiceAccount '${k}'`,
  );
}

/** Argo's validateGroupName: a group with a comma must be quoted; no quotes, tabs or newlines. */
function groupNameProblem(group: string): string | undefined {
  let name = group.trim();
  if (name.length > 1 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1);
  else if (name.includes(',')) return `group '${name}' must be quoted`;
  if (name === '') return `group '${name}' is empty`;
  if (/["\n\r\t]/.test(name)) return `group '${name}' contains invalid characters`;
  if (group.length > 1 && /^\s/.test(group)) return `group '${name}' contains a leading space`;
  if (group.length > 1 && /\s$/.test(group)) return `group '${name}' contains a trailing space`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------

export const validateApplication = kindValidator('Application', checkApplication);
export const validateApplicationSet = kindValidator('ApplicationSet', checkApplicationSet);
export const validateAppProject = kindValidator('AppProject', checkAppProject);

export const CD_VALIDATORS: Readonly<Record<string, KindValidator>> = {
  Application: validateApplication,
  ApplicationSet: validateApplicationSet,
  AppProject: validateAppProject,
};

export function registerCdValidators(): void {
  for (const [kind, validator] of Object.entries(CD_VALIDATORS))
    kindValidators.set(kind, validator);
}
