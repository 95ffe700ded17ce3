/**
 * Which objects are hooks, as gitops-engine's sync/hook package reads their annotations. One
 * reading for everyone who asks: health leaves hooks out of an Application's health and keeps a
 * hook Pod's restart policy meaningful, the diff leaves hooks out of the comparison, and the sync
 * runs them (sync/hooks.ts adds phases, delete policies, waves and names on top of this).
 */
import type { KubeObject } from '../core/objects.js';

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

/** A comma-separated annotation's values, trimmed, without blanks or repeats (GetAnnotationCSVs). */
export function annotationList(obj: KubeObject, key: string): string[] {
  const values = (obj.metadata?.annotations?.[key] ?? '').split(',').map((v) => v.trim());
  return [...new Set(values.filter((v) => v !== ''))];
}

/** The Argo hook types, or (only when there are none) the Helm hooks' Argo equivalents. */
export function hookTypes(obj: KubeObject): string[] {
  const argo = annotationList(obj, HOOK_ANNOTATION).filter((t) => ARGO_HOOK_TYPES.has(t));
  if (argo.length > 0) return argo;
  return annotationList(obj, HELM_HOOK_ANNOTATION).flatMap((t) => HELM_HOOK_TYPES[t] ?? []);
}

/** `hook: Skip` alone: the resource is neither applied nor compared. */
export function isSkipHook(obj: KubeObject): boolean {
  const types = hookTypes(obj);
  return types.includes('Skip') && types.length === 1;
}

export function isHook(obj: KubeObject): boolean {
  const annotations = obj.metadata?.annotations ?? {};
  if (HOOK_ANNOTATION in annotations) return !isSkipHook(obj);
  // Helm marks CRDs with its hook annotation; they are not hooks.
  const helm = annotations[HELM_HOOK_ANNOTATION];
  return helm !== undefined && helm !== 'crd-install';
}

/** A hook annotation with no type Argo knows (PreDelete, PostDelete, a typo): Argo ignores it. */
export function isIgnoredByHook(obj: KubeObject): boolean {
  return isHook(obj) && hookTypes(obj).length === 0;
}

export function hasHookFinalizer(obj: KubeObject): boolean {
  return (obj.metadata.finalizers ?? []).includes(HOOK_FINALIZER);
}
