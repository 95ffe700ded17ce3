/**
 * The workflow machine's decisions: one pure function from (state, event) to (state, effect
 * requests). It prepares the workflow (referenced templates and ConfigMaps are fetched once and
 * kept in the log), folds pod observations into nodes, fires timers and re-runs the operator.
 */
import type { EffectRequest, Json, JsonObject } from '../core/types.js';
import { formatKey } from '../core/types.js';
import { CoreEffects } from '../core/effects.js';
import type { KubeObject } from '../core/objects.js';
import type { NodeArtifact, NodeParameter, NodeStatus } from './nodes.js';
import { isFulfilled, isoTime } from './nodes.js';
import { isWorkflowDone, operate } from './operator.js';
import type { OperatorAction } from './operator.js';
import type { Library, PodRecord, WorkflowState } from './state.js';
import {
  armTimer,
  podEnded,
  recordGlobalArtifact,
  recordGlobalParameter,
  setNodePhase,
} from './state.js';
import { CRON_LABEL } from './cron-machine.js';
import type { Template, WorkflowSpec } from './types.js';
import { scalarString } from './types.js';
import { buildPod } from './pods.js';
import { matchesNodeSelector } from './node-selector.js';
import { formulateRetry, parseRetryRequest, RETRY_ANNOTATION } from './retry.js';

export const WorkflowEffects = {
  Prepare: 'workflow.prepare',
  CreatePod: 'workflow.pod.create',
  PollPods: 'workflow.pods.poll',
  DeletePods: 'workflow.pods.delete',
  Resource: 'workflow.resource',
  CreatePvcs: 'workflow.pvcs.create',
  LabelCompleted: 'workflow.pods.label-completed',
  /** Deletes pods and waits until they are gone (a retry reuses their names). */
  ClearPods: 'workflow.pods.clear',
  Http: 'workflow.http',
} as const;

/** Set (to any new value) by `argosls resume`: resume the workflow's suspended nodes. */
export const RESUME_ANNOTATION = 'workflows.argo-serverless.dev/resumed-at';

export const POLL_MIN_MS = 100;
export const POLL_MAX_MS = 10_000;

/** What the poll effect reports for one pod. */
export interface PodObservation {
  podName: string;
  /** `Missing` when the pod is gone. */
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Missing';
  message?: string;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  hostNodeName?: string;
  outputs?: {
    parameters: Record<string, string>;
    result?: string;
    artifacts: Record<string, { key: string }>;
  };
  /** Why the outputs could not be read (no marker block in the log, too large, ...). */
  outputsError?: string;
}

export interface PrepareResult {
  library: Library;
  /** The referenced WorkflowTemplate's spec, when the Workflow has workflowTemplateRef. */
  workflowTemplateSpec?: WorkflowSpec;
  error?: string;
}

export type WorkflowEvent =
  | { type: 'xstate.init'; at: number }
  | { type: 'EffectSucceeded'; at: number; effectKind: string; result: Json }
  | { type: 'EffectFailed'; at: number; effectKind: string; reason: string; effectId: string }
  | { type: 'TimerFired'; at: number; timerId: string; generation: number }
  | { type: 'ObjectApplied'; at: number; object: KubeObject }
  | { type: 'ObjectDeleting' | 'ObjectDeleted'; at: number }
  | { type: 'Resume'; at: number; nodeFieldSelector?: string; outputs?: Record<string, string> }
  | { type: 'PodsChanged'; at: number }
  | { type: string; at: number; [k: string]: unknown };

