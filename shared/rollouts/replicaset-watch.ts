/**
 * What a watch on a Rollout's ReplicaSets tells the rollout machine: "your ReplicaSets changed,
 * observe now". As with workflow pods the observation stays the rollout's own effect (on EKS
 * there is no watch from Lambda, and the backoff poll alone learns of changes); the hint only
 * saves the wait where a watch can run (the embedded runtime).
 */
import type { KubeObject } from '../core/objects.js';
import type { Message } from '../core/types.js';
import { OWNER_ANNOTATION, OWNER_LABEL } from './replicaset.js';

/** ReplicaSets that belong to a Rollout. */
export const WATCHED_REPLICASETS_SELECTOR = OWNER_LABEL;

/**
 * The hint for a watched ReplicaSet change, or undefined when it says nothing the rollout reads
 * (its replica counts). Its id names the ReplicaSet and the counts, so a repeated watch event is
 * a duplicate.
 */
export function replicaSetChangeHint(
  type: 'ADDED' | 'MODIFIED' | 'DELETED',
  rs: KubeObject,
  at: number,
): Message | undefined {
  const key = (rs.metadata.annotations as Record<string, string> | undefined)?.[OWNER_ANNOTATION];
  if (!key) return undefined;
  const spec = (rs.spec ?? {}) as { replicas?: number };
  const status = (rs.status ?? {}) as {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
  };
  const counts = [spec.replicas, status.replicas, status.readyReplicas, status.availableReplicas]
    .map((n) => n ?? 0)
    .join('.');
  return {
    id: `rs-watch/${rs.metadata.uid ?? rs.metadata.name}/${type === 'DELETED' ? 'deleted' : counts}`,
    key,
    at,
    event: { type: 'ReplicaSetsChanged' },
  };
}
