/**
 * What a watch on workflow pods tells the workflow machine: "one of your pods changed, poll now".
 * The poll stays the one way observations arrive (on EKS there is no watch from Lambda); the hint
 * only saves the wait for the backoff timer where a watch can run (the embedded runtime).
 */
import type { KubeObject } from '../core/objects.js';
import type { Message } from '../core/types.js';
import { ANNOTATIONS, LABELS } from './pods.js';

/** Pods of workflows that have not been seen to end. */
export const WATCHED_PODS_SELECTOR = `${LABELS.workflow},${LABELS.completed}=false`;

/**
 * The hint for a watched pod change, or undefined when it says nothing new: only a pod's end
 * is worth an early poll. Its id names the pod and phase, so a repeated watch event is a duplicate.
 */
export function podChangeHint(
  type: 'ADDED' | 'MODIFIED' | 'DELETED',
  pod: KubeObject,
  at: number,
): Message | undefined {
  const key = (pod.metadata.annotations as Record<string, string> | undefined)?.[
    ANNOTATIONS.resourceKey
  ];
  const phase = (pod['status'] as { phase?: string } | undefined)?.phase;
  // Only an end moves the workflow on; Running shows with the next regular poll.
  if (type === 'DELETED' || !key || (phase !== 'Succeeded' && phase !== 'Failed')) return undefined;
  return {
    id: `pod-watch/${pod.metadata.uid ?? pod.metadata.name}/${phase}`,
    key,
    at,
    event: { type: 'PodsChanged' },
  };
}
