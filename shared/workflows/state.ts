/**
 * What the workflow machine keeps between events: the execution spec (the Workflow's own, merged
 * with its workflowTemplateRef), the templates and ConfigMaps its references resolved to (facts
 * fetched once, kept in the log for replay), Argo's `status`, and our bookkeeping of pods,
 * timers and requests in flight.
 */
import type { EffectRequest, Json, JsonObject } from '../core/types.js';
import { CoreEffects } from '../core/effects.js';
import type { NodeArtifact, NodeStatus, WorkflowPhase } from './nodes.js';
import type { WorkflowSpec } from './types.js';

export interface WorkflowStatus {
  phase: WorkflowPhase;
  startedAt?: string;
  finishedAt?: string | null;
  progress?: string;
  message?: string;
  nodes?: Record<string, NodeStatus>;
  outputs?: { parameters?: { name: string; value?: string }[]; artifacts?: JsonObject[] };
  storedTemplates?: Record<string, JsonObject>;
  conditions?: { type: string; status: string; message?: string }[];
  estimatedDuration?: number;
  [field: string]: unknown;
}

/** A pod we created (or asked to create) and wait for. */
export interface PodRecord {
  nodeId: string;
  podName: string;
  cluster: string;
  /** Read the main container's log when it ends: outputs or `result` travel there. */
  /** Set once the pod's end was observed. */
  done?: boolean;
}

export interface Library {
  /** `namespace/name` -> spec */
  workflowTemplates: Record<string, WorkflowSpec>;
  clusterWorkflowTemplates: Record<string, WorkflowSpec>;
  /** `namespace/name` -> data; null when the ConfigMap does not exist. */
  configMaps: Record<string, Record<string, string> | null>;
}

export interface WorkflowState {
  name: string;
  namespace: string;
  uid: string;
  cluster: string;
  creationTimestamp: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The spec as submitted (suspend / shutdown changes arrive as object updates). */
  spec: WorkflowSpec;
  library: Library;
  /** References not yet resolved: the machine waits for them before it starts. */
  preparing: boolean;
  /** A retry waits for this many clusters to delete the old pods before the operator runs. */
  clearingPods?: number;
  status: WorkflowStatus;
  pods: Record<string, PodRecord>;
  /** Pod name -> node id, for observations. */
  podIndex: Record<string, string>;
  /** Pods asked for and not yet seen to end: their count, and their node ids. */
  activePods: number;
  active: Record<string, true>;
  /** Ended pods not yet labelled `completed=true` on the cluster (so polls skip them). */
  unlabelled: { podName: string; cluster: string }[];
  /** Timers by id: generation of the armed one, and when it fires. */
  timers: Record<string, { generation: number; fireAt: number; fired?: boolean }>;
  /** Current poll backoff (ms). */
  pollBackoffMs: number;
  /** Poll reports awaited (one poll asks each cluster with active pods). */
  pollInFlight?: number;
  /** A pod changed (or the timer fired) while a poll was in flight: poll again on its report. */
  pollAgain?: boolean;
  /** Resource-template and other effects awaiting their report, by effect-request tag. */
  pending: Record<string, { nodeId: string; kind: string; input?: Json; backoffMs?: number }>;
  /** Monotonic counter for request tags. */
  requestSeq: number;
  /** Per DAG node: its tasks that are fulfilled for good (see the operator's DAG walk). */
  settled: Record<string, Record<string, 1>>;
  /**
   * Per DAG node: its frontier, the unsettled tasks whose dependencies have all started (2 once
   * the task's own dependents were considered), and its settled tasks that failed.
   */
  dagFrontier: Record<string, Record<string, 1 | 2>>;
  dagFailed: Record<string, Record<string, 1>>;
  /** Per DAG loop (TaskGroup node): the next item not yet visited, and the items in flight. */
  loops?: Record<string, { next: number; open: number[] }>;
  /** Pod nodes, and those done, for `progress` (kept as phases change; counted once if absent). */
  progressCounts?: { total: number; done: number };
}

/** Records that a pod ended (or was given up on): it is no longer polled. Idempotent. */
export function podEnded(state: WorkflowState, record: PodRecord): void {
  if (record.done) return;
  record.done = true;
  state.activePods--;
  delete state.active[record.nodeId];
  state.unlabelled.push({ podName: record.podName, cluster: record.cluster });
}

/** A global output parameter (`globalName`), kept in `status.outputs`. */
export function recordGlobalParameter(state: WorkflowState, name: string, value: string): void {
  const params = ((state.status.outputs ??= {}).parameters ??= []);
  const existing = params.find((p) => p.name === name);
  if (existing) existing.value = value;
  else params.push({ name, value });
}

/** A global output artifact (`globalName`), kept in `status.outputs`; returns what was kept. */
export function recordGlobalArtifact(
  state: WorkflowState,
  name: string,
  artifact: NodeArtifact,
): JsonObject {
  const arts = ((state.status.outputs ??= {}).artifacts ??= []);
  const copy = { ...artifact, name } as unknown as JsonObject;
  const i = arts.findIndex((a) => a['name'] === name);
  if (i >= 0) arts[i] = copy;
  else arts.push(copy);
  return copy;
}

/**
 * Arms timer `timerId` at `fireAt` with the next generation (a fired or superseded generation is
 * ignored when it arrives) and returns the effect that schedules it.
 */
export function armTimer(state: WorkflowState, timerId: string, fireAt: number): EffectRequest {
  const generation = (state.timers[timerId]?.generation ?? 0) + 1;
  state.timers[timerId] = { generation, fireAt };
  return { kind: CoreEffects.SetTimer, input: { timerId, generation, fireAt } };
}

const countsForProgress = (node: NodeStatus) => node.type === 'Pod' || node.type === 'Container';
const doneForProgress = (phase: string) =>
  phase === 'Succeeded' || phase === 'Skipped' || phase === 'Omitted';

/** Argo's `progress` counts: pods done of pods. Kept as nodes change, not recounted per event. */
export function progressCounts(state: WorkflowState): { total: number; done: number } {
  if (!state.progressCounts) {
    const counts = { total: 0, done: 0 };
    for (const node of Object.values(state.status.nodes ?? {})) {
      if (!countsForProgress(node)) continue;
      counts.total++;
      if (doneForProgress(node.phase)) counts.done++;
    }
    state.progressCounts = counts;
  }
  return state.progressCounts;
}

/** Every node phase change goes through here, so `progress` stays right without a recount. */
export function setNodePhase(state: WorkflowState, node: NodeStatus, phase: NodeStatus['phase']) {
  if (countsForProgress(node)) {
    progressCounts(state).done +=
      Number(doneForProgress(phase)) - Number(doneForProgress(node.phase));
  }
  node.phase = phase;
}

/** Adds (or replaces) a node in `status.nodes`. */
export function putNode(state: WorkflowState, node: NodeStatus): void {
  const nodes = (state.status.nodes ??= {});
  const counts = progressCounts(state);
  const previous = nodes[node.id];
  if (previous && countsForProgress(previous)) {
    counts.total--;
    counts.done -= Number(doneForProgress(previous.phase));
  }
  nodes[node.id] = node;
  if (countsForProgress(node)) {
    counts.total++;
    counts.done += Number(doneForProgress(node.phase));
  }
}
