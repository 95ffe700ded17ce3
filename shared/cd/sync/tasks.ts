/**
 * The tasks of one sync operation, in the order Argo runs them (gitops-engine getSyncTasks and
 * syncTasks.Sort): every desired resource in Sync, every hook in each of its phases, every
 * tracked live resource that is no longer desired as a prune, ordered by phase, wave, kind and
 * name; then Namespaces moved before what lives in them and CRDs before their resources.
 * Pure: the application machine passes what it observed and turns tasks into effects.
 */
import type { KubeObject } from '../../core/objects.js';
import type { PropagationPolicy } from '../../core/kubernetes.js';
import { resolveKind } from '../../resources/catalog.js';
import {
  type HookDeletePolicy,
  type SyncPhase,
  hookDeletePolicies,
  hookTarget,
  isHook,
  isIgnoredByHook,
  syncPhasesOf,
  syncWave,
} from './hooks.js';
import {
  type AppSyncOptions,
  DEFAULT_APP_SYNC_OPTIONS,
  isPruningDisabled,
  parseResourceSyncOptions,
  requiresPruneConfirmation,
} from './options.js';

export type SyncAction = 'apply' | 'create' | 'replace' | 'update' | 'prune' | 'hook';

/** How the resource compares with its desired state (Argo's sync status of one resource). */
export type ResourceSyncStatus = 'Synced' | 'OutOfSync' | 'Missing';

/** Argo's SyncOperationResource: a selective sync's entry; an empty namespace matches any. */
export interface SyncResourceFilter {
  group?: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface SyncTask {
  /** `<group>/<kind>/<namespace>/<name>:<phase>`: Argo's result key, unique within the plan. */
  id: string;
  phase: SyncPhase;
  wave: number;
  group: string;
  kind: string;
  namespace: string;
  name: string;
  action: SyncAction;
  /** The object to apply (absent for a prune). */
  targetObj?: KubeObject;
  /** The tracked live object (for a hook: an earlier object of the same name). */
  liveObj?: KubeObject;
  /** Set for hooks: their delete policies (BeforeHookCreation when none is named). */
  hookDeletePolicies?: HookDeletePolicy[];
  /**
   * The task runs without touching the cluster: `PruneSkipped` is recorded as its result when its
   * wave runs; `Unmodified` tasks (ApplyOutOfSyncOnly) never run and record nothing.
   */
  skip?: { result: 'PruneSkipped' | 'Unmodified'; message: string };
  /** Prune waits for the user's confirmation (`Prune=confirm`). */
  requiresPruneConfirmation?: boolean;
  propagationPolicy?: PropagationPolicy;
  /** How to apply: kubectl's flags as Argo would pass them. */
  serverSideApply?: boolean;
  force?: boolean;
  validate?: boolean;
  /** With the kind unknown to the server, skip the dry run rather than fail it. */
  skipDryRunOnMissingResource?: boolean;
  dryRun?: boolean;
}

export type DiffLookup =
  | ((obj: KubeObject) => ResourceSyncStatus | undefined)
  | Readonly<Record<string, ResourceSyncStatus>>;

export interface PlanSyncInput {
  /** Rendered manifests, hooks included. */
  desired: readonly KubeObject[];
  /** The live objects the Application tracks (its managed resources, old hooks included). */
  live: readonly KubeObject[];
  /**
   * Each resource's comparison: a function of the desired object, or a map keyed by the resource
   * key of the live object. Only ApplyOutOfSyncOnly reads it.
   */
  diffs?: DiffLookup;
  options?: AppSyncOptions;
  /** The operation's `prune` flag: without it a prune is recorded "ignored (requires pruning)". */
  prune: boolean;
  dryRun?: boolean;
  /** The sync strategy's force (`kubectl apply --force`). */
  force?: boolean;
  /** Selective sync: only these resources, and (as in Argo) no hooks. */
  resources?: readonly SyncResourceFilter[];
  /** Argo skips hooks for the `apply` sync strategy and for selective syncs. */
  skipHooks?: boolean;
  /** Names `generateName` hooks deterministically (see hookName). */
  operationId: string;
  revision?: string;
  /** `spec.destination.namespace`: the namespace of resources that name none. */
  namespace: string;
  /**
   * CreateNamespace: the destination Namespace as last observed (null: absent). Falls back to a
   * Namespace in `live`.
   */
  destinationNamespace?: KubeObject | null;
  /** `spec.syncPolicy.managedNamespaceMetadata`: applied to the namespace even when it exists. */
  managedNamespaceMetadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  /** Discovery's answer on scope; unknown kinds fall back to our catalog, then to namespaced. */
  namespaced?: (group: string, kind: string) => boolean | undefined;
}

/**
 * Helm's install order (releaseutil/kind_sorter.go), which Argo copies. Kinds not listed come
 * after every listed kind.
 */
export const KIND_ORDER: readonly string[] = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];
const KIND_RANK = new Map(KIND_ORDER.map((kind, i) => [kind, i]));
const PHASE_RANK: Record<SyncPhase, number> = { PreSync: -1, Sync: 0, PostSync: 1, SyncFail: 2 };

