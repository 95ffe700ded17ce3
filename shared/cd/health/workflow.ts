/** argoproj.io Workflow health, as gitops-engine's health_argo.go assesses it. */
import type { KubeObject } from '../../core/objects.js';
import { at, strAt } from './fields.js';
import { health, type HealthStatus } from './status.js';

export function workflowHealth(obj: KubeObject): HealthStatus {
  const message = strAt(at(obj, 'status', 'message'));
  switch (strAt(at(obj, 'status', 'phase'))) {
    // A Workflow the controller has not picked up yet has no phase.
    case '':
    case 'Pending':
    case 'Running':
      return health('Progressing', message);
    case 'Succeeded':
      return health('Healthy', message);
    case 'Failed':
    case 'Error':
      return health('Degraded', message);
    default:
      return health('Unknown', message);
  }
}
