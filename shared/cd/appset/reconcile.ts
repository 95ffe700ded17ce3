/**
 * What the ApplicationSet controller writes after generating: Argo's createOrUpdateInCluster,
 * createInCluster and deleteInCluster, as a plan the caller executes.
 */
import { sameJson } from '../../core/objects.js';
import type { Json, JsonObject } from '../../core/types.js';
import {
  IN_CLUSTER_NAME,
  IN_CLUSTER_SERVER,
  POST_DELETE_FINALIZER,
  PRE_DELETE_FINALIZER,
  RESOURCES_FINALIZER,
  type Application,
  type ApplicationSet,
  type ApplicationsSyncPolicy,
  type RegisteredCluster,
} from './types.js';

export interface AppSetSyncOptions {
  /** The effective policy (see effectiveSyncPolicy); `sync` when absent. */
  applicationsSync?: ApplicationsSyncPolicy;
  preserveResourcesOnDeletion?: boolean;
  /** spec.preservedFields plus the controller's global ones: kept from the live Application. */
  preservedFields?: { annotations?: string[]; labels?: string[] };
  /**
   * The registered clusters. When given, an Application being deleted whose destination names
   * none of them loses its resources finalizer first, as Argo does (its resources cannot be
   * reached, and the finalizer would block the deletion forever).
   */
  clusters?: readonly RegisteredCluster[];
}

export interface AppDeletion {
  /** The Application as it should be just before deletion (finalizers possibly removed). */
  application: Application;
  /** Finalizers to remove before deleting; empty when none. */
  removeFinalizers: string[];
}

export interface AppSetPlan {
  create: Application[];
  /** The live Application with the generated fields written over it. */
  update: Application[];
  delete: AppDeletion[];
}

export const allowsUpdate = (p: ApplicationsSyncPolicy) => p === 'create-update' || p === 'sync';
export const allowsDelete = (p: ApplicationsSyncPolicy) => p === 'create-delete' || p === 'sync';

/**
 * Argo's DefaultPolicy: the controller's `--policy` wins unless policy override is enabled,
 * which it is by default exactly when the controller sets no policy.
 */
export function effectiveSyncPolicy(
  appSet: ApplicationSet,
  controller: { policy?: ApplicationsSyncPolicy; enablePolicyOverride?: boolean } = {},
): ApplicationsSyncPolicy {
  const override = controller.enablePolicyOverride ?? controller.policy === undefined;
  const own = appSet.spec.syncPolicy?.applicationsSync;
  if (own && override) return own;
  return controller.policy ?? 'sync';
}

/** Annotations Argo always keeps from the live Application (set by other controllers and users). */
const ALWAYS_PRESERVED_ANNOTATIONS = [
  'notified.notifications.argoproj.io',
  'argocd.argoproj.io/refresh',
  'argocd.argoproj.io/hydrate',
];

/**
 * `desired` are the valid generated Applications (see validateApplications); `generatedNames`
 * every generated name, valid or not (Argo does not delete an Application whose generated
 * version is invalid); `existing` the Applications this ApplicationSet owns.
 */
export function planAppSetChanges(
  desired: readonly Application[],
  existing: readonly Application[],
  options: AppSetSyncOptions = {},
  generatedNames: Iterable<string> = desired.map((a) => a.metadata.name),
): AppSetPlan {
  const policy = options.applicationsSync ?? 'sync';
  const live = new Map(existing.map((a) => [a.metadata.name, a]));
  const plan: AppSetPlan = { create: [], update: [], delete: [] };
  const ordered = [...desired].sort((a, b) => compare(a.metadata.name, b.metadata.name));
  for (const app of ordered) {
    const found = live.get(app.metadata.name);
    if (!found) plan.create.push(app);
    else if (allowsUpdate(policy)) {
      const updated = updatedApplication(found, app, options);
      if (!sameJson(updated, found)) plan.update.push(updated);
    }
  }
  if (allowsDelete(policy)) {
    const keep = new Set(generatedNames);
    for (const app of [...existing].sort((a, b) => compare(a.metadata.name, b.metadata.name))) {
      if (keep.has(app.metadata.name)) continue;
      plan.delete.push(deletion(app, options));
    }
  }
  return plan;
}

/**
 * What Argo writes over a live Application: the generated spec, labels, annotations and
 * finalizers, keeping preserved annotations/labels and the pre/post-delete hook finalizers.
 */
