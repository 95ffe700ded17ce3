/**
 * What a sync operation does next, from its planned tasks and what has been observed of them:
 * gitops-engine's syncContext.Sync() as one pure decision. Argo calls Sync() on every reconcile
 * and acts inside it; we return the decision and the application machine turns it into effects
 * (apply, delete, a timer for the wave delay) whose outcomes come back as observations.
 *
 * Argo's rules, in the order it applies them:
 * 1. tasks that were applied are assessed: a hook by its phase (or health), a resource by health;
 * 2. while any task is still running (any task when the sync has several phases or waves; only
 *    hooks otherwise), wait; while a pruned object is still being deleted, wait;
 * 3. a failed task fails the sync: SyncFail hooks run, then the operation is Failed;
 * 4. no task left: Succeeded; else run the first pending (phase, wave), prunes first.
 * After the last wave is applied the sync succeeds at once when that wave holds no hooks, even if
 * its resources turn out unhealthy later (Argo: "EVEN if those objects subsequently degraded").
 */
import type { HealthStatusCode } from '../health/status.js';
import type { SyncPhase } from './hooks.js';
import type { SyncTask } from './tasks.js';

export const SYNC_WAVE_DELAY_ENV = 'ARGOCD_SYNC_WAVE_DELAY';
export const DEFAULT_SYNC_WAVE_DELAY_MS = 2000;

/** What the machine has observed of one task (by task id). */
export interface TaskObservation {
  /** The task's effect succeeded: applied, created, replaced, pruned, or its skip recorded. */
  applied?: boolean;
  /** The task's effect failed (Argo's SyncFailed), with the error to report. */
  error?: string;
  /** Health of the live object after apply; null: the kind has no health assessment. */
  health?: HealthStatusCode | null;
  /** A hook's own phase when the caller knows it (a Job's or Pod's outcome). */
  hookPhase?: 'Running' | 'Succeeded' | 'Failed' | 'Error';
  message?: string;
  /** A pruned object still exists, being deleted (finalizers, foreground propagation). */
  deleting?: boolean;
  /** The earlier object of a BeforeHookCreation hook is gone, so the hook can be created. */
  priorDeleted?: boolean;
}

export interface WaveState {
  observations: Readonly<Record<string, TaskObservation | undefined>>;
  /** The user confirmed pruning (Argo: the app's deletion-approved annotation). */
  pruneConfirmed?: boolean;
  dryRun?: boolean;
  /** ARGOCD_SYNC_WAVE_DELAY in milliseconds; see syncWaveDelayMs. */
  waveDelayMs?: number;
}

interface Housekeeping {
  /** Hooks to delete now by their delete policy (HookSucceeded on success, HookFailed on failure). */
  deleteHooks: SyncTask[];
  /** Completed hooks whose `argocd.argoproj.io/hook-finalizer` must be removed. */
  releaseHooks: SyncTask[];
}

export type WaveDecision =
  | (Housekeeping & {
      /** Apply these now, prunes first, then kind by kind in the given order. */
      run: SyncTask[];
      /** Hooks whose earlier object must be deleted (BeforeHookCreation) before they are created. */
      deleteFirst: SyncTask[];
      phase: SyncPhase;
      wave: number;
      /** Wait this long after applying before deciding again (0 after the final wave). */
      delayMs: number;
      message: string;
    })
  | (Housekeeping & { wait: true; reason: string })
  | (Housekeeping & { done: 'Succeeded'; message: string })
  | (Housekeeping & {
      failed: string;
      /** SyncFail hooks to run now; empty when the operation is finished (Failed). */
      syncFail: SyncTask[];
      operationPhase: 'Running' | 'Failed';
    });

/** Argo reads the delay in whole seconds (strconv.Atoi), falling back to 2 s. */
export function syncWaveDelayMs(env: Readonly<Record<string, string | undefined>>): number {
  const text = env[SYNC_WAVE_DELAY_ENV];
  if (text === undefined || !/^[+-]?\d+$/.test(text)) return DEFAULT_SYNC_WAVE_DELAY_MS;
  return Number(text) * 1000;
}

type OperationState = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error';
type ResultCode = 'Synced' | 'SyncFailed' | 'Pruned' | 'PruneSkipped';

interface Assessed {
  task: SyncTask;
  obs: TaskObservation;
  result?: ResultCode;
  state: OperationState;
  message: string;
}

const isHookTask = (t: SyncTask): boolean => t.action === 'hook';
const isCompleted = (a: Assessed): boolean =>
  a.state === 'Succeeded' || a.state === 'Failed' || a.state === 'Error';
const isUnmodified = (t: SyncTask): boolean => t.skip?.result === 'Unmodified';

function missing(task: SyncTask): string {
  return `Resource ${task.group}/${task.kind}/${task.name} is missing, it might have been deleted`;
}

