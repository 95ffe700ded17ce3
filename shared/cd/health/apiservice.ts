/** apiregistration.k8s.io APIService health (v1 and v1beta1), as gitops-engine's health_apiservice.go. */
import type { KubeObject } from '../../core/objects.js';
import { conditionsOf, unsupportedVersion } from './fields.js';
import { health, type HealthStatus } from './status.js';

const VERSIONS = new Set(['apiregistration.k8s.io/v1', 'apiregistration.k8s.io/v1beta1']);

export function apiServiceHealth(obj: KubeObject): HealthStatus {
  if (!VERSIONS.has(obj.apiVersion)) throw unsupportedVersion(obj, 'APIService');
  const available = conditionsOf(obj).find((c) => c.type === 'Available');
  if (!available) return health('Progressing', 'Waiting to be processed');
  const message = `${available.reason}: ${available.message}`;
  return health(available.status === 'True' ? 'Healthy' : 'Progressing', message);
}
