/**
 * The canary strategy as one pure decision per observation (Argo Rollouts' rollout/canary.go,
 * rollout/pause.go, rollout/sync.go's status and condition logic, utils/rollout's phase).
 *
 * Argo's controller re-reads the Rollout and its ReplicaSets on every reconcile, scales at most one
 * group of ReplicaSets (stable, then new, then older ones) and then writes the status. We keep
 * exactly that shape: `decideCanary(observation)` returns the scalings Argo would make in that
 * reconcile, the status it would write, and when to look again (`wakeAt`). Applying the effects
 * and observing the result again is the machine's job; so a rollout moves forward over several
 * observations, just as Argo's moves over several reconciles.
 *
 * Deliberate differences from Argo, each small and explained where it lives:
 * - the paused/resumed conditions Argo patches at the start of the *next* reconcile
 *   (checkPausedConditions) are also settled at the end of this one, so an indefinite pause shows
 *   as Paused without waiting for an observation that may never come;
 * - a pause duration has elapsed at its deadline (Argo: strictly after it), since our timer fires
 *   exactly at `wakeAt`;
 * - the steps hash is FNV-32a over the steps' canonical JSON, not over Go's struct JSON.
 * Not modelled: rollbackWindow, replicaProgressThreshold,
 * experiments, step plugins, the abort scale-down delay of traffic-routed
 * canaries and scaleDownDelayRevisionLimit, pod restarts, ephemeral metadata.
 */
import { canonicalJson } from '../core/objects.js';
import { fnv32a } from '../workflows/nodes.js';
import type { AnalysisPhase } from './analysis.js';
import {
  settleRolloutStatus,
  calculatePhase,
  type ConditionFacts,
  checkPausedConditions,
  MSG,
  PAUSE_REASON_CANARY_STEP,
  PAUSE_REASON_INCONCLUSIVE_ANALYSIS,
  PauseContext,
  type PauseCondition,
  progressDeadlineSeconds,
  type ReconciledRolloutStatus,
  replicasProgressed,
  rolloutCompleted,
  type RolloutCondition,
  type RolloutPhase,
  setCondition,
} from './conditions.js';
import {
  basicCanaryReplicaCounts,
  checkStableRSExists,
  currentSetWeight,
  maxTrafficWeight,
  type ReplicaCounts,
  resolveMaxUnavailable,
  trafficRoutedCanaryReplicaCounts,
} from './replicas.js';
import { safeEncodeString } from './replicaset.js';
import { startingStep } from './analysis-runs.js';
import { goDurationSeconds } from './field-checks.js';
import type {
  CanaryStep,
  IntOrString,
  ReplicaSetView,
  Rollout,
  RolloutSpec,
  TrafficWeights,
} from './types.js';

// ---------------------------------------------------------------------------------------------
// Types

/** The status fields Argo keeps for a canary, on top of those the replica math reads. */
export interface CanaryRolloutStatus extends ReconciledRolloutStatus {
  currentStepHash?: string;
}

/** The step kinds the decision looks at, beyond those the replica math reads. */
export interface CanaryDecisionStep extends CanaryStep {
  analysis?: unknown;
  experiment?: unknown;
  setHeaderRoute?: unknown;
  setMirrorRoute?: unknown;
}

export interface CanaryRollout extends Rollout {
  metadata?: { name?: string; generation?: number };
  spec: RolloutSpec & {
    /** spec.paused: a user pause, which halts all progress. */
    paused?: boolean;
    strategy: RolloutSpec['strategy'] & {
      canary?: NonNullable<RolloutSpec['strategy']['canary']> & {
        steps?: CanaryDecisionStep[];
        /** Background analysis (a RolloutAnalysis with startingStep), read by analysis-runs.ts. */
        analysis?: unknown;
        /** Traffic-routed canaries keep an old stable this long after promotion; 30 when unset. */
        scaleDownDelaySeconds?: number;
      };
    };
  };
  status?: CanaryRolloutStatus;
}

/** One observed ReplicaSet of the Rollout. */
export interface ObservedReplicaSet extends ReplicaSetView {
  /** Its rollouts-pod-template-hash label. */
  podTemplateHash: string;
  /** Its rollout.argoproj.io/revision annotation. */
  revision: number;
  /** status.readyReplicas; availableReplicas when unset. */
  readyReplicas?: number;
  /** status.replicas (pods that exist, ready or not); spec replicas when unset. */
  currentReplicas?: number;
  /** The scale-down-deadline annotation (epoch ms) a promoted traffic-routed canary sets. */
  scaleDownDeadline?: number;
  /** Its rollout.argoproj.io/desired-replicas annotation: spec.replicas when last scaled. */
  desiredReplicas?: number;
}