/** Argo's getOperationPhase for hooks and its health update for resources, from observations. */
function assess(task: SyncTask, obs: TaskObservation, dryRun: boolean): Assessed {
  const base = { task, obs };
  if (obs.error !== undefined)
    return { ...base, result: 'SyncFailed', state: 'Failed', message: obs.error };
  if (!obs.applied) return { ...base, state: 'Pending', message: '' };
  if (task.action === 'prune') {
    if (task.skip?.result === 'PruneSkipped')
      return { ...base, result: 'PruneSkipped', state: 'Succeeded', message: task.skip.message };
    return {
      ...base,
      result: 'Pruned',
      state: 'Succeeded',
      message: dryRun ? 'pruned (dry run)' : 'pruned',
    };
  }
  const message = obs.message ?? '';
  // Nothing is created in a dry run: an accepted apply is the task's success.
  if (dryRun) return { ...base, result: 'Synced', state: 'Succeeded', message };
  if (isHookTask(task) && obs.hookPhase !== undefined)
    return { ...base, result: 'Synced', state: obs.hookPhase, message };
  const health = obs.health;
  if (health === undefined) return { ...base, result: 'Synced', state: 'Running', message };
  if (health === 'Missing')
    return { ...base, result: 'SyncFailed', state: 'Error', message: missing(task) };
  if (health === null || health === 'Healthy')
    return { ...base, result: 'Synced', state: 'Succeeded', message };
  if (health === 'Degraded') return { ...base, result: 'Synced', state: 'Failed', message };
  // A hook whose health is Unknown has failed; a resource's Unknown health leaves it running.
  if (health === 'Unknown' && isHookTask(task))
    return { ...base, result: 'Synced', state: 'Failed', message };
  return { ...base, result: 'Synced', state: 'Running', message };
}

const sameGroup = (a: SyncTask, b: SyncTask): boolean => a.phase === b.phase && a.wave === b.wave;

/** Argo's setRunningPhase message. */
function waitingMessage(
  tasks: Assessed[],
  pendingDeletion: boolean,
  pruneConfirmed: boolean,
): string {
  const hooks = tasks.filter((a) => isHookTask(a.task));
  const resources = tasks.filter((a) => !isHookTask(a.task));
  let reason = hooks.length > 0 ? 'completion of hook' : 'healthy state of';
  const taskType = resources.length === 0 ? 'hooks' : 'resources';
  if (pendingDeletion) reason = hooks.length > 0 ? 'deletion of hook' : 'deletion of';
  let first = (hooks[0] ?? resources[0]) as Assessed;
  let more = tasks.length - 1;
  const toConfirm = tasks.filter(
    (a) => a.task.action === 'prune' && a.task.requiresPruneConfirmation,
  );
  if (!pruneConfirmed && toConfirm.length > 0) {
    reason = 'pruning confirmation of';
    first = toConfirm[0] as Assessed;
    more = toConfirm.length - 1;
  }
  const t = first.task;
  const suffix = more > 0 ? ` and ${more} more ${taskType}` : '';
  return `waiting for ${reason} ${t.group}/${t.kind}/${t.name}${suffix}`;
}

function withReasons(message: string, failed: Assessed[]): string {
  const reasons = [...new Set(failed.map((a) => a.message))];
  return reasons.length > 0 ? `${message}, reason: ${reasons.join(',')}` : message;
}

