/**
 * Which AnalysisRuns a Rollout wants right now (Argo Rollouts' rollout/analysis.go
 * reconcileAnalysisRuns, for both strategies), as requests the machine turns into runs: it starts
 * a wanted run that does not exist yet (by name) and terminates a running one that is no longer
 * wanted. Building the run from its templates and merging the rollout's args with the templates'
 * defaults happen later, where the templates are read.
 *
 * Names are Argo's: `<rollout>-<pod-template-hash>-<revision>`, then `-<stepIndex>` for a step's
 * run, `-pre` / `-post` for blue-green's; a name already taken by an earlier run of the same
 * revision (a retry) gets Argo's collision suffix `.1`, `.2`...
 *
 * Canary runs are wanted from the status alone (the step index, abort, promotion). Blue-green
 * runs start only once the preview ReplicaSet is ready, which only the decision can see, so
 * decideBlueGreen records the runs it started in status.blueGreen.{pre,post}PromotionAnalysisRunStatus
 * (as Argo does) and this reads them back.
 */
import type { AnalysisPhase } from './analysis.js';

export type AnalysisRole = 'background' | 'step' | 'prePromotion' | 'postPromotion';

/** spec...analysis.templates[]. */
export interface AnalysisTemplateRef {
  templateName: string;
  /** A ClusterAnalysisTemplate rather than a namespaced AnalysisTemplate. */
  clusterScope?: boolean;
}

/** A rollout-level analysis argument: a literal, or a value Argo fills in when the run starts. */
export interface RolloutAnalysisArg {
  name: string;
  value?: string;
  valueFrom?: {
    /** "Stable" or "Latest": the pod template hash of that ReplicaSet. */
    podTemplateHashValue?: string;
    /** A field of the Rollout, e.g. metadata.labels['app']. */
    fieldRef?: { fieldPath: string };
  };
}

/** v1alpha1.RolloutAnalysis: the analysis of a step, of the background, before or after promotion. */
export interface RolloutAnalysis {
  templates: AnalysisTemplateRef[];
  args?: RolloutAnalysisArg[];
  dryRun?: { metricName: string }[];
  measurementRetention?: { metricName: string; limit: number }[];
}

export interface AnalysisRunRequest {
  role: AnalysisRole;
  name: string;
  /** The step a step run belongs to. */
  stepIndex?: number;
  templates: AnalysisTemplateRef[];
  args: RolloutAnalysisArg[];
  dryRun?: { metricName: string }[];
  measurementRetention?: { metricName: string; limit: number }[];
}

/** status.blueGreen.prePromotionAnalysisRunStatus and friends (v1alpha1.RolloutAnalysisRunStatus). */
export interface RolloutAnalysisRunStatus {
  name: string;
  status?: AnalysisPhase;
  message?: string;
}

/**
 * The Rollout as far as the analysis requests read it. Analysis fields are `unknown`: they come
 * from a manifest and are read defensively (a malformed one wants no run; validation reports it).
 */
export interface AnalysisRunsRollout {
  metadata?: { name?: string };
  spec: {
    strategy: {
      // Typed loosely so any Rollout shape fits; the fields are read at run time.
      canary?: { analysis?: unknown; steps?: readonly object[] };
      blueGreen?: object;
    };
  };
  status?: {
    currentStepIndex?: number;
    abort?: boolean;
    promoteFull?: boolean;
    stableRS?: string;
    currentPodHash?: string;
    blueGreen?: {
      activeSelector?: string;
      prePromotionAnalysisRunStatus?: RolloutAnalysisRunStatus;
      postPromotionAnalysisRunStatus?: RolloutAnalysisRunStatus;
    };
  };
}

// ---------------------------------------------------------------------------------------------
// Reading the spec

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A RolloutAnalysis from the manifest, or undefined when there is none or it names no template
 * (Argo then wants no run and cancels any).
 */
export function readRolloutAnalysis(value: unknown): RolloutAnalysis | undefined {
  if (!isObject(value) || !Array.isArray(value['templates'])) return undefined;
  const templates: AnalysisTemplateRef[] = [];
  for (const ref of value['templates'] as unknown[]) {
    if (!isObject(ref) || typeof ref['templateName'] !== 'string') continue;
    templates.push({
      templateName: ref['templateName'],
      ...(ref['clusterScope'] === true ? { clusterScope: true } : {}),
    });
  }
  if (templates.length === 0) return undefined;
  const analysis: RolloutAnalysis = { templates };
  if (Array.isArray(value['args'])) {
    analysis.args = (value['args'] as unknown[]).filter(
      (a): a is RolloutAnalysisArg => isObject(a) && typeof a['name'] === 'string',
    );
  }
  if (Array.isArray(value['dryRun'])) {
    analysis.dryRun = value['dryRun'] as { metricName: string }[];
  }
  if (Array.isArray(value['measurementRetention'])) {
    analysis.measurementRetention = value[
      'measurementRetention'
    ] as RolloutAnalysis['measurementRetention'];
  }
  return analysis;
}

/** canary.analysis.startingStep: background analysis waits until this step; 0 when unset. */
export function startingStep(value: unknown): number {
  if (!isObject(value)) return 0;
  const step = value['startingStep'];
  return typeof step === 'number' ? step : 0;
}

// ---------------------------------------------------------------------------------------------
// Names and requests

const INFIX: Record<AnalysisRole, (stepIndex?: number) => string | undefined> = {
  background: () => undefined,
  step: (stepIndex) => String(stepIndex ?? 0),
  prePromotion: () => 'pre',
  postPromotion: () => 'post',
};

