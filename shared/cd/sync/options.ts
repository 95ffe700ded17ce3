/**
 * Sync options as Argo CD reads them: the Application's `spec.syncPolicy.syncOptions` (a list of
 * `Key=Value` strings) and a resource's `argocd.argoproj.io/sync-options` annotation (the same
 * strings, comma separated). Argo matches whole strings (`HasOption("CreateNamespace=true")`), so
 * `CreateNamespace=True` does nothing there; we do the same and say so in a warning instead of
 * ignoring it silently.
 */
import type { KubeObject } from '../../core/objects.js';
import type { PropagationPolicy } from '../../core/kubernetes.js';

export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

/** Values of the `Prune` and `Delete` options (resource-level values override the app's). */
export type RemovalOption = 'true' | 'false' | 'confirm';

export interface AppSyncOptions {
  createNamespace: boolean;
  pruneLast: boolean;
  /** App-wide default for resources without their own `Prune=` option. */
  prune?: RemovalOption;
  /** App-wide default for resources without their own `Delete=` option (app deletion only). */
  delete?: RemovalOption;
  serverSideApply: boolean;
  replace: boolean;
  applyOutOfSyncOnly: boolean;
  /** Argo deletes pruned resources with foreground propagation unless told otherwise. */
  prunePropagationPolicy: PropagationPolicy;
  validate: boolean;
  respectIgnoreDifferences: boolean;
  skipDryRunOnMissingResource: boolean;
  failOnSharedResource: boolean;
  clientSideApplyMigration: boolean;
}

export interface ResourceSyncOptions {
  prune?: RemovalOption;
  delete?: RemovalOption;
  pruneLast: boolean;
  replace: boolean;
  force: boolean;
  /** undefined when the annotation does not mention it; `false` overrides the app's `true`. */
  serverSideApply?: boolean;
  /** false only with `Validate=false`. */
  validate: boolean;
  skipDryRunOnMissingResource: boolean;
}

export interface Parsed<T> {
  options: T;
  /** One sentence per option we did not act on, naming it and where it was. */
  warnings: string[];
}

export const DEFAULT_APP_SYNC_OPTIONS: Readonly<AppSyncOptions> = Object.freeze({
  createNamespace: false,
  pruneLast: false,
  serverSideApply: false,
  replace: false,
  applyOutOfSyncOnly: false,
  prunePropagationPolicy: 'Foreground',
  validate: true,
  respectIgnoreDifferences: false,
  skipDryRunOnMissingResource: false,
  failOnSharedResource: false,
  clientSideApplyMigration: true,
});

const PROPAGATION: Record<string, PropagationPolicy> = {
  foreground: 'Foreground',
  background: 'Background',
  orphan: 'Orphan',
};

type Setter<T> = (options: T, value: string) => boolean;

/**
 * A `true`/`false` option. Argo asks HasOption("X=<effective>"), so only that value acts and the
 * other is a valid no-op; listing both makes the acting one win, as in Argo.
 */
function flag<T>(set: (options: T) => void, effective: 'true' | 'false' = 'true'): Setter<T> {
  return (options, value) => {
    if (value !== 'true' && value !== 'false') return false;
    if (value === effective) set(options);
    return true;
  };
}

/** `Prune=` / `Delete=`: Argo's GetOptionValue takes the first entry with the key. */
function removal<T extends { prune?: RemovalOption; delete?: RemovalOption }>(
  field: 'prune' | 'delete',
): Setter<T> {
  return (options, value) => {
    if (value !== 'true' && value !== 'false' && value !== 'confirm') return false;
    options[field] ??= value;
    return true;
  };
}

const APP_KEYS: Record<string, Setter<AppSyncOptions>> = {
  CreateNamespace: flag((o) => (o.createNamespace = true)),
  PruneLast: flag((o) => (o.pruneLast = true)),
  Prune: removal('prune'),
  Delete: removal('delete'),
  ServerSideApply: flag((o) => (o.serverSideApply = true)),
  Replace: flag((o) => (o.replace = true)),
  ApplyOutOfSyncOnly: flag((o) => (o.applyOutOfSyncOnly = true)),
  PrunePropagationPolicy: (o, value) => {
    const policy = PROPAGATION[value];
    if (policy === undefined) return false;
    o.prunePropagationPolicy = policy;
    return true;
  },
  Validate: flag((o) => (o.validate = false), 'false'),
  RespectIgnoreDifferences: flag((o) => (o.respectIgnoreDifferences = true)),
  SkipDryRunOnMissingResource: flag((o) => (o.skipDryRunOnMissingResource = true)),
  FailOnSharedResource: flag((o) => (o.failOnSharedResource = true)),
  ClientSideApplyMigration: flag((o) => (o.clientSideApplyMigration = false), 'false'),
};

/**
 * Argo reads each resource-level option with HasAnnotationOption(obj, "X=true"), so only the
 * values it names have an effect: `Replace=false` cannot undo the app's `Replace=true`, while
 * `ServerSideApply=false` can undo the app's `ServerSideApply=true`.
 */
