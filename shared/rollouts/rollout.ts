/**
 * The Rollout as a pure reducer: Argo Rollouts' reconcile loop re-cut as events. Every decision
 * starts from a fresh observation of the Rollout's ReplicaSets (and the objects its traffic
 * router edits), read by a `rollouts.observe` effect; the strategy (canary.ts, bluegreen.ts)
 * decides the scalings and the status, and this file turns the decision into effects: ReplicaSet
 * writes, Service selectors, router writes, AnalysisRuns to start or stop, and the timers that
 * bring the next observation (a pause that ends, a scale-down delay, a poll while pods come up).
 *
 * The user's actions (`argosls rollout promote | abort | retry | pause | resume`) arrive as
 * annotations stamped on the Rollout (each value a new request) and `spec.paused`, where Argo's
 * plugin patches `status`, which here only the machine writes.
 */
import type { EffectRequest, Json, JsonObject, ResourceKey } from '../core/types.js';
import { formatKey, parseKey } from '../core/types.js';
import type { KubeObject } from '../core/objects.js';
import type { ObjectRef } from '../core/kubernetes.js';
import { CoreEffects } from '../core/effects.js';
import type { AnalysisPhase } from './analysis.js';
import { isCompleted } from './analysis.js';
import type {
  CanaryDecision,
  CanaryRollout,
  CanaryRolloutStatus,
  ObservedReplicaSet,
  StepAnalysis,
} from './canary.js';
import { abort, decideCanary, promote } from './canary.js';
import type { ObservedService } from './bluegreen.js';
import { decideBlueGreen, promoteBlueGreen } from './bluegreen.js';
import type {
  AnalysisRunRequest,
  AnalysisRunsRollout,
  RolloutAnalysisArg,
} from './analysis-runs.js';
import { nextAnalysisRunName, wantedAnalysisRuns } from './analysis-runs.js';
import { podTemplateHash, POD_TEMPLATE_HASH_LABEL, replicaSetFor } from './replicaset.js';
import type { RoutedRollout, RouterWrite, TrafficRouter } from './traffic/index.js';
import { isRouterError, routersFor } from './traffic/index.js';
import { ANALYSIS_OWNER_ANNOTATION, ANALYSIS_ROLE_ANNOTATION } from './analysis-run.js';

export const RolloutEffects = {
  /** input: ObserveInput -> ObserveResult. */
  Observe: 'rollouts.observe',
  /** input: { tag, cluster, writes: RouterWrite[] } -> { tag }: applied in order. */
  Write: 'rollouts.write',
  /** input: StartAnalysisInput -> { tag, name }: the AnalysisRun built from its templates. */
  StartAnalysis: 'rollouts.analysis.start',
  /**
   * input: ReleaseInput -> { tag }: the Rollout is gone; observe once more and apply
   * releaseWrites (its ReplicaSets deleted, its routers' objects released).
   */
  Release: 'rollouts.release',
} as const;

/** Action annotations: `argosls rollout <action>` stamps a new value to ask again. */
export const ACTION_ANNOTATIONS = {
  promote: 'rollouts.argo-serverless.dev/promote',
  abort: 'rollouts.argo-serverless.dev/abort',
  retry: 'rollouts.argo-serverless.dev/retry',
} as const;

/** Polls while pods come up: 1 s, doubling to 30 s (a ReplicaSet watch makes most unnecessary). */
const POLL_MIN_MS = 1_000;
const POLL_MAX_MS = 30_000;

export interface ObserveInput {
  tag: string;
  cluster: string;
  namespace: string;
  /** The owner label value of the Rollout's ReplicaSets. */
  rollout: string;
  /** Objects the traffic router reads. */
  reads: ObjectRef[];
  /** Services the strategy names: each must exist. */
  services: string[];
}

export interface ObserveResult {
  tag: string;
  replicaSets: ObservedReplicaSet[];
  objects: Record<string, KubeObject | null>;
  missingServices: string[];
  /** The Services the strategy names, as they are: which revision each selects. */
  services: Record<string, ObservedService>;
}

