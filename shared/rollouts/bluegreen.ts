/**
 * The blue-green strategy as one pure decision per observation (Argo Rollouts'
 * rollout/bluegreen.go, service.go, analysis.go, replicaset.go and sync.go's status logic), in the
 * same shape as canary.ts: `decideBlueGreen(observation)` returns what Argo would do in one
 * reconcile (ReplicaSets to create and scale, Service selectors to switch, AnalysisRuns to have),
 * the status it would write and when to look again.
 *
 * Argo's order, kept here: the new ReplicaSet comes up behind the preview Service (at
 * previewReplicaCount when set); prePromotionAnalysis runs once it is ready; the rollout pauses
 * (BlueGreenPause) unless auto-promotion is on; once promoted the new ReplicaSet is scaled to
 * spec.replicas and, when it is saturated, the active Service switches to it; postPromotionAnalysis
 * runs; when it succeeds the new ReplicaSet becomes stable and the old one is scaled down
 * scaleDownDelaySeconds later. An abort (by hand or by a failed analysis) points the active
 * Service back at the stable and scales the preview down abortScaleDownDelaySeconds later.
 *
 * Deliberate differences from Argo, each small:
 * - a new ReplicaSet is created at the size Argo gives it in its first reconcile (Argo creates it
 *   empty, then scales it in the same or the next reconcile);
 * - which ReplicaSet is older is read from the revision, not the creation time;
 * - scaleDownDelaySeconds: 0 scales old ReplicaSets down at once (Argo never annotates them then
 *   and keeps them up);
 * - a timed pause ends at its deadline (Argo: strictly after it), as in canary.ts.
 * Not modelled: rollbackWindow, AWS target group verification, pod
 * restarts, ephemeral metadata, HPA status fields.
 */
import { isCompleted } from './analysis.js';
import type { AnalysisPhase } from './analysis.js';
import {
  analysisRunName,
  nextAnalysisRunName,
  readRolloutAnalysis,
  type AnalysisRunRequest,
  type RolloutAnalysisRunStatus,
  wantedAnalysisRuns,
} from './analysis-runs.js';
import {
  DEFAULT_SCALE_DOWN_DELAY_SECONDS,
  type CreateEffect,
  type ObservedReplicaSet,
  type ScaleEffect,
  type StepAnalysis,
  sum,
} from './canary.js';
import {
  settleRolloutStatus,
  calculatePhase,
  checkPausedConditions,
  type ConditionFacts,
  MSG,
  PAUSE_REASON_BLUE_GREEN,
  PAUSE_REASON_CANARY_STEP,
  PAUSE_REASON_INCONCLUSIVE_ANALYSIS,
  PauseContext,
  progressDeadlineSeconds,
  type ReconciledRolloutStatus,
  replicasProgressed,
  rolloutCompleted,
  type RolloutCondition,
  type RolloutPhase,
  setCondition,
} from './conditions.js';
import type { BlueGreenStrategy, RolloutSpec } from './types.js';

// ---------------------------------------------------------------------------------------------
// Types

/** The annotation Argo puts on a Service whose selector it manages. */
export const MANAGED_BY_ROLLOUTS_ANNOTATION = 'argo-rollouts.argoproj.io/managed-by-rollouts';

/** spec.strategy.blueGreen as the decision reads it. */
export interface BlueGreenSpec extends BlueGreenStrategy {
  activeService: string;
  previewService?: string;
  /** Pods the new ReplicaSet runs before promotion; spec.replicas when unset. */
  previewReplicaCount?: number;
  /** true when unset: promote without waiting for a human. */
  autoPromotionEnabled?: boolean;
  /** Pause this long before promoting by itself (with auto-promotion on). */
  autoPromotionSeconds?: number;
  /** How long the previous active stays up after the switch; 30 when unset. */
  scaleDownDelaySeconds?: number;
  /** How many previous ReplicaSets may wait out their delay; unlimited when unset. */
  scaleDownDelayRevisionLimit?: number;
  prePromotionAnalysis?: unknown;
  postPromotionAnalysis?: unknown;
}

/** status.blueGreen. */
export interface BlueGreenStatusPart {
  activeSelector?: string;
  previewSelector?: string;
  /** previewReplicaCount's one-way trip-wire: the preview may now grow to spec.replicas. */
  scaleUpPreviewCheckPoint?: boolean;
  prePromotionAnalysisRunStatus?: RolloutAnalysisRunStatus;
  postPromotionAnalysisRunStatus?: RolloutAnalysisRunStatus;
}