function updatedApplication(
  found: Application,
  app: Application,
  options: AppSetSyncOptions,
): Application {
  const annotations = { ...(app.metadata.annotations ?? {}) };
  const liveAnnotations = found.metadata.annotations ?? {};
  for (const key of [
    ...(options.preservedFields?.annotations ?? []),
    ...ALWAYS_PRESERVED_ANNOTATIONS,
  ])
    if (key in liveAnnotations) annotations[key] = liveAnnotations[key]!;
  const labels = { ...(app.metadata.labels ?? {}) };
  const liveLabels = found.metadata.labels ?? {};
  for (const key of options.preservedFields?.labels ?? [])
    if (key in liveLabels) labels[key] = liveLabels[key]!;
  const finalizers = [...(app.metadata.finalizers ?? [])];
  for (const prefix of [PRE_DELETE_FINALIZER, POST_DELETE_FINALIZER])
    for (const f of found.metadata.finalizers ?? []) if (f.startsWith(prefix)) finalizers.push(f);
  const metadata = { ...found.metadata };
  setOrDrop(metadata, 'annotations', Object.keys(annotations).length > 0 ? annotations : undefined);
  setOrDrop(metadata, 'labels', Object.keys(labels).length > 0 ? labels : undefined);
  setOrDrop(metadata, 'finalizers', finalizers.length > 0 ? finalizers : undefined);
  if (app.metadata.ownerReferences !== undefined)
    metadata.ownerReferences = app.metadata.ownerReferences;
  const updated: Application = { ...found, metadata, spec: app.spec };
  // A generated `operation` starts a sync on the live Application.
  if (app['operation'] !== undefined) updated['operation'] = app['operation'];
  return updated;
}

function setOrDrop(
  meta: Application['metadata'],
  key: 'annotations' | 'labels' | 'finalizers',
  v: Json | undefined,
) {
  if (v === undefined) delete meta[key];
  else (meta as Record<string, Json | undefined>)[key] = v;
}

function deletion(app: Application, options: AppSetSyncOptions): AppDeletion {
  const finalizers = app.metadata.finalizers ?? [];
  // preserveResourcesOnDeletion: Argo renders Applications without the resources finalizer, so
  // under `sync` an update has removed it before any deletion. We also drop it here, so an
  // Application created before the flag was set (kept by create-delete) leaves its resources too.
  const strip =
    options.preserveResourcesOnDeletion === true ||
    (options.clusters !== undefined && !destinationKnown(app, options.clusters));
  const removeFinalizers = strip ? finalizers.filter((f) => f === RESOURCES_FINALIZER) : [];
  if (removeFinalizers.length === 0) return { application: app, removeFinalizers };
  const kept = finalizers.filter((f) => f !== RESOURCES_FINALIZER);
  const metadata = { ...app.metadata };
  setOrDrop(metadata, 'finalizers', kept.length > 0 ? kept : undefined);
  return { application: { ...app, metadata }, removeFinalizers };
}

/** The destination names a registered cluster (by server or name); in-cluster is always known. */
function destinationKnown(app: Application, clusters: readonly RegisteredCluster[]): boolean {
  const dest = (app.spec['destination'] ?? {}) as JsonObject;
  const server = typeof dest['server'] === 'string' ? dest['server'] : '';
  const name = typeof dest['name'] === 'string' ? dest['name'] : '';
  const known = [...clusters];
  if (!known.some((c) => c.server === IN_CLUSTER_SERVER))
    known.push({ name: IN_CLUSTER_NAME, server: IN_CLUSTER_SERVER });
  if (name !== '') return known.some((c) => c.name === name);
  return known.some((c) => c.server === server);
}

export interface AppSetDeletionPlan {
  /** Applications to delete with the ApplicationSet (what Kubernetes' garbage collector does in Argo). */
  delete: Application[];
  /** Applications to keep, their ownerReferences to the ApplicationSet removed. */
  orphan: Application[];
}

/**
 * The ApplicationSet itself is being deleted: under a policy that allows deletion its
 * Applications go with it; otherwise Argo strips their owner references so they stay.
 */
export function planAppSetDeletion(
  existing: readonly Application[],
  policy: ApplicationsSyncPolicy,
): AppSetDeletionPlan {
  if (allowsDelete(policy)) return { delete: [...existing], orphan: [] };
  return {
    delete: [],
    orphan: existing.map((app) => {
      // Argo clears the owner references of every Application this ApplicationSet owns.
      const { ownerReferences: _dropped, ...metadata } = app.metadata;
      return { ...app, metadata: metadata as Application['metadata'] };
    }),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