export function initialState(
  key: { cluster: string },
  object: KubeObject,
  at: number,
): WorkflowState {
  const meta = object.metadata as JsonObject & {
    name: string;
    namespace?: string;
    uid?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  const spec = structuredClone(object['spec'] ?? {}) as WorkflowSpec;
  return {
    name: meta.name,
    namespace: meta.namespace ?? 'default',
    uid: meta.uid ?? '',
    cluster: key.cluster,
    creationTimestamp: meta.creationTimestamp ?? isoTime(at),
    labels: meta.labels ?? {},
    annotations: meta.annotations ?? {},
    spec,
    library: { workflowTemplates: {}, clusterWorkflowTemplates: {}, configMaps: {} },
    preparing: needsPreparation(spec),
    status: { phase: 'Pending', startedAt: isoTime(at), finishedAt: null },
    pods: {},
    podIndex: {},
    activePods: 0,
    active: {},
    unlabelled: [],
    timers: {},
    pollBackoffMs: POLL_MIN_MS,
    pending: {},
    requestSeq: 0,
    settled: {},
    dagFrontier: {},
    dagFailed: {},
  };
}

/** References to resolve before the first pass: templates elsewhere and ConfigMap values. */
export function needsPreparation(spec: WorkflowSpec): boolean {
  return (
    Boolean(spec.workflowTemplateRef) ||
    /"templateRef"|"configMapKeyRef"/.test(JSON.stringify(spec))
  );
}

export function reduce(state: WorkflowState, event: WorkflowEvent): EffectRequest[] {
  const effects: EffectRequest[] = [];
  const at = event.at;
  switch (event.type) {
    case 'xstate.init':
      if (state.preparing) {
        effects.push({
          kind: WorkflowEffects.Prepare,
          input: { namespace: state.namespace, spec: state.spec as unknown as Json },
        });
        return effects;
      }
      break;
    case 'EffectSucceeded':
    case 'EffectFailed': {
      const e = event as { effectKind: string; result?: Json; reason?: string };
      if (!handleReport(state, e.effectKind, e.result, e.reason, at, effects)) return effects;
      break;
    }
    case 'TimerFired': {
      const e = event as { timerId: string; generation: number };
      const timer = state.timers[e.timerId];
      if (!timer || timer.generation !== e.generation || timer.fired) return effects;
      // Kept (not deleted) so the next timer of this id gets a new generation, hence a new id.
      timer.fired = true;
      if (e.timerId === 'poll') {
        requestPoll(state, effects);
        return effects;
      }
      if (e.timerId === 'ttl') {
        effects.push({
          kind: CoreEffects.SendMessage,
          input: {
            key: formatKey({
              cluster: state.cluster,
              kind: 'Workflow',
              namespace: state.namespace,
              name: state.name,
            }),
            event: { type: 'Delete' },
          },
        });
        return effects;
      }
      if (e.timerId.startsWith('resource/')) {
        const pending = state.pending[e.timerId.slice('resource/'.length)];
        if (pending?.input) {
          effects.push({
            kind: WorkflowEffects.Resource,
            input: { ...(pending.input as JsonObject), check: true },
          });
        }
        return effects;
      }
      break;
    }
    case 'PodsChanged':
      // A watch saw one of our pods end: poll now rather than when the backoff timer fires. The
      // timer stays armed (a stale timer would cost a version of its own when it fires).
      requestPoll(state, effects);
      return effects;
    case 'ObjectApplied': {
      const spec = ((event as { object: KubeObject }).object['spec'] ?? {}) as WorkflowSpec;
      const wasSuspended = Boolean(state.spec.suspend);
      state.spec = {
        ...state.spec,
        suspend: spec.suspend ?? false,
        ...(spec.shutdown ? { shutdown: spec.shutdown } : {}),
      };
      if (!spec.suspend) delete state.spec.suspend;
      if (spec.shutdown && !isWorkflowDone(state.status.phase))
        shutdown(state, spec.shutdown, at, effects);
      const annotations = ((event as { object: KubeObject }).object.metadata.annotations ??
        {}) as Record<string, string>;
      const resumedAt = annotations[RESUME_ANNOTATION];
      if (resumedAt && resumedAt !== state.annotations[RESUME_ANNOTATION]) {
        state.annotations[RESUME_ANNOTATION] = resumedAt;
        resumeSuspendNodes(state, undefined, at, undefined);
      } else if (wasSuspended && !spec.suspend) resumeSuspendNodes(state, undefined, at, undefined);
      const retryValue = annotations[RETRY_ANNOTATION];
      const retry = parseRetryRequest(retryValue);
      if (retry && retryValue !== state.annotations[RETRY_ANNOTATION]) {
        state.annotations[RETRY_ANNOTATION] = retryValue!;
        if (state.status.phase === 'Failed' || state.status.phase === 'Error') {
          delete state.spec.shutdown;
          const pods = formulateRetry(state, retry);
          // The retried nodes' pods keep their names: the old ones must be gone first.
          state.clearingPods = pods.size;
          for (const [cluster, podNames] of pods) {
            effects.push({
              kind: WorkflowEffects.ClearPods,
              input: { cluster, namespace: state.namespace, podNames },
            });
          }
        }
      }
      break;
    }
    case 'Resume': {
      const e = event as { nodeFieldSelector?: string; outputs?: Record<string, string> };
      delete state.spec.suspend;
      resumeSuspendNodes(state, e.nodeFieldSelector, at, e.outputs);
      break;
    }
    case 'ObjectDeleting':
    case 'ObjectDeleted': {
      const alive = Object.values(state.pods).filter((p) => !p.done);
      for (const p of alive) podEnded(state, p);
      if (alive.length) effects.push(...deletePodsOf(alive, state.namespace));
      return effects;
    }
    default:
      return effects;
  }
  if (state.preparing || state.clearingPods || isWorkflowDone(state.status.phase)) return effects;
  runOperator(state, at, effects);
  return effects;
}

function runOperator(state: WorkflowState, at: number, effects: EffectRequest[]): void {
  const { actions } = operate(state, at);
  for (const action of actions) effects.push(...toEffects(state, action));
  if (isWorkflowDone(state.status.phase)) {
    labelEnded(state, effects);
    const cron = state.labels[CRON_LABEL];
    if (cron) {
      // The CronWorkflow that started us keeps its active list and history from these reports.
      effects.push({
        kind: CoreEffects.SendMessage,
        input: {
          key: formatKey({
            cluster: state.cluster,
            kind: 'CronWorkflow',
            namespace: state.namespace,
            name: cron,
          }),
          event: { type: 'WorkflowFinished', name: state.name, phase: state.status.phase },
        },
      });
    }
    const gc = state.spec.podGC?.strategy;
    const done = Object.values(state.pods);
    if (
      gc === 'OnWorkflowCompletion' ||
      (gc === 'OnWorkflowSuccess' && state.status.phase === 'Succeeded')
    ) {
      if (done.length) effects.push(...deletePodsOf(done, state.namespace));
    }
    armTtl(state, at, effects);
  }
}

/** ttlStrategy: the finished Workflow deletes itself after the seconds its phase asks for. */
function armTtl(state: WorkflowState, at: number, effects: EffectRequest[]): void {
  const ttl = state.spec.ttlStrategy;
  if (!ttl) return;
  const seconds =
    state.status.phase === 'Succeeded'
      ? (ttl.secondsAfterSuccess ?? ttl.secondsAfterCompletion)
      : (ttl.secondsAfterFailure ?? ttl.secondsAfterCompletion);
  if (seconds === undefined) return;
  effects.push(armTimer(state, 'ttl', at + seconds * 1000));
}

/** podGC OnPodCompletion / OnPodSuccess: a pod is deleted once its end is recorded. */
function collectPod(
  state: WorkflowState,
  record: PodRecord,
  phase: string,
  effects: EffectRequest[],
): void {
  const gc = state.spec.podGC?.strategy;
  if (gc === 'OnPodCompletion' || (gc === 'OnPodSuccess' && phase === 'Succeeded')) {
    effects.push(...deletePodsOf([record], state.namespace));
  }
}

function toEffects(state: WorkflowState, action: OperatorAction): EffectRequest[] {
  switch (action.kind) {
    case 'createPod': {
      let pod: ReturnType<typeof buildPod>;
      try {
        pod = buildPod(
          state,
          action.node,
          action.template,
          action.podName,
          action.serviceAccountName,
        );
      } catch (err) {
        // A pod that cannot be built fails its node (by field-free reason), not the machine.
        const record = state.pods[action.nodeId];
        if (record) podEnded(state, record);
        const node = state.status.nodes?.[action.nodeId];
        if (node) {
          setNodePhase(state, node, 'Error');
          node.message = (err as Error).message;
          node.finishedAt = node.startedAt;
        }
        return [];
      }
      return [
        {
          kind: WorkflowEffects.CreatePod,
          input: {
            cluster: action.cluster,
            pod: pod.manifest,
            inputArtifacts: pod.inputArtifacts as unknown as Json,
            ...(action.serviceAccountName ? { serviceAccountName: action.serviceAccountName } : {}),
          },
        },
      ];
    }
    case 'timer':
      return [action.effect];
    case 'deletePods':
      return [deletePods(action.cluster, action.podNames, state.namespace)];
    case 'resource': {
      const input = {
        tag: action.tag,
        cluster: state.cluster,
        namespace: state.namespace,
        workflow: state.name,
        resource: action.template.resource as unknown as Json,
        outputs: (action.template.outputs ?? null) as unknown as Json,
        serviceAccountName:
          action.template.serviceAccountName ?? state.spec.serviceAccountName ?? 'default',
      };
      // Kept to ask again (conditions only) while the success condition is not met.
      state.pending[action.tag]!.input = input;
      return [{ kind: WorkflowEffects.Resource, input }];
    }
    case 'http':
      return [
        {
          kind: WorkflowEffects.Http,
          input: {
            tag: action.tag,
            namespace: state.namespace,
            http: action.template.http as unknown as Json,
          },
        },
      ];
    case 'createPvcs':
      return [
        {
          kind: WorkflowEffects.CreatePvcs,
          input: { cluster: state.cluster, claims: action.claims },
        },
      ];
  }
}

/** Deletes pods, one effect per cluster they run on. */
function deletePodsOf(records: PodRecord[], namespace: string): EffectRequest[] {
  const byCluster = new Map<string, string[]>();
  for (const r of records)
    byCluster.set(r.cluster, [...(byCluster.get(r.cluster) ?? []), r.podName]);
  return [...byCluster].map(([cluster, names]) => deletePods(cluster, names, namespace));
}

function deletePods(cluster: string, podNames: string[], namespace: string): EffectRequest {
  return { kind: WorkflowEffects.DeletePods, input: { cluster, namespace, podNames } };
}

/** Most pods one poll asks about by name, and most observations one poll reports. */
export const POLL_BATCH = 500;

/** The workflow ends in Error before (or outside) the operator's pass. */
function workflowError(state: WorkflowState, message: string, at: number): void {
  state.status.phase = 'Error';
  state.status.message = message;
  state.status.finishedAt = isoTime(at);
}

/** Polls unless a poll is in flight; then polls again once its report is in. */
function requestPoll(state: WorkflowState, effects: EffectRequest[]): void {
  if (state.activePods === 0) return;
  if (state.pollInFlight) {
    // The poll in flight may have listed the pods before this change.
    state.pollAgain = true;
    return;
  }
  pollNow(state, effects);
}

function pollNow(state: WorkflowState, effects: EffectRequest[]): void {
  if (state.activePods === 0) return;
  const byCluster = new Map<string, string[]>();
  for (const nodeId of Object.keys(state.active)) {
    const record = state.pods[nodeId]!;
    const list = byCluster.get(record.cluster) ?? [];
    byCluster.set(record.cluster, list);
    // Pods still Pending are named, so their start shows; ended pods show up by label.
    if (list.length < POLL_BATCH && state.status.nodes?.[nodeId]?.phase === 'Pending') {
      list.push(record.podName);
    }
  }
  state.pollInFlight = byCluster.size;
  for (const [cluster, pending] of byCluster) {
    effects.push({
      kind: WorkflowEffects.PollPods,
      input: { cluster, namespace: state.namespace, workflow: state.name, pending },
    });
  }
}

/** Labels ended pods `completed=true`, as Argo does, so later polls list only live ones. */
function labelEnded(state: WorkflowState, effects: EffectRequest[]): void {
  const byCluster = new Map<string, string[]>();
  for (const { podName, cluster } of state.unlabelled.splice(0)) {
    byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), podName]);
  }
  for (const [cluster, names] of byCluster) {
    for (let i = 0; i < names.length; i += POLL_BATCH) {
      effects.push({
        kind: WorkflowEffects.LabelCompleted,
        input: { cluster, namespace: state.namespace, podNames: names.slice(i, i + POLL_BATCH) },
      });
    }
  }
}