export interface BlueGreenRolloutStatus extends ReconciledRolloutStatus {
  blueGreen?: BlueGreenStatusPart;
}

export interface BlueGreenRollout {
  metadata?: { name?: string; generation?: number };
  spec: RolloutSpec & {
    paused?: boolean;
    strategy: RolloutSpec['strategy'] & { blueGreen?: BlueGreenSpec };
  };
  status?: BlueGreenRolloutStatus;
}

/** A Service's rollouts-pod-template-hash selector as it is on the cluster. */
export interface ObservedService {
  selectorHash?: string;
  /** Whether it carries the managed-by-rollouts annotation; assumed when unset. */
  managed?: boolean;
}

export interface BlueGreenObservation {
  rollout: BlueGreenRollout;
  /** The pod-template-hash of spec.template as it is now. */
  templateHash: string;
  replicaSets: readonly ObservedReplicaSet[];
  /** Epoch ms. */
  now: number;
  /** The Services as observed; status.blueGreen's selectors when unset. */
  activeService?: ObservedService;
  previewService?: ObservedService;
  /** The current revision's AnalysisRuns, when they exist. */
  prePromotionAnalysis?: StepAnalysis;
  postPromotionAnalysis?: StepAnalysis;
}

export interface BlueGreenDecision {
  scale: ScaleEffect[];
  create?: CreateEffect;
  /** scale-down-deadline annotations to set (epoch ms). */
  scaleDownDeadlines?: { rs: string; at: number }[];
  /** ReplicaSets whose scale-down-deadline annotation goes (they are wanted again). */
  removeScaleDownDeadlines?: string[];
  /**
   * Services whose spec.selector[rollouts-pod-template-hash] becomes `hash`; the machine also
   * sets MANAGED_BY_ROLLOUTS_ANNOTATION to the rollout's name, as Argo does.
   */
  serviceSelectors: { service: string; hash: string }[];
  /** The AnalysisRuns wanted now (wantedAnalysisRuns on the new status). */
  analysisRuns: AnalysisRunRequest[];
  status: BlueGreenRolloutStatus;
  wakeAt?: number;
}

/** defaults.DefaultAbortScaleDownDelaySeconds. */
const DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS = 30;

interface CurrentRun {
  name: string;
  phase: AnalysisPhase | undefined;
  message?: string;
}

// ---------------------------------------------------------------------------------------------
// The decision

/** One reconcile of a blue-green Rollout. */
export function decideBlueGreen(observation: BlueGreenObservation): BlueGreenDecision {
  return new BlueGreenReconcile(observation).run();
}

class BlueGreenReconcile {
  private readonly rollout: BlueGreenRollout;
  private readonly spec: BlueGreenSpec;
  private readonly prev: BlueGreenRolloutStatus;
  private readonly prevBG: BlueGreenStatusPart;
  private readonly replicas: number;
  private readonly hash: string;
  private readonly now: number;
  private readonly pause: PauseContext;
  private readonly scale: ScaleEffect[] = [];
  private readonly deadlines: { rs: string; at: number }[] = [];
  private readonly removedDeadlines: string[] = [];
  private readonly selectors: { service: string; hash: string }[] = [];
  private create: CreateEffect | undefined;
  private wakeAt: number | undefined;
  /** Every ReplicaSet as it stands after this reconcile's writes. */
  private readonly sets: ObservedReplicaSet[];
  private conditions: RolloutCondition[];
  private activeSelector: string;
  private previewSelector: string;
  private pre: CurrentRun | undefined;
  private post: CurrentRun | undefined;

  constructor(private readonly observation: BlueGreenObservation) {
    this.rollout = observation.rollout;
    const spec = this.rollout.spec.strategy.blueGreen;
    if (spec === undefined) {
      throw new Error(
        'spec.strategy.blueGreen: missing; decideBlueGreen needs a blue-green rollout',
      );
    }
    this.spec = spec;
    this.prev = this.rollout.status ?? {};
    this.prevBG = this.prev.blueGreen ?? {};
    this.replicas = this.rollout.spec.replicas ?? 1;
    this.hash = observation.templateHash;
    this.now = observation.now;
    this.pause = new PauseContext(this.prev);
    this.sets = observation.replicaSets.map((rs) => ({ ...rs }));
    this.conditions = (this.prev.conditions ?? []).map((c) => ({ ...c }));
    this.activeSelector =
      observation.activeService?.selectorHash ?? this.prevBG.activeSelector ?? '';
    this.previewSelector =
      observation.previewService?.selectorHash ?? this.prevBG.previewSelector ?? '';
  }