/** An observation of a Rollout that no longer exists, and the Rollout as its routers saw it. */
export interface ReleaseInput extends ObserveInput {
  routed: RoutedRollout;
}

export interface StartAnalysisInput {
  tag: string;
  cluster: string;
  namespace: string;
  rolloutKey: ResourceKey;
  request: AnalysisRunRequest;
  /** Labels and annotations for the run (Argo's, plus our owner). */
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

interface RunRecord {
  role: string;
  phase: AnalysisPhase;
  message?: string;
  /** The pod template hash the run was started for. */
  hash: string;
  /** Asked to terminate. */
  terminated?: boolean;
  /** A retry replaced it: a new run of the same base name takes its place. */
  superseded?: boolean;
}

export interface RolloutState {
  key: ResourceKey;
  cluster: string;
  namespace: string;
  name: string;
  generation: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: CanaryRollout['spec'] & { template?: JsonObject; selector?: JsonObject };
  status: RolloutStatusState;
  /** The observe effect in flight (its tag), and whether another observation is wanted after. */
  observing?: string;
  again?: boolean;
  seq: number;
  /** The last observation the machine decided on (kept for the view and the next decision). */
  observed: ObservedReplicaSet[];
  runs: Record<string, RunRecord>;
  /** The newest run name for each base name (a retry adds `.1`, `.2`... as Argo does). */
  runNames: Record<string, string>;
  /** What the Services' selectors were last set to, and the router's last weight. */
  selectors: Record<string, string>;
  routedWeight?: number;
  timers: { wake?: number; poll?: number; generation: number };
  pollDelayMs: number;
  /** The action annotations already acted on. */
  handled: Record<string, string>;
  deleting?: boolean;
}

export type RolloutStatusState = CanaryRolloutStatus & {
  blueGreen?: {
    activeSelector?: string;
    previewSelector?: string;
    scaleUpPreviewCheckPoint?: boolean;
  };
  collisionCount?: number;
  [field: string]: unknown;
};

export type RolloutEvent =
  | { type: 'xstate.init'; at: number }
  | { type: 'ObjectApplied'; at: number; object: KubeObject }
  | { type: 'ObjectDeleting' | 'ObjectDeleted'; at: number }
  | { type: 'EffectSucceeded'; at: number; result: Json }
  | { type: 'EffectFailed'; at: number; reason: string; tag?: Json }
  | { type: 'TimerFired'; at: number; timerId: string; generation: number }
  | { type: 'AnalysisRunUpdated'; at: number; name: string; phase: AnalysisPhase; message?: string }
  | { type: 'ReplicaSetsChanged'; at: number }
  | { type: string; at: number; [k: string]: unknown };

export function initialRolloutState(key: ResourceKey, object: KubeObject): RolloutState {
  const state: RolloutState = {
    key,
    cluster: parseKey(key).cluster,
    namespace: object.metadata.namespace ?? 'default',
    name: object.metadata.name,
    generation: 1,
    labels: {},
    annotations: {},
    spec: specOf(object),
    status: {},
    seq: 0,
    observed: [],
    runs: {},
    runNames: {},
    selectors: {},
    timers: { generation: 0 },
    pollDelayMs: POLL_MIN_MS,
    handled: {},
  };
  adoptMetadata(state, object);
  // Actions stamped before the Rollout existed were not asked of this Rollout.
  for (const annotation of Object.values(ACTION_ANNOTATIONS)) {
    const value = state.annotations[annotation];
    if (value !== undefined) state.handled[annotation] = value;
  }
  return state;
}

function specOf(object: KubeObject): RolloutState['spec'] {
  return structuredClone(object.spec ?? {}) as unknown as RolloutState['spec'];
}

function adoptMetadata(state: RolloutState, object: KubeObject): void {
  state.labels = { ...((object.metadata.labels ?? {}) as Record<string, string>) };
  state.annotations = { ...((object.metadata.annotations ?? {}) as Record<string, string>) };
}

export function reduceRollout(
  state: RolloutState,
  event: RolloutEvent,
  effects: EffectRequest[],
): void {
  const at = event.at;
  switch (event.type) {
    case 'xstate.init':
      break;
    case 'ObjectApplied': {
      const object = (event as { object: KubeObject }).object;
      const spec = specOf(object);
      if (JSON.stringify(spec) !== JSON.stringify(state.spec)) state.generation += 1;
      state.spec = spec;
      adoptMetadata(state, object);
      actOnRequests(state);
      break;
    }
    case 'ObjectDeleting':
    case 'ObjectDeleted':
      deleteEverything(state, effects);
      return;
    case 'AnalysisRunUpdated': {
      const e = event as { name: string; phase: AnalysisPhase; message?: string };
      const run = state.runs[e.name];
      if (!run) return;
      run.phase = e.phase;
      if (e.message) run.message = e.message;
      break;
    }
    case 'ReplicaSetsChanged':
      break;
    case 'TimerFired': {
      const e = event as { timerId: string; generation: number };
      if (e.timerId === 'wake' && state.timers.wake === e.generation) delete state.timers.wake;
      else if (e.timerId === 'poll' && state.timers.poll === e.generation) delete state.timers.poll;
      else return;
      break;
    }
    case 'EffectSucceeded': {
      const result = (event as { result: Json }).result as { tag?: string } | null;
      const tag = result?.tag;
      if (typeof tag !== 'string') return;
      if (tag.startsWith('observe#')) {
        if (state.observing !== tag) return;
        delete state.observing;
        const progressed = decide(state, result as unknown as ObserveResult, at, effects);
        // A status that moved on (a step done, a pause taken) is reconciled again at once, as
        // Argo's controller reconciles again when its own status update comes back.
        if (!state.again && !progressed) return;
        state.again = false;
        break;
      }
      if (tag.startsWith('write#')) break;
      return;
    }
    case 'EffectFailed': {
      const e = event as { reason: string; tag?: Json };
      if (typeof e.tag !== 'string') return;
      if (e.tag.startsWith('observe#') && state.observing === e.tag) delete state.observing;
      if (e.tag.startsWith('analysis#'))
        analysisNotStarted(state, e.tag.slice('analysis#'.length), e.reason);
      // A failed write or read shows in the status and is tried again after the poll backoff.
      state.status.message = `${e.reason}`;
      armPoll(state, at, effects, true);
      return;
    }
    default:
      return;
  }
  if (!state.deleting) observe(state, effects);
}

/** promote / abort / retry annotations with a new value, and nothing else, change the status. */
function actOnRequests(state: RolloutState): void {
  const fresh = (annotation: string) => {
    const value = state.annotations[annotation];
    if (value === undefined || state.handled[annotation] === value) return undefined;
    state.handled[annotation] = value;
    return value;
  };
  const promoteValue = fresh(ACTION_ANNOTATIONS.promote);
  if (promoteValue !== undefined) {
    const full = promoteValue.endsWith(';full');
    state.status = state.spec.strategy.blueGreen
      ? { ...state.status, ...promoteBlueGreen(state.status, full) }
      : { ...state.status, ...promote(state.status, full) };
  }
  if (fresh(ACTION_ANNOTATIONS.abort) !== undefined)
    state.status = { ...state.status, ...abort(state.status) };
  if (fresh(ACTION_ANNOTATIONS.retry) !== undefined) {
    // kubectl-argo-rollouts retry: status.abort false, the rollout starts its steps again.
    state.status = { ...state.status, abort: false };
    delete state.status.abortedAt;
    // The failed runs stay (as objects and for deletion) but no longer count: the next run of the
    // same base name is `<base>.1`, as Argo's CreateWithCollisionCounter names it.
    for (const run of Object.values(state.runs)) {
      if (
        run.hash === state.status.currentPodHash &&
        isCompleted(run.phase) &&
        run.phase !== 'Successful'
      )
        run.superseded = true;
    }
  }
}

function observe(state: RolloutState, effects: EffectRequest[]): void {
  if (state.observing) {
    state.again = true;
    return;
  }
  const tag = `observe#${++state.seq}`;
  state.observing = tag;
  const input: ObserveInput = {
    tag,
    cluster: state.cluster,
    namespace: state.namespace,
    rollout: state.name,
    reads: routerReads(state),
    services: servicesOf(state),
  };
  effects.push({ kind: RolloutEffects.Observe, input: input as unknown as Json });
}

/** The routers of the Rollout, or the error that says why there are none (InvalidSpec). */
function routers(state: RolloutState): TrafficRouter[] | { error: string } {
  return routersFor(routedView(state));
}

function routerReads(state: RolloutState): ObjectRef[] {
  const found = routers(state);
  return isRouterError(found) ? [] : found.flatMap((r) => r.reads(routedView(state)));
}

function routedView(state: RolloutState): RoutedRollout {
  return {
    name: state.name,
    namespace: state.namespace,
    key: state.key,
    spec: state.spec as RoutedRollout['spec'],
    status: state.status as RoutedRollout['status'],
  };
}

function servicesOf(state: RolloutState): string[] {
  const canary = state.spec.strategy.canary as
    { canaryService?: string; stableService?: string } | undefined;
  const blueGreen = state.spec.strategy.blueGreen as
    { activeService?: string; previewService?: string } | undefined;
  return [
    canary?.canaryService,
    canary?.stableService,
    blueGreen?.activeService,
    blueGreen?.previewService,
  ].filter((s): s is string => typeof s === 'string' && s !== '');
}

/** The Rollout as the strategies and routers read it. */
function rolloutView(
  state: RolloutState,
): CanaryRollout & { metadata: { name: string; namespace: string; generation: number } } {
  return {
    metadata: { name: state.name, namespace: state.namespace, generation: state.generation },
    spec: state.spec,
    status: state.status,
  };
}

/** One reconcile: the strategy's decision on a fresh observation, turned into effects. */
/** Returns whether the decision moved the rollout's progress (steps, pauses, abort, stable). */
function decide(
  state: RolloutState,
  observed: ObserveResult,
  at: number,
  effects: EffectRequest[],
): boolean {
  state.observed = observed.replicaSets;
  const before = progressOf(state.status);
  const template = (state.spec.template ?? {}) as JsonObject;
  const hash = podTemplateHash(template, state.status.collisionCount);
  if (observed.missingServices.length) {
    invalidSpec(state, `service "${observed.missingServices[0]}" not found`, at);
    armPoll(state, at, effects, true);
    return false;
  }
  // An InvalidSpec condition holds only while its cause does; a router error sets it again below.
  const conditions = state.status.conditions?.filter((c) => c.type !== ('InvalidSpec' as never));
  if (conditions) state.status = { ...state.status, conditions };
  const rollout = rolloutView(state);
  const analysisFor = (role: string): StepAnalysis | undefined => {
    const run = Object.values(state.runs).find(
      (r) => r.role === role && r.hash === hash && !r.terminated && !r.superseded,
    );
    return run ? { phase: run.phase, ...(run.message ? { message: run.message } : {}) } : undefined;
  };
  const common = { rollout, templateHash: hash, replicaSets: observed.replicaSets, now: at };
  let decision: CanaryDecision & { serviceSelectors?: { service: string; hash: string }[] };
  if (state.spec.strategy.blueGreen) {
    const blueGreen = state.spec.strategy.blueGreen as {
      activeService?: string;
      previewService?: string;
    };
    const service = (name: string | undefined) =>
      name && observed.services?.[name] ? observed.services[name] : undefined;
    const active = service(blueGreen.activeService);
    const preview = service(blueGreen.previewService);
    decision = decideBlueGreen({
      ...common,
      ...(active ? { activeService: active } : {}),
      ...(preview ? { previewService: preview } : {}),
      ...analysisOf('prePromotion', analysisFor),
      ...analysisOf('postPromotion', analysisFor),
    } as Parameters<typeof decideBlueGreen>[0]);
  } else {
    const step = analysisFor(`step-${state.status.currentStepIndex ?? 0}`);
    const background = analysisFor('background');
    decision = decideCanary({
      ...common,
      ...(step ? { stepAnalysis: step } : {}),
      ...(background ? { backgroundAnalysis: background } : {}),
    });
    decision.serviceSelectors = canaryServiceSelectors(state, decision.status, hash);
  }
  const writes: RouterWrite[] = [];
  if (decision.create) writes.push(createReplicaSet(state, decision.create, template));
  for (const s of decision.scale) writes.push(scaleReplicaSet(state, s.rs, s.replicas));
  for (const d of decision.scaleDownDeadlines ?? [])
    writes.push(deadlineAnnotation(state, d.rs, d.at));
  for (const rs of (decision as { removeScaleDownDeadlines?: string[] }).removeScaleDownDeadlines ??
    [])
    writes.push(deadlineAnnotation(state, rs, undefined));
  for (const selector of decision.serviceSelectors ?? []) {
    if (state.selectors[selector.service] === selector.hash) continue;
    state.selectors[selector.service] = selector.hash;
    writes.push(serviceSelector(state, selector.service, selector.hash));
  }
  state.status = {
    ...decision.status,
    ...(state.status.collisionCount !== undefined
      ? { collisionCount: state.status.collisionCount }
      : {}),
  };
  writes.push(...routerWrites(state, observed, hash, at));
  if (writes.length) {
    effects.push({
      kind: RolloutEffects.Write,
      input: { tag: `write#${++state.seq}`, cluster: state.cluster, writes } as unknown as Json,
    });
  }
  reconcileAnalysisRuns(state, hash, effects);
  if (decision.wakeAt !== undefined) armWake(state, decision.wakeAt, effects);
  const settling =
    writes.length > 0 ||
    observed.replicaSets.some((rs) => rs.availableReplicas !== rs.replicas) ||
    state.status.phase === 'Progressing';
  if (settling) armPoll(state, at, effects, writes.length === 0);
  else state.pollDelayMs = POLL_MIN_MS;
  return writes.length === 0 && progressOf(state.status) !== before;
}

/** The status fields a decision reads back: when they change, the next decision differs. */
function progressOf(status: RolloutStatusState): string {
  return JSON.stringify([
    status.currentStepIndex,
    status.pauseConditions?.map((p) => p.reason),
    status.controllerPause,
    status.abort,
    status.stableRS,
    status.promoteFull,
    status.blueGreen,
  ]);
}

function analysisOf(
  role: 'prePromotion' | 'postPromotion',
  find: (role: string) => StepAnalysis | undefined,
) {
  const found = find(role);
  return found ? { [`${role}Analysis`]: found } : {};
}

/**
 * reconcileStableAndCanaryService: the canary Service selects the new pods, the stable Service
 * the stable ones (the new ones while there is no stable yet).
 */
function canaryServiceSelectors(
  state: RolloutState,
  status: CanaryRolloutStatus,
  hash: string,
): { service: string; hash: string }[] {
  const canary = state.spec.strategy.canary as
    { canaryService?: string; stableService?: string } | undefined;
  const out: { service: string; hash: string }[] = [];
  const stable = status.stableRS || hash;
  if (canary?.stableService) out.push({ service: canary.stableService, hash: stable });
  if (canary?.canaryService) {
    const canaryHash = status.abort ? stable : hash;
    out.push({ service: canary.canaryService, hash: canaryHash });
  }
  return out;
}

function routerWrites(
  state: RolloutState,
  observed: ObserveResult,
  hash: string,
  at: number,
): RouterWrite[] {
  const weight = state.status.canary?.weights?.canary.weight;
  if (weight === undefined || weight === state.routedWeight) return [];
  const found = routers(state);
  if (isRouterError(found)) {
    invalidSpec(state, found.error, at);
    return [];
  }
  const writes: RouterWrite[] = [];
  for (const router of found) {
    const planned = router.setWeight({
      rollout: routedView(state),
      desiredWeight: weight,
      observed: new Map(Object.entries(observed.objects).map(([k, v]) => [k, v ?? undefined])),
      canaryHash: hash,
      ...(state.status.stableRS ? { stableHash: state.status.stableRS } : {}),
      replicaSets: observed.replicaSets.map((rs) => ({
        name: rs.name,
        podTemplateHash: rs.podTemplateHash,
        replicas: rs.replicas,
        available: rs.availableReplicas >= rs.replicas,
      })),
      abortingToStable: state.status.abort === true,
    });
    if (isRouterError(planned)) {
      invalidSpec(state, planned.error, at);
      return [];
    }
    writes.push(...planned);
  }
  state.routedWeight = weight;
  return writes;
}

function invalidSpec(state: RolloutState, message: string, at: number): void {
  const conditions = (state.status.conditions ?? []).filter(
    (c) => c.type !== ('InvalidSpec' as never),
  );
  conditions.push({
    type: 'InvalidSpec' as never,
    status: 'True',
    reason: 'InvalidSpec',
    message,
    lastTransitionTime: at,
    lastUpdateTime: at,
  });
  state.status = {
    ...state.status,
    conditions,
    phase: 'Degraded',
    message: `InvalidSpec: ${message}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Analysis runs

/** Starts the runs the strategy wants that do not exist yet; terminates the ones it no longer wants. */
function reconcileAnalysisRuns(state: RolloutState, hash: string, effects: EffectRequest[]): void {
  const revision = state.observed.find((rs) => rs.podTemplateHash === hash)?.revision ?? 1;
  // The analysis fields are read defensively there: the manifest's shapes pass as they are.
  const wanted = wantedAnalysisRuns(
    rolloutView(state) as unknown as AnalysisRunsRollout,
    hash,
    revision,
  );
  const names = new Set<string>();
  for (const request of wanted) {
    const base = request.name;
    const current = state.runNames[base];
    const name =
      current && state.runs[current]?.superseded
        ? nextAnalysisRunName(base, current)
        : (current ?? base);
    names.add(name);
    if (state.runs[name]) continue;
    state.runNames[base] = name;
    state.runs[name] = { role: roleOf(request), phase: 'Pending', hash };
    const input: StartAnalysisInput = {
      tag: `analysis#${name}`,
      cluster: state.cluster,
      namespace: state.namespace,
      rolloutKey: state.key,
      request: {
        ...request,
        name,
        args: request.args.map((a) => resolveRolloutArg(state, hash, a)),
      },
      labels: { [POD_TEMPLATE_HASH_LABEL]: hash, 'rollout-type': roleLabel(request) },
      annotations: {
        [ANALYSIS_OWNER_ANNOTATION]: state.key,
        [ANALYSIS_ROLE_ANNOTATION]: roleOf(request),
        'rollout.argoproj.io/revision': String(revision),
      },
    };
    effects.push({ kind: RolloutEffects.StartAnalysis, input: input as unknown as Json });
  }
  for (const [name, run] of Object.entries(state.runs)) {
    if (names.has(name) || run.terminated || isCompleted(run.phase)) continue;
    run.terminated = true;
    effects.push({
      kind: CoreEffects.SendMessage,
      input: {
        key: analysisRunKey(state, name),
        event: { type: 'Patch', patchType: 'merge', patch: { spec: { terminate: true } } },
      },
    });
  }
}

