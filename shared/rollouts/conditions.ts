/**
 * What both strategies write the same way at the end of a reconcile (Argo Rollouts'
 * rollout/pause.go pauseContext, rollout/sync.go calculateRolloutConditions and
 * checkPausedConditions, utils/conditions, utils/rollout CalculateRolloutPhase): pause and abort
 * fields, the status conditions with Argo's reasons and messages, the progress deadline
 * (rolloutContext.evaluateProgressDeadlineAbort, requeueStuckRollout) and the phase. The strategy
 * decisions (canary.ts, bluegreen.ts) compute the strategy-specific facts (is it healthy, did it
 * progress, is it available) and hand them over; everything else lives here once.
 */
import type { RolloutStatus } from './types.js';

/** v1alpha1.PauseReason values the controller sets. */
export const PAUSE_REASON_CANARY_STEP = 'CanaryPauseStep';
export const PAUSE_REASON_INCONCLUSIVE_ANALYSIS = 'InconclusiveAnalysis';
export const PAUSE_REASON_BLUE_GREEN = 'BlueGreenPause';

/** defaults.DefaultProgressDeadlineSeconds. */
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
/** conditions.TimedOutReason: the Progressing condition of a rollout that stopped progressing. */
export const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';

/** status.pauseConditions[]: why the controller paused, and since when (epoch ms). */
export interface PauseCondition {
  reason: string;
  startTime: number;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';
export type RolloutConditionType = 'Progressing' | 'Available' | 'Paused' | 'Completed' | 'Healthy';

/** status.conditions[], with times as epoch ms. */
export interface RolloutCondition {
  type: RolloutConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: number;
  lastUpdateTime: number;
}

export type RolloutPhase = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded';

/** The status fields every strategy keeps, on top of those the replica math reads. */
export interface ReconciledRolloutStatus extends RolloutStatus {
  pauseConditions?: PauseCondition[];
  /** Set when the controller itself paused; with no pauseConditions left it means "resumed". */
  controllerPause?: boolean;
  abortedAt?: number;
  observedGeneration?: string;
  phase?: RolloutPhase;
  message?: string;
  conditions?: RolloutCondition[];
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  /**
   * status.HPAReplicas, the scale subresource's statusReplicasPath: the pods taking traffic. An
   * HPA adopts it as the desired count when its metric is within tolerance, so it must not count
   * a canary's surge (Argo >= 1.11; see canary.ts hpaReplicas).
   */
  HPAReplicas?: number;
}

// ---------------------------------------------------------------------------------------------
// Messages (utils/conditions), kept verbatim so users recognise them

export const MSG = {
  newReplicaSet: (rs: string) => `Created new replica set "${rs}"`,
  rsProgressing: (rs: string) => `ReplicaSet "${rs}" is progressing.`,
  rolloutProgressing: (ro: string) => `Rollout "${ro}" is progressing.`,
  rsCompleted: (rs: string) => `ReplicaSet "${rs}" has successfully progressed.`,
  aborted: (revision: number) => `Rollout aborted update to revision ${revision}`,
  available: 'Rollout has minimum availability',
  notAvailable: 'Rollout does not have minimum availability',
  paused: 'Rollout is paused',
  resumed: 'Rollout is resumed',
  retry: 'Retrying Rollout after abort',
  rsTimedOut: (rs: string) => `ReplicaSet "${rs}" has timed out progressing.`,
  rolloutTimedOut: (ro: string) => `Rollout "${ro}" has timed out progressing.`,
  healthy: 'Rollout is healthy',
  notHealthy: 'Rollout is not healthy',
  stepAnalysisFailed: 'Step-based analysis phase error/failed',
  backgroundAnalysisFailed: 'Background analysis phase error/failed',
  prePromotionAnalysisFailed: 'Blue/green pre-promotion analysis phase error/failed',
  postPromotionAnalysisFailed: 'Blue/green post-promotion analysis phase error/failed',
} as const;

// ---------------------------------------------------------------------------------------------
// Conditions

/**
 * conditions.SetRolloutCondition: same status and reason is no change; same status keeps the
 * transition time. True when the condition changed.
 */
export function setCondition(
  conditions: RolloutCondition[],
  type: RolloutConditionType,
  status: ConditionStatus,
  reason: string,
  message: string,
  now: number,
): boolean {
  const index = conditions.findIndex((c) => c.type === type);
  const current = conditions[index];
  if (current !== undefined && current.status === status && current.reason === reason) {
    return false;
  }
  const lastTransitionTime =
    current !== undefined && current.status === status ? current.lastTransitionTime : now;
  if (index >= 0) conditions.splice(index, 1);
  conditions.push({ type, status, reason, message, lastTransitionTime, lastUpdateTime: now });
  return true;
}

export const getCondition = (
  conditions: readonly RolloutCondition[],
  type: RolloutConditionType,
): RolloutCondition | undefined => conditions.find((c) => c.type === type);

/** conditions.RolloutCompleted: the current pod template is the stable one. */
export const rolloutCompleted = (status: RolloutStatus): boolean =>
  !!status.stableRS && status.stableRS === status.currentPodHash;

const isPaused = (status: ReconciledRolloutStatus, specPaused: boolean | undefined): boolean =>
  (status.pauseConditions ?? []).length > 0 || specPaused === true;

/**
 * checkPausedConditions: Progressing says Paused / Resumed / Retry and the Paused condition
 * follows the pause conditions. Argo runs it at the start of a reconcile on the stored status;
 * the decisions also run it on the new status so the decision is settled without waiting for an
 * observation that may never come.
 */
export function checkPausedConditions(
  conditions: RolloutCondition[],
  status: ReconciledRolloutStatus,
  specPaused: boolean | undefined,
  now: number,
): void {
  const progressing = getCondition(conditions, 'Progressing');
  const progressingPaused = progressing?.reason === 'RolloutPaused';
  const paused = isPaused(status, specPaused);
  const abortConditionExists = progressing?.reason === 'RolloutAborted';
  if (paused !== progressingPaused && !abortConditionExists && !rolloutCompleted(status)) {
    const [reason, message] = paused
      ? ['RolloutPaused', MSG.paused]
      : ['RolloutResumed', MSG.resumed];
    setCondition(conditions, 'Progressing', 'Unknown', reason, message, now);
  }
  if (!status.abort && abortConditionExists) {
    setCondition(conditions, 'Progressing', 'Unknown', 'RolloutRetry', MSG.retry, now);
  }
  const pausedTrue = getCondition(conditions, 'Paused')?.status === 'True';
  if (paused !== pausedTrue && !abortConditionExists) {
    setCondition(conditions, 'Paused', paused ? 'True' : 'False', 'RolloutPaused', MSG.paused, now);
  }
}

/** What calculateRolloutConditions needs to know that only the strategy can tell. */
export interface ConditionFacts {
  rolloutName: string;
  specPaused: boolean | undefined;
  /** conditions.RolloutHealthy for the strategy. */
  healthy: boolean;
  /** conditions.RolloutProgressing for the strategy. */
  progressed: boolean;
  /** The Available condition's verdict for the strategy. */
  available: boolean;
  newRS: { name: string; revision: number } | undefined;
  abortMessage: string;
  deadline: ProgressDeadline;
}

/** What the progress deadline needs to know about one reconcile. */
export interface ProgressDeadline {
  /** spec.progressDeadlineSeconds, DEFAULT_PROGRESS_DEADLINE_SECONDS when unset. */
  seconds: number;
  /**
   * isIndefiniteStep || isWaitingForReplicaSetScaleDown: at a pause, analysis or experiment step,
   * paused, or waiting out a scale-down delay, the rollout waits on purpose, which is not a lack
   * of progress.
   */
  exempt: boolean;
}

/**
 * conditions.RolloutTimedOut on a list of conditions: the Progressing condition was last updated
 * a deadline ago, or already says ProgressDeadlineExceeded. An aborted or paused rollout has no
 * deadline (a resume sets Progressing again, so the deadline restarts then). The deadline has
 * passed at its instant (Argo: strictly after), since our wake-up timer fires exactly then.
 */
export function rolloutTimedOut(
  conditions: readonly RolloutCondition[],
  deadlineSeconds: number,
  now: number,
): boolean {
  const condition = getCondition(conditions, 'Progressing');
  if (condition === undefined) return false;
  if (condition.reason === 'RolloutAborted' || condition.reason === 'RolloutPaused') return false;
  if (condition.reason === TIMED_OUT_REASON) return true;
  return condition.lastUpdateTime + deadlineSeconds * 1000 <= now;
}

/** spec.progressDeadlineSeconds as Argo defaults it. */
export const progressDeadlineSeconds = (spec: { progressDeadlineSeconds?: number }): number =>
  spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;

/**
 * evaluateProgressDeadlineAbort: with spec.progressDeadlineAbort, an update in flight (not
 * completed, no progress in this reconcile, not waiting on purpose) whose previous Progressing
 * condition timed out aborts, with the timeout message as the abort's reason. Runs before the
 * pause context is applied, so the abort lands in the same status.
 */
export function abortOnProgressDeadline(
  pause: PauseContext,
  prevConditions: readonly RolloutCondition[],
  status: ReconciledRolloutStatus,
  facts: ConditionFacts,
  abortEnabled: boolean | undefined,
  now: number,
): void {
  if (!abortEnabled || pause.isAborted()) return;
  if (rolloutCompleted(status) || facts.progressed || facts.deadline.exempt) return;
  if (!rolloutTimedOut(prevConditions, facts.deadline.seconds, now)) return;
  pause.abort(timedOutMessage(facts));
}

const timedOutMessage = (facts: ConditionFacts): string =>
  facts.newRS ? MSG.rsTimedOut(facts.newRS.name) : MSG.rolloutTimedOut(facts.rolloutName);

/**
 * requeueStuckRollout: when a rollout that should be moving has not timed out yet, the instant
 * its deadline passes (the machine looks again then); undefined when there is nothing to time.
 */
export function progressDeadlineWakeAt(
  conditions: readonly RolloutCondition[],
  status: ReconciledRolloutStatus,
  facts: ConditionFacts,
): number | undefined {
  const condition = getCondition(conditions, 'Progressing');
  if (condition === undefined || condition.reason === TIMED_OUT_REASON) return undefined;
  if (facts.healthy || status.abort || facts.deadline.exempt) return undefined;
  if (isPaused(status, facts.specPaused)) return undefined;
  return condition.lastUpdateTime + facts.deadline.seconds * 1000;
}

/**
 * calculateRolloutConditions on `conditions`, which start as the previous status' conditions;
 * returns the new list.
 */
export function calculateRolloutConditions(
  prevConditions: RolloutCondition[],
  status: ReconciledRolloutStatus,
  facts: ConditionFacts,
  now: number,
): RolloutCondition[] {
  let conditions = prevConditions;
  const aborted = status.abort === true;
  let becameUnhealthy = false;
  if (!isPaused(status, facts.specPaused) && facts.healthy) {
    setCondition(conditions, 'Healthy', 'True', 'RolloutHealthy', MSG.healthy, now);
  } else if (getCondition(conditions, 'Healthy') !== undefined) {
    becameUnhealthy = setCondition(
      conditions,
      'Healthy',
      'False',
      'RolloutHealthy',
      MSG.notHealthy,
      now,
    );
  }

  const { newRS } = facts;
  if (aborted) {
    const revision = newRS?.revision ?? 0;
    const message = facts.abortMessage
      ? `${MSG.aborted(revision)}: ${facts.abortMessage}`
      : MSG.aborted(revision);
    setCondition(conditions, 'Progressing', 'False', 'RolloutAborted', message, now);
  } else if (facts.healthy) {
    const message = MSG.rsCompleted(newRS?.name ?? '');
    setCondition(conditions, 'Progressing', 'True', 'NewReplicaSetAvailable', message, now);
  } else if (facts.progressed || becameUnhealthy) {
    let message = newRS ? MSG.rsProgressing(newRS.name) : MSG.rolloutProgressing(facts.rolloutName);
    let reason = 'ReplicaSetUpdated';
    if (rolloutCompleted(status) && becameUnhealthy) {
      reason = 'ReplicaSetNotAvailable';
      message = MSG.notAvailable;
    }
    // Progress refreshes lastUpdateTime even with an unchanged reason (Argo removes and re-adds).
    const current = getCondition(conditions, 'Progressing');
    conditions = conditions.filter((c) => c.type !== 'Progressing');
    conditions.push({
      type: 'Progressing',
      status: 'True',
      reason,
      message,
      lastTransitionTime: current?.status === 'True' ? current.lastTransitionTime : now,
      lastUpdateTime: now,
    });
  } else if (!facts.deadline.exempt && rolloutTimedOut(conditions, facts.deadline.seconds, now)) {
    setCondition(conditions, 'Progressing', 'False', TIMED_OUT_REASON, timedOutMessage(facts), now);
  }

  setCondition(
    conditions,
    'Available',
    facts.available ? 'True' : 'False',
    'AvailableReason',
    facts.available ? MSG.available : MSG.notAvailable,
    now,
  );
  const completed = rolloutCompleted(status);
  setCondition(
    conditions,
    'Completed',
    completed ? 'True' : 'False',
    'RolloutCompleted',
    'RolloutCompleted',
    now,
  );
  return conditions;
}

/** RolloutProgressing's counts part, shared by both strategies (each adds its own changes). */
export function replicasProgressed(
  prev: ReconciledRolloutStatus,
  status: ReconciledRolloutStatus,
): boolean {
  const n = (v: number | undefined) => v ?? 0;
  return (
    n(status.updatedReplicas) !== n(prev.updatedReplicas) ||
    n(status.replicas) - n(status.updatedReplicas) < n(prev.replicas) - n(prev.updatedReplicas) ||
    n(status.readyReplicas) > n(prev.readyReplicas) ||
    n(status.availableReplicas) > n(prev.availableReplicas)
  );
}

// ---------------------------------------------------------------------------------------------
// Pause and abort (pauseContext)

/** What Argo's pauseContext collects during one reconcile. */
export class PauseContext {
  readonly add: string[] = [];
  readonly remove: string[] = [];
  clear = false;
  addAbort = false;
  removeAbort = false;
  abortMessage = '';