  private get name(): string {
    return this.rollout.metadata?.name ?? 'rollout';
  }

  private get newRS(): ObservedReplicaSet {
    const rs = this.sets.find((s) => s.podTemplateHash === this.hash);
    if (rs === undefined) throw new Error(`no ReplicaSet for pod template hash ${this.hash}`);
    return rs;
  }

  /** GetStableRS: the ReplicaSet status.stableRS names, if it still exists. */
  private get stableRS(): ObservedReplicaSet | undefined {
    const stable = this.prev.stableRS;
    return stable ? this.sets.find((rs) => rs.podTemplateHash === stable) : undefined;
  }

  private get otherRSs(): ObservedReplicaSet[] {
    const { newRS, stableRS } = this;
    return this.sets.filter((rs) => rs !== newRS && rs !== stableRS);
  }

  /** The ReplicaSet as observed (Argo reads readiness from what it listed, not what it wrote). */
  private observed(rs: ObservedReplicaSet): ObservedReplicaSet | undefined {
    return this.observation.replicaSets.find((o) => o.name === rs.name);
  }

  private halted(): boolean {
    return (
      this.rollout.spec.paused === true ||
      this.pause.condition(PAUSE_REASON_INCONCLUSIVE_ANALYSIS) !== undefined
    );
  }

  run(): BlueGreenDecision {
    // An abort means "go back to the stable"; on the stable already there is nothing to undo.
    if (rolloutCompleted(this.prev) && this.pause.isAborted()) this.pause.removeAbort = true;
    checkPausedConditions(this.conditions, this.prev, this.rollout.spec.paused, this.now);
    this.ensureNewRS();
    this.readCurrentRuns();
    // reconcilePreviewService: "must happen right after the new replicaset is created".
    if (!this.halted()) this.switchService('preview', this.hash);
    if (this.prev.currentPodHash && this.prev.currentPodHash !== this.hash) {
      return this.finish(this.syncStatus(true));
    }
    this.reconcileReplicaSets();
    this.reconcilePause();
    this.reconcileActiveService();
    this.reconcileAnalysisRuns();
    return this.finish(this.syncStatus(false));
  }

  // -------------------------------------------------------------------------------------------
  // ReplicaSets

  private ensureNewRS(): void {
    if (this.sets.some((rs) => rs.podTemplateHash === this.hash)) return;
    const revision = Math.max(0, ...this.sets.map((rs) => rs.revision)) + 1;
    const name = `${this.name}-${this.hash}`;
    const rs: ObservedReplicaSet = {
      name,
      podTemplateHash: this.hash,
      revision,
      replicas: 0,
      availableReplicas: 0,
    };
    rs.replicas = this.newReplicaCount(rs);
    this.sets.push(rs);
    this.create = { name, hash: this.hash, replicas: rs.replicas, revision };
    setCondition(
      this.conditions,
      'Progressing',
      'True',
      'NewReplicaSetCreated',
      MSG.newReplicaSet(name),
      this.now,
    );
  }

  /** NewRSNewReplicas for blue-green: previewReplicaCount until the preview may grow. */
  private newReplicaCount(newRS: ObservedReplicaSet): number {
    const preview = this.spec.previewReplicaCount;
    if (preview === undefined) return this.replicas;
    const active = this.prevBG.activeSelector;
    const activeRS = active ? this.sets.find((rs) => rs.podTemplateHash === active) : undefined;
    if (activeRS === undefined || activeRS.name === newRS.name) return this.replicas;
    if (this.prev.promoteFull) return this.replicas;
    if (newRS.podTemplateHash !== this.prev.currentPodHash) return preview;
    const notPaused = !this.rollout.spec.paused && (this.prev.pauseConditions ?? []).length === 0;
    if (notPaused && this.prevBG.scaleUpPreviewCheckPoint) return this.replicas;
    return preview;
  }

  /** ReadyForPause: the new ReplicaSet is at its size and all of it available. */
  private readyForPause(): boolean {
    const observed = this.observed(this.newRS);
    if (observed === undefined) return false;
    const count = this.newReplicaCount(observed);
    return observed.replicas === count && observed.availableReplicas === count;
  }

  /** annotations.IsSaturated: at spec.replicas and all of them available. */
  private saturated(rs: ObservedReplicaSet | undefined): boolean {
    const observed = rs && this.observed(rs);
    return (
      observed !== undefined &&
      observed.replicas === this.replicas &&
      observed.availableReplicas === this.replicas
    );
  }