/** newAnalysisRunFromRollout's name: rollout, pod template hash, revision, then the role's infix. */
export function analysisRunName(
  rolloutName: string,
  templateHash: string,
  revision: number,
  role: AnalysisRole,
  stepIndex?: number,
): string {
  const infix = INFIX[role](stepIndex);
  return [
    rolloutName,
    templateHash,
    String(revision),
    ...(infix === undefined ? [] : [infix]),
  ].join('-');
}

/**
 * CreateWithCollisionCounter's effect: the next free name after `previous`, a run of the same
 * base name that already completed (`base`, then `base.1`, `base.2`...).
 */
export function nextAnalysisRunName(base: string, previous: string | undefined): string {
  if (previous === undefined || (previous !== base && !previous.startsWith(`${base}.`))) {
    return base;
  }
  const counter = previous === base ? 0 : Number(previous.slice(base.length + 1));
  return `${base}.${Number.isInteger(counter) ? counter + 1 : 1}`;
}

export function analysisRunRequest(
  role: AnalysisRole,
  name: string,
  analysis: RolloutAnalysis,
  stepIndex?: number,
): AnalysisRunRequest {
  const request: AnalysisRunRequest = {
    role,
    name,
    templates: analysis.templates,
    args: analysis.args ?? [],
  };
  if (stepIndex !== undefined) request.stepIndex = stepIndex;
  if (analysis.dryRun !== undefined) request.dryRun = analysis.dryRun;
  if (analysis.measurementRetention !== undefined) {
    request.measurementRetention = analysis.measurementRetention;
  }
  return request;
}

// ---------------------------------------------------------------------------------------------
// Wanted runs

/**
 * reconcileAnalysisRuns' shouldCancelCurrentAnalysis: fully promoted, aborted, promoting fully,
 * or a first deploy (no stable yet) want no run at all.
 */
function cancelsEveryRun(rollout: AnalysisRunsRollout, templateHash: string): boolean {
  const status = rollout.status ?? {};
  return (
    !status.stableRS ||
    status.stableRS === templateHash ||
    status.abort === true ||
    status.promoteFull === true
  );
}

/** The AnalysisRuns `rollout` wants now for the revision `revision` of pod template `templateHash`. */
export function wantedAnalysisRuns(
  rollout: AnalysisRunsRollout,
  templateHash: string,
  revision: number,
): AnalysisRunRequest[] {
  if (cancelsEveryRun(rollout, templateHash)) return [];
  const name = rollout.metadata?.name ?? 'rollout';
  const { canary, blueGreen } = rollout.spec.strategy;
  if (canary !== undefined) return canaryRuns(rollout, name, templateHash, revision);
  if (blueGreen !== undefined) return blueGreenRuns(rollout, name, templateHash, revision);
  return [];
}

function canaryRuns(
  rollout: AnalysisRunsRollout,
  name: string,
  templateHash: string,
  revision: number,
): AnalysisRunRequest[] {
  const canary = rollout.spec.strategy.canary ?? {};
  const steps = canary.steps ?? [];
  const index = rollout.status?.currentStepIndex ?? 0;
  const runs: AnalysisRunRequest[] = [];

  // reconcileStepBasedAnalysisRun: the current step's analysis, if it is an analysis step.
  const step: unknown = steps.length > 0 ? steps[index] : undefined;
  const stepAnalysis = readRolloutAnalysis(isObject(step) ? step['analysis'] : undefined);
  if (stepAnalysis !== undefined) {
    const runName = analysisRunName(name, templateHash, revision, 'step', index);
    runs.push(analysisRunRequest('step', runName, stepAnalysis, index));
  }

  // reconcileBackgroundAnalysisRun: from startingStep on (BeforeStartingStep only applies when
  // there are steps to be before).
  const background = readRolloutAnalysis(canary.analysis);
  const beforeStart = steps.length > 0 && index < startingStep(canary.analysis);
  if (background !== undefined && !beforeStart) {
    const runName = analysisRunName(name, templateHash, revision, 'background');
    runs.push(analysisRunRequest('background', runName, background));
  }
  return runs;
}

function blueGreenRuns(
  rollout: AnalysisRunsRollout,
  name: string,
  templateHash: string,
  revision: number,
): AnalysisRunRequest[] {
  const spec: Record<string, unknown> = { ...rollout.spec.strategy.blueGreen };
  const status = rollout.status?.blueGreen ?? {};
  const activeSelector = status.activeSelector ?? '';
  const runs: AnalysisRunRequest[] = [];
  const recorded = (role: 'prePromotion' | 'postPromotion', run?: RolloutAnalysisRunStatus) => {
    const base = analysisRunName(name, templateHash, revision, role);
    return run !== undefined && (run.name === base || run.name.startsWith(`${base}.`))
      ? run.name
      : undefined;
  };

  // skipPrePromotionAnalysisRun: once the active Service has switched there is nothing to check.
  const pre = readRolloutAnalysis(spec['prePromotionAnalysis']);
  const preName = recorded('prePromotion', status.prePromotionAnalysisRunStatus);
  if (pre !== undefined && preName !== undefined && activeSelector !== templateHash) {
    runs.push(analysisRunRequest('prePromotion', preName, pre));
  }
  // skipPostPromotionAnalysisRun: only after the switch.
  const post = readRolloutAnalysis(spec['postPromotionAnalysis']);
  const postName = recorded('postPromotion', status.postPromotionAnalysisRunStatus);
  if (post !== undefined && postName !== undefined && activeSelector === templateHash) {
    runs.push(analysisRunRequest('postPromotion', postName, post));
  }
  return runs;
}