  constructor(private readonly prev: ReconciledRolloutStatus) {}

  isAborted(): boolean {
    if (this.removeAbort) return false;
    return this.addAbort || this.prev.abort === true;
  }

  addPause(reason: string): void {
    if (!this.add.includes(reason)) this.add.push(reason);
  }

  removePause(reason: string): void {
    if (!this.remove.includes(reason)) this.remove.push(reason);
  }

  abort(message: string): void {
    this.addAbort = true;
    this.abortMessage = message;
  }

  /** The previous status' pause condition of this reason. */
  condition(reason: string): PauseCondition | undefined {
    return (this.prev.pauseConditions ?? []).find((c) => c.reason === reason);
  }

  /** CalculatePauseStatus: an abort clears every pause; otherwise add and remove reasons. */
  apply(status: ReconciledRolloutStatus, now: number): void {
    if (this.addAbort || (!this.removeAbort && this.prev.abort)) {
      status.abort = true;
      status.abortedAt = this.prev.abortedAt ?? now;
      return;
    }
    status.abort = false;
    if (this.clear) return;
    let controllerPause = this.prev.controllerPause === true;
    const existing = this.prev.pauseConditions ?? [];
    const conditions = existing.filter((c) => !this.remove.includes(c.reason));
    for (const reason of this.add) {
      if (existing.some((c) => c.reason === reason)) continue;
      conditions.push({ reason, startTime: now });
      controllerPause = true;
    }
    if (conditions.length === 0) return;
    status.controllerPause = controllerPause;
    status.pauseConditions = conditions;
  }
}

// ---------------------------------------------------------------------------------------------
// Phase

/**
 * rolloututil.CalculateRolloutPhase up to the strategy-specific checks, which `strategyPhase`
 * gives (undefined means Healthy).
 */
export function calculatePhase(
  specPaused: boolean | undefined,
  specReplicas: number,
  status: ReconciledRolloutStatus,
  strategyPhase: () => [RolloutPhase, string] | undefined,
): [RolloutPhase, string] {
  for (const condition of status.conditions ?? []) {
    if (condition.reason === 'RolloutAborted' || condition.reason === 'ProgressDeadlineExceeded') {
      return ['Degraded', `${condition.reason}: ${condition.message}`];
    }
  }
  if (specPaused) return ['Paused', 'manually paused'];
  const firstPause = (status.pauseConditions ?? [])[0];
  if (firstPause !== undefined) return ['Paused', firstPause.reason];
  const updated = status.updatedReplicas ?? 0;
  if (updated < specReplicas) return ['Progressing', 'more replicas need to be updated'];
  if ((status.availableReplicas ?? 0) < updated) {
    return ['Progressing', 'updated replicas are still becoming available'];
  }
  return strategyPhase() ?? ['Healthy', ''];
}

/** What persistRolloutStatus needs from a strategy at the end of its reconcile. */
export interface SettleInput<S extends ReconciledRolloutStatus> {
  status: S;
  pause: PauseContext;
  prevConditions: RolloutCondition[];
  /** The conditions as this reconcile has them so far (updated in place and returned). */
  conditions: RolloutCondition[];
  facts: ConditionFacts;
  progressDeadlineAbort: boolean | undefined;
  specPaused: boolean | undefined;
  now: number;
  /** Facts that can be known only once the pause and abort fields are settled. */
  settledFacts(status: S): { healthy: boolean; available?: boolean };
  phase(status: S): [RolloutPhase, string];
}

/**
 * persistRolloutStatus, shared by the strategies: the progress deadline (and its abort), the
 * pause and abort fields, the conditions, the paused conditions and the phase. Returns the
 * conditions and when the progress deadline wants a look.
 */
export function settleRolloutStatus<S extends ReconciledRolloutStatus>(
  input: SettleInput<S>,
): { conditions: RolloutCondition[]; wakeAt?: number } {
  const { status, facts, now } = input;
  abortOnProgressDeadline(
    input.pause,
    input.prevConditions,
    status,
    facts,
    input.progressDeadlineAbort,
    now,
  );
  input.pause.apply(status, now);
  const settled = input.settledFacts(status);
  facts.healthy = settled.healthy;
  if (settled.available !== undefined) facts.available = settled.available;
  facts.abortMessage = input.pause.abortMessage;
  const conditions = calculateRolloutConditions(input.conditions, status, facts, now);
  const wakeAt = progressDeadlineWakeAt(conditions, status, facts);
  checkPausedConditions(conditions, status, input.specPaused, now);
  status.conditions = conditions;
  const [phase, message] = input.phase(status);
  status.phase = phase;
  status.message = message;
  return { conditions, ...(wakeAt !== undefined ? { wakeAt } : {}) };
}
