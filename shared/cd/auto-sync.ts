/**
 * Argo CD's rules for starting a sync by itself (controller/appcontroller.go autoSync and
 * alreadyAttemptedSync), for retrying a failed operation (RetryStrategy.NextRetryAt) and for when
 * the next periodic refresh is due (timeout.reconciliation + jitter). Pure decisions with Argo's
 * own messages, so the application machine only acts on them.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from '../core/types.js';
import { sameJson } from '../core/objects.js';
import { goDurationSeconds } from '../rollouts/field-checks.js';
import type { SyncResourceFilter } from './sync/tasks.js';

export interface RetryStrategy {
  /** Attempts after the first; a negative limit retries for ever (Argo's -1). */
  limit?: number;
  backoff?: { duration?: string; factor?: number; maxDuration?: string };
}

export interface AutomatedSyncPolicy {
  prune?: boolean;
  selfHeal?: boolean;
  allowEmpty?: boolean;
  /** Argo 2.14+: `enabled: false` keeps the block but turns automation off. */
  enabled?: boolean;
}

/** Argo's Operation with its SyncOperation, as `argocd app sync` writes it on the Application. */
export interface SyncOperation {
  sync: {
    revision?: string;
    revisions?: string[];
    prune?: boolean;
    dryRun?: boolean;
    syncOptions?: string[];
    resources?: SyncResourceFilter[];
    /** A rollback syncs the source recorded in history instead of spec.source. */
    source?: JsonObject;
    sources?: JsonObject[];
    syncStrategy?: { apply?: { force?: boolean }; hook?: { force?: boolean } };
  };
  initiatedBy?: { username?: string; automated?: boolean };
  retry?: RetryStrategy;
  info?: { name: string; value: string }[];
}

/** The last operation as status.operationState records it. */
export interface LastOperation {
  phase: 'Running' | 'Terminating' | 'Succeeded' | 'Failed' | 'Error';
  message: string;
  /** syncResult.revision(s). */
  revisions: string[];
  /** syncResult.source(s): the sources the operation synced. */
  sources: JsonObject[];
  finishedAt?: number;
}

export interface ComparedResource {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  status?: 'Synced' | 'OutOfSync';
  requiresPruning?: boolean;
}

export interface AutoSyncInput {
  automated: AutomatedSyncPolicy | undefined;
  syncStatus: 'Synced' | 'OutOfSync' | 'Unknown';
  /** The revisions the comparison used (one per source). */
  revisions: string[];
  /** spec.source as a one-element list, or spec.sources. */
  sources: JsonObject[];
  resources: readonly ComparedResource[];
  last?: LastOperation;
  now: number;
  selfHealTimeoutMs: number;
  syncOptions?: string[];
  retry?: RetryStrategy;
  /** The sync windows' verdict for an automated sync now. */
  window: { allowed: boolean; reason?: string };
  deleting?: boolean;
}

export type AutoSyncDecision =
  | { operation: SyncOperation }
  | {
      skip: string;
      /** A SyncError condition to show (Argo's returned ApplicationCondition). */
      condition?: string;
      /** Look again at this time (self-heal waiting out its timeout). */
      retryAt?: number;
    };

export const DEFAULT_SELF_HEAL_TIMEOUT_MS = 5_000;

function automationOn(policy: AutomatedSyncPolicy | undefined): policy is AutomatedSyncPolicy {
  return policy !== undefined && policy.enabled !== false;
}

/** Argo's alreadyAttemptedSync: the last sync went to these revisions with these sources. */
export function alreadyAttempted(input: AutoSyncInput): boolean {
  const last = input.last;
  if (!last || last.revisions.length === 0) return false;
  if (!sameJson(last.revisions, input.revisions)) return false;
  // Argo syncs again when the sources changed (parameters, path) even at the same commit.
  return sameJson(last.sources, input.sources);
}

export function decideAutoSync(input: AutoSyncInput): AutoSyncDecision {
  const automated = input.automated;
  if (!automationOn(automated)) return { skip: 'automated sync is not enabled' };
  if (input.deleting) return { skip: 'Skipping auto-sync: deletion in progress' };
  if (input.syncStatus !== 'OutOfSync')
    return { skip: `Skipping auto-sync: application status is ${input.syncStatus}` };
  const outOfSync = input.resources.filter((r) => r.status !== undefined && r.status !== 'Synced');
  if (!automated.prune && outOfSync.every((r) => r.requiresPruning))
    return {
      skip: 'Skipping auto-sync: need to prune extra resources only but automated prune is disabled',
    };
  const sha = input.revisions.join(', ');
  const operation: SyncOperation = {
    sync: {
      ...(input.revisions.length > 1
        ? { revisions: [...input.revisions] }
        : { revision: input.revisions[0] ?? '' }),
      prune: Boolean(automated.prune),
      ...(input.syncOptions?.length ? { syncOptions: [...input.syncOptions] } : {}),
    },
    initiatedBy: { automated: true },
    ...(input.retry ? { retry: input.retry } : {}),
  };
  if (alreadyAttempted(input)) {
    const last = input.last as LastOperation;
    const successful = last.phase === 'Succeeded';
    if (!automated.selfHeal || !successful) {
      if (!successful)
        return {
          skip: `Skipping auto-sync: failed previous sync attempt to ${sha}`,
          condition: `Failed sync attempt to ${sha}: ${last.message}`,
        };
      return { skip: `Skipping auto-sync: most recent sync already to ${sha}` };
    }
    const elapsed = last.finishedAt === undefined ? Infinity : input.now - last.finishedAt;
    if (elapsed < input.selfHealTimeoutMs) {
      const retryAt = (last.finishedAt as number) + input.selfHealTimeoutMs;
      return {
        skip: `Skipping auto-sync: already attempted sync to ${sha} with timeout ${input.selfHealTimeoutMs / 1000}s (retrying in ${(retryAt - input.now) / 1000}s)`,
        retryAt,
      };
    }
    // Self-heal syncs only what drifted.
    operation.sync.resources = outOfSync.map((r) => ({
      group: r.group,
      kind: r.kind,
      name: r.name,
      namespace: r.namespace,
    }));
  }
  if (!automated.allowEmpty && input.resources.length > 0) {
    const allPruned = input.resources.every((r) => r.requiresPruning);
    if (allPruned) {
      const message = `Skipping sync attempt to ${sha}: auto-sync will wipe out all resources`;
      return { skip: message, condition: message };
    }
  }
  if (!input.window.allowed) return { skip: 'Skipping auto-sync: blocked by sync window' };
  return { operation };
}

