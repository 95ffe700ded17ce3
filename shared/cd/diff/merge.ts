/**
 * The merge behind Argo CD's default (client-side) diff: what the live object will look like once
 * `kubectl apply` of the desired object has run. gitops-engine computes a three-way patch from the
 * last-applied configuration (`orig`), the desired object (`config`) and the live object, then
 * applies it to live:
 * - a field the desired object sets replaces live's value (maps merge key by key);
 * - a field that was in `orig` but is gone from `config` is deleted;
 * - a field only live has (a server default, another controller's write) is kept, so it is no diff.
 *
 * Built-in kinds go through a strategic merge: lists with a patch merge key (containers by name,
 * container ports by containerPort, ...) merge element by element; other lists are replaced whole.
 * Other kinds (CRDs) go through a JSON merge patch, where every list is replaced whole and the
 * patch is computed against live stripped to the fields `orig` has (jsonutil.RemoveMapFields).
 */
import type { Json, JsonObject } from '../../core/types.js';
import { sameJson } from '../../core/objects.js';

/** The API groups the Kubernetes client scheme registers: Argo's strategic merge applies to them. */
const BUILT_IN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'node.k8s.io',
  'certificates.k8s.io',
  'admissionregistration.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'extensions',
]);

export function isBuiltInGroup(group: string): boolean {
  return BUILT_IN_GROUPS.has(group);
}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** The list fields of the core types with a `patchMergeKey` tag, by field name. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  imagePullSecrets: 'name',
  resourceClaims: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  ownerReferences: 'uid',
  conditions: 'type',
};

/** The strategic merge key of the list at `path` in a built-in object, if it has one. */
export function mergeKeyAt(path: readonly string[]): string | undefined {
  const field = path[path.length - 1];
  if (field === undefined) return undefined;
  if (field === 'ports') {
    // ContainerPort merges by containerPort, ServicePort by port; other port lists are atomic.
    if (path.some((p) => CONTAINER_LISTS.has(p))) return 'containerPort';
    return path.length === 2 && path[0] === 'spec' ? 'port' : undefined;
  }
  return MERGE_KEYS[field];
}

export interface MergeOptions {
  /** Strategic merge (built-in kinds) rather than JSON merge patch. */
  strategic: boolean;
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The predicted live object: `live` after applying `config` with `orig` as the last-applied
 * configuration. For a two-way diff (no last-applied annotation) pass `config` as `orig`.
 */
export function predictLive(
  orig: JsonObject,
  config: JsonObject,
  live: JsonObject,
  options: MergeOptions,
): JsonObject {
  const compareTo = options.strategic ? live : removeMapFields(orig, live);
  return merge3(orig, config, live, compareTo, [], options) as JsonObject;
}

function merge3(
  orig: Json | undefined,
  config: Json,
  live: Json | undefined,
  compareTo: Json | undefined,
  path: string[],
  options: MergeOptions,
): Json {
  if (isObject(config) && isObject(live)) {
    const result: JsonObject = { ...live };
    const origObj = isObject(orig) ? orig : undefined;
    const cmpObj = isObject(compareTo) ? compareTo : undefined;
    for (const [key, value] of Object.entries(config)) {
      const liveValue = live[key];
      result[key] =
        liveValue === undefined
          ? value
          : merge3(origObj?.[key], value, liveValue, cmpObj?.[key], [...path, key], options);
    }
    for (const key of Object.keys(origObj ?? {})) {
      if (!(key in config)) delete result[key];
    }
    return result;
  }
  if (Array.isArray(config) && Array.isArray(live)) {
    const key = options.strategic ? mergeKeyAt(path) : undefined;
    if (key !== undefined && keyed(config, key) && keyed(live, key)) {
      return mergeKeyedList(orig, config, live, key, path, options);
    }
    // An atomic list: the patch carries the whole desired list only when it differs.
    return sameJson(config, compareTo) ? live : config;
  }
  return config;
}

function keyed(list: Json[], key: string): list is JsonObject[] {
  return list.every((item) => isObject(item) && item[key] !== undefined);
}

function mergeKeyedList(
  orig: Json | undefined,
  config: JsonObject[],
  live: JsonObject[],
  key: string,
  path: string[],
  options: MergeOptions,
): Json[] {
  const id = (item: JsonObject) => JSON.stringify(item[key]);
  const origItems = Array.isArray(orig) && keyed(orig, key) ? orig : [];
  const configById = new Map(config.map((item) => [id(item), item]));
  const origById = new Map(origItems.map((item) => [id(item), item]));
  const liveIds = new Set(live.map(id));
  const result: Json[] = [];
  for (const item of live) {
    const desired = configById.get(id(item));
    if (desired) {
      result.push(merge3(origById.get(id(item)), desired, item, item, path, options));
    } else if (!origById.has(id(item))) {
      // Added by someone else (an injected sidecar): kept, as kubectl apply keeps it.
      result.push(item);
    }
  }
  for (const item of config) if (!liveIds.has(id(item))) result.push(item);
  return result;
}

/** gitops-engine's jsonutil.RemoveMapFields: live reduced to the fields `config` has. */
export function removeMapFields(config: JsonObject, live: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(config)) {
    const liveValue = live[key];
    if (liveValue === undefined) continue;
    result[key] = liveValue === null ? null : removeFields(value, liveValue);
  }
  return result;
}

