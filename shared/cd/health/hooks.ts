/**
 * Hook annotations as gitops-engine's sync/hook package reads them. Health needs them twice: a
 * Pod that is a hook keeps its restart policy's meaning, and an Application's health leaves its
 * hooks out.
 */
import type { KubeObject } from '../../core/objects.js';
import { annotationsOf } from './fields.js';

export const HOOK_ANNOTATION = 'argocd.argoproj.io/hook';
export const HELM_HOOK_ANNOTATION = 'helm.sh/hook';
/** Argo keeps a hook with this finalizer until its sync phase is done: not "Pending deletion". */
export const HOOK_FINALIZER = 'argocd.argoproj.io/hook-finalizer';

const ARGO_HOOK_TYPES = new Set(['PreSync', 'Sync', 'PostSync', 'SyncFail', 'Skip']);
const HELM_HOOK_TYPES: Record<string, string> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-upgrade': 'PostSync',
  'post-install': 'PostSync',
};

/** A comma-separated annotation's values, trimmed, without blanks or repeats. */
function csv(obj: KubeObject, key: string): string[] {
  const values = (annotationsOf(obj)[key] ?? '').split(',').map((v) => v.trim());
  return [...new Set(values.filter((v) => v !== ''))];
}

/** The Argo hook types, or (only when there are none) the Helm hooks' Argo equivalents. */
export function hookTypes(obj: KubeObject): string[] {
  const argo = csv(obj, HOOK_ANNOTATION).filter((t) => ARGO_HOOK_TYPES.has(t));
  if (argo.length > 0) return argo;
  return csv(obj, HELM_HOOK_ANNOTATION).flatMap((t) => HELM_HOOK_TYPES[t] ?? []);
}

/** `hook: Skip` alone: the resource is not applied at all. */
export function isSkipHook(obj: KubeObject): boolean {
  const types = hookTypes(obj);
  return types.includes('Skip') && types.length === 1;
}

export function isHook(obj: KubeObject): boolean {
  const annotations = annotationsOf(obj);
  if (HOOK_ANNOTATION in annotations) return !isSkipHook(obj);
  // Helm marks CRDs with its hook annotation; they are not hooks.
  const helm = annotations[HELM_HOOK_ANNOTATION];
  return helm !== undefined && helm !== 'crd-install';
}

/** A hook annotation with no type Argo knows: Argo ignores the resource. */
export function isIgnoredByHook(obj: KubeObject): boolean {
  return isHook(obj) && hookTypes(obj).length === 0;
}

export function hasHookFinalizer(obj: KubeObject): boolean {
  return (obj.metadata.finalizers ?? []).includes(HOOK_FINALIZER);
}