/** Argo's defaults: 5 s doubling, at most 3 minutes between attempts. */
export const DEFAULT_RETRY_DURATION_MS = 5_000;
export const DEFAULT_RETRY_FACTOR = 2;
export const DEFAULT_RETRY_MAX_DURATION_MS = 180_000;

/** Whether a failed operation gets another attempt (retryCount: attempts already retried). */
export function shouldRetry(retry: RetryStrategy | undefined, retryCount: number): boolean {
  if (!retry) return false;
  const limit = retry.limit ?? 0;
  return limit < 0 || retryCount < limit;
}

/** RetryStrategy.NextRetryAt: duration * factor^retryCount, capped at maxDuration. */
export function retryDelayMs(retry: RetryStrategy | undefined, retryCount: number): number {
  const backoff = retry?.backoff ?? {};
  const parse = (text: string | undefined, fallback: number): number => {
    if (text === undefined || text === '') return fallback;
    const seconds = /^\d+$/.test(text) ? Number(text) : goDurationSeconds(text);
    return seconds === undefined ? fallback : seconds * 1000;
  };
  const duration = parse(backoff.duration, DEFAULT_RETRY_DURATION_MS);
  const maxDuration = parse(backoff.maxDuration, DEFAULT_RETRY_MAX_DURATION_MS);
  const factor = backoff.factor ?? DEFAULT_RETRY_FACTOR;
  const wait = duration * Math.pow(factor, retryCount);
  return maxDuration > 0 ? Math.min(maxDuration, wait) : wait;
}

export const RECONCILIATION_TIMEOUT_ENV = 'ARGOCD_RECONCILIATION_TIMEOUT';
export const RECONCILIATION_JITTER_ENV = 'ARGOCD_RECONCILIATION_JITTER';
export const SELF_HEAL_TIMEOUT_ENV = 'ARGOCD_APPLICATION_CONTROLLER_SELF_HEAL_TIMEOUT_SECONDS';
export const DEFAULT_RECONCILIATION_MS = 120_000;
export const DEFAULT_RECONCILIATION_JITTER_MS = 60_000;

/** Argo reads these as Go durations ("180s", "3m"); a bare number is seconds. */
function envDurationMs(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined || text.trim() === '') return fallback;
  const trimmed = text.trim();
  const seconds = /^\d+$/.test(trimmed) ? Number(trimmed) : goDurationSeconds(trimmed);
  if (seconds === undefined)
    throw new Error(`${name}="${text}" is not a duration: write it as 180s, 3m or 0 (off)`);
  return seconds * 1000;
}

export interface ReconcileSettings {
  /** 0 turns periodic refresh off, as in Argo. */
  reconciliationMs: number;
  jitterMs: number;
  selfHealTimeoutMs: number;
}

export function reconcileSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): ReconcileSettings {
  return {
    reconciliationMs: envDurationMs(
      env[RECONCILIATION_TIMEOUT_ENV],
      DEFAULT_RECONCILIATION_MS,
      RECONCILIATION_TIMEOUT_ENV,
    ),
    jitterMs: envDurationMs(
      env[RECONCILIATION_JITTER_ENV],
      DEFAULT_RECONCILIATION_JITTER_MS,
      RECONCILIATION_JITTER_ENV,
    ),
    selfHealTimeoutMs: envDurationMs(
      env[SELF_HEAL_TIMEOUT_ENV],
      DEFAULT_SELF_HEAL_TIMEOUT_MS,
      SELF_HEAL_TIMEOUT_ENV,
    ),
  };
}

/**
 * The delay until the next periodic refresh: the timeout plus a jitter in [0, jitter] fixed by
 * the resource key, so Applications spread out the same way on every replay.
 */
export function reconcileDelayMs(key: string, settings: ReconcileSettings): number | undefined {
  if (settings.reconciliationMs <= 0) return undefined;
  if (settings.jitterMs <= 0) return settings.reconciliationMs;
  const hash = createHash('sha256').update(key).digest().readUInt32BE(0);
  return settings.reconciliationMs + (hash % (settings.jitterMs + 1));
}