function armPoll(state: WorkflowState, at: number, effects: EffectRequest[]): void {
  if (state.activePods === 0) return;
  const current = state.timers['poll'];
  if (current && !current.fired && current.fireAt > at) return;
  effects.push(armTimer(state, 'poll', at + state.pollBackoffMs));
}

/** Folds an effect's report in; returns false when nothing changed that the operator needs. */
function handleReport(
  state: WorkflowState,
  kind: string,
  result: Json | undefined,
  reason: string | undefined,
  at: number,
  effects: EffectRequest[],
): boolean {
  const failed = reason !== undefined;
  switch (kind) {
    case WorkflowEffects.Prepare: {
      if (!state.preparing) return false;
      state.preparing = false;
      const prepared = result as unknown as PrepareResult | undefined;
      if (failed || prepared?.error) {
        workflowError(state, prepared?.error ?? reason ?? 'preparation failed', at);
        return false;
      }
      state.library = prepared!.library;
      if (prepared!.workflowTemplateSpec)
        state.spec = mergeWorkflowTemplate(prepared!.workflowTemplateSpec, state.spec);
      return true;
    }
    case WorkflowEffects.PollPods: {
      state.pollInFlight = Math.max(0, (state.pollInFlight ?? 1) - 1);
      if (failed) {
        state.pollBackoffMs = Math.min(POLL_MAX_MS, state.pollBackoffMs * 2);
        armPoll(state, at, effects);
        return false;
      }
      const polled = (result ?? {}) as { pods?: PodObservation[]; more?: boolean };
      let changed = false;
      for (const o of polled.pods ?? []) {
        if (!applyObservation(state, o, at)) continue;
        changed = true;
        const record = state.pods[state.podIndex[o.podName]!];
        if (record?.done) collectPod(state, record, o.phase, effects);
      }
      labelEnded(state, effects);
      state.pollBackoffMs =
        changed || polled.more ? POLL_MIN_MS : Math.min(POLL_MAX_MS, state.pollBackoffMs * 2);
      if (state.pollAgain && !state.pollInFlight) {
        delete state.pollAgain;
        requestPoll(state, effects);
      }
      armPoll(state, at, effects);
      return changed;
    }
    case WorkflowEffects.ClearPods: {
      if (!state.clearingPods) return false;
      if (failed) {
        state.clearingPods = 0;
        workflowError(state, `retry could not delete the old pods: ${reason}`, at);
        return false;
      }
      state.clearingPods--;
      return state.clearingPods === 0;
    }
    case WorkflowEffects.CreatePod: {
      if (!failed) return false;
      const podName = reason ? /^pod ([^:\s]+):/.exec(reason)?.[1] : undefined;
      const nodeId = podName === undefined ? undefined : state.podIndex[podName];
      const record = nodeId === undefined ? undefined : state.pods[nodeId];
      if (!record) return false;
      podEnded(state, record);
      const node = state.status.nodes?.[record.nodeId];
      if (node && !isFulfilled(node.phase)) {
        setNodePhase(state, node, 'Error');
        node.message = reason!;
        node.finishedAt = isoTime(at);
      }
      return true;
    }
    case WorkflowEffects.Http:
    case WorkflowEffects.Resource: {
      const r = (result ?? {}) as {
        tag?: string;
        pending?: boolean;
        phase?: 'Succeeded' | 'Failed' | 'Error';
        message?: string;
        outputs?: { parameters?: Record<string, string>; result?: string };
      };
      const tag =
        r.tag ?? Object.keys(state.pending).find((t) => state.pending[t]!.kind === 'resource');
      if (!tag) return false;
      const pending = state.pending[tag];
      if (!pending) return false;
      if (!failed && r.pending) {
        // The success condition is not met yet: check again later, backing off to 30 s.
        pending.backoffMs = Math.min(30_000, (pending.backoffMs ?? 500) * 2);
        effects.push(armTimer(state, `resource/${tag}`, at + pending.backoffMs));
        return false;
      }
      delete state.pending[tag];
      const node = state.status.nodes?.[pending.nodeId];
      if (!node || isFulfilled(node.phase)) return false;
      setNodePhase(state, node, failed ? 'Error' : (r.phase ?? 'Succeeded'));
      if (failed || r.message) node.message = failed ? reason! : r.message!;
      node.finishedAt = isoTime(at);
      if (r.outputs?.parameters && Object.keys(r.outputs.parameters).length)
        node.outputs = {
          parameters: Object.entries(r.outputs.parameters).map(([name, value]) => ({
            name,
            value,
          })),
        };
      if (r.outputs?.result !== undefined)
        node.outputs = { ...node.outputs, result: r.outputs.result };
      return true;
    }
    default:
      return false;
  }
}