  private scaleTo(rs: ObservedReplicaSet, replicas: number): void {
    if (rs.replicas === replicas) return;
    this.scale.push({ rs: rs.name, replicas });
    rs.currentReplicas ??= rs.replicas;
    rs.replicas = replicas;
  }

  private wakeUpAt(at: number): void {
    if (at > this.now && (this.wakeAt === undefined || at < this.wakeAt)) this.wakeAt = at;
  }

  private addDeadline(rs: ObservedReplicaSet, seconds: number): void {
    const at = this.now + seconds * 1000;
    this.deadlines.push({ rs: rs.name, at });
    rs.scaleDownDeadline = at;
    this.wakeUpAt(at);
  }

  /** abortScaleDownDelaySeconds: 30 when unset; 0 means leave the preview up (undefined). */
  private abortDelaySeconds(): number | undefined {
    const value = this.spec.abortScaleDownDelaySeconds;
    if (value === undefined) return DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS;
    return value === 0 ? undefined : value;
  }

  /** shouldDelayScaleDownOnAbort. */
  private delayScaleDownOnAbort(): boolean {
    return (
      this.pause.isAborted() &&
      this.stableRS !== undefined &&
      this.abortDelaySeconds() !== undefined
    );
  }

  /** isRollback / isFastRollback (no rollbackWindow): back to the stable, or to an older
   * revision still within its scale-down delay. */
  private isFastRollback(): boolean {
    const stable = this.stableRS;
    if (stable === undefined) return false;
    const newRS = this.newRS;
    if (this.prev.stableRS === this.hash) return true;
    const olderThanStable = newRS.revision < stable.revision;
    const observed = this.observed(newRS);
    const withinDelay =
      observed?.scaleDownDeadline !== undefined && observed.scaleDownDeadline > this.now;
    return olderThanStable && withinDelay;
  }

  /** reconcileBlueGreenReplicaSets: stable, new, then the others, all in one reconcile. */
  private reconcileReplicaSets(): void {
    const fastRollback = this.isFastRollback();
    this.removeScaleDownDeadlines();
    const stable = this.stableRS;
    if (stable !== undefined) this.scaleTo(stable, this.replicas);
    this.reconcileNewRS();
    this.scaleDownOtherRSs(fastRollback);
  }

  /** removeScaleDownDeadlines: the new and stable ReplicaSets are wanted (a rollback to one). */
  private removeScaleDownDeadlines(): void {
    const targets = new Set<ObservedReplicaSet>();
    if (!this.delayScaleDownOnAbort()) targets.add(this.newRS);
    const stable = this.stableRS;
    if (stable !== undefined) targets.add(stable);
    for (const rs of targets) {
      if (rs.scaleDownDeadline === undefined) continue;
      this.removedDeadlines.push(rs.name);
      delete rs.scaleDownDeadline;
    }
  }

  /** reconcileNewReplicaSet, with the preview's scale-down delay after an abort. */
  private reconcileNewRS(): void {
    const newRS = this.newRS;
    let count = this.newReplicaCount(newRS);
    if (this.delayScaleDownOnAbort()) {
      if (newRS.scaleDownDeadline === undefined) {
        // Annotate only once the stable can take all the traffic: the deadline drops the preview
        // whatever happens.
        const stable = this.stableRS;
        const stableAvailable = stable ? (this.observed(stable)?.availableReplicas ?? 0) : 0;
        if (stableAvailable >= this.replicas) {
          this.addDeadline(newRS, this.abortDelaySeconds() ?? 0);
        }
        return;
      }
      if (newRS.scaleDownDeadline > this.now) {
        this.wakeUpAt(newRS.scaleDownDeadline);
        return;
      }
      count = 0;
    }
    this.scaleTo(newRS, count);
  }

  /** isReplicaSetReferenced: a hash the status or a Service still points at. */
  private referenced(rs: ObservedReplicaSet): boolean {
    const refs = [
      this.prev.stableRS,
      this.prev.currentPodHash,
      this.prevBG.activeSelector,
      this.prevBG.previewSelector,
      this.activeSelector,
      this.previewSelector,
    ];
    return refs.includes(rs.podTemplateHash);
  }