/**
 * A rollout arg's valueFrom as Argo fills it in when the run starts: podTemplateHashValue
 * (Stable / Latest) and fieldRef into the Rollout's metadata. secretKeyRef is not a rollout-arg
 * source; template args keep theirs for the measuring worker.
 */
function resolveRolloutArg(
  state: RolloutState,
  hash: string,
  arg: RolloutAnalysisArg,
): RolloutAnalysisArg {
  const from = arg.valueFrom;
  if (!from) return arg;
  if (from.podTemplateHashValue === 'Stable')
    return { name: arg.name, value: state.status.stableRS ?? '' };
  if (from.podTemplateHashValue === 'Latest') return { name: arg.name, value: hash };
  if (from.fieldRef) {
    const value = fieldOf(state, from.fieldRef.fieldPath);
    if (value !== undefined) return { name: arg.name, value };
  }
  return arg;
}

/** The metadata fields a fieldRef may name: name, namespace, labels['k'], annotations['k']. */
function fieldOf(state: RolloutState, path: string): string | undefined {
  if (path === 'metadata.name') return state.name;
  if (path === 'metadata.namespace') return state.namespace;
  const m = /^metadata\.(labels|annotations)\[['"](.+)['"]\]$/.exec(path);
  if (!m) return undefined;
  return (m[1] === 'labels' ? state.labels : state.annotations)[m[2]!];
}

/** A step run's role names its step, so an analysis step only ever sees its own run. */
function roleOf(request: AnalysisRunRequest): string {
  return request.role === 'step' ? `step-${request.stepIndex ?? 0}` : request.role;
}

/** Argo's rollout-type label values. */
function roleLabel(request: AnalysisRunRequest): string {
  switch (request.role) {
    case 'background':
      return 'Background';
    case 'step':
      return 'Step';
    case 'prePromotion':
      return 'BlueGreenPrePromotion';
    default:
      return 'BlueGreenPostPromotion';
  }
}

function analysisNotStarted(state: RolloutState, name: string, reason: string): void {
  const run = state.runs[name];
  if (run) {
    run.phase = 'Error';
    run.message = reason;
  }
}

const analysisRunKey = (state: RolloutState, name: string) =>
  formatKey({ cluster: state.cluster, kind: 'AnalysisRun', namespace: state.namespace, name });

// ---------------------------------------------------------------------------------------------
// Writes

const rsRefIn = (namespace: string, name: string): ObjectRef => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  namespace,
  name,
});
const rsRef = (state: RolloutState, name: string): ObjectRef => rsRefIn(state.namespace, name);