function applyObservation(state: WorkflowState, o: PodObservation, at: number): boolean {
  const nodeId = state.podIndex[o.podName];
  const record = nodeId === undefined ? undefined : state.pods[nodeId];
  if (!record || record.done) return false;
  const node = state.status.nodes?.[record.nodeId];
  if (!node) return false;
  if (o.hostNodeName) node.hostNodeName = o.hostNodeName;
  if (o.phase === 'Pending' || o.phase === 'Running') {
    if (node.phase === o.phase) return false;
    setNodePhase(state, node, o.phase);
    return true;
  }
  podEnded(state, record);
  node.finishedAt = o.finishedAt ?? isoTime(at);
  if (o.phase === 'Missing') {
    setNodePhase(state, node, 'Error');
    node.message = 'pod deleted';
    node.progress = '0/1';
    return true;
  }
  const template = templateOfNode(state, node);
  const outputs: NodeStatus['outputs'] = {};
  if (o.exitCode !== undefined) outputs.exitCode = String(o.exitCode);
  let outputsError: string | undefined = o.outputsError;
  if (o.outputs) {
    if (o.outputs.result !== undefined) outputs.result = o.outputs.result;
    const params: NodeParameter[] = [];
    for (const p of template?.outputs?.parameters ?? []) {
      const raw = o.outputs.parameters[p.name];
      let value = raw !== undefined ? raw.replace(/\n$/, '') : undefined;
      if (value === undefined && p.valueFrom?.default !== undefined)
        value = scalarString(p.valueFrom.default);
      if (value === undefined && p.value !== undefined) value = scalarString(p.value);
      if (value === undefined && p.valueFrom?.path) {
        if (o.phase === 'Succeeded')
          outputsError ??= `open ${p.valueFrom.path}: no such file or directory`;
        continue;
      }
      const param: NodeParameter = { name: p.name, value: value ?? '' };
      if (p.globalName) param.globalName = p.globalName;
      params.push(param);
    }
    if (params.length) outputs.parameters = params;
    const artifacts: NodeArtifact[] = [];
    for (const a of template?.outputs?.artifacts ?? []) {
      const stored = o.outputs.artifacts[a.name];
      if (!stored) {
        if (!a.optional && o.phase === 'Succeeded' && a.path)
          outputsError ??= `path ${a.path} does not exist in the main container`;
        continue;
      }
      const art: NodeArtifact = {
        name: a.name,
        ...(a.path ? { path: a.path } : {}),
        s3: { key: stored.key },
      };
      if (a.globalName) art.globalName = a.globalName;
      artifacts.push(art);
    }
    if (artifacts.length) outputs.artifacts = artifacts;
  }
  if (Object.keys(outputs).length) node.outputs = outputs;
  if (o.phase === 'Succeeded' && !outputsError) {
    setNodePhase(state, node, 'Succeeded');
    node.progress = '1/1';
    delete node.message;
  } else {
    setNodePhase(state, node, o.phase === 'Succeeded' ? 'Error' : 'Failed');
    node.message =
      outputsError && o.phase === 'Succeeded'
        ? outputsError
        : (o.message ?? `Error (exit code ${o.exitCode ?? 1})`);
    node.progress = '0/1';
  }
  for (const p of node.outputs?.parameters ?? [])
    if (p.globalName) recordGlobalParameter(state, p.globalName, p.value ?? '');
  for (const a of node.outputs?.artifacts ?? [])
    if (a.globalName) recordGlobalArtifact(state, a.globalName, a);
  return true;
}

