/** v1 Service health, as gitops-engine's health_service.go assesses it. */
import type { KubeObject } from '../../core/objects.js';
import { at, listAt, strAt, unsupportedVersion } from './fields.js';
import { health, type HealthStatus } from './status.js';

export function serviceHealth(obj: KubeObject): HealthStatus {
  if (obj.apiVersion !== 'v1') throw unsupportedVersion(obj, 'Service');
  // Only a LoadBalancer waits on something outside the cluster: its cloud load balancer.
  if (strAt(at(obj, 'spec', 'type')) !== 'LoadBalancer') return health('Healthy');
  return listAt(at(obj, 'status', 'loadBalancer', 'ingress')).length > 0
    ? health('Healthy')
    : health('Progressing');
}