/** The AnalysisRun of the current step, if the step is an analysis step. */
export interface StepAnalysis {
  phase: AnalysisPhase;
  message?: string;
}

export interface CanaryObservation {
  rollout: CanaryRollout;
  /** The pod-template-hash of spec.template as it is now (podTemplateHash()). */
  templateHash: string;
  replicaSets: readonly ObservedReplicaSet[];
  /** Epoch ms. */
  now: number;
  stepAnalysis?: StepAnalysis;
  /** The background AnalysisRun (strategy.canary.analysis) of this revision, if it exists. */
  backgroundAnalysis?: StepAnalysis;
}

export interface ScaleEffect {
  rs: string;
  replicas: number;
}

export interface CreateEffect {
  name: string;
  hash: string;
  replicas: number;
  revision: number;
}

export interface CanaryDecision {
  scale: ScaleEffect[];
  create?: CreateEffect;
  /** scale-down-deadline annotations to set (epoch ms), for traffic-routed scaleDownDelay. */
  scaleDownDeadlines?: { rs: string; at: number }[];
  status: CanaryRolloutStatus;
  /** When to observe again even if nothing changes: a timed pause ends, a delay elapses. */
  wakeAt?: number;
}

/** defaults.DefaultScaleDownDelaySeconds. */
export const DEFAULT_SCALE_DOWN_DELAY_SECONDS = 30;

// ---------------------------------------------------------------------------------------------
// Small helpers

/**
 * A Go time.ParseDuration in ms ("1h30m", "2.5s", "300ms"), or undefined when it is not one.
 * Pause durations are written this way ("2m").
 */
export function parseGoDuration(text: string): number | undefined {
  const seconds = goDurationSeconds(text);
  return seconds === undefined ? undefined : seconds * 1000;
}

/**
 * RolloutPause.DurationSeconds: a number is seconds, a string of digits is seconds, anything
 * else a Go duration truncated to whole seconds; an unparsable value is -1 (so, as in Argo, the
 * pause is over at once).
 */
export function pauseDurationSeconds(duration: IntOrString): number {
  if (typeof duration === 'number') return duration;
  if (/^[+-]?\d+$/.test(duration)) return Number(duration);
  const ms = parseGoDuration(duration);
  return ms === undefined ? -1 : Math.trunc(ms / 1000);
}

/** conditions.ComputeStepHash (our hash of the steps' canonical JSON; see the header). */
export function computeStepHash(steps: readonly CanaryDecisionStep[] | undefined): string {
  return safeEncodeString(String(fnv32a(canonicalJson(steps ?? null))));
}

export const sum = (
  sets: readonly ObservedReplicaSet[],
  pick: (rs: ObservedReplicaSet) => number,
): number => sets.reduce((total, rs) => total + pick(rs), 0);

// ---------------------------------------------------------------------------------------------
// The decision

/** One reconcile of a canary Rollout: the scalings, the new status and the next wake-up. */
export function decideCanary(observation: CanaryObservation): CanaryDecision {
  return new CanaryReconcile(observation).run();
}

class CanaryReconcile {
  private readonly rollout: CanaryRollout;
  private readonly prev: CanaryRolloutStatus;
  private readonly steps: CanaryDecisionStep[];
  private readonly stepCount: number;
  private readonly trafficRouted: boolean;
  private readonly replicas: number;
  private readonly hash: string;
  private readonly now: number;
  private readonly pause: PauseContext;
  private readonly scale: ScaleEffect[] = [];
  private readonly deadlines: { rs: string; at: number }[] = [];
  private create: CreateEffect | undefined;
  private wakeAt: number | undefined;
  /** Every ReplicaSet as it stands after this reconcile's scalings (spec replicas updated). */
  private sets: ObservedReplicaSet[];
  private conditions: RolloutCondition[];