/** The template a pod node ran, resolved the way the operator resolved it. */
export function templateOfNode(state: WorkflowState, node: NodeStatus): Template | undefined {
  if (node.templateRef) {
    const lib = state.library;
    const spec = node.templateRef.clusterScope
      ? lib.clusterWorkflowTemplates[node.templateRef.name]
      : lib.workflowTemplates[`${state.namespace}/${node.templateRef.name}`];
    return spec?.templates?.find((t) => t.name === node.templateRef!.template);
  }
  const scope = node.templateScope;
  const templates = scope.startsWith('local/')
    ? state.spec.templates
    : scope.startsWith('cluster/')
      ? state.library.clusterWorkflowTemplates[scope.slice(8)]?.templates
      : state.library.workflowTemplates[`${state.namespace}/${scope.slice('namespaced/'.length)}`]
          ?.templates;
  return templates?.find((t) => t.name === node.templateName) ?? inlineTemplate(state, node);
}

function inlineTemplate(state: WorkflowState, node: NodeStatus): Template | undefined {
  // An inline template has no name of its own: find the step or task that declared it.
  const display = node.displayName.replace(/\(.*$/, '');
  for (const t of state.spec.templates ?? []) {
    for (const group of t.steps ?? [])
      for (const s of group) if (s.name === display && s.inline) return s.inline;
    for (const task of t.dag?.tasks ?? [])
      if (task.name === display && task.inline) return task.inline;
  }
  return undefined;
}

function shutdown(
  state: WorkflowState,
  strategy: string,
  at: number,
  effects: EffectRequest[],
): void {
  if (strategy !== 'Terminate' && strategy !== 'Stop') return;
  const alive = Object.values(state.pods).filter((p) => !p.done);
  const isExitNode = (n: NodeStatus | undefined) => Boolean(n && n.name.includes('.onExit'));
  const stop =
    strategy === 'Terminate'
      ? alive
      : alive.filter((p) => !isExitNode(state.status.nodes?.[p.nodeId]));
  for (const p of stop) {
    podEnded(state, p);
    const node = state.status.nodes?.[p.nodeId];
    if (node && !isFulfilled(node.phase)) {
      setNodePhase(state, node, 'Failed');
      node.message = `workflow shutdown with strategy:  ${strategy}`;
      node.finishedAt = isoTime(at);
    }
  }
  if (stop.length) effects.push(...deletePodsOf(stop, state.namespace));
  for (const node of Object.values(state.status.nodes ?? {})) {
    if (node.type === 'Suspend' && !isFulfilled(node.phase)) {
      setNodePhase(state, node, 'Failed');
      node.message = `workflow shutdown with strategy:  ${strategy}`;
      node.finishedAt = isoTime(at);
    }
  }
}

function resumeSuspendNodes(
  state: WorkflowState,
  selector: string | undefined,
  at: number,
  outputs: Record<string, string> | undefined,
): void {
  for (const node of Object.values(state.status.nodes ?? {})) {
    if (node.type !== 'Suspend' || isFulfilled(node.phase)) continue;
    if (selector && !matchesNodeSelector(node, selector)) continue;
    const template = templateOfNode(state, node);
    const params = (template?.outputs?.parameters ?? []).map((p) => ({
      name: p.name,
      value: outputs?.[p.name] ?? scalarString(p.valueFrom?.default) ?? scalarString(p.value) ?? '',
    }));
    if (params.length) node.outputs = { parameters: params };
    setNodePhase(state, node, 'Succeeded');
    node.finishedAt = isoTime(at);
  }
}

/** Argo merges the WorkflowTemplate's spec under the Workflow's own (the Workflow wins). */
export function mergeWorkflowTemplate(template: WorkflowSpec, wf: WorkflowSpec): WorkflowSpec {
  const { workflowTemplateRef: _ref, ...own } = wf;
  const merged: WorkflowSpec = { ...template, ...own };
  const params = new Map((template.arguments?.parameters ?? []).map((p) => [p.name, p]));
  for (const p of wf.arguments?.parameters ?? [])
    params.set(p.name, { ...params.get(p.name), ...p });
  const artifacts = new Map((template.arguments?.artifacts ?? []).map((a) => [a.name, a]));
  for (const a of wf.arguments?.artifacts ?? []) artifacts.set(a.name, a);
  merged.arguments = {
    parameters: [...params.values()],
    ...(artifacts.size ? { artifacts: [...artifacts.values()] } : {}),
  };
  merged.templates = template.templates ?? [];
  if (!wf.entrypoint) merged.entrypoint = template.entrypoint!;
  return merged;
}
