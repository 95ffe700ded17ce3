/** apps/v1 StatefulSet health, as gitops-engine's health_statefulset.go assesses it. */
import type { KubeObject } from '../../core/objects.js';
import { at, count, intAt, strAt, unsupportedVersion } from './fields.js';
import { health, type HealthStatus } from './status.js';

export function statefulSetHealth(obj: KubeObject): HealthStatus {
  if (obj.apiVersion !== 'apps/v1') throw unsupportedVersion(obj, 'StatefulSet');
  const observed = count(obj, 'status', 'observedGeneration');
  if (observed === 0 || (obj.metadata.generation ?? 0) > observed)
    return health('Progressing', 'Waiting for statefulset spec update to be observed...');
  const desired = intAt(at(obj, 'spec', 'replicas'));
  const ready = count(obj, 'status', 'readyReplicas');
  const updated = count(obj, 'status', 'updatedReplicas');
  if (desired !== undefined && ready < desired)
    return health('Progressing', `Waiting for ${desired - ready} pods to be ready...`);
  const strategy = strAt(at(obj, 'spec', 'updateStrategy', 'type'));
  const rollingUpdate = at(obj, 'spec', 'updateStrategy', 'rollingUpdate');
  // Argo reports any RollingUpdate with a rollingUpdate block as partitioned, partition or not.
  if (strategy === 'RollingUpdate' && rollingUpdate !== undefined && rollingUpdate !== null) {
    const partition = intAt(at(rollingUpdate, 'partition'));
    if (desired !== undefined && partition !== undefined && updated < desired - partition)
      return health(
        'Progressing',
        `Waiting for partitioned roll out to finish: ${updated} out of ${desired - partition} new pods have been updated...`,
      );
    return health(
      'Healthy',
      `partitioned roll out complete: ${updated} new pods have been updated...`,
    );
  }
  if (strategy === 'OnDelete') return health('Healthy', `statefulset has ${ready} ready pods`);
  const updateRevision = strAt(at(obj, 'status', 'updateRevision'));
  const currentRevision = strAt(at(obj, 'status', 'currentRevision'));
  if (updateRevision !== currentRevision)
    return health(
      'Progressing',
      `waiting for statefulset rolling update to complete ${updated} pods at revision ${updateRevision}...`,
    );
  return health(
    'Healthy',
    `statefulset rolling update complete ${count(obj, 'status', 'currentReplicas')} pods at revision ${currentRevision}...`,
  );
}