  constructor(private readonly observation: CanaryObservation) {
    this.rollout = observation.rollout;
    this.prev = observation.rollout.status ?? {};
    this.steps = this.rollout.spec.strategy.canary?.steps ?? [];
    this.stepCount = this.steps.length;
    this.trafficRouted = this.rollout.spec.strategy.canary?.trafficRouting !== undefined;
    this.replicas = this.rollout.spec.replicas ?? 1;
    this.hash = observation.templateHash;
    this.now = observation.now;
    this.sets = observation.replicaSets.map((rs) => ({ ...rs }));
    this.conditions = (this.prev.conditions ?? []).map((c) => ({ ...c }));
    this.pause = new PauseContext(this.prev);
  }

  private get name(): string {
    return this.rollout.metadata?.name ?? 'rollout';
  }

  private get newRS(): ObservedReplicaSet | undefined {
    return this.sets.find((rs) => rs.podTemplateHash === this.hash);
  }

  /** The ReplicaSet status.stableRS names; undefined until a first version was promoted. */
  private get stableRS(): ObservedReplicaSet | undefined {
    const stable = this.prev.stableRS;
    if (!stable) return undefined;
    return this.sets.find((rs) => rs.podTemplateHash === stable);
  }

  /** Neither new nor stable: earlier revisions, or an update interrupted by another one. */
  private get otherRSs(): ObservedReplicaSet[] {
    const { newRS, stableRS } = this;
    return this.sets.filter((rs) => rs !== newRS && rs !== stableRS);
  }

  /** GetCurrentCanaryStep, with the index clamped to [0, steps] so it always means something. */
  private get currentIndex(): number | undefined {
    if (this.stepCount === 0) return undefined;
    const index = this.prev.currentStepIndex ?? 0;
    return Math.min(Math.max(0, index), this.stepCount);
  }

  private get currentStep(): CanaryDecisionStep | undefined {
    const index = this.currentIndex;
    return index === undefined ? undefined : this.steps[index];
  }

  private isAborted(): boolean {
    return this.pause.isAborted();
  }

  private pauseCondition(reason: string): PauseCondition | undefined {
    return this.pause.condition(reason);
  }

  /** The Rollout the replica math sees: the clamped step index (Argo reads the stored one). */
  private get mathRollout(): Rollout {
    return {
      spec: this.rollout.spec,
      status: { ...this.prev, currentStepIndex: this.currentIndex },
    };
  }

  run(): CanaryDecision {
    // An abort means "go back to the stable"; on the stable already there is nothing to undo.
    if (this.prev.stableRS === this.prev.currentPodHash && this.isAborted()) {
      this.pause.removeAbort = true;
    }
    checkPausedConditions(this.conditions, this.prev, this.rollout.spec.paused, this.now);

    let newRS = this.newRS;
    if (newRS === undefined) {
      // createDesiredReplicaSet: a canary's new ReplicaSet starts empty; the next reconcile sizes
      // it, so creating never moves pods by itself.
      const revision = Math.max(0, ...this.sets.map((rs) => rs.revision)) + 1;
      const name = `${this.name}-${this.hash}`;
      this.create = { name, hash: this.hash, replicas: 0, revision };
      newRS = { name, podTemplateHash: this.hash, revision, replicas: 0, availableReplicas: 0 };
      this.sets.push(newRS);
      setCondition(
        this.conditions,
        'Progressing',
        'True',
        'NewReplicaSetCreated',
        MSG.newReplicaSet(name),
        this.now,
      );
    }

    if (this.templateOrStepsChanged()) return this.finish(this.resetStatus());

    this.reconcileStepAnalysis();
    this.reconcileBackgroundAnalysis();
    if (this.pause.add.length === 0) {
      // A scaling event (an HPA changed spec.replicas) is reconciled even when halted, as Argo's
      // syncReplicasOnly does: a paused rollout still follows its autoscaler.
      const halted =
        (this.rollout.spec.paused === true ||
          this.pauseCondition(PAUSE_REASON_INCONCLUSIVE_ANALYSIS) !== undefined) &&
        !this.scalingEvent();
      const scaled = halted ? false : this.reconcileReplicaSets();
      if (!scaled) this.reconcileCanaryPause();
    }
    return this.finish(this.syncStatus());
  }

  // -------------------------------------------------------------------------------------------
  // Template / steps change and the rollback fast path