function createReplicaSet(
  state: RolloutState,
  create: NonNullable<CanaryDecision['create']>,
  template: JsonObject,
): RouterWrite {
  const object = replicaSetFor({
    rolloutKey: state.key,
    name: state.name,
    namespace: state.namespace,
    template,
    selector: (state.spec.selector ?? {}) as JsonObject,
    ...((state.spec as { minReadySeconds?: number }).minReadySeconds
      ? { minReadySeconds: (state.spec as { minReadySeconds?: number }).minReadySeconds! }
      : {}),
    revision: create.revision,
    replicas: create.replicas,
    desiredReplicas: state.spec.replicas ?? 1,
    ...(state.status.collisionCount !== undefined
      ? { collisionCount: state.status.collisionCount }
      : {}),
  });
  return { op: 'apply', ref: rsRef(state, create.name), object: object as unknown as KubeObject };
}

function scaleReplicaSet(state: RolloutState, name: string, replicas: number): RouterWrite {
  return {
    op: 'patch',
    ref: rsRef(state, name),
    patch: {
      spec: { replicas },
      metadata: {
        annotations: { 'rollout.argoproj.io/desired-replicas': String(state.spec.replicas ?? 1) },
      },
    },
    patchType: 'merge',
  };
}

export const SCALE_DOWN_DEADLINE_ANNOTATION = 'scale-down-deadline';