function removeFields(config: Json, live: Json): Json {
  if (isObject(config) && isObject(live)) return removeMapFields(config, live);
  if (Array.isArray(config) && Array.isArray(live)) {
    // Positional, as Argo's: extra live elements stay so they show in the diff.
    return live.map((item, i) => {
      const c = config[i];
      return c === undefined || item === null ? item : removeFields(c, item);
    });
  }
  return live;
}

/**
 * A strategic merge of `additions` into `base` (no deletions): maps merge, keyed lists merge by
 * key with new elements appended, anything else is replaced. Used to carry ignored live fields
 * into the desired object (RespectIgnoreDifferences).
 */
export function mergeInto(
  base: Json | undefined,
  additions: Json,
  path: string[],
  options: MergeOptions,
): Json {
  if (isObject(base) && isObject(additions)) {
    const result: JsonObject = { ...base };
    for (const [key, value] of Object.entries(additions)) {
      result[key] = mergeInto(base[key], value, [...path, key], options);
    }
    return result;
  }
  if (Array.isArray(base) && Array.isArray(additions)) {
    const key = options.strategic ? mergeKeyAt(path) : undefined;
    if (key !== undefined && keyed(base, key) && keyed(additions, key)) {
      const id = (item: JsonObject) => JSON.stringify(item[key]);
      const byId = new Map(additions.map((item) => [id(item), item]));
      const baseIds = new Set(base.map(id));
      const merged: Json[] = base.map((item) => {
        const extra = byId.get(id(item));
        return extra ? mergeInto(item, extra, path, options) : item;
      });
      for (const item of additions) if (!baseIds.has(id(item))) merged.push(item);
      return merged;
    }
  }
  return additions;
}

/**
 * What `to` has that `from` lacks or holds differently, as a patch for mergeInto: maps recurse,
 * keyed lists carry only the changed elements (with their key), other values are carried whole.
 * Undefined when nothing differs.
 */
export function additionsOf(
  from: Json | undefined,
  to: Json,
  path: string[],
  options: MergeOptions,
): Json | undefined {
  if (sameJson(from, to)) return undefined;
  if (isObject(from) && isObject(to)) {
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(to)) {
      const d = additionsOf(from[key], value, [...path, key], options);
      if (d !== undefined) out[key] = d;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    const key = options.strategic ? mergeKeyAt(path) : undefined;
    if (key !== undefined && keyed(from, key) && keyed(to, key)) {
      const id = (item: JsonObject) => JSON.stringify(item[key]);
      const fromById = new Map(from.map((item) => [id(item), item]));
      const out: Json[] = [];
      for (const item of to) {
        const d = additionsOf(fromById.get(id(item)), item, path, options);
        if (d !== undefined) out.push(isObject(d) ? { ...d, [key]: item[key] as Json } : d);
      }
      return out.length > 0 ? out : undefined;
    }
  }
  return to;
}
