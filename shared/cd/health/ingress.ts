/**
 * Ingress health (networking.k8s.io and the old extensions group, any version), as
 * gitops-engine's health_ingress.go assesses it: Healthy once a load balancer address is set.
 */
import type { KubeObject } from '../../core/objects.js';
import { at, listAt } from './fields.js';
import { health, type HealthStatus } from './status.js';

export function ingressHealth(obj: KubeObject): HealthStatus {
  return listAt(at(obj, 'status', 'loadBalancer', 'ingress')).length > 0
    ? health('Healthy')
    : health('Progressing');
}