const RESOURCE_KEYS: Record<string, Setter<ResourceSyncOptions>> = {
  Prune: removal('prune'),
  Delete: removal('delete'),
  PruneLast: flag((o) => (o.pruneLast = true)),
  Replace: flag((o) => (o.replace = true)),
  Force: flag((o) => (o.force = true)),
  // Argo checks ServerSideApply=false first: it wins over a true in the same annotation.
  ServerSideApply: (o, value) => {
    if (value !== 'true' && value !== 'false') return false;
    if (value === 'false' || o.serverSideApply === undefined) o.serverSideApply = value === 'true';
    return true;
  },
  Validate: flag((o) => (o.validate = false), 'false'),
  SkipDryRunOnMissingResource: flag((o) => (o.skipDryRunOnMissingResource = true)),
};

function applyEntries<T>(
  entries: readonly string[],
  keys: Record<string, Setter<T>>,
  options: T,
  where: (index: number) => string,
): string[] {
  const warnings: string[] = [];
  entries.forEach((raw, index) => {
    const entry = raw.trim();
    if (entry === '') return;
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    const value = eq < 0 ? '' : entry.slice(eq + 1);
    const setter = Object.hasOwn(keys, key) ? keys[key] : undefined;
    if (setter === undefined) {
      warnings.push(
        `${where(index)}: unknown sync option "${entry}" ignored; known options: ${Object.keys(keys).join(', ')}`,
      );
    } else if (!setter(options, value)) {
      warnings.push(
        `${where(index)}: sync option "${entry}" has a value Argo CD does not act on; write ${key}=${expectedValues(key)}`,
      );
    }
  });
  return warnings;
}

function expectedValues(key: string): string {
  if (key === 'Prune' || key === 'Delete') return 'true|false|confirm';
  if (key === 'PrunePropagationPolicy') return 'foreground|background|orphan';
  return 'true|false';
}

/** `spec.syncPolicy.syncOptions` (or an operation's `sync.syncOptions`). */
export function parseSyncOptions(
  list: readonly string[] | undefined,
  path = 'spec.syncPolicy.syncOptions',
): Parsed<AppSyncOptions> {
  const options: AppSyncOptions = { ...DEFAULT_APP_SYNC_OPTIONS };
  const warnings = applyEntries(list ?? [], APP_KEYS, options, (i) => `${path}[${i}]`);
  return { options, warnings };
}

function resourceName(obj: KubeObject): string {
  const ns = obj.metadata.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.kind} ${ns}${obj.metadata.name}`;
}

/** A resource's `argocd.argoproj.io/sync-options` annotation. */
export function parseResourceSyncOptions(obj: KubeObject | undefined): Parsed<ResourceSyncOptions> {
  const options: ResourceSyncOptions = {
    pruneLast: false,
    replace: false,
    force: false,
    validate: true,
    skipDryRunOnMissingResource: false,
  };
  const text = obj?.metadata.annotations?.[SYNC_OPTIONS_ANNOTATION];
  if (obj === undefined || text === undefined) return { options, warnings: [] };
  const where = () => `${resourceName(obj)}: metadata.annotations["${SYNC_OPTIONS_ANNOTATION}"]`;
  const warnings = applyEntries(text.split(','), RESOURCE_KEYS, options, where);
  return { options, warnings };
}

/** The resource's `Prune=` value, else the app's default (Argo's isPruningDisabled / confirm). */
function pruneValue(
  live: KubeObject | undefined,
  app: Pick<AppSyncOptions, 'prune'>,
): RemovalOption | undefined {
  return parseResourceSyncOptions(live).options.prune ?? app.prune;
}

export function isPruningDisabled(
  live: KubeObject | undefined,
  app: Pick<AppSyncOptions, 'prune'>,
): boolean {
  return pruneValue(live, app) === 'false';
}

export function requiresPruneConfirmation(
  live: KubeObject | undefined,
  app: Pick<AppSyncOptions, 'prune'>,
): boolean {
  return pruneValue(live, app) === 'confirm';
}

/**
 * Whether deleting the Application deletes this resource (Argo's shouldBeDeleted): not with
 * `Delete=false` (resource value first, then the app's), never a CRD, never one Helm keeps.
 */
export function isDeletedWithApp(obj: KubeObject, app: Pick<AppSyncOptions, 'delete'>): boolean {
  const value = parseResourceSyncOptions(obj).options.delete ?? app.delete;
  const isCrd =
    obj.kind === 'CustomResourceDefinition' && obj.apiVersion.startsWith('apiextensions.k8s.io/');
  const helmPolicy = (obj.metadata.annotations?.['helm.sh/resource-policy'] ?? '')
    .split(',')
    .map((v) => v.trim());
  return !isCrd && value !== 'false' && !helmPolicy.includes('keep');
}

/** Argo's isObjRequiresDeletionConfirmation: `Delete=confirm` or `Prune=confirm`. */
export function requiresDeletionConfirmation(
  obj: KubeObject,
  app: Pick<AppSyncOptions, 'delete' | 'prune'>,
): boolean {
  const own = parseResourceSyncOptions(obj).options;
  return (own.delete ?? app.delete) === 'confirm' || (own.prune ?? app.prune) === 'confirm';
}
