/**
 * The Argo CD Application as a pure reducer: Argo CD's application controller (refresh, compare,
 * auto-sync, the sync operation, deletion) re-cut as events.
 *
 * A refresh renders the sources at the commit their targetRevision names (`cd.render`: resolve,
 * checkout, render; unchanged commits and sources are not rendered again), then reads the live
 * objects the Application tracks and compares them with the desired ones (`cd.observe`: the diff
 * is asynchronous because of jq, so the effect worker runs compareApp and returns its verdict,
 * which the log keeps as the fact this machine decided on). Health is assessed here from the
 * observed objects. Then Argo's auto-sync rules (auto-sync.ts) may start an operation.
 *
 * A sync operation is planSync's tasks driven by nextWave: each decision becomes a `cd.apply`
 * effect (apply / create / prune, argoproj.io kinds submitted to the control plane), followed by
 * a fresh observation that gives the tasks' health and the hooks' phases, until the operation
 * succeeds, fails (SyncFail hooks run) or is retried by the retry policy.
 *
 * One effect is in flight at a time (a refresh, an operation step or a deletion step): requests
 * arriving meanwhile are remembered and served after. Time comes only from events; timers are
 * CoreEffects.SetTimer with generations (stale ones are dropped).
 */
import { createHash } from 'node:crypto';
import type { Operation as JsonPatchOp } from 'fast-json-patch';
import type { EffectRequest, Json, JsonObject, ResourceKey } from '../core/types.js';
import { HOME_CLUSTER, parseKey } from '../core/types.js';
import type { KubeObject } from '../core/objects.js';
import { canonicalJson, sameJson } from '../core/objects.js';
import type { PropagationPolicy } from '../core/kubernetes.js';
import { CoreEffects } from '../core/effects.js';
import { isNamespaced as catalogNamespaced, resolveKind } from '../resources/catalog.js';
import { appHealth, assessResourceHealth } from './health/index.js';
import type { HealthStatus, HealthStatusCode } from './health/index.js';
import type { ResourceStatus, SyncStatusCode } from './diff/diff.js';
import { planSync } from './sync/tasks.js';
import type { SyncTask } from './sync/tasks.js';
import { nextWave } from './sync/waves.js';
import type { TaskObservation } from './sync/waves.js';
import { isDeletedWithApp, parseSyncOptions } from './sync/options.js';
import type { AppProject } from './project.js';
import {
  DEFAULT_PROJECT,
  isDestinationPermitted,
  isGroupKindPermitted,
  isSourcePermitted,
} from './project.js';
import { canSyncApplication } from './sync-windows.js';
import type {
  LastOperation,
  ReconcileSettings,
  RetryStrategy,
  SyncOperation,
} from './auto-sync.js';
import { decideAutoSync, reconcileDelayMs, retryDelayMs, shouldRetry } from './auto-sync.js';
import { groupOfApiVersion, trackingAppName, withTracking } from './tracking.js';

export const ApplicationEffects = {
  /** input: RenderInput -> RenderOutput. */
  Render: 'cd.render',
  /** input: ObserveInput -> ObserveOutput. */
  Observe: 'cd.observe',
  /** input: ApplyInput -> ApplyOutput: each op's outcome (a failed op is not a failed effect). */
  Apply: 'cd.apply',
} as const;

export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
export const RESOURCES_FINALIZER_BACKGROUND = 'resources-finalizer.argocd.argoproj.io/background';
export const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';
export const HOME_SERVER = 'https://kubernetes.default.svc';
/** Argo CD's default field manager for server-side apply. */
export const ARGOCD_FIELD_MANAGER = 'argocd-controller';
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

export interface ApplicationSettings extends ReconcileSettings {
  /** ARGOCD_SYNC_WAVE_DELAY in ms (syncWaveDelayMs). */
  waveDelayMs: number;
  /** How soon an operation looks again while it waits for health or hooks. */
  operationPollMs: number;
  /** How soon a deletion looks again while what it deleted is going away. */
  deletionPollMs: number;
  /**
   * How soon a Progressing Application refreshes again. Argo refreshes on every watch event of a
   * managed resource; we have no watch on them, so we poll while something is on its way.
   */
  progressingPollMs: number;
}

export const DEFAULT_APPLICATION_SETTINGS: ApplicationSettings = {
  reconciliationMs: 120_000,
  jitterMs: 60_000,
  selfHealTimeoutMs: 5_000,
  waveDelayMs: 2_000,
  operationPollMs: 1_000,
  deletionPollMs: 1_000,
  progressingPollMs: 2_000,
};

// ---------------------------------------------------------------------------------------------
// Effect payloads

export interface RenderInput {
  tag: string;
  appName: string;
  appNamespace: string;
  destinationNamespace: string;
  /** spec.source as a one-element list, or spec.sources (or a rollback's recorded sources). */
  sources: JsonObject[];
  /** Explicit revisions, one per source (an operation's); else each targetRevision. */
  revisions?: string[];
  /** The last render: when the resolved commits and the sources hash match, nothing is rendered. */
  known?: { revisions: string[]; sourcesHash: string };
  sourcesHash: string;
}

export interface RenderOutput {
  tag: string;
  revisions: string[];
  sourcesHash: string;
  unchanged?: boolean;
  manifests?: KubeObject[];
  sourceTypes?: string[];
}

export interface KindRef {
  apiVersion: string;
  kind: string;
}

export interface ObjectRefWithVersion extends KindRef {
  namespace?: string;
  name: string;
}

export interface ObserveInput {
  tag: string;
  /** The destination cluster's name (the Kubernetes port and control-plane keys). */
  cluster: string;
  /** The Application's tracking name (trackingAppName). */
  tracking: string;
  /** Kinds to list on the cluster, filtered by the tracking annotation. */
  kinds: KindRef[];
  /** argoproj.io objects, read from the control plane (they are never on the cluster). */
  controlPlane: ObjectRefWithVersion[];
  destinationNamespace: string;
  /** The AppProject to read from the control plane (the Application's cluster and namespace). */
  project: { cluster: string; namespace: string; name: string };
  /** Compare these desired objects with the live ones (compareApp) and return the verdict. */
  compare?: { desired: KubeObject[]; ignoreDifferences: Json[] };
}

export interface ComparisonOutput {
  status: SyncStatusCode;
  resources: ResourceStatus[];
  /** The patch from live to desired of each entry of `resources` (empty when in sync). */
  diffs: JsonPatchOp[][];
}

export interface ObserveOutput {
  tag: string;
  live: KubeObject[];
  /** The destination namespace, or null when it does not exist. */
  namespace: KubeObject | null;
  /** null: no such AppProject (the `default` one is then DEFAULT_PROJECT). */
  project: AppProject | null;
  /** `group/kind` -> namespaced, as discovery answered. */
  namespaced: Record<string, boolean>;
  comparison?: ComparisonOutput;
}

export interface ApplyOp {
  id: string;
  /** `release`: remove the hook finalizer (deletes remove it first too). */
  action: 'apply' | 'create' | 'replace' | 'delete' | 'release';
  object?: KubeObject;
  ref?: ObjectRefWithVersion;
  serverSideApply?: boolean;
  force?: boolean;
  propagationPolicy?: PropagationPolicy;
  /** An argoproj.io object: submitted to our machines, never sent to the cluster's API. */
  controlPlane?: boolean;
  /** For deletes: resolve only when the object is gone. */
  waitForDeletion?: boolean;
}

export interface ApplyInput {
  tag: string;
  cluster: string;
  ops: ApplyOp[];
}