  /** PodTemplateOrStepsChanged: a new steps hash, or a pod hash other than the recorded one. */
  private templateOrStepsChanged(): boolean {
    const stepHash = computeStepHash(this.steps);
    if (!this.prev.currentStepHash || this.prev.currentStepHash !== stepHash) return true;
    return !!this.prev.currentPodHash && this.prev.currentPodHash !== this.hash;
  }

  /** resetRolloutStatus, plus Argo's "Rollback to stable ReplicaSets" skip of every step. */
  private resetStatus(): CanaryRolloutStatus {
    this.pause.clear = true;
    this.pause.removeAbort = true;
    const status = this.baseStatus();
    status.promoteFull = false;
    status.currentStepIndex = this.stepCount > 0 ? 0 : undefined;
    if (this.stepCount > 0 && this.prev.stableRS === this.hash) {
      // Going back to the stable template needs no canary: its pods already took the traffic.
      status.currentStepIndex = this.stepCount;
    }
    return status;
  }

  // -------------------------------------------------------------------------------------------
  // Analysis of the current step

  /**
   * reconcileBackgroundAnalysisRun's verdicts: a failed run aborts, an inconclusive one pauses;
   * a successful one changes nothing (only steps move a canary). Not while a pause for an
   * inconclusive run is waiting for a human, before startingStep, or when there is nothing
   * to analyse (first deploy, fully promoted, aborted, promoting fully).
   */
  private reconcileBackgroundAnalysis(): void {
    const analysis = this.observation.backgroundAnalysis;
    if (analysis === undefined) return;
    const spec = this.rollout.spec.strategy.canary?.analysis;
    const beforeStart = this.stepCount > 0 && (this.currentIndex ?? 0) < startingStep(spec);
    if (
      !this.prev.stableRS ||
      this.prev.stableRS === this.prev.currentPodHash ||
      this.isAborted() ||
      this.prev.promoteFull ||
      beforeStart ||
      this.pauseCondition(PAUSE_REASON_INCONCLUSIVE_ANALYSIS) !== undefined
    ) {
      return;
    }
    if (analysis.phase === 'Inconclusive') {
      this.addPause(PAUSE_REASON_INCONCLUSIVE_ANALYSIS);
    } else if (analysis.phase === 'Failed' || analysis.phase === 'Error') {
      this.pause.abort(
        analysis.message
          ? `${MSG.backgroundAnalysisFailed}: ${analysis.message}`
          : MSG.backgroundAnalysisFailed,
      );
    }
  }

  private reconcileStepAnalysis(): void {
    const analysis = this.observation.stepAnalysis;
    if (analysis === undefined || this.currentStep?.analysis === undefined) return;
    if (analysis.phase === 'Inconclusive') {
      this.addPause(PAUSE_REASON_INCONCLUSIVE_ANALYSIS);
    } else if (analysis.phase === 'Failed' || analysis.phase === 'Error') {
      this.pause.abort(
        analysis.message
          ? `${MSG.stepAnalysisFailed}: ${analysis.message}`
          : MSG.stepAnalysisFailed,
      );
    }
  }

  private addPause(reason: string): void {
    this.pause.addPause(reason);
  }

  // -------------------------------------------------------------------------------------------
  // ReplicaSets: stable first, then new, then older ones; one group per reconcile

  private desiredCounts(): ReplicaCounts {
    const rollout = this.mathRollout;
    return this.trafficRouted
      ? trafficRoutedCanaryReplicaCounts(rollout, this.newRS, this.stableRS, this.desiredWeights())
      : basicCanaryReplicaCounts(rollout, this.newRS, this.stableRS, this.otherRSs);
  }

  /**
   * The traffic split a router should apply now (reconcileTrafficRouting's desired weight):
   * none to the canary once fully promoted, the setWeight during the steps, all of it after the
   * last step. Basic canaries have no router and no weights in status.
   */
  private desiredWeights(): TrafficWeights | undefined {
    if (!this.trafficRouted) return undefined;
    const max = maxTrafficWeight(this.rollout);
    const fullyPromoted = !this.prev.stableRS || this.prev.stableRS === this.prev.currentPodHash;
    let weight: number;
    if (fullyPromoted) weight = 0;
    else if (this.currentIndex === this.stepCount && !this.prev.abort) weight = max;
    else weight = currentSetWeight(this.mathRollout);
    return {
      canary: { weight, podTemplateHash: this.hash },
      stable: { weight: max - weight, podTemplateHash: this.prev.stableRS || this.hash },
    };
  }

