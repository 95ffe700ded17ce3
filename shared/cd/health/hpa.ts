/**
 * HorizontalPodAutoscaler health, as gitops-engine's health_hpa.go assesses it: autoscaling/v2
 * from status.conditions, autoscaling/v1 from the conditions the API server keeps in an
 * annotation (v1 has no conditions field).
 */
import type { KubeObject } from '../../core/objects.js';
import {
  annotationsOf,
  conditionsOf,
  strAt,
  unsupportedVersion,
  type Condition,
} from './fields.js';
import { health, type HealthStatus } from './status.js';

export const HPA_V1_CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';

const WAITING = health('Progressing', 'Waiting to Autoscale');

/** type/reason pairs that mean the autoscaler cannot do its job. */
const DEGRADED = new Set([
  'AbleToScale/FailedGetScale',
  'AbleToScale/FailedUpdateScale',
  'ScalingActive/FailedGetResourceMetric',
  'ScalingActive/FailedGetObjectMetric',
  'ScalingActive/FailedGetPodsMetric',
  'ScalingActive/FailedGetExternalMetric',
  'ScalingActive/FailedComputeMetricsReplicas',
  'ScalingActive/InvalidSelector',
]);

export function hpaHealth(obj: KubeObject): HealthStatus {
  if (obj.apiVersion === 'autoscaling/v2') return fromConditions(conditionsOf(obj));
  if (obj.apiVersion !== 'autoscaling/v1') throw unsupportedVersion(obj, 'HPA');
  const annotation = annotationsOf(obj)[HPA_V1_CONDITIONS_ANNOTATION];
  if (annotation === undefined) return WAITING;
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation);
  } catch (err) {
    throw new Error(
      `failed to convert conditions annotation to typed: ${(err as Error).message} (annotation ${HPA_V1_CONDITIONS_ANNOTATION} must be a JSON list of conditions)`,
    );
  }
  if (parsed !== null && !Array.isArray(parsed))
    throw new Error(
      `failed to convert conditions annotation to typed: annotation ${HPA_V1_CONDITIONS_ANNOTATION} must be a JSON list of conditions`,
    );
  const conditions = conditionsOf({ status: { conditions: parsed } });
  return conditions.length === 0 ? WAITING : fromConditions(conditions);
}

function fromConditions(conditions: Condition[]): HealthStatus {
  const degraded = conditions.find((c) => DEGRADED.has(`${c.type}/${c.reason}`));
  if (degraded) return health('Degraded', degraded.message);
  const healthy = conditions.find(
    (c) => (c.type === 'AbleToScale' || c.type === 'ScalingLimited') && c.status === 'True',
  );
  if (healthy) return health('Healthy', strAt(healthy.message));
  return WAITING;
}
