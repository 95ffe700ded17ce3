/** apps/v1 Deployment health, as gitops-engine's health_deployment.go assesses it. */
import type { KubeObject } from '../../core/objects.js';
import { at, conditionsOf, count, intAt, unsupportedVersion } from './fields.js';
import { health, type HealthStatus } from './status.js';

export function deploymentHealth(obj: KubeObject): HealthStatus {
  if (obj.apiVersion !== 'apps/v1') throw unsupportedVersion(obj, 'Deployment');
  if (at(obj, 'spec', 'paused') === true) return health('Suspended', 'Deployment is paused');
  // Until the controller has seen the latest spec, the status describes an older one.
  if ((obj.metadata.generation ?? 0) > count(obj, 'status', 'observedGeneration'))
    return health(
      'Progressing',
      'Waiting for rollout to finish: observed deployment generation less than desired generation',
    );
  const progressing = conditionsOf(obj).find((c) => c.type === 'Progressing');
  const desired = intAt(at(obj, 'spec', 'replicas'));
  const replicas = count(obj, 'status', 'replicas');
  const updated = count(obj, 'status', 'updatedReplicas');
  const available = count(obj, 'status', 'availableReplicas');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    return health('Degraded', `Deployment "${obj.metadata.name}" exceeded its progress deadline`);
  if (desired !== undefined && updated < desired)
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${updated} out of ${desired} new replicas have been updated...`,
    );
  if (replicas > updated)
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${replicas - updated} old replicas are pending termination...`,
    );
  if (available < updated)
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`,
    );
  return health('Healthy');
}