  /**
   * isScalingEvent: the new or stable ReplicaSet was last scaled for another spec.replicas (the
   * desired-replicas annotation), i.e. something like an HPA rescaled the Rollout since.
   */
  private scalingEvent(): boolean {
    return [this.newRS, this.stableRS].some(
      (rs) => rs?.desiredReplicas !== undefined && rs.desiredReplicas !== this.replicas,
    );
  }

  private scaleTo(rs: ObservedReplicaSet, replicas: number): boolean {
    const staleAnnotation =
      rs.desiredReplicas !== undefined && rs.desiredReplicas !== this.replicas;
    if (rs.replicas === replicas && !staleAnnotation) return false;
    // The write also records spec.replicas on the ReplicaSet (ReplicasAnnotationsNeedUpdate), or
    // every later reconcile would take it for a scaling event again.
    rs.desiredReplicas = this.replicas;
    this.scale.push({ rs: rs.name, replicas });
    // The pods that exist do not change with the request: a step is not done in the same
    // reconcile that scaled for it (Argo's allDesiredAreCreated reads status.replicas).
    rs.currentReplicas ??= rs.replicas;
    rs.replicas = replicas;
    return true;
  }

  /** reconcileCanaryReplicaSets: true when something was scaled (the step cannot be over). */
  private reconcileReplicaSets(): boolean {
    const { newRS, stableRS } = this;
    if (checkStableRSExists(newRS, stableRS) && stableRS !== undefined) {
      if (this.scaleTo(stableRS, this.desiredCounts().stableReplicas)) return true;
    }
    if (newRS !== undefined && this.scaleTo(newRS, this.desiredCounts().newReplicas)) return true;
    return this.scaleDownOtherRSs();
  }

  /** reconcileOtherReplicaSets / scaleDownOldReplicaSetsForCanary. */
  private scaleDownOtherRSs(): boolean {
    const others = this.otherRSs.filter((rs) => rs.replicas > 0);
    if (others.length === 0) return false;
    let scaled = false;
    // cleanupUnhealthyReplicas: pods that never became available go first, they serve nothing.
    for (const rs of [...others].sort((a, b) => a.revision - b.revision)) {
      if (rs.availableReplicas < rs.replicas) {
        scaled = this.scaleTo(rs, rs.availableReplicas) || scaled;
      }
    }
    const available = sum(this.sets, (rs) => rs.availableReplicas);
    const minAvailable = this.replicas - resolveMaxUnavailable(this.rollout);
    let maxScaleDown = available - minAvailable;
    if (maxScaleDown <= 0) return scaled;

    const referenced = new Set(
      [this.prev.canary?.weights?.canary, this.prev.canary?.weights?.stable]
        .map((w) => w?.podTemplateHash)
        .filter((h): h is string => !!h),
    );
    const fullyPromoted = this.prev.stableRS === this.prev.currentPodHash;
    for (const rs of [...others].sort((a, b) => b.revision - a.revision)) {
      // A router may still send this ReplicaSet traffic (an update interrupted by another).
      if (this.trafficRouted && referenced.has(rs.podTemplateHash)) continue;
      if (maxScaleDown <= 0) break;
      if (rs.replicas === 0) continue;
      let desired = 0;
      if (!this.trafficRouted) {
        // Without a router every running pod takes traffic: old ones go as fast as allowed.
        desired = rs.replicas > maxScaleDown ? rs.replicas - maxScaleDown : 0;
      } else if (
        (fullyPromoted || rs.scaleDownDeadline !== undefined) &&
        !this.rollout.spec.strategy.canary?.dynamicStableScale
      ) {
        desired = this.scaleDownDelay(rs);
      }
      if (rs.replicas === desired) continue;
      const before = rs.replicas;
      this.scaleTo(rs, desired);
      maxScaleDown -= before - desired;
      scaled = true;
    }
    return scaled;
  }