export interface ApplyOutput {
  tag: string;
  results: { id: string; ok: boolean; message: string }[];
}

// ---------------------------------------------------------------------------------------------
// State

type Purpose =
  | 'refresh-render'
  | 'refresh-observe'
  | 'op-render'
  | 'op-observe'
  | 'op-apply'
  | 'delete-observe'
  | 'delete-apply';

type OperationPhase = LastOperation['phase'];
type OperationStage = 'render' | 'observe' | 'step' | 'waiting' | 'apply';

interface OperationRun {
  operation: SyncOperation;
  /** The operation was set on the object (to be cleared there when it completes). */
  fromObject: boolean;
  phase: OperationPhase;
  message: string;
  startedAt: number;
  finishedAt?: number;
  retryCount: number;
  /** Distinguishes attempts (hook names derive from it). */
  attempt: number;
  stage: OperationStage;
  /** The sources the operation syncs and the commits they resolved to. */
  sources: JsonObject[];
  revisions?: string[];
  manifests?: KubeObject[];
  tasks?: SyncTask[];
  observations: Record<string, TaskObservation>;
  /** Tasks refused before they ran (project rules), with the reason. */
  invalid?: Record<string, string>;
  hooksDeleted: string[];
  hooksReleased: string[];
  syncFailStarted?: boolean;
  /** While `waiting`: the stage the `op` timer resumes (observe; render for a retry). */
  resumeStage?: 'observe' | 'render';
  /** The wave delay to wait after the apply in flight. */
  delayAfter?: number;
}

export interface HistoryItem {
  id: number;
  revision?: string;
  revisions?: string[];
  deployedAt: number;
  deployStartedAt: number;
  source?: JsonObject;
  sources?: JsonObject[];
  initiatedBy?: SyncOperation['initiatedBy'];
}

interface Condition {
  type: string;
  message: string;
  lastTransitionTime: number;
}

export interface ApplicationState {
  key: ResourceKey;
  name: string;
  namespace: string;
  spec: JsonObject;
  finalizers: string[];
  annotations: Record<string, string>;
  seq: number;
  inflight?: { tag: string; purpose: Purpose };
  wantRefresh: boolean;
  /** The object's `operation` last acted on (canonical JSON). */
  seenOperation?: string;
  pendingOperation?: { operation: SyncOperation; fromObject: boolean };
  rendered?: {
    revisions: string[];
    sourcesHash: string;
    manifests: KubeObject[];
    sourceTypes: string[];
  };
  observed?: {
    live: KubeObject[];
    namespace: KubeObject | null;
    project: AppProject;
    namespaced: Record<string, boolean>;
  };
  comparison?: ComparisonOutput & { revisions: string[]; sourcesHash: string };
  health?: HealthStatus;
  resourceHealth: (HealthStatus | undefined)[];
  reconciledAt?: number;
  conditions: Condition[];
  sourceType?: string;
  op?: OperationRun;
  history: HistoryItem[];
  timers: {
    generation: number;
    reconcile?: number;
    op?: number;
    selfHeal?: number;
    deletion?: number;
  };
  deleting?: { stage: 'observe' | 'waiting' | 'finalized' };
  gone?: boolean;
}

export type ApplicationEvent =
  | { type: 'xstate.init'; at: number }
  | { type: 'ObjectApplied'; at: number; object: KubeObject }
  | { type: 'ObjectDeleting' | 'ObjectDeleted'; at: number }
  | { type: 'Refresh'; at: number; hard?: boolean }
  | { type: 'Sync'; at: number; operation?: SyncOperation }
  | { type: 'Rollback'; at: number; id: number; prune?: boolean; dryRun?: boolean }
  | { type: 'EffectSucceeded'; at: number; result: Json }
  | { type: 'EffectFailed'; at: number; reason: string; tag?: Json }
  | { type: 'TimerFired'; at: number; timerId: string; generation: number };

// ---------------------------------------------------------------------------------------------
// Reading the spec

export function sourcesOf(spec: JsonObject): JsonObject[] {
  const many = spec['sources'];
  if (Array.isArray(many) && many.length > 0) return many as JsonObject[];
  const one = spec['source'];
  return one && typeof one === 'object' && !Array.isArray(one) ? [one] : [];
}

const isMultiSource = (spec: JsonObject): boolean =>
  Array.isArray(spec['sources']) && (spec['sources'] as Json[]).length > 0;

function destinationOf(spec: JsonObject): { server?: string; name?: string; namespace: string } {
  const d = (spec['destination'] ?? {}) as { server?: string; name?: string; namespace?: string };
  return {
    ...(d.server ? { server: d.server } : {}),
    ...(d.name ? { name: d.name } : {}),
    namespace: d.namespace ?? '',
  };
}

/** The cluster a destination names: the home cluster for Argo's in-cluster server or name. */
export function destinationCluster(spec: JsonObject): string {
  const d = destinationOf(spec);
  if (d.name) return d.name;
  if (!d.server || d.server === HOME_SERVER) return HOME_CLUSTER;
  return d.server;
}

