/** v1 Pod health, as gitops-engine's health_pod.go assesses it. */
import type { KubeObject } from '../../core/objects.js';
import { annotationsOf, at, conditionsOf, listAt, strAt, unsupportedVersion } from './fields.js';
import { isHook } from '../hooks.js';
import { health, type HealthStatus } from './status.js';

/** Assess a Pod as if restartPolicy were Always (unless it is a hook). */
export const IGNORE_RESTART_POLICY_ANNOTATION = 'argocd.argoproj.io/ignore-restart-policy';

export function podHealth(obj: KubeObject): HealthStatus {
  if (obj.apiVersion !== 'v1') throw unsupportedVersion(obj, 'Pod');
  const message = strAt(at(obj, 'status', 'message'));
  const policy = strAt(at(obj, 'spec', 'restartPolicy'));
  const ignoresPolicy = annotationsOf(obj)[IGNORE_RESTART_POLICY_ANNOTATION] === 'true';
  // A pod that restarts forever never fails by phase: its containers' waiting reasons tell.
  const restartsForever = policy === 'Always' || (ignoresPolicy && !isHook(obj));
  const containers = listAt(at(obj, 'status', 'containerStatuses'));
  const initContainers = listAt(at(obj, 'status', 'initContainerStatuses'));

  if (restartsForever) {
    const failing = containers.filter((c) => {
      const waiting = at(c, 'state', 'waiting');
      const reason = strAt(at(waiting, 'reason'));
      return (
        isPresent(waiting) &&
        (reason.startsWith('Err') || reason.endsWith('Error') || reason.endsWith('BackOff'))
      );
    });
    if (failing.length > 0)
      return health(
        'Degraded',
        failing.map((c) => strAt(at(c, 'state', 'waiting', 'message'))).join(', '),
      );
  }

  switch (strAt(at(obj, 'status', 'phase'))) {
    case 'Pending':
      return health('Progressing', message);
    case 'Succeeded':
      return health('Healthy', message);
    case 'Failed': {
      if (message) return health('Degraded', message);
      for (const c of [...initContainers, ...containers]) {
        const failure = failMessage(c);
        if (failure) return health('Degraded', failure);
      }
      return health('Degraded');
    }
    case 'Running': {
      if (restartsForever) {
        if (conditionsOf(obj).some((c) => c.type === 'Ready' && c.status === 'True'))
          return health('Healthy', message);
        // Ready once, now restarting: a crash loop between back-offs.
        if (containers.some((c) => isPresent(at(c, 'lastState', 'terminated'))))
          return health('Degraded', message);
        return health('Progressing', message);
      }
      if (policy === 'OnFailure' || policy === 'Never') return health('Progressing', message);
    }
  }
  return health('Unknown', message);
}

const isPresent = (v: unknown): boolean => v !== undefined && v !== null;

function failMessage(container: unknown): string {
  const terminated = at(container, 'state', 'terminated');
  if (!isPresent(terminated)) return '';
  const message = strAt(at(terminated, 'message'));
  if (message) return message;
  const reason = strAt(at(terminated, 'reason'));
  if (reason === 'OOMKilled') return reason;
  const exitCode = at(terminated, 'exitCode');
  if (typeof exitCode === 'number' && exitCode !== 0)
    return `container "${strAt(at(container, 'name'))}" failed with exit code ${exitCode}`;
  return '';
}
