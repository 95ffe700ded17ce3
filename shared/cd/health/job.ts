/** batch/v1 Job health, as gitops-engine's health_job.go assesses it. */
import type { KubeObject } from '../../core/objects.js';
import { conditionsOf, unsupportedVersion } from './fields.js';
import { health, type HealthStatus } from './status.js';

export function jobHealth(obj: KubeObject): HealthStatus {
  if (obj.apiVersion !== 'batch/v1') throw unsupportedVersion(obj, 'Job');
  let failed = false;
  let complete = false;
  let suspended = false;
  let failMessage = '';
  let message = '';
  // Argo reads every condition in order, whatever its status: the last one of a type wins.
  for (const c of conditionsOf(obj)) {
    if (c.type === 'Failed') {
      failed = true;
      complete = true;
      failMessage = c.message;
    } else if (c.type === 'Complete') {
      complete = true;
      message = c.message;
    } else if (c.type === 'Suspended') {
      complete = true;
      message = c.message;
      if (c.status === 'True') suspended = true;
    }
  }
  if (!complete) return health('Progressing', message);
  if (failed) return health('Degraded', failMessage);
  if (suspended) return health('Suspended', message);
  return health('Healthy', message);
}