interface SyncPolicySpec {
  automated?: { prune?: boolean; selfHeal?: boolean; allowEmpty?: boolean; enabled?: boolean };
  syncOptions?: string[];
  retry?: RetryStrategy;
  managedNamespaceMetadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

const syncPolicyOf = (spec: JsonObject): SyncPolicySpec =>
  (spec['syncPolicy'] ?? {}) as SyncPolicySpec;

const isAutomated = (spec: JsonObject): boolean => {
  const automated = syncPolicyOf(spec).automated;
  return automated !== undefined && automated !== null && automated.enabled !== false;
};

function sourcesHash(sources: JsonObject[]): string {
  return createHash('sha256').update(canonicalJson(sources)).digest('hex').slice(0, 16);
}

function projectName(spec: JsonObject): string {
  return typeof spec['project'] === 'string' && spec['project'] !== ''
    ? spec['project']
    : 'default';
}

// ---------------------------------------------------------------------------------------------
// The reducer

export function initialApplicationState(key: ResourceKey, object: KubeObject): ApplicationState {
  const state: ApplicationState = {
    key,
    name: object.metadata.name,
    namespace: object.metadata.namespace ?? parseKey(key).namespace,
    spec: {},
    finalizers: [],
    annotations: {},
    seq: 0,
    wantRefresh: true,
    resourceHealth: [],
    conditions: [],
    history: [],
    timers: { generation: 0 },
  };
  adopt(state, object);
  const operation = object['operation'];
  if (operation !== undefined && operation !== null) {
    state.seenOperation = canonicalJson(operation);
    state.pendingOperation = { operation: operation as unknown as SyncOperation, fromObject: true };
  }
  return state;
}

function adopt(state: ApplicationState, object: KubeObject): { specChanged: boolean } {
  const spec = structuredClone((object.spec ?? {}) as JsonObject);
  const specChanged = !sameJson(spec, state.spec);
  state.spec = spec;
  state.finalizers = [...(object.metadata.finalizers ?? [])];
  state.annotations = { ...(object.metadata.annotations ?? {}) };
  return { specChanged };
}

/** The reducer for given settings (reconcile period, wave delay...). */
export function applicationReducer(settings: ApplicationSettings) {
  return (state: ApplicationState, event: ApplicationEvent, effects: EffectRequest[]): void =>
    reduceApplication(state, event, effects, settings);
}

export function reduceApplication(
  state: ApplicationState,
  event: ApplicationEvent,
  effects: EffectRequest[],
  settings: ApplicationSettings = DEFAULT_APPLICATION_SETTINGS,
): void {
  if (state.gone) return;
  const at = event.at;
  const ctx: Ctx = { state, at, effects, settings };
  switch (event.type) {
    case 'xstate.init':
    case 'ObjectApplied': {
      if (event.type === 'ObjectApplied') {
        const { specChanged } = adopt(state, event.object);
        if (specChanged) state.wantRefresh = true;
      }
      const object = event.type === 'ObjectApplied' ? event.object : undefined;
      if (object) takeOperationFrom(ctx, object);
      if (state.annotations[REFRESH_ANNOTATION] !== undefined) {
        state.wantRefresh = true;
        sendSelfPatch(ctx, [
          { op: 'remove', path: `/metadata/annotations/${escapePointer(REFRESH_ANNOTATION)}` },
        ]);
      }
      break;
    }
    case 'ObjectDeleting':
      if (hasResourcesFinalizer(state) && !state.deleting) state.deleting = { stage: 'observe' };
      break;
    case 'ObjectDeleted':
      state.gone = true;
      return;
    case 'Refresh':
      state.wantRefresh = true;
      break;
    case 'Sync':
      requestOperation(ctx, event.operation ?? { sync: {} }, false);
      break;
    case 'Rollback':
      rollback(ctx, event.id, Boolean(event.prune), Boolean(event.dryRun));
      break;
    case 'TimerFired':
      if (!onTimer(ctx, event.timerId, event.generation)) return;
      break;
    case 'EffectSucceeded':
      onResult(ctx, event.result);
      break;
    case 'EffectFailed':
      onFailure(ctx, typeof event.tag === 'string' ? event.tag : undefined, event.reason);
      break;
    default:
      return;
  }
  drive(ctx);
}

interface Ctx {
  state: ApplicationState;
  at: number;
  effects: EffectRequest[];
  settings: ApplicationSettings;
}

function hasResourcesFinalizer(state: ApplicationState): boolean {
  return state.finalizers.some(
    (f) => f === RESOURCES_FINALIZER || f === RESOURCES_FINALIZER_BACKGROUND,
  );
}

/** `argocd app sync` writes `operation` on the Application; each new value is one request. */
function takeOperationFrom(ctx: Ctx, object: KubeObject): void {
  const operation = object['operation'];
  if (operation === undefined || operation === null) {
    delete ctx.state.seenOperation;
    return;
  }
  const text = canonicalJson(operation);
  if (ctx.state.seenOperation === text) return;
  ctx.state.seenOperation = text;
  requestOperation(ctx, operation as unknown as SyncOperation, true);
}

function requestOperation(ctx: Ctx, operation: SyncOperation, fromObject: boolean): void {
  const { state } = ctx;
  if (!operation.sync) {
    addCondition(ctx, 'InvalidSpecError', 'operation has no sync: only sync operations exist');
    return;
  }
  if (state.op?.phase === 'Running' || state.op?.phase === 'Terminating') {
    // Argo refuses a second operation while one runs; we keep the newest and start it after.
    state.pendingOperation = { operation, fromObject };
    return;
  }
  startOperation(ctx, operation, fromObject);
}

function rollback(ctx: Ctx, id: number, prune: boolean, dryRun: boolean): void {
  const { state } = ctx;
  if (isAutomated(state.spec)) {
    addCondition(ctx, 'SyncError', 'rollback cannot be initiated when auto-sync is enabled');
    return;
  }
  const item = state.history.find((h) => h.id === id);
  if (!item) {
    addCondition(
      ctx,
      'SyncError',
      `application ${state.name} does not have deployment id '${id}' in history`,
    );
    return;
  }
  requestOperation(
    ctx,
    {
      sync: {
        ...(item.revisions ? { revisions: item.revisions } : { revision: item.revision ?? '' }),
        ...(item.sources ? { sources: item.sources } : item.source ? { source: item.source } : {}),
        prune,
        dryRun,
      },
      initiatedBy: { username: 'rollback' },
    },
    false,
  );
}

function startOperation(ctx: Ctx, operation: SyncOperation, fromObject: boolean): void {
  const { state, at } = ctx;
  const sync = operation.sync;
  const sources = sync.sources ?? (sync.source ? [sync.source] : sourcesOf(state.spec));
  state.op = {
    operation,
    fromObject,
    phase: 'Running',
    message: '',
    startedAt: at,
    retryCount: 0,
    attempt: ++state.seq,
    stage: 'render',
    sources,
    observations: {},
    hooksDeleted: [],
    hooksReleased: [],
  };
  const revisions = sync.revisions ?? (sync.revision ? [sync.revision] : undefined);
  const rendered = state.rendered;
  // An automated sync names the commit its comparison rendered: no need to render it again.
  if (
    revisions &&
    rendered &&
    sameJson(revisions, rendered.revisions) &&
    rendered.sourcesHash === sourcesHash(sources)
  ) {
    state.op.revisions = [...rendered.revisions];
    state.op.manifests = rendered.manifests;
    state.op.stage = 'observe';
  }
  const windowed = projectOf(state);
  const manual = !operation.initiatedBy?.automated;
  if (manual && windowed) {
    const decision = canSyncApplication(
      windowed,
      { name: state.name, destination: destinationOf(state.spec) },
      { manual: true },
      at,
    );
    if (!decision.allowed) finishOperation(ctx, 'Failed', 'Cannot sync: Blocked by sync window');
  }
}

function projectOf(state: ApplicationState): AppProject | undefined {
  return state.observed?.project;
}

/** What to do next when nothing is in flight. */
function drive(ctx: Ctx): void {
  const { state } = ctx;
  for (let guard = 0; guard < 100; guard++) {
    if (state.gone || state.inflight) return;
    if (state.deleting) return driveDeletion(ctx);
    const op = state.op;
    if (op && op.phase === 'Running') {
      if (!driveOperation(ctx, op)) return;
      continue;
    }
    if (state.pendingOperation) {
      const { operation, fromObject } = state.pendingOperation;
      delete state.pendingOperation;
      startOperation(ctx, operation, fromObject);
      continue;
    }
    if (state.wantRefresh) {
      state.wantRefresh = false;
      launchRender(ctx, 'refresh-render', sourcesOf(state.spec), undefined);
    }
    return;
  }
}

function nextTag(state: ApplicationState, purpose: Purpose): string {
  const tag = `${purpose}#${++state.seq}`;
  state.inflight = { tag, purpose };
  return tag;
}

function launchRender(
  ctx: Ctx,
  purpose: 'refresh-render' | 'op-render',
  sources: JsonObject[],
  revisions: string[] | undefined,
): void {
  const { state } = ctx;
  const hash = sourcesHash(sources);
  const input: RenderInput = {
    tag: nextTag(state, purpose),
    appName: state.name,
    appNamespace: state.namespace,
    destinationNamespace: destinationOf(state.spec).namespace,
    sources,
    sourcesHash: hash,
    ...(revisions ? { revisions } : {}),
    ...(state.rendered
      ? { known: { revisions: state.rendered.revisions, sourcesHash: state.rendered.sourcesHash } }
      : {}),
  };
  ctx.effects.push({ kind: ApplicationEffects.Render, input: input as unknown as Json });
}

function launchObserve(
  ctx: Ctx,
  purpose: 'refresh-observe' | 'op-observe' | 'delete-observe',
  desired: KubeObject[],
  compare: boolean,
): void {
  const { state } = ctx;
  const kinds = new Map<string, KindRef>();
  const controlPlane = new Map<string, ObjectRefWithVersion>();
  const destinationNamespace = destinationOf(state.spec).namespace;
  const note = (ref: ObjectRefWithVersion) => {
    if (groupOfApiVersion(ref.apiVersion) === 'argoproj.io') {
      const namespace = ref.namespace || (isNamespacedKind(state, ref) ? destinationNamespace : '');
      controlPlane.set(`${ref.kind}/${namespace}/${ref.name}`, { ...ref, namespace });
    } else
      kinds.set(`${ref.apiVersion}/${ref.kind}`, { apiVersion: ref.apiVersion, kind: ref.kind });
  };
  const objects = [
    ...desired,
    ...(state.op?.tasks ?? []).flatMap((t) => (t.targetObj ? [t.targetObj] : [])),
  ];
  for (const obj of objects)
    note({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      namespace: obj.metadata.namespace ?? '',
      name: obj.metadata.name,
    });
  for (const r of state.comparison?.resources ?? [])
    note({
      apiVersion: r.group ? `${r.group}/${r.version}` : r.version,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
    });
  for (const live of state.observed?.live ?? [])
    note({
      apiVersion: live.apiVersion,
      kind: live.kind,
      namespace: live.metadata.namespace ?? '',
      name: live.metadata.name,
    });
  const input: ObserveInput = {
    tag: nextTag(state, purpose),
    cluster: destinationCluster(state.spec),
    tracking: trackingAppName(state.name, state.namespace),
    kinds: [...kinds.values()].sort((a, b) =>
      `${a.apiVersion}/${a.kind}` < `${b.apiVersion}/${b.kind}` ? -1 : 1,
    ),
    controlPlane: [...controlPlane.values()],
    destinationNamespace,
    project: {
      cluster: parseKey(state.key).cluster,
      namespace: state.namespace,
      name: projectName(state.spec),
    },
    ...(compare
      ? {
          compare: {
            desired,
            ignoreDifferences: (state.spec['ignoreDifferences'] ?? []) as Json[],
          },
        }
      : {}),
  };
  ctx.effects.push({ kind: ApplicationEffects.Observe, input: input as unknown as Json });
}

function isNamespacedKind(state: ApplicationState, ref: KindRef): boolean {
  const group = groupOfApiVersion(ref.apiVersion);
  const known = state.observed?.namespaced[`${group}/${ref.kind}`];
  if (known !== undefined) return known;
  const info = resolveKind(ref.kind);
  return info !== undefined && info.group === group ? info.namespaced : catalogNamespaced(ref.kind);
}

// ---------------------------------------------------------------------------------------------
// Effect outcomes

function onResult(ctx: Ctx, result: Json): void {
  const { state } = ctx;
  const tag = (result as { tag?: unknown } | null)?.tag;
  if (typeof tag !== 'string' || state.inflight?.tag !== tag) return;
  const purpose = state.inflight.purpose;
  delete state.inflight;
  switch (purpose) {
    case 'refresh-render':
      return rendered(ctx, result as unknown as RenderOutput);
    case 'refresh-observe':
      return refreshObserved(ctx, result as unknown as ObserveOutput);
    case 'op-render': {
      const out = result as unknown as RenderOutput;
      const op = state.op;
      if (!op) return;
      op.revisions = out.revisions;
      op.manifests =
        out.unchanged && state.rendered ? state.rendered.manifests : (out.manifests ?? []);
      op.stage = 'observe';
      return;
    }
    case 'op-observe':
      return operationObserved(ctx, result as unknown as ObserveOutput);
    case 'op-apply':
      return applied(ctx, result as unknown as ApplyOutput);
    case 'delete-observe':
      return deletionObserved(ctx, result as unknown as ObserveOutput);
    case 'delete-apply':
      state.deleting = { stage: 'waiting' };
      armTimer(ctx, 'deletion', ctx.at + ctx.settings.deletionPollMs);
      return;
  }
}

function onFailure(ctx: Ctx, tag: string | undefined, reason: string): void {
  const { state } = ctx;
  if (tag === undefined || state.inflight?.tag !== tag) return;
  const purpose = state.inflight.purpose;
  delete state.inflight;
  if (purpose === 'refresh-render' || purpose === 'refresh-observe') {
    addCondition(ctx, 'ComparisonError', reason);
    state.comparison = undefined;
    state.reconciledAt = ctx.at;
    armReconcile(ctx);
    return;
  }
  if (purpose === 'op-apply' && state.op) {
    for (const id of Object.keys(state.op.observations)) {
      const obs = state.op.observations[id]!;
      if (obs.applied === undefined && obs.error === undefined && pendingIds(state.op).includes(id))
        obs.error = reason;
    }
    state.op.stage = 'observe';
    return;
  }
  if (purpose.startsWith('op-') && state.op) {
    finishOperation(ctx, 'Error', reason);
    return;
  }
  // A deletion step failed: look again later.
  state.deleting = { stage: 'waiting' };
  addCondition(ctx, 'DeletionError', reason);
  armTimer(ctx, 'deletion', ctx.at + ctx.settings.deletionPollMs * 5);
}

function pendingIds(op: OperationRun): string[] {
  return op.tasks?.map((t) => t.id) ?? [];
}

function onTimer(ctx: Ctx, timerId: string, generation: number): boolean {
  const { state } = ctx;
  const timers = state.timers as Record<string, number | undefined>;
  if (timers[timerId] !== generation) return false;
  delete timers[timerId];
  switch (timerId) {
    case 'reconcile':
    case 'selfHeal':
      state.wantRefresh = true;
      return true;
    case 'op':
      if (state.op?.phase === 'Running' && state.op.stage === 'waiting') {
        const op = state.op;
        if (op.resumeStage === 'render') startOver(state, op);
        op.stage = op.resumeStage ?? 'observe';
        delete op.resumeStage;
      }
      return true;
    case 'deletion':
      if (state.deleting?.stage === 'waiting') state.deleting = { stage: 'observe' };
      return true;
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Refresh: render, observe, compare, health, auto-sync

function rendered(ctx: Ctx, out: RenderOutput): void {
  const { state } = ctx;
  if (!out.unchanged || !state.rendered) {
    state.rendered = {
      revisions: out.revisions,
      sourcesHash: out.sourcesHash,
      manifests: out.manifests ?? [],
      sourceTypes: out.sourceTypes ?? [],
    };
  } else {
    state.rendered.revisions = out.revisions;
  }
  state.sourceType = state.rendered.sourceTypes[0];
  launchObserve(ctx, 'refresh-observe', desiredOf(state, state.rendered.manifests), true);
}

/**
 * The desired objects as they will be applied: the destination namespace filled in and the
 * tracking id set, as Argo sets it on its targets before comparing them.
 */
function desiredOf(state: ApplicationState, manifests: KubeObject[]): KubeObject[] {
  const namespace = destinationOf(state.spec).namespace;
  const tracking = trackingAppName(state.name, state.namespace);
  return manifests.map((obj) =>
    withTracking(
      tracking,
      obj.metadata.namespace || !namespace || !isNamespacedKind(state, obj)
        ? obj
        : { ...obj, metadata: { ...obj.metadata, namespace } },
    ),
  );
}

function keepObserved(state: ApplicationState, out: ObserveOutput): AppProject | undefined {
  const name = projectName(state.spec);
  const project = out.project ?? (name === 'default' ? DEFAULT_PROJECT : undefined);
  state.observed = {
    live: out.live,
    namespace: out.namespace,
    project: project ?? { metadata: { name }, spec: {} },
    namespaced: { ...(state.observed?.namespaced ?? {}), ...out.namespaced },
  };
  return project;
}

function refreshObserved(ctx: Ctx, out: ObserveOutput): void {
  const { state, at } = ctx;
  const project = keepObserved(state, out);
  state.reconciledAt = at;
  const rendered = state.rendered;
  const comparison = out.comparison;
  const invalid = specErrors(state, project);
  if (invalid.length > 0) {
    setConditions(ctx, 'InvalidSpecError', invalid);
  } else clearConditions(state, 'InvalidSpecError');
  clearConditions(state, 'ComparisonError');
  if (!comparison || !rendered) {
    armReconcile(ctx);
    return;
  }
  state.comparison = {
    ...comparison,
    revisions: rendered.revisions,
    sourcesHash: rendered.sourcesHash,
  };
  assessHealth(state);
  if (invalid.length > 0) {
    armReconcile(ctx);
    return;
  }
  autoSync(ctx, project as AppProject);
  if (!(state.op?.phase === 'Running')) armReconcile(ctx);
}

/** What Argo reports as InvalidSpecError: a missing project, a source or destination it denies. */
function specErrors(state: ApplicationState, project: AppProject | undefined): string[] {
  const name = projectName(state.spec);
  if (!project) return [`Application referencing project ${name} which does not exist`];
  const errors: string[] = [];
  for (const source of sourcesOf(state.spec)) {
    const decision = isSourcePermitted(project, String(source['repoURL'] ?? ''));
    if (!decision.allowed && decision.reason) errors.push(decision.reason);
  }
  const destination = destinationOf(state.spec);
  const decision = isDestinationPermitted(project, {
    server:
      destination.server ?? (destinationCluster(state.spec) === HOME_CLUSTER ? HOME_SERVER : ''),
    name: destination.name ?? (destinationCluster(state.spec) === HOME_CLUSTER ? 'in-cluster' : ''),
    namespace: destination.namespace,
  });
  if (!decision.allowed && decision.reason) errors.push(decision.reason);
  return errors;
}

function assessHealth(state: ApplicationState): void {
  const comparison = state.comparison;
  if (!comparison) return;
  const live = liveIndex(state.observed?.live ?? []);
  const resources = comparison.resources.map((r) => {
    const obj = live.get(resourceKeyOf(r.group, r.kind, r.namespace, r.name)) ?? null;
    return {
      group: r.group,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      live: obj,
      hook: Boolean(r.hook),
    };
  });
  const assessed = appHealth(resources, {
    app: { name: state.name, namespace: state.namespace },
  });
  state.health = {
    status: assessed.status,
    ...(assessed.message ? { message: assessed.message } : {}),
  };
  state.resourceHealth = assessed.resources;
}

function resourceKeyOf(group: string, kind: string, namespace: string, name: string): string {
  return `${group}/${kind}/${namespace}/${name}`;
}

function liveIndex(live: KubeObject[]): Map<string, KubeObject> {
  return new Map(
    live.map((obj) => [
      resourceKeyOf(
        groupOfApiVersion(obj.apiVersion),
        obj.kind,
        obj.metadata.namespace ?? '',
        obj.metadata.name,
      ),
      obj,
    ]),
  );
}

function lastOperation(state: ApplicationState): LastOperation | undefined {
  const op = state.op;
  if (!op || !op.revisions) return undefined;
  return {
    phase: op.phase,
    message: op.message,
    revisions: op.revisions,
    sources: op.sources,
    ...(op.finishedAt !== undefined ? { finishedAt: op.finishedAt } : {}),
  };
}

function autoSync(ctx: Ctx, project: AppProject): void {
  const { state, at } = ctx;
  const comparison = state.comparison;
  if (!comparison) return;
  const policy = syncPolicyOf(state.spec);
  if (state.op?.phase === 'Running' || state.pendingOperation) return;
  const window = canSyncApplication(
    project,
    { name: state.name, destination: destinationOf(state.spec) },
    { manual: false },
    at,
  );
  const decision = decideAutoSync({
    automated: policy.automated ?? undefined,
    syncStatus: comparison.status,
    revisions: comparison.revisions,
    sources: sourcesOf(state.spec),
    resources: comparison.resources.filter((r) => !r.hook),
    last: lastOperation(state),
    now: at,
    selfHealTimeoutMs: ctx.settings.selfHealTimeoutMs,
    ...(policy.syncOptions ? { syncOptions: policy.syncOptions } : {}),
    ...(policy.retry ? { retry: policy.retry } : {}),
    window,
    deleting: Boolean(state.deleting),
  });
  if ('operation' in decision) {
    clearConditions(state, 'SyncError');
    startOperation(ctx, decision.operation, false);
    return;
  }
  if (decision.condition) setConditions(ctx, 'SyncError', [decision.condition]);
  else clearConditions(state, 'SyncError');
  if (decision.retryAt !== undefined) armTimer(ctx, 'selfHeal', decision.retryAt);
}

function armReconcile(ctx: Ctx): void {
  let delay = reconcileDelayMs(ctx.state.key, ctx.settings);
  if (ctx.state.health?.status === 'Progressing')
    delay = Math.min(delay ?? Infinity, ctx.settings.progressingPollMs);
  if (delay !== undefined) armTimer(ctx, 'reconcile', ctx.at + delay);
}

function armTimer(
  ctx: Ctx,
  timerId: 'reconcile' | 'op' | 'selfHeal' | 'deletion',
  fireAt: number,
): void {
  const generation = ++ctx.state.timers.generation;
  ctx.state.timers[timerId] = generation;
  ctx.effects.push({ kind: CoreEffects.SetTimer, input: { timerId, generation, fireAt } });
}

// ---------------------------------------------------------------------------------------------
// The sync operation

/** Runs the operation's next stage; false when it waits for an effect or a timer. */
function driveOperation(ctx: Ctx, op: OperationRun): boolean {
  const { state } = ctx;
  switch (op.stage) {
    case 'render': {
      const sync = op.operation.sync;
      const revisions = sync.revisions ?? (sync.revision ? [sync.revision] : undefined);
      launchRender(ctx, 'op-render', op.sources, revisions);
      return false;
    }
    case 'observe':
      launchObserve(
        ctx,
        'op-observe',
        desiredOf(state, op.manifests ?? []),
        op.tasks === undefined,
      );
      return false;
    case 'step':
      step(ctx, op);
      // step moves the stage on (or finishes the operation); TypeScript cannot see that.
      return !['waiting', 'apply'].includes(op.stage as string);
    default:
      return false;
  }
}

function operationObserved(ctx: Ctx, out: ObserveOutput): void {
  const { state } = ctx;
  const op = state.op;
  if (!op) return;
  const project = keepObserved(state, out);
  if (op.tasks === undefined) {
    if (!plan(ctx, op, project, out)) return;
  } else {
    // The namespace CreateNamespace made is untracked: it is observed on its own.
    observeTasks(op, out.namespace ? [...out.live, out.namespace] : out.live);
  }
  op.stage = 'step';
}

function plan(
  ctx: Ctx,
  op: OperationRun,
  project: AppProject | undefined,
  out: ObserveOutput,
): boolean {
  const { state } = ctx;
  const errors = specErrors(state, project);
  if (errors.length > 0 || !project) {
    finishOperation(ctx, 'Failed', errors.join('; '));
    return false;
  }
  const sync = op.operation.sync;
  const policy = syncPolicyOf(state.spec);
  const options = parseSyncOptions(sync.syncOptions ?? policy.syncOptions).options;
  const manifests = op.manifests ?? [];
  const comparison = out.comparison;
  const statusByKey: Record<string, 'Synced' | 'OutOfSync'> = {};
  for (const r of comparison?.resources ?? [])
    if (r.status) statusByKey[resourceKeyOf(r.group, r.kind, r.namespace, r.name)] = r.status;
  const destinationNamespace = destinationOf(state.spec).namespace;
  const tracking = trackingAppName(state.name, state.namespace);
  const operationId = `${state.key}/${op.startedAt}/${op.attempt}`;
  const tasks = planSync({
    desired: manifests,
    live: out.live,
    diffs: statusByKey,
    options,
    prune: Boolean(sync.prune),
    dryRun: Boolean(sync.dryRun),
    force: Boolean(sync.syncStrategy?.apply?.force || sync.syncStrategy?.hook?.force),
    ...(sync.resources?.length ? { resources: sync.resources } : {}),
    operationId,
    revision: (op.revisions ?? [])[0] ?? '',
    namespace: destinationNamespace,
    destinationNamespace: out.namespace,
    ...(policy.managedNamespaceMetadata
      ? { managedNamespaceMetadata: policy.managedNamespaceMetadata }
      : {}),
    namespaced: (group, kind) => state.observed?.namespaced[`${group}/${kind}`],
  });
  // Every object Argo applies carries its tracking id, except the namespace CreateNamespace
  // makes (Argo tracks it only with managedNamespaceMetadata).
  for (const task of tasks) {
    if (!task.targetObj) continue;
    const autoNamespace =
      task.kind === 'Namespace' &&
      task.group === '' &&
      task.name === destinationNamespace &&
      !manifests.some((m) => m.kind === 'Namespace' && m.metadata.name === destinationNamespace);
    if (!autoNamespace || policy.managedNamespaceMetadata)
      task.targetObj = withTracking(tracking, task.targetObj);
  }
  op.tasks = tasks;
  op.invalid = {};
  for (const task of tasks) {
    const obj = task.targetObj ?? task.liveObj;
    if (!obj || task.action === 'prune') continue;
    const namespaced = isNamespacedKind(state, obj);
    const kindOk = isGroupKindPermitted(project, task.group, task.kind, namespaced, task.name);
    if (!kindOk.allowed) {
      op.invalid[task.id] = kindOk.reason ?? 'not permitted';
      continue;
    }
    if (namespaced && task.namespace) {
      const destination = destinationOf(state.spec);
      const where = isDestinationPermitted(project, {
        server:
          destination.server ??
          (destinationCluster(state.spec) === HOME_CLUSTER ? HOME_SERVER : ''),
        name:
          destination.name ?? (destinationCluster(state.spec) === HOME_CLUSTER ? 'in-cluster' : ''),
        namespace: task.namespace,
      });
      if (!where.allowed) op.invalid[task.id] = where.reason ?? 'not permitted';
    }
  }
  if (Object.keys(op.invalid).length > 0) {
    for (const [id, reason] of Object.entries(op.invalid)) op.observations[id] = { error: reason };
    finishOperation(ctx, 'Failed', 'one or more synchronization tasks are not valid');
    return false;
  }
  return true;
}

/** The tasks' health and hooks' phases from a fresh observation of the live objects. */
function observeTasks(op: OperationRun, live: KubeObject[]): void {
  const index = liveIndex(live);
  for (const task of op.tasks ?? []) {
    const obs = op.observations[task.id];
    if (!obs) continue;
    const key = resourceKeyOf(
      task.group,
      task.kind,
      task.targetObj?.metadata.namespace ?? task.namespace,
      task.name,
    );
    const obj = index.get(key);
    if (task.action === 'prune') {
      if (obs.applied) obs.deleting = obj !== undefined && !task.skip;
      continue;
    }
    if (!obs.applied || obs.error !== undefined) continue;
    if (!obj) {
      obs.health = 'Missing';
      continue;
    }
    const assessed = assessResourceHealth(obj).health;
    obs.health = (assessed?.status ?? null) as HealthStatusCode | null;
    if (assessed?.message) obs.message = assessed.message;
    if (task.action === 'hook' && task.kind === 'Pod' && task.group === '') {
      const phase = ((obj.status ?? {}) as { phase?: string }).phase;
      if (phase === 'Succeeded' || phase === 'Failed') obs.hookPhase = phase;
      else obs.hookPhase = 'Running';
    }
  }
}

function step(ctx: Ctx, op: OperationRun): void {
  const tasks = op.tasks ?? [];
  for (let guard = 0; guard < 100; guard++) {
    const decision = nextWave(tasks, {
      observations: op.observations,
      dryRun: Boolean(op.operation.sync.dryRun),
      waveDelayMs: ctx.settings.waveDelayMs,
    });
    housekeeping(ctx, op, decision.deleteHooks, decision.releaseHooks);
    if ('done' in decision) {
      finishOperation(ctx, 'Succeeded', decision.message);
      return;
    }
    if ('wait' in decision) {
      op.message = decision.reason;
      op.stage = 'waiting';
      armTimer(ctx, 'op', ctx.at + ctx.settings.operationPollMs);
      return;
    }
    if ('failed' in decision) {
      op.message = decision.failed;
      if (decision.operationPhase === 'Failed') {
        finishOperation(ctx, 'Failed', decision.failed);
        return;
      }
      op.syncFailStarted = true;
      if (launchApply(ctx, op, decision.syncFail, [], 0)) return;
      continue;
    }
    op.message = decision.message;
    if (
      launchApply(
        ctx,
        op,
        decision.run,
        decision.deleteFirst,
        // Old hooks gone, the wave itself is applied at once; its delay follows it.
        decision.deleteFirst.length > 0 ? 0 : decision.delayMs,
      )
    )
      return;
  }
}

/** Turns tasks into ops; false when nothing had to touch the cluster (skips recorded). */
function launchApply(
  ctx: Ctx,
  op: OperationRun,
  run: SyncTask[],
  deleteFirst: SyncTask[],
  delayMs: number,
): boolean {
  const { state } = ctx;
  const ops: ApplyOp[] = [];
  for (const task of deleteFirst) {
    const live = task.liveObj as KubeObject;
    ops.push({
      id: `before:${task.id}`,
      action: 'delete',
      ref: refOf(live),
      propagationPolicy: 'Foreground',
      waitForDeletion: true,
      ...(isArgoKind(live) ? { controlPlane: true } : {}),
    });
  }
  for (const task of run) {
    if (task.skip) {
      op.observations[task.id] = { applied: true };
      continue;
    }
    // Argo's dry run asks the API server to validate; our Kubernetes port has no dry run, so
    // nothing is written and the task counts as accepted.
    if (task.dryRun) {
      op.observations[task.id] = {
        applied: true,
        message: `${task.kind.toLowerCase()}/${task.name} ${task.action === 'prune' ? 'pruned' : 'configured'} (dry run)`,
      };
      continue;
    }
    const observation: TaskObservation = {};
    op.observations[task.id] = observation;
    if (task.action === 'prune') {
      const live = task.liveObj as KubeObject;
      ops.push({
        id: task.id,
        action: 'delete',
        ref: refOf(live),
        propagationPolicy: task.propagationPolicy ?? 'Foreground',
        ...(isArgoKind(live) ? { controlPlane: true } : {}),
      });
      continue;
    }
    const target = task.targetObj as KubeObject;
    ops.push({
      id: task.id,
      action:
        task.action === 'hook' || task.action === 'create'
          ? 'create'
          : task.action === 'replace'
            ? 'replace'
            : 'apply',
      object: target,
      ...(task.serverSideApply ? { serverSideApply: true } : {}),
      ...(task.force ? { force: true } : {}),
      ...(isArgoKind(target) ? { controlPlane: true } : {}),
    });
  }
  if (ops.length === 0) return false;
  const input: ApplyInput = {
    tag: nextTag(state, 'op-apply'),
    cluster: destinationCluster(state.spec),
    ops,
  };
  op.stage = 'apply';
  op.delayAfter = delayMs;
  ctx.effects.push({ kind: ApplicationEffects.Apply, input: input as unknown as Json });
  return true;
}

function applied(ctx: Ctx, out: ApplyOutput): void {
  const op = ctx.state.op;
  if (!op) return;
  for (const result of out.results) {
    if (result.id.startsWith('before:')) {
      const id = result.id.slice('before:'.length);
      const obs = (op.observations[id] ??= {});
      if (result.ok) obs.priorDeleted = true;
      else obs.error = result.message;
      continue;
    }
    const obs = (op.observations[result.id] ??= {});
    if (result.ok) {
      obs.applied = true;
      if (result.message) obs.message = result.message;
    } else obs.error = result.message;
  }
  const delay = op.delayAfter ?? 0;
  delete op.delayAfter;
  if (delay > 0) {
    op.stage = 'waiting';
    armTimer(ctx, 'op', ctx.at + delay);
  } else op.stage = 'observe';
}

/**
 * Hooks deleted by their delete policy, and completed hooks released from the hook finalizer
 * hookTarget puts on them (Argo's finalizer that keeps a hook until its outcome is read).
 */
function housekeeping(
  ctx: Ctx,
  op: OperationRun,
  toDelete: SyncTask[],
  toRelease: SyncTask[],
): void {
  const deletes = toDelete.filter((t) => !op.hooksDeleted.includes(t.id));
  const releases = toRelease.filter(
    (t) =>
      !op.hooksReleased.includes(t.id) && !deletes.includes(t) && !op.hooksDeleted.includes(t.id),
  );
  if (deletes.length === 0 && releases.length === 0) return;
  op.hooksDeleted.push(...deletes.map((t) => t.id));
  op.hooksReleased.push(...releases.map((t) => t.id));
  const ops: ApplyOp[] = [
    ...deletes.map((task): ApplyOp => ({
      id: `hook-delete:${task.id}`,
      action: 'delete',
      ref: refOf(task.targetObj as KubeObject),
      propagationPolicy: 'Background',
      ...(isArgoKind(task.targetObj as KubeObject) ? { controlPlane: true } : {}),
    })),
    ...releases
      .filter((task) => !isArgoKind(task.targetObj as KubeObject))
      .map((task): ApplyOp => ({
        id: `hook-release:${task.id}`,
        action: 'release',
        ref: refOf(task.targetObj as KubeObject),
      })),
  ];
  if (ops.length === 0) return;
  const input: ApplyInput = {
    tag: `hook-housekeeping#${++ctx.state.seq}`,
    cluster: destinationCluster(ctx.state.spec),
    ops,
  };
  ctx.effects.push({ kind: ApplicationEffects.Apply, input: input as unknown as Json });
}

function refOf(obj: KubeObject): ObjectRefWithVersion {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}

const isArgoKind = (obj: KubeObject): boolean =>
  groupOfApiVersion(obj.apiVersion) === 'argoproj.io';

function finishOperation(ctx: Ctx, phase: 'Succeeded' | 'Failed' | 'Error', message: string): void {
  const { state, at } = ctx;
  const op = state.op;
  if (!op) return;
  const retry = op.operation.retry;
  if (phase !== 'Succeeded' && shouldRetry(retry, op.retryCount)) {
    const retryAt = at + retryDelayMs(retry, op.retryCount);
    op.retryCount += 1;
    op.message = `${message}. Retrying attempt #${op.retryCount} at ${kitchen(retryAt)}.`;
    op.stage = 'waiting';
    // The failed attempt's results stay in the status until the retry starts over.
    op.resumeStage = 'render';
    armTimer(ctx, 'op', retryAt);
    return;
  }
  op.phase = phase;
  op.message = message;
  op.finishedAt = at;
  const sync = op.operation.sync;
  if (phase === 'Succeeded' && !sync.dryRun && !sync.resources?.length)
    recordHistory(state, op, at);
  if (op.fromObject && state.seenOperation !== undefined) {
    sendSelfPatch(ctx, [
      { op: 'test', path: '/operation', value: JSON.parse(state.seenOperation) as Json },
      { op: 'remove', path: '/operation' },
    ]);
  }
  state.wantRefresh = true;
}

/** A retry: the commit is resolved and the objects observed again, hooks get new names. */
function startOver(state: ApplicationState, op: OperationRun): void {
  op.attempt = ++state.seq;
  delete op.tasks;
  op.observations = {};
  op.hooksDeleted = [];
  op.hooksReleased = [];
  delete op.syncFailStarted;
  delete op.revisions;
  delete op.manifests;
  delete op.invalid;
}

function recordHistory(state: ApplicationState, op: OperationRun, at: number): void {
  const multi = isMultiSource(state.spec) || op.sources.length > 1;
  const id = (state.history.at(-1)?.id ?? -1) + 1;
  state.history.push({
    id,
    ...(multi ? { revisions: op.revisions ?? [] } : { revision: (op.revisions ?? [])[0] ?? '' }),
    deployedAt: at,
    deployStartedAt: op.startedAt,
    ...(multi ? { sources: op.sources } : op.sources[0] ? { source: op.sources[0] } : {}),
    ...(op.operation.initiatedBy ? { initiatedBy: op.operation.initiatedBy } : {}),
  });
  const limit = revisionHistoryLimit(state.spec);
  if (state.history.length > limit) state.history.splice(0, state.history.length - limit);
}

function revisionHistoryLimit(spec: JsonObject): number {
  const value = spec['revisionHistoryLimit'];
  return typeof value === 'number' && value >= 0 ? value : DEFAULT_REVISION_HISTORY_LIMIT;
}

/** Go's time.Kitchen ("3:04PM"), in UTC. */
function kitchen(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const m = String(d.getUTCMinutes()).padStart(2, '0');
  return `${h % 12 === 0 ? 12 : h % 12}:${m}${h < 12 ? 'AM' : 'PM'}`;
}

// ---------------------------------------------------------------------------------------------
// Deletion with the resources finalizer

function driveDeletion(ctx: Ctx): void {
  const { state } = ctx;
  if (state.deleting?.stage !== 'observe') return;
  launchObserve(
    ctx,
    'delete-observe',
    state.rendered ? desiredOf(state, state.rendered.manifests) : [],
    false,
  );
}

function deletionObserved(ctx: Ctx, out: ObserveOutput): void {
  const { state } = ctx;
  keepObserved(state, out);
  const options = parseSyncOptions(syncPolicyOf(state.spec).syncOptions).options;
  const doomed = out.live.filter((obj) => isDeletedWithApp(obj, options));
  const remaining = doomed.filter((obj) => !obj.metadata.deletionTimestamp);
  if (doomed.length === 0) {
    state.deleting = { stage: 'finalized' };
    const finalizers = state.finalizers.filter(
      (f) => f !== RESOURCES_FINALIZER && f !== RESOURCES_FINALIZER_BACKGROUND,
    );
    sendSelfPatch(ctx, [
      { op: 'test', path: '/metadata/finalizers', value: state.finalizers },
      { op: 'replace', path: '/metadata/finalizers', value: finalizers },
    ]);
    return;
  }
  if (remaining.length === 0) {
    state.deleting = { stage: 'waiting' };
    armTimer(ctx, 'deletion', ctx.at + ctx.settings.deletionPollMs);
    return;
  }
  const policy: PropagationPolicy = state.finalizers.includes(RESOURCES_FINALIZER_BACKGROUND)
    ? 'Background'
    : 'Foreground';
  const input: ApplyInput = {
    tag: nextTag(state, 'delete-apply'),
    cluster: destinationCluster(state.spec),
    ops: remaining.map((obj) => ({
      id: `delete:${resourceKeyOf(groupOfApiVersion(obj.apiVersion), obj.kind, obj.metadata.namespace ?? '', obj.metadata.name)}`,
      action: 'delete',
      ref: refOf(obj),
      propagationPolicy: policy,
      ...(isArgoKind(obj) ? { controlPlane: true } : {}),
    })),
  };
  ctx.effects.push({ kind: ApplicationEffects.Apply, input: input as unknown as Json });
}

// ---------------------------------------------------------------------------------------------
// Messages to the Application itself and conditions

function sendSelfPatch(ctx: Ctx, patch: JsonPatchOp[]): void {
  ctx.effects.push({
    kind: CoreEffects.SendMessage,
    input: {
      key: ctx.state.key,
      event: { type: 'Patch', patchType: 'json', patch: patch as unknown as Json },
    },
  });
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function addCondition(ctx: Ctx, type: string, message: string): void {
  const existing = ctx.state.conditions.find((c) => c.type === type && c.message === message);
  if (existing) return;
  ctx.state.conditions.push({ type, message, lastTransitionTime: ctx.at });
}

function setConditions(ctx: Ctx, type: string, messages: string[]): void {
  const kept = ctx.state.conditions.filter((c) => c.type !== type || messages.includes(c.message));
  ctx.state.conditions = kept;
  for (const message of messages) addCondition(ctx, type, message);
}

function clearConditions(state: ApplicationState, type: string): void {
  state.conditions = state.conditions.filter((c) => c.type !== type);
}

// ---------------------------------------------------------------------------------------------
// status in Argo's JSON shape

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function resultCode(task: SyncTask, obs: TaskObservation): string | undefined {
  if (obs.error !== undefined) return 'SyncFailed';
  if (!obs.applied) return undefined;
  if (task.action === 'prune')
    return task.skip?.result === 'PruneSkipped' ? 'PruneSkipped' : 'Pruned';
  if (obs.health === 'Missing') return 'SyncFailed';
  return 'Synced';
}

function hookPhaseOf(obs: TaskObservation): string {
  if (obs.error !== undefined) return 'Failed';
  if (obs.hookPhase) return obs.hookPhase;
  if (obs.health === 'Healthy' || obs.health === null) return 'Succeeded';
  if (obs.health === 'Degraded' || obs.health === 'Unknown') return 'Failed';
  return 'Running';
}

function syncResultResources(op: OperationRun): JsonObject[] {
  const out: JsonObject[] = [];
  for (const task of op.tasks ?? []) {
    const obs = op.observations[task.id];
    if (!obs) continue;
    const status = resultCode(task, obs);
    if (status === undefined) continue;
    const obj = task.targetObj ?? task.liveObj;
    const apiVersion = obj?.apiVersion ?? '';
    const slash = apiVersion.lastIndexOf('/');
    let message = obs.error ?? (task.skip ? task.skip.message : obs.message) ?? '';
    if (status === 'Pruned') message = 'pruned';
    if (status === 'Synced' && !message)
      message = `${task.kind.toLowerCase()}/${task.name} ${task.action === 'hook' || task.action === 'create' ? 'created' : 'configured'}`;
    out.push({
      ...(task.group ? { group: task.group } : {}),
      version: apiVersion.slice(slash + 1),
      kind: task.kind,
      namespace: task.namespace,
      name: task.name,
      status,
      message,
      syncPhase: task.phase,
      ...(task.action === 'hook' ? { hookType: task.phase, hookPhase: hookPhaseOf(obs) } : {}),
    });
  }
  return out;
}

function operationStatus(state: ApplicationState): JsonObject | undefined {
  const op = state.op;
  if (!op) return undefined;
  const multi = op.sources.length > 1 || isMultiSource(state.spec);
  const status: JsonObject = {
    operation: op.operation as unknown as Json,
    phase: op.phase,
    message: op.message,
    startedAt: iso(op.startedAt) as string,
    ...(op.finishedAt !== undefined ? { finishedAt: iso(op.finishedAt) as string } : {}),
    ...(op.retryCount > 0 ? { retryCount: op.retryCount } : {}),
  };
  if (op.revisions) {
    status['syncResult'] = {
      resources: syncResultResources(op) as Json,
      ...(multi
        ? { revisions: op.revisions, sources: op.sources as Json }
        : { revision: op.revisions[0] ?? '', source: (op.sources[0] ?? {}) as Json }),
    };
  }
  return status;
}

export function applicationStatus(state: ApplicationState): Json {
  const multi = isMultiSource(state.spec);
  const comparison = state.comparison;
  const destination = (state.spec['destination'] ?? {}) as Json;
  const sync: JsonObject = {
    status:
      comparison && !state.conditions.some((c) => c.type === 'ComparisonError')
        ? comparison.status
        : 'Unknown',
    comparedTo: multi
      ? { sources: sourcesOf(state.spec) as Json, destination }
      : { source: (sourcesOf(state.spec)[0] ?? {}) as Json, destination },
  };
  if (comparison) {
    if (multi) sync['revisions'] = comparison.revisions;
    else sync['revision'] = comparison.revisions[0] ?? '';
  }
  const resources = (comparison?.resources ?? []).map((r, i) => {
    const health = state.resourceHealth[i];
    return {
      ...(r.group ? { group: r.group } : {}),
      version: r.version,
      kind: r.kind,
      ...(r.namespace ? { namespace: r.namespace } : {}),
      name: r.name,
      ...(r.status ? { status: r.status } : {}),
      ...(health ? { health } : {}),
      ...(r.hook ? { hook: true } : {}),
      ...(r.requiresPruning ? { requiresPruning: true } : {}),
    };
  });
  const operationState = operationStatus(state);
  const status: Record<string, unknown> = {
    sync,
    health: state.health ?? { status: 'Unknown' },
    resources,
    ...(state.reconciledAt !== undefined ? { reconciledAt: iso(state.reconciledAt) } : {}),
    ...(state.sourceType ? { sourceType: state.sourceType } : {}),
    ...(operationState ? { operationState } : {}),
    ...(state.history.length
      ? {
          history: state.history.map((h) => ({
            ...h,
            deployedAt: iso(h.deployedAt),
            deployStartedAt: iso(h.deployStartedAt),
          })),
        }
      : {}),
    ...(state.conditions.length
      ? {
          conditions: state.conditions.map((c) => ({
            type: c.type,
            message: c.message,
            lastTransitionTime: iso(c.lastTransitionTime),
          })),
        }
      : {}),
    controllerNamespace: CONTROL_NAMESPACE_FOR_STATUS,
  };
  return JSON.parse(JSON.stringify(status)) as Json;
}

const CONTROL_NAMESPACE_FOR_STATUS = 'argocd';

/** For `argosls app diff`: each out-of-sync resource and the patch from live to desired. */
export function applicationDiffs(state: ApplicationState): JsonObject[] {
  const comparison = state.comparison;
  if (!comparison) return [];
  const out: JsonObject[] = [];
  comparison.resources.forEach((r, i) => {
    if (r.status !== 'OutOfSync') return;
    out.push({
      group: r.group,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      ...(r.requiresPruning ? { requiresPruning: true } : {}),
      patch: (comparison.diffs[i] ?? []) as unknown as Json,
    });
  });
  return out;
}