/** Sets the scale-down deadline, or removes it (`at` undefined: the ReplicaSet is wanted again). */
function deadlineAnnotation(
  state: RolloutState,
  name: string,
  at: number | undefined,
): RouterWrite {
  return {
    op: 'patch',
    ref: rsRef(state, name),
    patch: {
      metadata: {
        annotations: {
          [SCALE_DOWN_DEADLINE_ANNOTATION]: at === undefined ? null : new Date(at).toISOString(),
        },
      },
    },
    patchType: 'merge',
  };
}

/** Argo points a Service at one revision by adding the hash to its selector. */
function serviceSelector(state: RolloutState, service: string, hash: string): RouterWrite {
  return {
    op: 'patch',
    ref: { apiVersion: 'v1', kind: 'Service', namespace: state.namespace, name: service },
    patch: {
      spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: hash } },
      metadata: { annotations: { 'argo-rollouts.argoproj.io/managed-by-rollouts': state.name } },
    },
    patchType: 'merge',
  };
}

/**
 * Deleting the Rollout deletes what it created: its ReplicaSets (their pods follow), what its
 * routers made (Argo: ownerReferences and the garbage collector) and its runs. The machine is gone
 * once the Rollout is, so the last observation and the writes are one effect (`Release`).
 */
function deleteEverything(state: RolloutState, effects: EffectRequest[]): void {
  if (state.deleting) return;
  state.deleting = true;
  const found = routers(state);
  const input: ReleaseInput = {
    tag: `release#${++state.seq}`,
    cluster: state.cluster,
    namespace: state.namespace,
    rollout: state.name,
    reads: isRouterError(found) ? [] : found.flatMap((r) => r.reads(routedView(state))),
    services: [],
    routed: routedView(state),
  };
  effects.push({ kind: RolloutEffects.Release, input: input as unknown as Json });
  for (const name of Object.keys(state.runs)) {
    effects.push({
      kind: CoreEffects.SendMessage,
      input: { key: analysisRunKey(state, name), event: { type: 'Delete' } },
    });
  }
}

