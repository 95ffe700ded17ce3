/**
 * Hooks, waves and hook names as gitops-engine (pkg/sync/hook, hook/helm, syncwaves) and Argo CD's
 * controller (PreDelete/PostDelete, controller/hook.go) read them. Which objects are hooks at all
 * is decided in shared/cd/hooks.ts (health and diff need it too); this file adds what sync needs:
 * phases, delete policies, waves and deterministic names.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../core/objects.js';
import {
  HELM_HOOK_ANNOTATION,
  HOOK_ANNOTATION,
  HOOK_FINALIZER,
  annotationList,
  hasHookFinalizer,
  hookTypes as engineHookTypes,
  isHook,
  isIgnoredByHook,
  isSkipHook,
} from '../hooks.js';

export {
  annotationList,
  HOOK_ANNOTATION,
  HELM_HOOK_ANNOTATION,
  HOOK_FINALIZER,
  isHook,
  isIgnoredByHook,
  isSkipHook,
};

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
export const HOOK_DELETE_POLICY_ANNOTATION = 'argocd.argoproj.io/hook-delete-policy';
export const HELM_HOOK_WEIGHT_ANNOTATION = 'helm.sh/hook-weight';
export const HELM_HOOK_DELETE_POLICY_ANNOTATION = 'helm.sh/hook-delete-policy';

/** The phases of a sync operation, in the order they run. */
export type SyncPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';
export const SYNC_PHASES: readonly SyncPhase[] = ['PreSync', 'Sync', 'PostSync', 'SyncFail'];

/** Hook types the sync engine knows (`Skip` marks a resource never applied). */
export type HookType = SyncPhase | 'Skip';
/** Hook types Argo CD runs around deleting an Application, never during a sync. */
export type DeletionHookType = 'PreDelete' | 'PostDelete';

export type HookDeletePolicy = 'HookSucceeded' | 'HookFailed' | 'BeforeHookCreation';

const HELM_DELETE_POLICIES: Record<string, HookDeletePolicy> = {
  'before-hook-creation': 'BeforeHookCreation',
  'hook-succeeded': 'HookSucceeded',
  'hook-failed': 'HookFailed',
};
const ARGO_DELETE_POLICIES = new Set<string>(['HookSucceeded', 'HookFailed', 'BeforeHookCreation']);

/**
 * The object's hook types: Argo's annotation, or, only when that names none, the Argo
 * equivalents of its Helm hooks (pre-install/pre-upgrade -> PreSync, post-* -> PostSync).
 */
export function hookTypes(obj: KubeObject): HookType[] {
  return engineHookTypes(obj) as HookType[];
}

/**
 * The sync phases an object takes part in: a hook in each phase it names (a hook may run in
 * several), any other resource in Sync, a `Skip` resource in none.
 */
export function syncPhasesOf(obj: KubeObject): SyncPhase[] {
  if (isSkipHook(obj)) return [];
  if (!isHook(obj)) return ['Sync'];
  const phases = new Set(hookTypes(obj).filter((t): t is SyncPhase => t !== 'Skip'));
  return SYNC_PHASES.filter((p) => phases.has(p));
}

/**
 * PreDelete / PostDelete (or Helm's pre-delete / post-delete): Argo CD's controller runs these
 * when the Application is deleted; a sync leaves them out (they carry no sync phase).
 */
export function deletionHookTypes(obj: KubeObject): DeletionHookType[] {
  const argo = annotationList(obj, HOOK_ANNOTATION);
  const helm = annotationList(obj, HELM_HOOK_ANNOTATION);
  const types: DeletionHookType[] = [];
  if (argo.includes('PreDelete') || helm.includes('pre-delete')) types.push('PreDelete');
  if (argo.includes('PostDelete') || helm.includes('post-delete')) types.push('PostDelete');
  return types;
}

/**
 * Argo's and Helm's policies together; BeforeHookCreation when neither names one. Argo's
 * annotation does not hide Helm's here (unlike hook types): gitops-engine appends both.
 */
export function hookDeletePolicies(obj: KubeObject): HookDeletePolicy[] {
  const policies = new Set<HookDeletePolicy>();
  for (const p of annotationList(obj, HOOK_DELETE_POLICY_ANNOTATION)) {
    if (ARGO_DELETE_POLICIES.has(p)) policies.add(p as HookDeletePolicy);
  }
  for (const p of annotationList(obj, HELM_HOOK_DELETE_POLICY_ANNOTATION)) {
    const mapped = HELM_DELETE_POLICIES[p];
    if (mapped !== undefined) policies.add(mapped);
  }
  return policies.size > 0 ? [...policies] : ['BeforeHookCreation'];
}

/** Go's strconv.Atoi: an optional sign and decimal digits, nothing else (no spaces). */
function atoi(text: string | undefined): number | undefined {
  if (text === undefined || !/^[+-]?\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * The object's sync wave: `argocd.argoproj.io/sync-wave`, else `helm.sh/hook-weight`, else 0.
 * Argo reads the Helm weight for any object, hook or not, and an unparsable wave falls through to
 * it rather than failing the sync.
 */
export function syncWave(obj: KubeObject): number {
  const annotations = obj.metadata.annotations ?? {};
  return (
    atoi(annotations[SYNC_WAVE_ANNOTATION]) ?? atoi(annotations[HELM_HOOK_WEIGHT_ANNOTATION]) ?? 0
  );
}

/**
 * A hook's name. A named hook keeps its name. For `generateName`, Argo appends
 * `<first 7 characters of the revision>-<phase>-<operation start, Unix seconds>` in lower case, so
 * every sync re-creates its hooks under new names while retries within one operation find the same
 * object. We derive the last part from the operation id instead of a clock (replays must give the
 * same name): the first 10 hex digits of sha256(operationId), the width of a Unix time in seconds.
 * So `generateName: migrate-`, revision `0123456789ab`, phase PreSync, operation `op-1` gives
 * `migrate-0123456-presync-<10 hex>`.
 */
export function hookName(
  obj: KubeObject,
  phase: SyncPhase,
  operationId: string,
  revision = '',
): string {
  if (obj.metadata.name) return obj.metadata.name;
  const rev = revision.length >= 8 ? revision.slice(0, 7) : revision;
  const token = createHash('sha256').update(operationId).digest('hex').slice(0, 10);
  const generateName =
    typeof obj.metadata.generateName === 'string' ? obj.metadata.generateName : '';
  return `${generateName}${`${rev}-${phase}-${token}`.toLowerCase()}`;
}

/**
 * The object Argo creates for a hook in one phase: named (see hookName) and holding the hook
 * finalizer, so the hook outlives garbage collection until its phase is done.
 */
export function hookTarget(
  obj: KubeObject,
  phase: SyncPhase,
  operationId: string,
  revision?: string,
): KubeObject {
  const copy = structuredClone(obj);
  copy.metadata.name = hookName(obj, phase, operationId, revision);
  if (!hasHookFinalizer(copy))
    copy.metadata.finalizers = [...(copy.metadata.finalizers ?? []), HOOK_FINALIZER];
  return copy;
}
