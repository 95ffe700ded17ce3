/**
 * `argo retry`: a Failed or Errored workflow runs again from where it failed. As Argo's
 * FormulateRetryWorkflow does: succeeded and skipped nodes stay (unless `restartSuccessful` and
 * the node field selector pick them); failed, errored and omitted group nodes (DAG, Steps,
 * StepGroup, TaskGroup) go back to Running; every other failed, errored or omitted node, every
 * exit-handler node, and whatever lies below a removed node is removed, its pod deleted, so the
 * operator creates it afresh. The pods go first (their names are reused), then the operator runs.
 */
import type { NodeStatus } from './nodes.js';
import { matchesNodeSelector } from './node-selector.js';
import type { WorkflowState } from './state.js';
import { setNodePhase } from './state.js';

/** Set (to a new JSON value each time) by `argosls retry`. */
export const RETRY_ANNOTATION = 'workflows.argo-serverless.dev/retry';

export interface RetryRequest {
  /** When the retry was asked for (makes each request a new annotation value). */
  at: string;
  restartSuccessful?: boolean;
  nodeFieldSelector?: string;
}

const GROUP_TYPES = new Set(['DAG', 'Steps', 'StepGroup', 'TaskGroup']);
const RERUN_PHASES = new Set(['Failed', 'Error', 'Omitted']);

/** Parses the annotation; undefined when it is not a retry request. */
export function parseRetryRequest(value: string | undefined): RetryRequest | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<RetryRequest>;
    return typeof parsed.at === 'string' ? (parsed as RetryRequest) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resets the state for a retry and returns the pods to delete before anything runs, by cluster.
 * The caller checks that the workflow is Failed or Error.
 */
export function formulateRetry(state: WorkflowState, request: RetryRequest): Map<string, string[]> {
  const nodes = state.status.nodes ?? {};
  const removed = new Set<string>();
  const reset: NodeStatus[] = [];
  const forced = (n: NodeStatus) =>
    Boolean(request.restartSuccessful && request.nodeFieldSelector) &&
    matchesNodeSelector(n, request.nodeFieldSelector!);
  for (const node of Object.values(nodes)) {
    const exitHandler = /\.onExit$/.test(node.name) || node.name.includes('.onExit.');
    if (exitHandler || forced(node)) removed.add(node.id);
    else if (RERUN_PHASES.has(node.phase)) {
      if (GROUP_TYPES.has(node.type)) reset.push(node);
      else removed.add(node.id);
    }
  }
  // Below a removed node nothing survives: it is all created again.
  const stack = [...removed];
  while (stack.length) {
    for (const child of nodes[stack.pop()!]?.children ?? []) {
      if (!removed.has(child)) {
        removed.add(child);
        stack.push(child);
      }
    }
  }
  const pods = new Map<string, string[]>();
  for (const id of removed) {
    const record = state.pods[id];
    if (record) {
      pods.set(record.cluster, [...(pods.get(record.cluster) ?? []), record.podName]);
      delete state.podIndex[record.podName];
      delete state.pods[id];
      delete state.active[id];
    }
    delete nodes[id];
  }
  for (const node of Object.values(nodes)) {
    if (node.children?.some((c) => removed.has(c)))
      node.children = node.children.filter((c) => !removed.has(c));
    if (node.outboundNodes?.some((c) => removed.has(c)))
      node.outboundNodes = node.outboundNodes.filter((c) => !removed.has(c));
  }
  for (const node of reset) {
    if (removed.has(node.id)) continue;
    setNodePhase(state, node, 'Running');
    node.finishedAt = null;
    delete node.message;
  }
  // What the operator derived from the old outcome is derived again.
  state.settled = {};
  state.dagFrontier = {};
  state.dagFailed = {};
  state.loops = {};
  delete state.progressCounts;
  state.activePods = Object.keys(state.active).length;
  const ttl = state.timers['ttl'];
  if (ttl) ttl.fired = true;
  state.status.phase = 'Running';
  state.status.finishedAt = null;
  delete state.status.message;
  if (state.status.conditions)
    state.status.conditions = state.status.conditions.filter((c) => c.type !== 'Completed');
  return pods;
}
