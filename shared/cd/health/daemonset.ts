/** apps/v1 DaemonSet health, as gitops-engine's health_daemonset.go assesses it. */
import type { KubeObject } from '../../core/objects.js';
import { at, count, strAt, unsupportedVersion } from './fields.js';
import { health, type HealthStatus } from './status.js';

export function daemonSetHealth(obj: KubeObject): HealthStatus {
  if (obj.apiVersion !== 'apps/v1') throw unsupportedVersion(obj, 'DaemonSet');
  if ((obj.metadata.generation ?? 0) > count(obj, 'status', 'observedGeneration'))
    return health(
      'Progressing',
      'Waiting for rollout to finish: observed daemon set generation less than desired generation',
    );
  const desired = count(obj, 'status', 'desiredNumberScheduled');
  const updated = count(obj, 'status', 'updatedNumberScheduled');
  const available = count(obj, 'status', 'numberAvailable');
  // OnDelete pods are only replaced when someone deletes them: nothing to wait for.
  if (strAt(at(obj, 'spec', 'updateStrategy', 'type')) === 'OnDelete')
    return health('Healthy', `daemon set ${updated} out of ${desired} new pods have been updated`);
  const name = obj.metadata.name;
  if (updated < desired)
    return health(
      'Progressing',
      `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    );
  if (available < desired)
    return health(
      'Progressing',
      `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`,
    );
  return health('Healthy');
}