/** The next step of a sync operation. `tasks` is planSync's output, unchanged between calls. */
export function nextWave(tasks: readonly SyncTask[], state: WaveState): WaveDecision {
  const dryRun = Boolean(state.dryRun);
  const pruneConfirmed = Boolean(state.pruneConfirmed);
  const delay = state.waveDelayMs ?? DEFAULT_SYNC_WAVE_DELAY_MS;
  const all = tasks.map((task) =>
    assess(task, state.observations[task.id] ?? {}, dryRun || Boolean(task.dryRun)),
  );

  const hooks = all.filter((a) => isHookTask(a.task));
  const hookExists = (a: Assessed): boolean =>
    Boolean(a.obs.applied) || (a.task.liveObj !== undefined && !a.obs.priorDeleted);
  const withPolicy = (policy: 'HookSucceeded' | 'HookFailed') =>
    hooks
      .filter(
        (a) =>
          hookExists(a) && a.state !== 'Running' && a.task.hookDeletePolicies?.includes(policy),
      )
      .map((a) => a.task);
  const releaseHooks = hooks.filter(isCompleted).map((a) => a.task);
  const onSuccess: Housekeeping = { deleteHooks: withPolicy('HookSucceeded'), releaseHooks };
  const onFailure: Housekeeping = { deleteHooks: withPolicy('HookFailed'), releaseHooks };
  const quiet: Housekeeping = { deleteHooks: [], releaseHooks };

  const [syncFail, main] = partition(all, (a) => a.task.phase === 'SyncFail');
  const runnable = main.filter((a) => !isUnmodified(a.task));

  // Argo declares success in the same pass that applied the final wave when it holds no hooks;
  // a later look at the same tasks must reach the same verdict.
  const last = runnable.at(-1);
  if (last !== undefined && syncFail.every((a) => a.state === 'Pending')) {
    const [finalGroup, earlier] = partition(runnable, (a) => sameGroup(a.task, last.task));
    if (
      finalGroup.every((a) => !isHookTask(a.task) && a.obs.applied && a.obs.error === undefined) &&
      earlier.every((a) => a.state === 'Succeeded')
    ) {
      return { ...onSuccess, done: 'Succeeded', message: 'successfully synced (all tasks run)' };
    }
  }

  const first = all[0];
  const multiStep = first !== undefined && all.some((a) => !sameGroup(a.task, first.task));
  const running = all.filter((a) => (multiStep || isHookTask(a.task)) && a.state === 'Running');
  const applyFailed = main.filter((a) => a.result === 'SyncFailed');
  if (running.length > 0) {
    // An apply failed while other tasks of its wave run: Argo starts the SyncFail hooks now and
    // keeps waiting for the running ones.
    const pendingSyncFail = syncFail.filter((a) => a.state === 'Pending').map((a) => a.task);
    if (applyFailed.length > 0 && pendingSyncFail.length > 0) {
      return {
        ...quiet,
        failed: withReasons('one or more objects failed to apply', applyFailed),
        syncFail: pendingSyncFail,
        operationPhase: 'Running',
      };
    }
    return { ...quiet, wait: true, reason: waitingMessage(running, false, pruneConfirmed) };
  }

  const beingDeleted = all.filter((a) => a.result === 'Pruned' && a.obs.deleting);
  if (beingDeleted.length > 0) {
    return { ...quiet, wait: true, reason: waitingMessage(beingDeleted, true, pruneConfirmed) };
  }

  const failedTasks = main.filter((a) => isCompleted(a) && a.state !== 'Succeeded');
  if (failedTasks.length > 0) {
    return failSync(syncFail, failureMessage(main, syncFail, applyFailed), onFailure);
  }

  const pending = runnable.filter((a) => a.state === 'Pending');
  const head = pending[0];
  if (head === undefined)
    return { ...onSuccess, done: 'Succeeded', message: 'successfully synced (no more tasks)' };

  const tail = pending.at(-1) as Assessed;
  const finalWave = sameGroup(head.task, tail.task);
  const group = pending.filter((a) => sameGroup(a.task, head.task));
  const prunes = group.filter((a) => a.task.action === 'prune');
  if (!pruneConfirmed && prunes.some((a) => a.task.requiresPruneConfirmation)) {
    return { ...quiet, wait: true, reason: waitingMessage(prunes, true, pruneConfirmed) };
  }
  const decision = {
    ...quiet,
    phase: head.task.phase,
    wave: head.task.wave,
    delayMs: finalWave ? 0 : delay,
    message: 'one or more tasks are running',
  };
  const deleteFirst = group.filter(
    (a) =>
      isHookTask(a.task) &&
      a.task.liveObj !== undefined &&
      !a.obs.priorDeleted &&
      a.task.hookDeletePolicies?.includes('BeforeHookCreation'),
  );
  if (deleteFirst.length > 0) {
    // Argo deletes the old hooks, prunes, and creates nothing until the old hooks are gone.
    return {
      ...decision,
      run: prunes.map((a) => a.task),
      deleteFirst: deleteFirst.map((a) => a.task),
      message: waitingMessage(deleteFirst, true, pruneConfirmed),
    };
  }
  return {
    ...decision,
    run: [...prunes, ...group.filter((a) => a.task.action !== 'prune')].map((a) => a.task),
    deleteFirst: [],
  };
}

/**
 * Argo's final message: "failed to apply" only when the failing wave had nothing else running
 * and no SyncFail hook ran; otherwise the later pass that sees the failure words it.
 */
function failureMessage(main: Assessed[], syncFail: Assessed[], applyFailed: Assessed[]): string {
  const failedAt = applyFailed[0];
  const othersRan =
    failedAt !== undefined &&
    main.some(
      (a) =>
        sameGroup(a.task, failedAt.task) &&
        a.task.action !== 'prune' &&
        a.obs.applied &&
        a.result !== 'SyncFailed',
    );
  if (failedAt !== undefined && syncFail.length === 0 && !othersRan)
    return withReasons('one or more objects failed to apply', applyFailed);
  return withReasons('one or more synchronization tasks completed unsuccessfully', applyFailed);
}

/** Argo's executeSyncFailPhase. */
function failSync(syncFail: Assessed[], message: string, housekeeping: Housekeeping): WaveDecision {
  if (syncFail.length === 0)
    return { ...housekeeping, failed: message, syncFail: [], operationPhase: 'Failed' };
  if (syncFail.every(isCompleted)) {
    const failedHooks = syncFail.filter((a) => a.result === 'SyncFailed');
    const full =
      failedHooks.length > 0
        ? `${message}\n${withReasons('one or more SyncFail hooks failed', failedHooks)}`
        : message;
    return { ...housekeeping, failed: full, syncFail: [], operationPhase: 'Failed' };
  }
  const toStart = syncFail.filter((a) => a.state === 'Pending').map((a) => a.task);
  return { ...housekeeping, failed: message, syncFail: toStart, operationPhase: 'Running' };
}

function partition<T>(items: readonly T[], predicate: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (predicate(item) ? yes : no).push(item);
  return [yes, no];
}