  /**
   * scaleDownDelayHelper: a traffic-routed canary keeps the previous stable up for
   * scaleDownDelaySeconds after promotion, so a router that is slow to move traffic still finds
   * pods behind the old selector.
   */
  private scaleDownDelay(rs: ObservedReplicaSet): number {
    if (rs.scaleDownDeadline === undefined) {
      const seconds =
        this.rollout.spec.strategy.canary?.scaleDownDelaySeconds ??
        DEFAULT_SCALE_DOWN_DELAY_SECONDS;
      const at = this.now + seconds * 1000;
      this.deadlines.push({ rs: rs.name, at });
      this.wakeUpAt(at);
      return rs.replicas;
    }
    if (rs.scaleDownDeadline > this.now) {
      this.wakeUpAt(rs.scaleDownDeadline);
      return rs.replicas;
    }
    return 0;
  }

  private wakeUpAt(at: number): void {
    if (at > this.now && (this.wakeAt === undefined || at < this.wakeAt)) this.wakeAt = at;
  }

  // -------------------------------------------------------------------------------------------
  // Pause steps

  /** reconcileCanaryPause: enter the pause of a pause step, and wake up when it ends. */
  private reconcileCanaryPause(): void {
    if (this.rollout.spec.paused || this.prev.promoteFull) return;
    const step = this.currentStep;
    if (step?.pause === undefined) return;
    const condition = this.pauseCondition(PAUSE_REASON_CANARY_STEP);
    if (condition === undefined) {
      // No condition and controllerPause set means the user resumed: do not pause again.
      if (!this.prev.controllerPause) {
        this.addPause(PAUSE_REASON_CANARY_STEP);
        if (step.pause.duration !== undefined) {
          this.wakeUpAt(this.now + pauseDurationSeconds(step.pause.duration) * 1000);
        }
      }
      return;
    }
    if (step.pause.duration !== undefined) {
      this.wakeUpAt(condition.startTime + pauseDurationSeconds(step.pause.duration) * 1000);
    }
  }

  /** CompletedCanaryPauseStep. */
  private completedPause(duration: IntOrString | undefined): boolean {
    const condition = this.pauseCondition(PAUSE_REASON_CANARY_STEP);
    if (this.prev.controllerPause && condition === undefined) return true;
    if (duration === undefined || condition === undefined) return false;
    return this.now >= condition.startTime + pauseDurationSeconds(duration) * 1000;
  }

  // -------------------------------------------------------------------------------------------
  // Step completion and promotion

  /** AtDesiredReplicaCountsForCanary, on the ReplicaSets as this reconcile left them. */
  private atDesiredReplicaCounts(): boolean {
    const { newReplicas, stableReplicas } = this.desiredCounts();
    const { newRS, stableRS } = this;
    const newReady =
      newRS !== undefined &&
      newRS.replicas === newReplicas &&
      newRS.availableReplicas === newReplicas;
    if (!newReady) return false;
    if (!this.trafficRouted || !this.rollout.spec.strategy.canary?.dynamicStableScale) {
      const stableCreated =
        stableRS !== undefined &&
        stableRS.replicas === stableReplicas &&
        (stableRS.currentReplicas ?? stableRS.replicas) === stableReplicas;
      if (!stableCreated) return false;
    }
    // Without a router, old pods would still take traffic.
    return this.trafficRouted || sum(this.otherRSs, (rs) => rs.availableReplicas) === 0;
  }

  /** completedCurrentCanaryStep. */
  private completedCurrentStep(): boolean {
    if (this.rollout.spec.paused) return false;
    const step = this.currentStep;
    if (step === undefined) return false;
    if (step.pause !== undefined) return this.completedPause(step.pause.duration);
    if (step.setCanaryScale !== undefined || step.setWeight !== undefined) {
      return this.atDesiredReplicaCounts();
    }
    if (step.experiment !== undefined) return false;
    if (step.analysis !== undefined) return this.observation.stepAnalysis?.phase === 'Successful';
    return step.setHeaderRoute !== undefined || step.setMirrorRoute !== undefined;
  }

  /** shouldFullPromote: why the new ReplicaSet becomes stable now, or undefined. */
  private fullPromotionReason(): string | undefined {
    if (this.stableRS === undefined) return 'Initial deploy';
    if (this.isAborted()) return undefined;
    const newRS = this.newRS;
    if (newRS === undefined || newRS.availableReplicas < this.replicas) return undefined;
    if (this.prev.promoteFull) return 'Full promotion requested';
    if (this.prev.stableRS === this.hash) return 'Fast rollback';
    const index = this.currentIndex;
    if (this.stepCount === 0 || index === this.stepCount) {
      return `Completed all ${this.stepCount} canary steps`;
    }
    return undefined;
  }

