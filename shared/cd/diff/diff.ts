/**
 * Argo CD's default diff (gitops-engine pkg/diff Diff with util/argo/diff StateDiffs) and the
 * comparison of an Application's desired objects with the live ones (controller/state.go
 * CompareAppState): per resource Synced or OutOfSync, and the Application's overall status.
 *
 * The order of work is Argo's: trusted managers' fields dropped (managedFieldsManagers), then
 * each of desired, live and last-applied normalized (creationTimestamp, Secret stringData,
 * ignoreDifferences), then the three-way merge predicting live after an apply, then the scheme
 * defaults on both sides, then an exact comparison. Server-side diff and the structured-merge
 * diff used with ServerSideApply=true are not modelled.
 *
 * Asynchronous because ignoreDifferences.jqPathExpressions run in jq-wasm.
 */
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import type { JsonObject } from '../../core/types.js';
import type { KubeObject } from '../../core/objects.js';
import { sameJson } from '../../core/objects.js';
import { isHook, isIgnoredByHook, isSkipHook } from '../hooks.js';
import { applySchemeDefaults } from './defaults.js';
import {
  identityOf,
  mergeMatching,
  removeIgnoredFields,
  runJq,
  statusRules,
  type IgnoreDifferencesRule,
  type IgnoreResourceStatusField,
  type JqRunner,
  type MergedIgnore,
} from './ignore-differences.js';
import { normalizeManagedFields } from './managed-fields.js';
import { isBuiltInGroup, predictLive } from './merge.js';
import {
  groupOf,
  lastAppliedConfiguration,
  normalizeObject,
  stripServerManagedMetadata,
  withoutNamespaceAndEmptyAnnotations,
} from './normalize.js';

export interface DiffOptions {
  /** Application `spec.ignoreDifferences` and the argocd-cm rules (argoCdDiffSettings). */
  ignoreDifferences?: readonly IgnoreDifferencesRule[];
  /**
   * Adds the `/status` rule Argo derives from argocd-cm `resource.compareoptions`. Default `all`.
   * Pass `none` when `ignoreDifferences` already holds argoCdDiffSettings' rules (they include it).
   */
  ignoreResourceStatusField?: IgnoreResourceStatusField;
  ignoreAggregatedRoles?: boolean;
  /** The jq engine for jqPathExpressions; jq-wasm by default. */
  jq?: JqRunner;
}

export interface ResourceDiff {
  /** The predicted live object differs from the live one (always true when live is missing). */
  modified: boolean;
  /** Argo's PredictedLive: the live object as it will be once the desired one is applied. */
  normalizedDesired: JsonObject | null;
  normalizedLive: JsonObject | null;
  /** RFC 6902 operations turning normalizedLive into normalizedDesired. */
  patch: Operation[];
  /** Live only: nothing in git declares it, a sync with prune deletes it. */
  requiresPruning: boolean;
}

const asJson = (obj: KubeObject): JsonObject => obj as unknown as JsonObject;

function rulesOf(options: DiffOptions): IgnoreDifferencesRule[] {
  return [
    ...(options.ignoreDifferences ?? []),
    ...statusRules(options.ignoreResourceStatusField ?? 'all'),
  ];
}

async function normalizeSide(
  obj: JsonObject,
  ignore: MergedIgnore,
  options: DiffOptions,
): Promise<JsonObject> {
  const normalized = normalizeObject(obj, { ignoreAggregatedRoles: options.ignoreAggregatedRoles });
  return removeIgnoredFields(normalized, ignore, options.jq ?? runJq);
}

/** Compares one desired object (from git) with its live counterpart. */
export async function diffResource(
  desired: KubeObject | undefined,
  live: KubeObject | undefined,
  options: DiffOptions = {},
): Promise<ResourceDiff> {
  const subject = live ?? desired;
  if (!subject) throw new Error('diffResource: give a desired object, a live object or both');
  const id = identityOf(subject, desired?.metadata.namespace);
  const ignore = mergeMatching(rulesOf(options), id);

  let desiredJson = desired ? asJson(desired) : undefined;
  let liveJson = live ? asJson(live) : undefined;
  if (desiredJson && liveJson && ignore.managedFieldsManagers.length > 0) {
    const trusted = normalizeManagedFields(liveJson, desiredJson, ignore.managedFieldsManagers);
    desiredJson = trusted.desired;
    liveJson = trusted.live;
  }
  const config = desiredJson ? await normalizeSide(desiredJson, ignore, options) : undefined;
  const current = liveJson ? await normalizeSide(liveJson, ignore, options) : undefined;

  if (!current) {
    const shown = stripServerManagedMetadata(structuredClone(config as JsonObject));
    return {
      modified: true,
      normalizedDesired: shown,
      normalizedLive: null,
      patch: fastJsonPatch.compare({}, shown),
      requiresPruning: false,
    };
  }
  if (!config) {
    return {
      modified: false,
      normalizedDesired: null,
      normalizedLive: stripServerManagedMetadata(structuredClone(current)),
      patch: [],
      requiresPruning: true,
    };
  }

  const lastApplied = lastAppliedConfiguration(current);
  const orig = lastApplied ? await normalizeSide(lastApplied, ignore, options) : config;
  const strategic = isBuiltInGroup(id.group);
  const predicted = predictLive(
    withoutNamespaceAndEmptyAnnotations(orig),
    withoutNamespaceAndEmptyAnnotations(config),
    current,
    { strategic },
  );
  const liveShown = structuredClone(current);
  if (strategic) {
    applySchemeDefaults(predicted, id.group, id.kind);
    applySchemeDefaults(liveShown, id.group, id.kind);
  }
  stripServerManagedMetadata(predicted);
  stripServerManagedMetadata(liveShown);
  return {
    modified: !sameJson(predicted, liveShown),
    normalizedDesired: predicted,
    normalizedLive: liveShown,
    patch: fastJsonPatch.compare(liveShown, predicted),
    requiresPruning: false,
  };
}