/** What a deleted Rollout leaves to clean up, from the last observation: releases, then deletes. */
export function releaseWrites(routed: RoutedRollout, observed: ObserveResult): RouterWrite[] {
  const found = routersFor(routed);
  const writes: RouterWrite[] = [];
  if (!isRouterError(found)) {
    const objects = new Map(Object.entries(observed.objects).map(([k, v]) => [k, v ?? undefined]));
    for (const router of found)
      writes.push(...router.release({ rollout: routed, desiredWeight: 0, observed: objects }));
  }
  for (const rs of observed.replicaSets)
    writes.push({ op: 'delete', ref: rsRefIn(routed.namespace, rs.name) });
  return writes;
}

// ---------------------------------------------------------------------------------------------
// Timers

function armWake(state: RolloutState, fireAt: number, effects: EffectRequest[]): void {
  const generation = ++state.timers.generation;
  state.timers.wake = generation;
  effects.push({ kind: CoreEffects.SetTimer, input: { timerId: 'wake', generation, fireAt } });
}

/** A poll after the backoff; `backoff` doubles the next delay (nothing changed this time). */
function armPoll(
  state: RolloutState,
  at: number,
  effects: EffectRequest[],
  backoff: boolean,
): void {
  if (!backoff) state.pollDelayMs = POLL_MIN_MS;
  const delay = state.pollDelayMs;
  if (backoff) state.pollDelayMs = Math.min(POLL_MAX_MS, delay * 2);
  if (state.timers.poll !== undefined) return;
  const generation = ++state.timers.generation;
  state.timers.poll = generation;
  effects.push({
    kind: CoreEffects.SetTimer,
    input: { timerId: 'poll', generation, fireAt: at + delay },
  });
}