  /** syncRolloutStatusCanary after the ReplicaSets were reconciled. */
  private syncStatus(): CanaryRolloutStatus {
    const status = this.baseStatus();
    let index = this.currentIndex;
    if (this.prev.promoteFull) {
      this.pause.clear = true;
      this.pause.removeAbort = true;
      if (this.stepCount > 0) index = this.stepCount;
    }
    if (this.fullPromotionReason() !== undefined) {
      this.pause.clear = true;
      this.pause.removeAbort = true;
      status.promoteFull = false;
      status.currentStepIndex = this.stepCount > 0 ? this.stepCount : undefined;
      status.stableRS = this.hash;
      return status;
    }
    if (this.isAborted()) {
      if (this.stepCount > 0) {
        status.currentStepIndex = status.stableRS === status.currentPodHash ? this.stepCount : 0;
      }
      return status;
    }
    // Past the last step there is nothing to complete (promoteFull moved the index there).
    if (index !== undefined && index < this.stepCount && this.completedCurrentStep()) {
      index++;
      this.pause.remove.push(PAUSE_REASON_CANARY_STEP);
    }
    status.currentStepIndex = index;
    return status;
  }

  /**
   * status.HPAReplicas as Argo Rollouts 1.11 reports it (docs/features/hpa-support.md, "Scale
   * Reporting During Canary Updates"): with a router and no dynamicStableScale the stable
   * ReplicaSet stays at spec.replicas through an update, so only its pods count. Counting the
   * canary's surge too (Argo before 1.11) made an HPA with an AverageValue metric adopt the
   * inflated count as spec.replicas, which grew the canary, which grew the count: the stable ran
   * away to maxReplicas. A basic canary, dynamicStableScale, or no stable yet: every pod counts.
   */
  private hpaReplicas(): number {
    const observed = this.observation.replicaSets;
    const actual = (rs: ObservedReplicaSet) => rs.currentReplicas ?? rs.replicas;
    const stable = observed.find((rs) => rs.podTemplateHash === this.prev.stableRS);
    const stableOnly =
      this.trafficRouted &&
      !this.rollout.spec.strategy.canary?.dynamicStableScale &&
      stable !== undefined;
    return stableOnly ? actual(stable) : sum(observed, actual);
  }

  /** calculateBaseStatus: counts from the observed ReplicaSets, hashes, weights. */
  private baseStatus(): CanaryRolloutStatus {
    const observed = this.observation.replicaSets;
    const newRS = observed.find((rs) => rs.podTemplateHash === this.hash);
    const actual = (rs: ObservedReplicaSet) => rs.currentReplicas ?? rs.replicas;
    const status: CanaryRolloutStatus = {
      currentPodHash: this.hash,
      currentStepHash: computeStepHash(this.steps),
      stableRS: this.prev.stableRS,
      currentStepIndex: this.currentIndex,
      promoteFull: this.hash !== this.prev.stableRS && this.prev.promoteFull === true,
      replicas: sum(observed, actual),
      updatedReplicas: newRS === undefined ? 0 : actual(newRS),
      readyReplicas: sum(observed, (rs) => rs.readyReplicas ?? rs.availableReplicas),
      availableReplicas: sum(observed, (rs) => rs.availableReplicas),
      HPAReplicas: this.hpaReplicas(),
    };
    const weights = this.desiredWeights();
    if (weights !== undefined) status.canary = { weights };
    return status;
  }

  // -------------------------------------------------------------------------------------------
  // persistRolloutStatus: abort and pause fields, conditions, phase

