/**
 * argoproj.io Rollout health as Argo CD's built-in Lua check (resource_customizations/
 * argoproj.io/Rollout/health.lua) assesses it. Rollouts v1.0+ record a phase and message that
 * Argo CD surfaces as they are ("Paused" reads as Suspended); older Rollouts are judged from
 * conditions, pause state, replica counts and the strategy's status.
 */
import type { KubeObject } from '../../core/objects.js';
import { annotationsOf, at, conditionsOf, count, intAt, listAt, objAt, strAt } from './fields.js';
import { health, INVALID_LUA_STATUS, isHealthStatusCode, type HealthStatus } from './status.js';

export const WORKLOAD_GENERATION_ANNOTATION = 'rollout.argoproj.io/workload-generation';

export function rolloutHealth(obj: KubeObject): HealthStatus {
  if (!generationObserved(obj) || !workloadGenerationObserved(obj))
    return health('Progressing', 'Waiting for rollout spec update to be observed');
  const status = objAt(obj.status) ?? {};

  const phase = status.phase;
  if (phase !== undefined && phase !== null) {
    const code = phase === 'Paused' ? 'Suspended' : phase;
    if (!isHealthStatusCode(code)) return health('Unknown', INVALID_LUA_STATUS);
    return health(code, strAt(status.message));
  }

  for (const c of conditionsOf(obj)) {
    if (c.type === 'InvalidSpec') return health('Degraded', c.message);
    if (
      c.type === 'Progressing' &&
      (c.reason === 'RolloutAborted' || c.reason === 'ProgressDeadlineExceeded')
    )
      return health('Degraded', c.message);
  }

  if (listAt(status.pauseConditions).length > 0 || at(obj, 'spec', 'paused') === true)
    return health('Suspended', 'Rollout is paused');

  const podHash = status.currentPodHash;
  if (podHash === undefined || podHash === null)
    return health('Progressing', 'Waiting for rollout to finish: status has not been reconciled.');

  const desired = intAt(at(obj, 'spec', 'replicas')) ?? 1;
  const replicas = count(obj, 'status', 'replicas');
  const updated = count(obj, 'status', 'updatedReplicas');
  const available = count(obj, 'status', 'availableReplicas');
  if (updated < desired)
    return health(
      'Progressing',
      'Waiting for roll out to finish: More replicas need to be updated',
    );
  if (available < updated)
    return health(
      'Progressing',
      'Waiting for roll out to finish: updated replicas are still becoming available',
    );

  // Rollouts v0.8 moved status.canary.stableRS to status.stableRS; both are read.
  const stableRS = strAt(status.stableRS ?? at(status, 'canary', 'stableRS'));
  const strategy = objAt(at(obj, 'spec', 'strategy')) ?? {};
  if (strategy.blueGreen !== undefined && strategy.blueGreen !== null) {
    if (at(status, 'blueGreen', 'activeSelector') !== podHash)
      return health('Progressing', 'active service cutover pending');
    if (stableRS !== '' && stableRS !== podHash)
      return health('Progressing', 'waiting for analysis to complete');
  } else if (strategy.canary !== undefined && strategy.canary !== null) {
    if (replicas > updated)
      return health(
        'Progressing',
        'Waiting for roll out to finish: old replicas are pending termination',
      );
    if (stableRS === '' || stableRS !== podHash)
      return health('Progressing', 'Waiting for rollout to finish steps');
  }
  return health('Healthy');
}

/**
 * Lua's tonumber on a JSON value: numbers as they are, numeric strings parsed, anything else
 * nil. Rollouts before v0.10 kept a hash in status.observedGeneration, which is not a number.
 */
function luaNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text, 16);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return undefined;
  return Number(text);
}

function generationObserved(obj: KubeObject): boolean {
  if (obj.status === undefined || obj.status === null) return false;
  const observed = luaNumber(at(obj, 'status', 'observedGeneration'));
  const generation = obj.metadata.generation;
  // A hash (v0.9 and before) or a number ahead of metadata.generation: nothing to compare.
  if (observed === undefined) return true;
  if (generation === undefined) {
    // The Lua compares the number with nil and fails; a manifest straight from git has no
    // metadata.generation, so say which field to set.
    throw new Error(
      'cannot compare status.observedGeneration with metadata.generation: metadata.generation is not set',
    );
  }
  return observed > generation || observed === generation;
}

/** Rollouts v1.1+ referencing a Deployment (spec.workloadRef) track its generation too. */
function workloadGenerationObserved(obj: KubeObject): boolean {
  const workloadRef = at(obj, 'spec', 'workloadRef');
  if (workloadRef === undefined || workloadRef === null || obj.metadata.annotations === undefined)
    return true;
  const wanted = luaNumber(annotationsOf(obj)[WORKLOAD_GENERATION_ANNOTATION]);
  const observed = luaNumber(at(obj, 'status', 'workloadObservedGeneration'));
  return wanted === observed;
}