export function groupOf(obj: KubeObject): string {
  const apiVersion = obj.apiVersion ?? '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Argo's ResourceKey string: `<group>/<kind>/<namespace>/<name>`. */
export function resourceKey(obj: KubeObject): string {
  return `${groupOf(obj)}/${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

function isCrd(obj: KubeObject): boolean {
  return obj.kind === 'CustomResourceDefinition' && groupOf(obj) === 'apiextensions.k8s.io';
}

function isNamespaceNamed(obj: KubeObject | undefined, name: string): boolean {
  return (
    obj !== undefined &&
    obj.kind === 'Namespace' &&
    groupOf(obj) === '' &&
    obj.metadata.name === name
  );
}

/** Internal: a task while planning, before its wave is final. */
interface Draft {
  phase: SyncPhase;
  targetObj?: KubeObject;
  liveObj?: KubeObject;
  isHook: boolean;
  waveOverride?: number;
}

const objOf = (d: Draft): KubeObject => (d.targetObj ?? d.liveObj) as KubeObject;
const waveOf = (d: Draft): number => d.waveOverride ?? syncWave(objOf(d));
const isPrune = (d: Draft): boolean => d.targetObj === undefined;

function compareDrafts(a: Draft, b: Draft): number {
  const byPhase = PHASE_RANK[a.phase] - PHASE_RANK[b.phase];
  if (byPhase !== 0) return byPhase;
  const byWave = waveOf(a) - waveOf(b);
  if (byWave !== 0) return byWave;
  const oa = objOf(a);
  const ob = objOf(b);
  const byKind =
    (KIND_RANK.get(oa.kind) ?? KIND_ORDER.length) - (KIND_RANK.get(ob.kind) ?? KIND_ORDER.length);
  if (byKind !== 0) return byKind;
  const byName = compareStrings(oa.metadata.name, ob.metadata.name);
  // Argo's sort stops at the name (and is not stable); we break its ties so a plan is reproducible.
  return byName !== 0 ? byName : compareStrings(resourceKey(oa), resourceKey(ob));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Argo's adjustDeps: walking the sorted tasks, a dependency (a Namespace, a CRD) found after a
 * task that needs it moves to just before that task and takes its phase and wave.
 */
function adjustDeps(
  tasks: Draft[],
  isDep: (obj: KubeObject) => string | undefined,
  refersTo: (obj: KubeObject) => string | undefined,
): void {
  const firstIndexByDep = new Map<string, number>();
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i] as Draft;
    if (task.targetObj === undefined) continue;
    const dep = isDep(task.targetObj);
    if (dep !== undefined) {
      const index = firstIndexByDep.get(dep);
      if (index === undefined) continue;
      const first = tasks[index] as Draft;
      task.waveOverride = waveOf(first);
      task.phase = first.phase;
      tasks.splice(i, 1);
      tasks.splice(index, 0, task);
      for (const [key, at] of firstIndexByDep) if (at >= index) firstIndexByDep.set(key, at + 1);
    } else {
      const ref = refersTo(task.targetObj);
      if (ref !== undefined && !firstIndexByDep.has(ref)) firstIndexByDep.set(ref, i);
    }
  }
}

function sortDrafts(tasks: Draft[]): void {
  tasks.sort(compareDrafts);
  adjustDeps(
    tasks,
    (obj) => (obj.kind === 'Namespace' && groupOf(obj) === '' ? obj.metadata.name : undefined),
    (obj) => obj.metadata.namespace || undefined,
  );
  adjustDeps(
    tasks,
    (obj) => {
      if (!isCrd(obj)) return undefined;
      const spec = (obj.spec ?? {}) as { group?: unknown; names?: { kind?: unknown } };
      return typeof spec.group === 'string' && typeof spec.names?.kind === 'string'
        ? `${spec.group}/${spec.names.kind}`
        : undefined;
    },
    (obj) => `${groupOf(obj)}/${obj.kind}`,
  );
}

function isNamespacedKind(input: PlanSyncInput, group: string, kind: string): boolean {
  const answer = input.namespaced?.(group, kind);
  if (answer !== undefined) return answer;
  const known = resolveKind(kind);
  return known !== undefined && known.group === group ? known.namespaced : true;
}

/**
 * Argo sets the destination namespace on every target without one, cluster-scoped or not, and
 * relies on kubectl to ignore it; our Kubernetes port does not, so we leave known cluster-scoped
 * kinds alone.
 */
function withNamespace(obj: KubeObject, input: PlanSyncInput): KubeObject {
  if (obj.metadata.namespace || !isNamespacedKind(input, groupOf(obj), obj.kind)) return obj;
  return { ...obj, metadata: { ...obj.metadata, namespace: input.namespace } };
}

/** Argo's liveObj lookup: same group, kind and name; a cluster-scoped live object has no namespace. */
function findLive(live: readonly KubeObject[], target: KubeObject): KubeObject | undefined {
  return live.find(
    (l) =>
      groupOf(l) === groupOf(target) &&
      l.kind === target.kind &&
      l.metadata.name === target.metadata.name &&
      (!l.metadata.namespace || l.metadata.namespace === (target.metadata.namespace ?? '')),
  );
}

function matchesFilter(obj: KubeObject, filters: readonly SyncResourceFilter[]): boolean {
  return filters.some(
    (r) =>
      r.name === obj.metadata.name &&
      r.kind === obj.kind &&
      (r.group ?? '') === groupOf(obj) &&
      (!r.namespace || r.namespace === (obj.metadata.namespace ?? '')),
  );
}

/** A map is keyed by the live object's resource key, as Argo's modification results are. */
function diffStatus(
  diffs: DiffLookup | undefined,
  target: KubeObject,
  key: string,
): ResourceSyncStatus | undefined {
  if (diffs === undefined) return undefined;
  return typeof diffs === 'function' ? diffs(target) : diffs[key];
}

/** Pairs desired with live objects as gitops-engine's Reconcile does. */
function reconcile(input: PlanSyncInput): {
  resources: Draft[];
  hooks: KubeObject[];
  unmatchedLive: KubeObject[];
} {
  const resources: Draft[] = [];
  const hooks: KubeObject[] = [];
  const remaining = [...input.live];
  for (const raw of input.desired) {
    if (isIgnoredByHook(raw)) continue;
    if (isHook(raw)) {
      hooks.push(raw);
      continue;
    }
    const target = withNamespace(raw, input);
    const live = findLive(remaining, target);
    if (live !== undefined) remaining.splice(remaining.indexOf(live), 1);
    resources.push({ phase: 'Sync', targetObj: target, liveObj: live, isHook: false });
  }
  for (const live of remaining) resources.push({ phase: 'Sync', liveObj: live, isHook: false });
  return { resources, hooks, unmatchedLive: remaining };
}

/**
 * Argo's autoCreateNamespace with Argo CD's syncNamespace modifier: a PreSync task for the
 * destination namespace when no desired resource is that Namespace and it does not exist (or,
 * with managedNamespaceMetadata, always, to keep its labels and annotations by server-side apply).
 */
function namespaceTask(input: PlanSyncInput): Draft | undefined {
  if (!input.namespace) return undefined;
  const declared = input.desired.some(
    (obj) => !isHook(obj) && isNamespaceNamed(obj, input.namespace),
  );
  if (declared) return undefined;
  const live =
    input.destinationNamespace === undefined
      ? input.live.find((obj) => isNamespaceNamed(obj, input.namespace))
      : (input.destinationNamespace ?? undefined);
  const managed = input.managedNamespaceMetadata;
  if (live !== undefined && managed === undefined) return undefined;
  const target: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: input.namespace },
  };
  if (managed !== undefined) {
    target.metadata.labels = { ...(managed.labels ?? {}) };
    target.metadata.annotations = {
      ...(managed.annotations ?? {}),
      'argocd.argoproj.io/sync-options': 'ServerSideApply=true',
    };
  }
  return { phase: 'PreSync', targetObj: target, liveObj: live, isHook: false };
}

/**
 * Prune waves run in reverse: the sorted distinct waves of prune tasks are swapped end for end,
 * so what was created first is deleted last. PruneLast (app-wide or on the live resource) then
 * moves a prune to one wave after the last Sync-phase wave (at least 1).
 */
function orderPrunes(tasks: Draft[], options: AppSyncOptions): void {
  const prunes = tasks.filter(isPrune);
  const waves = [...new Set(prunes.map(waveOf))].sort((a, b) => a - b);
  const mirrored = new Map(waves.map((w, i) => [w, waves[waves.length - 1 - i] as number]));
  for (const task of prunes) task.waveOverride = mirrored.get(waveOf(task));
  let lastSyncWave = 0;
  for (const task of tasks)
    if (task.phase === 'Sync') lastSyncWave = Math.max(lastSyncWave, waveOf(task));
  for (const task of prunes) {
    if (options.pruneLast || parseResourceSyncOptions(task.liveObj).options.pruneLast) {
      task.waveOverride = lastSyncWave + 1;
    }
  }
}

function toTask(draft: Draft, input: PlanSyncInput, options: AppSyncOptions): SyncTask {
  const obj = objOf(draft);
  // Argo keys a task by its live object's namespace when there is one (cluster-scoped: none).
  const namespace = (draft.liveObj ?? obj).metadata.namespace ?? '';
  const group = groupOf(obj);
  const task: SyncTask = {
    id: `${group}/${obj.kind}/${namespace}/${obj.metadata.name}:${draft.phase}`,
    phase: draft.phase,
    wave: waveOf(draft),
    group,
    kind: obj.kind,
    namespace,
    name: obj.metadata.name,
    action: 'apply',
  };
  if (draft.targetObj !== undefined) task.targetObj = draft.targetObj;
  if (draft.liveObj !== undefined) task.liveObj = draft.liveObj;
  if (input.dryRun) task.dryRun = true;

  if (draft.targetObj === undefined) {
    task.action = 'prune';
    task.propagationPolicy = options.prunePropagationPolicy;
    if (!input.prune) task.skip = { result: 'PruneSkipped', message: 'ignored (requires pruning)' };
    else if (isPruningDisabled(draft.liveObj, options))
      task.skip = { result: 'PruneSkipped', message: 'ignored (no prune)' };
    if (requiresPruneConfirmation(draft.liveObj, options)) task.requiresPruneConfirmation = true;
    return task;
  }

  const own = parseResourceSyncOptions(draft.targetObj).options;
  const liveOwn = parseResourceSyncOptions(draft.liveObj).options;
  task.serverSideApply =
    !input.dryRun &&
    own.serverSideApply !== false &&
    (options.serverSideApply || own.serverSideApply === true);
  task.force = Boolean(input.force) || own.force || liveOwn.force;
  task.validate = options.validate && own.validate;
  task.skipDryRunOnMissingResource =
    options.skipDryRunOnMissingResource ||
    own.skipDryRunOnMissingResource ||
    input.desired.some((d) => definesKind(d, group, obj.kind));

  if (draft.isHook) {
    task.action = 'hook';
    task.hookDeletePolicies = hookDeletePolicies(draft.targetObj);
    return task;
  }
  if (options.replace || own.replace || liveOwn.replace) {
    // Argo never `kubectl replace`s a CRD or Namespace (it would delete what they hold): it updates.
    if (draft.liveObj === undefined) task.action = 'create';
    else
      task.action =
        isCrd(draft.targetObj) || draft.targetObj.kind === 'Namespace' ? 'update' : 'replace';
  }
  if (
    options.applyOutOfSyncOnly &&
    draft.liveObj !== undefined &&
    diffStatus(input.diffs, draft.targetObj, task.id.slice(0, task.id.lastIndexOf(':'))) ===
      'Synced'
  ) {
    task.skip = { result: 'Unmodified', message: 'skipped: Synced and ApplyOutOfSyncOnly=true' };
  }
  return task;
}

function definesKind(obj: KubeObject, group: string, kind: string): boolean {
  if (!isCrd(obj)) return false;
  const spec = (obj.spec ?? {}) as { group?: unknown; names?: { kind?: unknown } };
  return spec.group === group && spec.names?.kind === kind;
}

/** The ordered tasks of a sync operation. */
export function planSync(input: PlanSyncInput): SyncTask[] {
  const options = input.options ?? DEFAULT_APP_SYNC_OPTIONS;
  const { resources, hooks, unmatchedLive } = reconcile(input);
  const selective = input.resources !== undefined && input.resources.length > 0;
  const drafts: Draft[] = [];
  for (const draft of resources) {
    const obj = objOf(draft);
    // Live hooks from earlier syncs are never pruned; they are found again below by name.
    if (isHook(obj)) continue;
    if (selective && !matchesFilter(obj, input.resources ?? [])) continue;
    for (const phase of syncPhasesOf(obj)) drafts.push({ ...draft, phase });
  }
  if (!input.skipHooks && !selective) {
    for (const hook of hooks) {
      for (const phase of syncPhasesOf(hook)) {
        const target = withNamespace(
          hookTarget(hook, phase, input.operationId, input.revision),
          input,
        );
        drafts.push({
          phase,
          targetObj: target,
          liveObj: findLive(unmatchedLive, target),
          isHook: true,
        });
      }
    }
  }
  if (options.createNamespace) {
    const ns = namespaceTask(input);
    if (ns !== undefined) drafts.push(ns);
  }
  orderPrunes(drafts, options);
  sortDrafts(drafts);
  return drafts.map((d) => toTask(d, input, options));
}
