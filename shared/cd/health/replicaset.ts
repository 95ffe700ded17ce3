/** apps/v1 ReplicaSet health, as gitops-engine's health_replicaset.go assesses it. */
import type { KubeObject } from '../../core/objects.js';
import { at, conditionsOf, count, intAt, unsupportedVersion } from './fields.js';
import { health, type HealthStatus } from './status.js';

export function replicaSetHealth(obj: KubeObject): HealthStatus {
  if (obj.apiVersion !== 'apps/v1') throw unsupportedVersion(obj, 'ReplicaSet');
  if ((obj.metadata.generation ?? 0) > count(obj, 'status', 'observedGeneration'))
    return health(
      'Progressing',
      'Waiting for rollout to finish: observed replica set generation less than desired generation',
    );
  const failure = conditionsOf(obj).find((c) => c.type === 'ReplicaFailure');
  if (failure?.status === 'True') return health('Degraded', failure.message);
  const desired = intAt(at(obj, 'spec', 'replicas'));
  const available = count(obj, 'status', 'availableReplicas');
  if (desired !== undefined && available < desired)
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${available} out of ${desired} new replicas are available...`,
    );
  return health('Healthy');
}
