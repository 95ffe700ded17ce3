/**
 * Argo CD's health vocabulary (gitops-engine pkg/health): six codes in an order of badness, so an
 * Application's health is the worst of its resources' health.
 */
import type { KubeObject } from '../../core/objects.js';

export type HealthStatusCode =
  'Healthy' | 'Suspended' | 'Progressing' | 'Missing' | 'Degraded' | 'Unknown';

/** Best first, as Argo orders them. */
export const HEALTH_ORDER: readonly HealthStatusCode[] = [
  'Healthy',
  'Suspended',
  'Progressing',
  'Missing',
  'Degraded',
  'Unknown',
];

export interface HealthStatus {
  status: HealthStatusCode;
  /** Omitted when Argo's message would be empty. */
  message?: string;
}

/** One kind's built-in assessment. Unset fields read as Go's zero values, as Argo's typed structs do. */
export type HealthCheck = (obj: KubeObject) => HealthStatus;

export function isHealthStatusCode(value: unknown): value is HealthStatusCode {
  return typeof value === 'string' && (HEALTH_ORDER as readonly string[]).includes(value);
}

/**
 * True when `next` is worse than `current`. A code Argo does not know ranks as Healthy, as in
 * Argo's IsWorse (its index stays 0).
 */
export function isWorse(current: string, next: string): boolean {
  const rank = (code: string) => Math.max(0, HEALTH_ORDER.indexOf(code as HealthStatusCode));
  return rank(next) > rank(current);
}

/** What Argo CD answers when a Lua check (built in or custom) returns a status it does not know. */
export const INVALID_LUA_STATUS = 'Lua returned an invalid health status';

/** A HealthStatus without an empty message, so results compare and print as Argo's JSON does. */
export function health(status: HealthStatusCode, message?: string): HealthStatus {
  return message ? { status, message } : { status };
}
