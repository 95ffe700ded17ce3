/**
 * Reading live objects as Argo's health checks do: through typed Go structs, so an unset or
 * wrongly typed field reads as its zero value (0, "", false, empty list).
 */
import type { KubeObject } from '../../core/objects.js';
import { intAt, listAt, objAt, strAt, type Obj } from '../../rollouts/field-checks.js';

export { intAt, listAt, objAt, strAt, type Obj };

/** The object at `path` under `obj`, or undefined when any step is missing or not an object. */
export function at(obj: unknown, ...path: string[]): unknown {
  let here: unknown = obj;
  for (const key of path) {
    const o = objAt(here);
    if (!o) return undefined;
    here = o[key];
  }
  return here;
}

/** An int32 status field: 0 when unset, as Go's zero value. */
export const count = (obj: unknown, ...path: string[]): number => intAt(at(obj, ...path)) ?? 0;

/** `apps/v1` -> { group: 'apps', version: 'v1' }; `v1` -> the core group ''. */
export function groupVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The key Argo CD files a kind's customizations under: `group/Kind`, or `Kind` for the core group. */
export function groupKindKey(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): string {
  const { group } = groupVersion(obj.apiVersion ?? '');
  return group ? `${group}/${obj.kind}` : obj.kind;
}

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** status.conditions as a list of conditions with Go's zero values filled in. */
export function conditionsOf(obj: unknown): Condition[] {
  return listAt(at(obj, 'status', 'conditions')).map((c) => ({
    type: strAt(at(c, 'type')),
    status: strAt(at(c, 'status')),
    reason: strAt(at(c, 'reason')),
    message: strAt(at(c, 'message')),
  }));
}

export function annotationsOf(obj: KubeObject): Record<string, string> {
  return obj.metadata?.annotations ?? {};
}

/** The error Argo's check gives for a version of its kind it has no typed struct for. */
export function unsupportedVersion(obj: KubeObject, what: string): Error {
  const { group, version } = groupVersion(obj.apiVersion ?? '');
  return new Error(`unsupported ${what} GVK: ${group}/${version}, Kind=${obj.kind}`);
}
