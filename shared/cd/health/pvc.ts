/** v1 PersistentVolumeClaim health, as gitops-engine's health_pvc.go assesses it. */
import type { KubeObject } from '../../core/objects.js';
import { at, strAt, unsupportedVersion } from './fields.js';
import { health, type HealthStatus, type HealthStatusCode } from './status.js';

const BY_PHASE: Record<string, HealthStatusCode> = {
  Lost: 'Degraded',
  Pending: 'Progressing',
  Bound: 'Healthy',
};

export function pvcHealth(obj: KubeObject): HealthStatus {
  if (obj.apiVersion !== 'v1') throw unsupportedVersion(obj, 'PersistentVolumeClaim');
  return health(BY_PHASE[strAt(at(obj, 'status', 'phase'))] ?? 'Unknown');
}