  /** scaleDownOldReplicaSetsForBlueGreen with scaleDownDelayHelper. */
  private scaleDownOtherRSs(fastRollback: boolean): void {
    const others = this.otherRSs.filter((rs) => rs.replicas > 0);
    if (others.length === 0) return;
    if (this.pause.condition(PAUSE_REASON_INCONCLUSIVE_ANALYSIS) !== undefined) return;
    // Without an explicit delay, old pods wait for the post-promotion analysis to succeed.
    if (
      this.spec.postPromotionAnalysis !== undefined &&
      this.spec.scaleDownDelaySeconds === undefined &&
      !this.skipPostPromotion(fastRollback) &&
      this.post?.phase !== 'Successful'
    ) {
      return;
    }
    const limit = this.spec.scaleDownDelayRevisionLimit ?? Number.POSITIVE_INFINITY;
    const delay = this.spec.scaleDownDelaySeconds ?? DEFAULT_SCALE_DOWN_DELAY_SECONDS;
    let annotated = 0;
    for (const rs of [...others].sort((a, b) => b.revision - a.revision)) {
      if (this.referenced(rs)) continue;
      let desired = 0;
      if (rs.scaleDownDeadline === undefined) {
        if (annotated < limit && delay > 0) {
          annotated++;
          desired = rs.replicas;
          this.addDeadline(rs, delay);
        }
      } else {
        annotated++;
        if (annotated <= limit && rs.scaleDownDeadline > this.now) {
          // Argo holds a delayed ReplicaSet at spec.replicas until its deadline.
          desired = this.replicas;
          this.wakeUpAt(rs.scaleDownDeadline);
        }
      }
      this.scaleTo(rs, desired);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Services and pause

  private switchService(which: 'active' | 'preview', hash: string | undefined): void {
    const service = which === 'active' ? this.spec.activeService : this.spec.previewService;
    if (!service || !hash) return;
    const current = which === 'active' ? this.activeSelector : this.previewSelector;
    const observed =
      which === 'active' ? this.observation.activeService : this.observation.previewService;
    if (current === hash && observed?.managed !== false) return;
    this.selectors.push({ service, hash });
    if (which === 'active') this.activeSelector = hash;
    else this.previewSelector = hash;
  }

  /** isBlueGreenFastTracked: nothing to pause for. */
  private fastTracked(): boolean {
    return (
      this.isFastRollback() ||
      this.prev.promoteFull === true ||
      this.activeSelector === '' ||
      this.activeSelector === this.hash
    );
  }

  private autoPromotion(): boolean {
    return this.spec.autoPromotionEnabled !== false;
  }

  /** needsBlueGreenControllerPause. */
  private needsControllerPause(): boolean {
    return !this.autoPromotion() || (this.spec.autoPromotionSeconds ?? 0) > 0;
  }

  /** completedPrePromotionAnalysis. */
  private completedPrePromotion(): boolean {
    return this.spec.prePromotionAnalysis === undefined || this.pre?.phase === 'Successful';
  }

  /** CompletedBlueGreenPause: resumed by hand, or autoPromotionSeconds have passed. */
  private completedPause(): boolean {
    if (this.pause.add.length > 0) return false;
    if (this.prevBG.scaleUpPreviewCheckPoint) return true;
    const condition = this.pause.condition(PAUSE_REASON_BLUE_GREEN);
    if (this.autoPromotion()) {
      const seconds = this.spec.autoPromotionSeconds ?? 0;
      if (seconds === 0) return true;
      return condition !== undefined && this.now >= condition.startTime + seconds * 1000;
    }
    return this.prev.controllerPause === true && condition === undefined;
  }

  /** reconcileBlueGreenPause. */
  private reconcilePause(): void {
    if (this.prev.abort || !this.readyForPause() || this.halted()) return;
    if (
      this.fastTracked() ||
      this.prevBG.scaleUpPreviewCheckPoint ||
      !this.needsControllerPause()
    ) {
      this.pause.removePause(PAUSE_REASON_BLUE_GREEN);
      return;
    }
    if (!this.completedPrePromotion()) return;
    const seconds = this.autoPromotion() ? (this.spec.autoPromotionSeconds ?? 0) : 0;
    const condition = this.pause.condition(PAUSE_REASON_BLUE_GREEN);
    if (condition !== undefined) {
      if (this.completedPause()) this.pause.removePause(PAUSE_REASON_BLUE_GREEN);
      // Without auto-promotion Argo still requeues at autoPromotionSeconds, to no effect.
      else if (seconds > 0) this.wakeUpAt(condition.startTime + seconds * 1000);
    } else if (!this.prev.controllerPause) {
      // No condition but controllerPause set means a human promoted: do not pause again.
      this.pause.addPause(PAUSE_REASON_BLUE_GREEN);
      if (seconds > 0) this.wakeUpAt(this.now + seconds * 1000);
    }
  }

  /** reconcileActiveService: switch once saturated and promoted; back to stable on abort. */
  private reconcileActiveService(): void {
    if (this.halted()) return;
    if (!this.readyForPause() || !this.saturated(this.newRS)) return;
    let target = this.activeSelector;
    if (this.fastTracked()) target = this.hash;
    if (this.completedPause() && this.completedPrePromotion()) target = this.hash;
    if (this.prev.abort) target = this.prev.stableRS ?? '';
    this.switchService('active', target);
  }

  // -------------------------------------------------------------------------------------------
  // Analysis

  /** The runs status.blueGreen records for this revision, with their phases as observed. */
  private readCurrentRuns(): void {
    const revision = this.newRS.revision;
    const current = (
      role: 'prePromotion' | 'postPromotion',
      recorded: RolloutAnalysisRunStatus | undefined,
      observed: StepAnalysis | undefined,
    ): CurrentRun | undefined => {
      const base = analysisRunName(this.name, this.hash, revision, role);
      const ours = recorded && (recorded.name === base || recorded.name.startsWith(`${base}.`));
      if (!ours && observed === undefined) return undefined;
      const run: CurrentRun = {
        name: ours ? recorded.name : base,
        phase: observed?.phase ?? 'Pending',
      };
      if (observed?.message) run.message = observed.message;
      return run;
    };
    this.pre = current(
      'prePromotion',
      this.prevBG.prePromotionAnalysisRunStatus,
      this.observation.prePromotionAnalysis,
    );
    this.post = current(
      'postPromotion',
      this.prevBG.postPromotionAnalysisRunStatus,
      this.observation.postPromotionAnalysis,
    );
  }

  /** skipPrePromotionAnalysisRun. */
  private skipPrePromotion(): boolean {
    const active = this.prevBG.activeSelector ?? '';
    if (this.prev.stableRS === this.hash || active === '' || active === this.hash) return true;
    if (this.pre !== undefined) return false;
    const observed = this.observed(this.newRS);
    const preview = this.spec.previewReplicaCount;
    if (preview !== undefined) {
      return observed?.replicas !== preview || observed.availableReplicas !== preview;
    }
    return !this.saturated(this.newRS);
  }

  /** skipPostPromotionAnalysisRun. */
  private skipPostPromotion(fastRollback = false): boolean {
    if (fastRollback || this.prev.stableRS === this.hash) return true;
    if (this.prevBG.activeSelector !== this.hash) return true;
    if (this.post !== undefined) return false;
    return !this.saturated(this.newRS);
  }

  /** needsNewAnalysisRun: none yet, a retry after an abort, or a resumed inconclusive run. */
  private needsNewRun(run: CurrentRun | undefined): boolean {
    if (run === undefined) return true;
    if (
      this.prev.controllerPause &&
      this.pause.condition(PAUSE_REASON_CANARY_STEP) === undefined &&
      this.pause.condition(PAUSE_REASON_BLUE_GREEN) === undefined
    ) {
      return run.phase === 'Inconclusive';
    }
    return this.prev.abortedAt !== undefined;
  }

  private reconcileRun(
    role: 'prePromotion' | 'postPromotion',
    run: CurrentRun | undefined,
    skip: boolean,
  ): CurrentRun | undefined {
    const spec =
      role === 'prePromotion' ? this.spec.prePromotionAnalysis : this.spec.postPromotionAnalysis;
    if (readRolloutAnalysis(spec) === undefined) return undefined;
    if (skip || this.pause.condition(PAUSE_REASON_INCONCLUSIVE_ANALYSIS) !== undefined) return run;
    if (this.needsNewRun(run)) {
      const base = analysisRunName(this.name, this.hash, this.newRS.revision, role);
      return { name: nextAnalysisRunName(base, run?.name), phase: undefined };
    }
    // setPauseOrAbortForBlueGreen.
    if (run?.phase === 'Inconclusive') {
      this.pause.addPause(PAUSE_REASON_INCONCLUSIVE_ANALYSIS);
    } else if (run?.phase === 'Failed' || run?.phase === 'Error') {
      const prefix =
        role === 'prePromotion' ? MSG.prePromotionAnalysisFailed : MSG.postPromotionAnalysisFailed;
      this.pause.abort(run.message ? `${prefix}: ${run.message}` : prefix);
    }
    return run;
  }

  /** reconcileAnalysisRuns for blue-green. */
  private reconcileAnalysisRuns(): void {
    const cancelAll =
      rolloutCompleted(this.prev) ||
      this.pause.isAborted() ||
      this.prev.promoteFull === true ||
      this.isFastRollback() ||
      !this.prev.stableRS;
    // Blue-green keeps its current runs (cancelled) once promoted or aborted.
    if (cancelAll) return;
    this.pre = this.reconcileRun('prePromotion', this.pre, this.skipPrePromotion());
    this.post = this.reconcileRun('postPromotion', this.post, this.skipPostPromotion());
  }

  // -------------------------------------------------------------------------------------------
  // Status

  /** shouldFullPromote for blue-green. */
  private fullPromotionReason(status: BlueGreenRolloutStatus): string | undefined {
    const active = status.blueGreen?.activeSelector ?? '';
    if (this.stableRS === undefined || active === '') return 'Initial deploy';
    if (active !== status.currentPodHash) return undefined;
    if (this.prev.promoteFull) return 'Full promotion requested';
    if (this.isFastRollback()) return 'Fast rollback';
    if (this.pause.isAborted()) return undefined;
    if (this.spec.postPromotionAnalysis !== undefined && this.post?.phase !== 'Successful') {
      return undefined;
    }
    return 'Completed blue-green update';
  }

  /** calculateScaleUpPreviewCheckPoint. */
  private scaleUpPreviewCheckPoint(): boolean {
    const preview = this.spec.previewReplicaCount;
    if (preview === undefined) return false;
    if (this.prevBG.scaleUpPreviewCheckPoint) return true;
    if (!this.completedPrePromotion() || !this.completedPause()) return false;
    return this.observed(this.newRS)?.availableReplicas === preview;
  }

  private runStatus(run: CurrentRun | undefined): RolloutAnalysisRunStatus | undefined {
    if (run === undefined) return undefined;
    const status: RolloutAnalysisRunStatus = { name: run.name };
    if (run.phase !== undefined) status.status = run.phase;
    if (run.message) status.message = run.message;
    return status;
  }

  /** syncRolloutStatusBlueGreen (reset: a new pod template, resetRolloutStatus). */
  private syncStatus(reset: boolean): BlueGreenRolloutStatus {
    const observed = this.observation.replicaSets;
    const actual = (rs: ObservedReplicaSet) => rs.currentReplicas ?? rs.replicas;
    const newRS = observed.find((rs) => rs.podTemplateHash === this.hash);
    const status: BlueGreenRolloutStatus = {
      currentPodHash: this.hash,
      stableRS: this.prev.stableRS,
      promoteFull: this.hash !== this.prev.stableRS && this.prev.promoteFull === true,
      replicas: sum(observed, actual),
      updatedReplicas: newRS === undefined ? 0 : actual(newRS),
      readyReplicas: sum(observed, (rs) => rs.readyReplicas ?? rs.availableReplicas),
    };
    if (reset) {
      this.pause.clear = true;
      this.pause.removeAbort = true;
      status.promoteFull = false;
      this.pre = undefined;
      this.post = undefined;
    }
    if (this.prev.promoteFull) {
      this.pause.clear = true;
      this.pause.removeAbort = true;
    }
    const blueGreen: BlueGreenStatusPart = {};
    if (this.previewSelector) blueGreen.previewSelector = this.previewSelector;
    if (this.activeSelector) blueGreen.activeSelector = this.activeSelector;
    const pre = this.runStatus(this.pre);
    if (pre) blueGreen.prePromotionAnalysisRunStatus = pre;
    const post = this.runStatus(this.post);
    if (post) blueGreen.postPromotionAnalysisRunStatus = post;
    status.blueGreen = blueGreen;

    if (this.fullPromotionReason(status) !== undefined) {
      this.pause.clear = true;
      this.pause.removeAbort = true;
      status.promoteFull = false;
      status.stableRS = this.hash;
    } else if (!reset && this.scaleUpPreviewCheckPoint()) {
      blueGreen.scaleUpPreviewCheckPoint = true;
    }

    // Availability is the active ReplicaSet's; without one, every ReplicaSet's.
    const activeRS = observed.find((rs) => rs.podTemplateHash === this.activeSelector);
    // HPAReplicas too: the HPA scales what the active Service serves.
    if (activeRS !== undefined) {
      status.availableReplicas = activeRS.availableReplicas;
      status.readyReplicas = activeRS.readyReplicas ?? activeRS.availableReplicas;
      status.HPAReplicas = actual(activeRS);
    } else {
      status.availableReplicas = sum(observed, (rs) => rs.availableReplicas);
      status.HPAReplicas = sum(observed, actual);
    }
    return status;
  }

  /** RolloutHealthy for blue-green: updated, available, both Services on the new pods. */
  private rolloutHealthy(status: BlueGreenRolloutStatus): boolean {
    const generation = this.rollout.metadata?.generation;
    const observed =
      generation === undefined || this.prev.observedGeneration === String(generation);
    const bg = status.blueGreen ?? {};
    const previewDone = !this.spec.previewService || bg.previewSelector === status.currentPodHash;
    return (
      status.updatedReplicas === this.replicas &&
      status.availableReplicas === this.replicas &&
      observed &&
      bg.activeSelector === status.currentPodHash &&
      previewDone
    );
  }

  /**
   * isIndefiniteStep || isWaitingForReplicaSetScaleDown for blue-green: paused (the previous
   * status' Paused condition), or an older ReplicaSet, as observed, waiting out its delay.
   */
  private waitingOnPurpose(): boolean {
    const paused = (this.prev.conditions ?? []).find((c) => c.type === 'Paused');
    if (paused?.status === 'True') return true;
    const stable = this.prev.stableRS;
    return this.observation.replicaSets.some(
      (rs) =>
        rs.podTemplateHash !== this.hash &&
        rs.podTemplateHash !== stable &&
        rs.scaleDownDeadline !== undefined,
    );
  }

  private finish(status: BlueGreenRolloutStatus): BlueGreenDecision {
    const generation = this.rollout.metadata?.generation;
    if (generation !== undefined) status.observedGeneration = String(generation);
    const facts: ConditionFacts = {
      rolloutName: this.name,
      specPaused: this.rollout.spec.paused,
      healthy: false,
      progressed:
        replicasProgressed(this.prev, status) ||
        status.blueGreen?.activeSelector !== this.prevBG.activeSelector ||
        status.blueGreen?.previewSelector !== this.prevBG.previewSelector,
      available: false,
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
      settledFacts: (s) => {
        const activeRS = this.sets.find(
          (rs) => rs.podTemplateHash === (s.blueGreen ?? {}).activeSelector,
        );
        return { healthy: this.rolloutHealthy(s), available: this.saturated(activeRS) };
      },
      phase: (s) => calculateBlueGreenPhase(this.rollout, s),
    });
    this.conditions = settled.conditions;
    if (settled.wakeAt !== undefined) this.wakeUpAt(settled.wakeAt);

    const revision = this.newRS.revision;
    const decision: BlueGreenDecision = {
      scale: this.scale,
      serviceSelectors: this.selectors,
      analysisRuns: wantedAnalysisRuns({ ...this.rollout, status }, this.hash, revision),
      status,
    };
    if (this.create !== undefined) decision.create = this.create;
    if (this.deadlines.length > 0) decision.scaleDownDeadlines = this.deadlines;
    if (this.removedDeadlines.length > 0) decision.removeScaleDownDeadlines = this.removedDeadlines;
    if (this.wakeAt !== undefined) decision.wakeAt = this.wakeAt;
    return decision;
  }
}

/** rolloututil.CalculateRolloutPhase for blue-green. */
export function calculateBlueGreenPhase(
  rollout: BlueGreenRollout,
  status: BlueGreenRolloutStatus,
): [RolloutPhase, string] {
  return calculatePhase(rollout.spec.paused, rollout.spec.replicas ?? 1, status, () => {
    const bg = status.blueGreen ?? {};
    if (!bg.activeSelector || bg.activeSelector !== status.currentPodHash) {
      return ['Progressing', 'active service cutover pending'];
    }
    if (rolloutCompleted(status)) return undefined;
    const post = bg.postPromotionAnalysisRunStatus;
    const waitingForAnalysis =
      rollout.spec.strategy.blueGreen?.postPromotionAnalysis !== undefined &&
      (post === undefined || !isCompleted(post.status));
    return [
      'Progressing',
      waitingForAnalysis
        ? 'waiting for analysis to complete'
        : 'waiting for post-promotion verification to complete',
    ];
  });
}

/**
 * kubectl-argo-rollouts promote for blue-green: full asks for promoteFull (unless already on the
 * stable); otherwise a pause is lifted (pauseConditions cleared, controllerPause kept so the
 * controller sees "resumed").
 */
export function promoteBlueGreen(
  status: BlueGreenRolloutStatus,
  full = false,
): BlueGreenRolloutStatus {
  if (full) {
    return status.currentPodHash !== status.stableRS ? { ...status, promoteFull: true } : status;
  }
  if ((status.pauseConditions ?? []).length > 0) return { ...status, pauseConditions: [] };
  return status;
}