  private finish(status: CanaryRolloutStatus): CanaryDecision {
    const generation = this.rollout.metadata?.generation;
    if (generation !== undefined) status.observedGeneration = String(generation);
    const facts: ConditionFacts = {
      rolloutName: this.name,
      specPaused: this.rollout.spec.paused,
      healthy: false,
      progressed: this.progressed(status),
      // Argo counts availability on the ReplicaSets it read; a scale does not change it.
      available: sum(this.observation.replicaSets, (rs) => rs.availableReplicas) >= this.replicas,
      newRS: this.newRS,
      abortMessage: '',
      deadline: {
        seconds: progressDeadlineSeconds(this.rollout.spec),
        exempt: this.waitingOnPurpose(),
      },
    };
    const settled = settleRolloutStatus({
      status,
      pause: this.pause,
      prevConditions: this.prev.conditions ?? [],
      conditions: this.conditions,
      facts,
      progressDeadlineAbort: this.rollout.spec.progressDeadlineAbort,
      specPaused: this.rollout.spec.paused,
      now: this.now,
      settledFacts: (s) => ({ healthy: this.rolloutHealthy(s) }),
      phase: (s) => calculateRolloutPhase(this.rollout, s),
    });
    this.conditions = settled.conditions;
    if (settled.wakeAt !== undefined) this.wakeUpAt(settled.wakeAt);
    const decision: CanaryDecision = { scale: this.scale, status };
    if (this.create !== undefined) decision.create = this.create;
    if (this.deadlines.length > 0) decision.scaleDownDeadlines = this.deadlines;
    if (this.wakeAt !== undefined) decision.wakeAt = this.wakeAt;
    return decision;
  }

  /**
   * isIndefiniteStep || isWaitingForReplicaSetScaleDown: at a pause, analysis or experiment step
   * (of the previous status, as Argo reads it), paused, or an older ReplicaSet waiting out its
   * scale-down delay.
   */
  private waitingOnPurpose(): boolean {
    const step = this.currentStep;
    if (step?.pause !== undefined || step?.analysis !== undefined) return true;
    if (step?.experiment !== undefined) return true;
    const paused = (this.prev.conditions ?? []).find((c) => c.type === 'Paused');
    if (paused?.status === 'True') return true;
    return this.otherRSs.some((rs) => rs.scaleDownDeadline !== undefined);
  }

  /** RolloutHealthy: updated, available, on the stable, every step done, no old pods. */
  private rolloutHealthy(status: CanaryRolloutStatus): boolean {
    const generation = this.rollout.metadata?.generation;
    const observed =
      generation === undefined || this.prev.observedGeneration === String(generation);
    const executedAllSteps =
      this.stepCount === 0 ||
      status.currentStepIndex === undefined ||
      status.currentStepIndex === this.stepCount;
    return (
      status.updatedReplicas === this.replicas &&
      status.availableReplicas === this.replicas &&
      observed &&
      executedAllSteps &&
      rolloutCompleted(status) &&
      status.replicas === this.replicas
    );
  }

  /** conditions.RolloutProgressing: did anything move since the last status? */
  private progressed(status: CanaryRolloutStatus): boolean {
    const prev = this.prev;
    const indexMoved =
      status.currentStepIndex !== undefined &&
      prev.currentStepIndex !== undefined &&
      status.currentStepIndex !== prev.currentStepIndex;
    return (
      replicasProgressed(prev, status) ||
      status.stableRS !== prev.stableRS ||
      indexMoved ||
      status.currentStepHash !== prev.currentStepHash
    );
  }
}

/** rolloututil.CalculateRolloutPhase for a canary. */
export function calculateRolloutPhase(
  rollout: CanaryRollout,
  status: CanaryRolloutStatus,
): [RolloutPhase, string] {
  return calculatePhase(rollout.spec.paused, rollout.spec.replicas ?? 1, status, () => {
    // Only a basic canary: a router (and its scaleDownDelay) may keep old pods up on purpose.
    if (
      rollout.spec.strategy.canary?.trafficRouting === undefined &&
      (status.replicas ?? 0) > (status.updatedReplicas ?? 0)
    ) {
      return ['Progressing', 'old replicas are pending termination'];
    }
    if (!rolloutCompleted(status)) return ['Progressing', 'waiting for all steps to complete'];
    return undefined;
  });
}

/**
 * The kubectl-argo-rollouts promote command as a status change: full skips every remaining step;
 * otherwise a pause is lifted (pauseConditions cleared, controllerPause kept so the controller
 * sees "resumed"), and with no pause the current step is skipped.
 */
export function promote(status: CanaryRolloutStatus, full = false): CanaryRolloutStatus {
  if (full) return { ...status, promoteFull: true };
  if ((status.pauseConditions ?? []).length > 0) {
    return { ...status, pauseConditions: [], controllerPause: true };
  }
  return { ...status, currentStepIndex: (status.currentStepIndex ?? 0) + 1 };
}

/** kubectl-argo-rollouts abort: status.abort set; the next decision scales the canary down. */
export function abort(status: CanaryRolloutStatus): CanaryRolloutStatus {
  return { ...status, abort: true };
}