// ---------------------------------------------------------------------------------------------
// The object's status

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** status in Argo's JSON shape: RFC 3339 times, observedGeneration, the blueGreen / canary parts. */
export function rolloutStatus(state: RolloutState): Json {
  const s = state.status;
  const { controllerPause, abortedAt, pauseConditions, conditions, collisionCount, ...rest } = s;
  void collisionCount;
  const status: Record<string, unknown> = {
    ...rest,
    ...(controllerPause ? { controllerPause } : {}),
    ...(abortedAt !== undefined ? { abortedAt: iso(abortedAt) } : {}),
    ...(pauseConditions?.length
      ? {
          pauseConditions: pauseConditions.map((p) => ({
            reason: p.reason,
            startTime: iso(p.startTime),
          })),
        }
      : {}),
    conditions: (conditions ?? []).map((c) => ({
      ...c,
      lastTransitionTime: iso(c.lastTransitionTime),
      lastUpdateTime: iso(c.lastUpdateTime),
    })),
    observedGeneration: String(state.generation),
    selector: selectorText(state),
  };
  return JSON.parse(JSON.stringify(status)) as Json;
}

/**
 * status.selector, the scale subresource's selectorPath (metav1.FormatLabelSelector: keys sorted).
 * A blue-green rollout reports its active ReplicaSet's selector, which adds the pod template
 * hash: the HPA then measures the pods the active Service serves, not the preview's.
 */
function selectorText(state: RolloutState): string {
  const labels = {
    ...((state.spec.selector ?? {}) as { matchLabels?: Record<string, string> }).matchLabels,
  };
  const active = state.status.blueGreen?.activeSelector;
  if (state.spec.strategy.blueGreen && active) labels[POD_TEMPLATE_HASH_LABEL] = active;
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}