export type SyncStatusCode = 'Synced' | 'OutOfSync';

export interface ResourceStatus {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  /** Unset for hooks and for resources Argo leaves out of the sync status (hook: Skip). */
  status?: SyncStatusCode;
  requiresPruning?: boolean;
  /** Health is assessed elsewhere (cd/health). */
  health?: undefined;
  hook?: boolean;
}

export interface CompareOptions extends DiffOptions {
  /** The Application's `spec.destination.namespace`, for namespaced objects that omit one. */
  destinationNamespace: string;
  /** Whether a kind is namespaced; undefined when unknown (both keys are then tried, as Argo). */
  namespaced: (group: string, kind: string) => boolean | undefined;
}

export interface AppComparison {
  status: SyncStatusCode;
  /** Desired objects in their order, then live-only objects ordered by key. */
  resources: ResourceStatus[];
  /** The diff of each entry of `resources`, in the same order. */
  diffs: ResourceDiff[];
  /** The desired hooks: never compared, run by the sync. */
  hooks: KubeObject[];
}

const COMPARE_OPTIONS_ANNOTATION = 'argocd.argoproj.io/compare-options';

function hasCompareOption(obj: KubeObject, option: string): boolean {
  const value = obj.metadata.annotations?.[COMPARE_OPTIONS_ANNOTATION] ?? '';
  return value.split(',').some((item) => item.trim() === option);
}

function resourceKey(group: string, kind: string, namespace: string, name: string): string {
  return `${group}/${kind}/${namespace}/${name}`;
}

function liveKey(obj: KubeObject): string {
  return resourceKey(
    groupOf(obj.apiVersion),
    obj.kind,
    obj.metadata.namespace ?? '',
    obj.metadata.name,
  );
}

function withNamespace(obj: KubeObject, namespace: string): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, namespace } };
}

/**
 * Matches desired objects to live ones by group/kind/namespace/name (gitops-engine
 * sync.Reconcile) and diffs each pair. `live` is the set of objects the Application tracks.
 */
export async function compareApp(
  desired: readonly KubeObject[],
  live: readonly KubeObject[],
  options: CompareOptions,
): Promise<AppComparison> {
  const hooks: KubeObject[] = [];
  const targets: KubeObject[] = [];
  for (const obj of desired) {
    if (isIgnoredByHook(obj)) continue;
    if (isHook(obj)) hooks.push(obj);
    else targets.push(obj);
  }

  const liveByKey = new Map(live.map((obj) => [liveKey(obj), obj]));
  const pairs: Array<[KubeObject | undefined, KubeObject | undefined]> = [];
  for (const target of targets) {
    const group = groupOf(target.apiVersion);
    const namespaced = options.namespaced(group, target.kind);
    const ns = target.metadata.namespace || options.destinationNamespace;
    const keys: string[] = [];
    if (namespaced !== false) keys.push(resourceKey(group, target.kind, ns, target.metadata.name));
    if (namespaced !== true) keys.push(resourceKey(group, target.kind, '', target.metadata.name));
    let match: KubeObject | undefined;
    for (const key of keys) {
      match = liveByKey.get(key);
      if (match) {
        liveByKey.delete(key);
        break;
      }
    }
    const filled =
      namespaced === true && !target.metadata.namespace ? withNamespace(target, ns) : target;
    pairs.push([filled, match]);
  }
  const extraneous = [...liveByKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [, obj] of extraneous) pairs.push([undefined, obj]);

  let status: SyncStatusCode = 'Synced';
  const resources: ResourceStatus[] = [];
  const diffs: ResourceDiff[] = [];
  for (const [target, current] of pairs) {
    const obj = (current ?? target) as KubeObject;
    const slash = obj.apiVersion.lastIndexOf('/');
    const resource: ResourceStatus = {
      group: groupOf(obj.apiVersion),
      version: obj.apiVersion.slice(slash + 1),
      kind: obj.kind,
      namespace: obj.metadata.namespace ?? '',
      name: obj.metadata.name,
      hook: isHook(obj),
      requiresPruning: target === undefined && current !== undefined,
    };
    const diff = await diffResource(target, current, options);
    if (resource.hook || isIgnoredByHook(obj) || (target !== undefined && isSkipHook(target))) {
      // Argo gives hooks and skipped resources no sync status and lets them not count.
    } else if (diff.modified || !target || !current) {
      resource.status = 'OutOfSync';
      const extra = target === undefined;
      if (!extra || !hasCompareOption(obj, 'IgnoreExtraneous')) status = 'OutOfSync';
    } else {
      resource.status = 'Synced';
    }
    resources.push(resource);
    diffs.push(diff);
  }
  return { status, resources, diffs, hooks };
}
