/**
 * How many pods the canary and the stable ReplicaSet should run, computed as Argo Rollouts does
 * (utils/replicaset/canary.go, utils/replicaset/replicaset.go, utils/defaults, utils/weightutil).
 * Users argue about these numbers, so every rounding matches Argo's: Go's int32 results come from
 * Math.floor / Math.ceil exactly where Go calls math.Floor / math.Ceil, and float expressions are
 * evaluated in Go's order so ties fall the same way. Pure functions, no I/O.
 *
 * Products such as replicas * weight are computed in doubles; Go computes some of them in int32
 * and would wrap past 2^31 (e.g. 300,000 replicas with maxTrafficWeight 10,000), a range no
 * rollout reaches.
 */
import type {
  CanaryStep,
  IntOrString,
  ReplicaSetView,
  Rollout,
  SetCanaryScale,
  TrafficWeights,
} from './types.js';

/** Argo's defaults.DefaultReplicas. */
export const DEFAULT_REPLICAS = 1;
/** Argo writes these as "25", which its legacy intstr parser reads as 25%. */
export const DEFAULT_MAX_SURGE: IntOrString = '25%';
export const DEFAULT_MAX_UNAVAILABLE: IntOrString = '25%';
/** weightutil's default when trafficRouting.maxTrafficWeight is unset. */
export const DEFAULT_MAX_TRAFFIC_WEIGHT = 100;
/** defaults.DefaultAbortScaleDownDelaySeconds. */
const DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS = 30;

/** Desired and stable ReplicaSet sizes, the pair every count function returns. */
export interface ReplicaCounts {
  newReplicas: number;
  stableReplicas: number;
}

/** defaults.GetReplicasOrDefault(rollout.Spec.Replicas). */
function specReplicas(rollout: Rollout): number {
  return rollout.spec.replicas ?? DEFAULT_REPLICAS;
}

/** weightutil.MaxTrafficWeight: the weight that means "all traffic". */
export function maxTrafficWeight(rollout: Rollout): number {
  return (
    rollout.spec.strategy.canary?.trafficRouting?.maxTrafficWeight ?? DEFAULT_MAX_TRAFFIC_WEIGHT
  );
}

// ---------------------------------------------------------------------------------------------
// maxSurge / maxUnavailable

/** A count, or an error saying what was wrong with the value. */
type Scaled = { value: number; error?: undefined } | { value?: undefined; error: string };

/**
 * intstr.GetValueFromIntOrPercent, the deprecated variant Argo still calls: numbers are counts,
 * every string is a percentage (all "%" removed, then strconv.Atoi), rounded up or down.
 */
function scaleIntOrPercent(
  field: string,
  intOrPercent: IntOrString,
  total: number,
  roundUp: boolean,
): Scaled {
  if (typeof intOrPercent === 'number') {
    // A non-integer never gets this far in Argo: the manifest fails to decode into an int32.
    if (!Number.isInteger(intOrPercent)) {
      return { error: `${field}: ${intOrPercent} is not a whole number of pods` };
    }
    return { value: intOrPercent };
  }
  const digits = intOrPercent.replaceAll('%', '');
  // strconv.Atoi: an optional sign and decimal digits, nothing else (no spaces, no decimals).
  if (!/^[+-]?\d+$/.test(digits)) {
    return {
      error: `${field}: "${intOrPercent}" is neither a whole number nor a percentage like "25%"`,
    };
  }
  const percent = Number(digits);
  // Go: float64(value) * float64(total) / 100, left to right.
  const scaled = (percent * total) / 100;
  return { value: roundUp ? Math.ceil(scaled) : Math.floor(scaled) };
}

/** Resolved maxSurge and maxUnavailable; both 0 with an error when either value was invalid. */
export interface Fenceposts {
  surge: number;
  unavailable: number;
  error?: string;
}

/**
 * replicaset.resolveFenceposts: maxSurge rounds up, maxUnavailable rounds down (Kubernetes'
 * Deployment rules), an unset value counts as 0, and when both resolve to 0 (e.g. "1%" of 10
 * unavailable) maxUnavailable becomes 1 so the rollout can still move if surging is blocked by a
 * quota. Resolved together because that last rule needs both.
 */
export function resolveFenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  desired: number,
): Fenceposts {
  const surge = scaleIntOrPercent('maxSurge', maxSurge ?? 0, desired, true);
  if (surge.error !== undefined) return { surge: 0, unavailable: 0, error: surge.error };
  const unavailable = scaleIntOrPercent('maxUnavailable', maxUnavailable ?? 0, desired, false);
  if (unavailable.error !== undefined) {
    return { surge: 0, unavailable: 0, error: unavailable.error };
  }
  if (surge.value === 0 && unavailable.value === 0) return { surge: 0, unavailable: 1 };
  return { surge: surge.value, unavailable: unavailable.value };
}

/** defaults.GetMaxSurgeOrDefault. */
function maxSurgeOrDefault(rollout: Rollout): IntOrString {
  return rollout.spec.strategy.canary?.maxSurge ?? DEFAULT_MAX_SURGE;
}

/** defaults.GetMaxUnavailableOrDefault: blueGreen's value wins over canary's. */
function maxUnavailableOrDefault(rollout: Rollout): IntOrString {
  const { blueGreen, canary } = rollout.spec.strategy;
  return blueGreen?.maxUnavailable ?? canary?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE;
}

/**
 * replicaset.MaxSurge: how many pods above spec.replicas a canary may run; 0 for blue-green.
 * An invalid value resolves to 0 (Argo leaves reporting it to validation).
 */
export function resolveMaxSurge(rollout: Rollout): number {
  if (rollout.spec.strategy.canary === undefined) return 0;
  return resolveFenceposts(
    maxSurgeOrDefault(rollout),
    maxUnavailableOrDefault(rollout),
    specReplicas(rollout),
  ).surge;
}

/**
 * replicaset.MaxUnavailable: how many of spec.replicas may be unavailable, never more than
 * spec.replicas. Blue-green resolves maxUnavailable alone, so it never gets the "both zero"
 * bump to 1; an invalid value resolves to 0.
 */
export function resolveMaxUnavailable(rollout: Rollout): number {
  const replicas = specReplicas(rollout);
  if (replicas === 0) return 0;
  const unavailable =
    rollout.spec.strategy.canary !== undefined
      ? resolveFenceposts(maxSurgeOrDefault(rollout), maxUnavailableOrDefault(rollout), replicas)
          .unavailable
      : (scaleIntOrPercent('maxUnavailable', maxUnavailableOrDefault(rollout), replicas, false)
          .value ?? 0);
  return Math.min(unavailable, replicas);
}

// ---------------------------------------------------------------------------------------------
// Steps and weights

/** The step the rollout is at: index into steps; step is undefined once every step has run. */
export interface CurrentStep {
  step: CanaryStep | undefined;
  index: number;
}

/**
 * replicaset.GetCurrentCanaryStep: undefined when there are no steps; past the last step the
 * index is still returned (it says "all steps done") but without a step.
 */
export function currentCanaryStep(rollout: Rollout): CurrentStep | undefined {
  const steps = rollout.spec.strategy.canary?.steps ?? [];
  if (steps.length === 0) return undefined;
  const index = rollout.status?.currentStepIndex ?? 0;
  return { step: steps[index], index };
}

/**
 * replicaset.GetCurrentSetWeight: the last setWeight at or before the current step. An abort
 * means 0; no steps, or all of them done, means full weight; steps so far without a setWeight
 * mean 0.
 */
export function currentSetWeight(rollout: Rollout): number {
  if (rollout.status?.abort) return 0;
  const current = currentCanaryStep(rollout);
  if (current?.step === undefined) return maxTrafficWeight(rollout);
  const steps = rollout.spec.strategy.canary?.steps ?? [];
  for (let i = current.index; i >= 0; i--) {
    const setWeight = steps[i]?.setWeight;
    if (setWeight !== undefined) return setWeight;
  }
  return 0;
}

/**
 * defaults.GetAbortScaleDownDelaySecondsOrDefault: seconds undefined means "never scale the
 * canary down after an abort" (an explicit 0); explicit says whether the user set the field.
 * Only blue-green and traffic-routed canaries get the 30s default; a basic canary gets 0.
 */
function abortScaleDownDelay(rollout: Rollout): { seconds: number | undefined; explicit: boolean } {
  const { blueGreen, canary } = rollout.spec.strategy;
  const configured =
    blueGreen !== undefined
      ? { applies: true, value: blueGreen.abortScaleDownDelaySeconds }
      : {
          applies: canary?.trafficRouting !== undefined,
          value: canary?.abortScaleDownDelaySeconds,
        };
  if (!configured.applies) return { seconds: 0, explicit: false };
  if (configured.value === undefined) {
    return { seconds: DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS, explicit: false };
  }
  return { seconds: configured.value === 0 ? undefined : configured.value, explicit: true };
}

/**
 * replicaset.UseSetCanaryScale: the setCanaryScale in force at the current step, if any. It only
 * applies with traffic routing (without a router, replicas are the traffic split), a later
 * matchTrafficWeight cancels it, and an abort drops it unless abortScaleDownDelaySeconds: 0 asked
 * to leave the canary up.
 */
export function useSetCanaryScale(rollout: Rollout): SetCanaryScale | undefined {
  const canary = rollout.spec.strategy.canary;
  if (canary?.trafficRouting === undefined) return undefined;
  if (rollout.status?.abort && abortScaleDownDelay(rollout).seconds !== undefined) {
    return undefined;
  }
  const current = currentCanaryStep(rollout);
  if (current?.step === undefined) return undefined;
  const steps = canary.steps ?? [];
  for (let i = current.index; i >= 0; i--) {
    const scale = steps[i]?.setCanaryScale;
    if (scale === undefined) continue;
    return scale.matchTrafficWeight ? undefined : scale;
  }
  return undefined;
}

/**
 * replicaset.GetDesiredCanaryWeight. Normally the current setWeight. On an abort with
 * dynamicStableScale the weight steps back down through the setWeight steps in reverse, led by
 * how far the stable has scaled back up, so the stable grows as the canary shrinks instead of
 * surging to full size at once. With an explicit abortScaleDownDelaySeconds the canary stays at
 * full size until its deadline, so its size must not hold the weight up (Argo #4900: otherwise
 * weight, canary drain and stable scale-up wait on each other forever).
 */
export function desiredCanaryWeight(
  rollout: Rollout,
  newRS: ReplicaSetView | undefined,
  stableRS: ReplicaSetView | undefined,
): number {
  const canary = rollout.spec.strategy.canary;
  if (rollout.status?.abort && canary?.dynamicStableScale && newRS && stableRS) {
    const maxWeight = maxTrafficWeight(rollout);
    const replicas = specReplicas(rollout);
    const expectedCanaryReplicas = replicas - stableRS.availableReplicas;
    const { seconds, explicit } = abortScaleDownDelay(rollout);
    const canaryReplicas =
      explicit && seconds !== undefined
        ? expectedCanaryReplicas
        : Math.max(expectedCanaryReplicas, newRS.availableReplicas);
    const steps = canary.steps ?? [];
    for (let i = steps.length - 1; i >= 0; i--) {
      const setWeight = steps[i]?.setWeight;
      if (setWeight === undefined) continue;
      if (trafficWeightToReplicas(replicas, setWeight, maxWeight) < canaryReplicas) {
        return setWeight;
      }
    }
    return 0;
  }
  return currentSetWeight(rollout);
}

/** Either an explicit canary replica count (setCanaryScale.replicas) or a weight. */
export type CanaryReplicasOrWeight =
  { replicas: number; weight: 0 } | { replicas?: undefined; weight: number };

/**
 * replicaset.GetCanaryReplicasOrWeight: full weight when promoting fully, when there is no
 * stable yet (a first rollout goes straight to 100%) or when the new version is the stable one;
 * otherwise setCanaryScale (replicas, else weight) when in force, else the desired weight.
 */
export function canaryReplicasOrWeight(
  rollout: Rollout,
  newRS?: ReplicaSetView,
  stableRS?: ReplicaSetView,
): CanaryReplicasOrWeight {
  const status = rollout.status ?? {};
  const stableHash = status.stableRS ?? '';
  if (status.promoteFull || stableHash === '' || (status.currentPodHash ?? '') === stableHash) {
    return { weight: maxTrafficWeight(rollout) };
  }
  const scale = useSetCanaryScale(rollout);
  if (scale?.replicas !== undefined) return { replicas: scale.replicas, weight: 0 };
  if (scale?.weight !== undefined) return { weight: scale.weight };
  return { weight: desiredCanaryWeight(rollout, newRS, stableRS) };
}

// ---------------------------------------------------------------------------------------------
// Basic canary (no traffic router: the replica split is the traffic split)

/**
 * replicaset.trafficWeightToReplicas: replicas for a share of traffic, rounded up so a non-zero
 * weight always gets a pod.
 */
export function trafficWeightToReplicas(
  replicas: number,
  weight: number,
  maxWeight: number,
): number {
  return Math.ceil((weight * replicas) / maxWeight);
}

/** floorCeilingTied: whether floor and ceiling are equally far from the weight (ties round up). */
function floorCeilingTied(
  desiredWeight: number,
  maxWeight: number,
  totalReplicas: number,
): boolean {
  // Go: float64(total) * (float64(weight) / float64(maxWeight)), in that order, then math.Modf.
  const exact = totalReplicas * (desiredWeight / maxWeight);
  return exact - Math.trunc(exact) === 0.5;
}

/** weightDelta: how far a canary/total split is from the desired weight. */
function weightDelta(
  desiredWeight: number,
  maxWeight: number,
  canaryReplicas: number,
  totalReplicas: number,
): number {
  return Math.abs((canaryReplicas * maxWeight) / totalReplicas - desiredWeight);
}

/**
 * replicaset.approximateWeightedCanaryStableReplicaCounts: the canary/stable split closest to
 * the weight. Candidates are floor and ceiling of replicas * weight, over spec.replicas and (when
 * maxSurge allows) spec.replicas + 1; the first closest wins, so a tie prefers the ceiling and no
 * surge. A weight strictly between 0 and max never rounds a side to zero once two pods fit (the
 * canary would get no traffic, or the stable would), except with one replica and no surge.
 */
export function approximateWeightedCanaryStableReplicaCounts(
  specReplicas: number,
  desiredWeight: number,
  maxWeight: number,
  maxSurge: number,
): ReplicaCounts {
  if (specReplicas === 0) return { newReplicas: 0, stableReplicas: 0 };
  const weighted = (specReplicas * desiredWeight) / maxWeight;
  const ceil = Math.ceil(weighted);
  const floor = Math.floor(weighted);
  const zeroAllowed =
    desiredWeight === maxWeight || desiredWeight === 0 || (specReplicas === 1 && maxSurge === 0);

  const options: { canary: number; total: number }[] = [];
  if (ceil < specReplicas || zeroAllowed) options.push({ canary: ceil, total: specReplicas });
  if (!floorCeilingTied(desiredWeight, maxWeight, specReplicas) && (floor !== 0 || zeroAllowed)) {
    options.push({ canary: floor, total: specReplicas });
  }
  if (maxSurge > 0) {
    options.push({ canary: ceil, total: specReplicas + 1 });
    const surgeTied = floorCeilingTied(desiredWeight, maxWeight, specReplicas + 1);
    if (!surgeTied && (floor !== 0 || zeroAllowed)) {
      options.push({ canary: floor, total: specReplicas + 1 });
    }
  }

  const [first, ...rest] = options;
  // Unreachable (the surge-less ceiling is always a candidate when nothing else is), kept as Argo
  // keeps it: everything on the stable.
  if (first === undefined) return { newReplicas: 0, stableReplicas: specReplicas };
  let best = first;
  let bestDelta = weightDelta(desiredWeight, maxWeight, first.canary, first.total);
  for (const option of rest) {
    const delta = weightDelta(desiredWeight, maxWeight, option.canary, option.total);
    if (delta < bestDelta) {
      best = option;
      bestDelta = delta;
    }
  }
  return { newReplicas: best.canary, stableReplicas: best.total - best.canary };
}

/** replicaset.CheckStableRSExists: a stable ReplicaSet exists and is not the new one. */
export function checkStableRSExists(
  newRS: ReplicaSetView | undefined,
  stableRS: ReplicaSetView | undefined,
): boolean {
  if (stableRS === undefined) return false;
  if (newRS === undefined) return true;
  return newRS.name !== stableRS.name;
}

/**
 * replicaset.GetReplicasForScaleDown: the pods of a ReplicaSet that count towards availability
 * when deciding how far to scale down. Pods beyond spec.replicas are already going away, so
 * never count them. ignoreAvailability counts unavailable pods too: a ReplicaSet stuck in
 * CrashLoopBackOff must still be scaled down, or the rollout would wait for it forever.
 */
export function replicasForScaleDown(
  rs: ReplicaSetView | undefined,
  ignoreAvailability: boolean,
): number {
  if (rs === undefined) return 0;
  if (rs.replicas < rs.availableReplicas) return rs.replicas;
  return ignoreAvailability ? rs.replicas : rs.availableReplicas;
}

/** replicaset.GetReplicaCountForReplicaSets: the sum of spec.replicas. */
function replicaCount(replicaSets: readonly (ReplicaSetView | undefined)[]): number {
  return replicaSets.reduce((sum, rs) => sum + (rs?.replicas ?? 0), 0);
}

/**
 * calculateScaleDownReplicaCount: the drained ReplicaSet (the one whose availability was not
 * counted) goes down by scaleDownCount, but not below its desired count.
 */
function scaleDownReplicaCount(
  drainRS: ReplicaSetView | undefined,
  desired: number,
  scaleDownCount: number,
  current: number,
): number {
  if (drainRS !== undefined && drainRS.replicas > desired) {
    return Math.max(desired, drainRS.replicas - scaleDownCount);
  }
  return current;
}

/**
 * adjustReplicaWithinLimits: after draining one ReplicaSet, trim the other back under
 * maxSurge, but give back as much of the trim as minAvailable needs from its available pods;
 * whatever still exceeds maxSurge comes off the drained one. Returns [drain, adjust] counts.
 */
function adjustReplicaWithinLimits(
  drainRS: ReplicaSetView | undefined,
  adjustRS: ReplicaSetView | undefined,
  drainCount: number,
  adjustCount: number,
  maxReplicaCountAllowed: number,
  minAvailableReplicaCount: number,
): [number, number] {
  let overTheLimit = Math.max(0, adjustCount + drainCount - maxReplicaCountAllowed);
  let totalAvailable = drainRS ? Math.min(drainRS.availableReplicas, drainCount) : 0;
  if (adjustRS !== undefined) {
    adjustCount -= overTheLimit;
    totalAvailable += Math.min(adjustRS.availableReplicas, adjustCount);
    const lostAvailability = Math.max(0, adjustRS.availableReplicas - adjustCount);
    const stillNeeded = Math.max(0, minAvailableReplicaCount - totalAvailable);
    adjustCount += Math.min(lostAvailability, stillNeeded);
    overTheLimit = Math.max(0, adjustCount + drainCount - maxReplicaCountAllowed);
    drainCount -= overTheLimit;
  }
  return [drainCount, adjustCount];
}

/**
 * replicaset.CalculateReplicaCountsForBasicCanary: the next sizes for the new and stable
 * ReplicaSets of a canary without traffic routing, one step towards the weighted split within
 * maxSurge and maxUnavailable.
 *
 * Scale-up room is spec.replicas + maxSurge minus every ReplicaSet's spec.replicas; the stable
 * gets it first, then the canary. Older ReplicaSets (neither new nor stable) are scaled down
 * before either of these shrinks. Scale-down room is the pods counted available minus
 * (spec.replicas - maxUnavailable): while the canary grows, the stable shrinks and the stable's
 * unavailable pods count too (so a crashing stable still gets replaced); while the canary shrinks
 * (an abort, a lower weight), the other way round. Without a distinct stable ReplicaSet (first
 * rollout, or new = stable) the new one simply heads for spec.replicas.
 */
export function basicCanaryReplicaCounts(
  rollout: Rollout,
  newRS: ReplicaSetView | undefined,
  stableRS: ReplicaSetView | undefined,
  oldRSs: readonly ReplicaSetView[],
): ReplicaCounts {
  const replicas = specReplicas(rollout);
  const { weight } = canaryReplicasOrWeight(rollout, newRS, stableRS);
  const maxSurge = resolveMaxSurge(rollout);
  const maxWeight = maxTrafficWeight(rollout);

  let { newReplicas: desiredNew, stableReplicas: desiredStable } =
    approximateWeightedCanaryStableReplicaCounts(replicas, weight, maxWeight, maxSurge);

  let newCount = newRS?.replicas ?? 0;
  let stableCount = 0;
  const stable = checkStableRSExists(newRS, stableRS) ? stableRS : undefined;
  if (stable !== undefined) {
    stableCount = stable.replicas;
  } else {
    desiredNew = replicas;
    desiredStable = 0;
  }

  const maxReplicaCountAllowed = replicas + maxSurge;
  let scaleUpCount = maxReplicaCountAllowed - replicaCount([...oldRSs, newRS, stable]);

  if (stable !== undefined && stable.replicas < desiredStable && scaleUpCount > 0) {
    if (stable.replicas + scaleUpCount < desiredStable) {
      stableCount = stable.replicas + scaleUpCount;
      scaleUpCount = 0;
    } else {
      stableCount = desiredStable;
      scaleUpCount -= desiredStable - stable.replicas;
    }
  }

  if (newRS !== undefined && newRS.replicas < desiredNew && scaleUpCount > 0) {
    newCount = Math.min(newRS.replicas + scaleUpCount, desiredNew);
  }

  if (replicaCount(oldRSs) > 0) return { newReplicas: newCount, stableReplicas: stableCount };

  const minAvailable = replicas - resolveMaxUnavailable(rollout);
  const isIncreasing = newRS === undefined || desiredNew >= newRS.replicas;
  const countedAvailable =
    replicasForScaleDown(newRS, !isIncreasing) + replicasForScaleDown(stableRS, isIncreasing);
  if (countedAvailable <= minAvailable) {
    return { newReplicas: newCount, stableReplicas: stableCount };
  }

  const scaleDownCount = countedAvailable - minAvailable;
  if (!isIncreasing) {
    newCount = scaleDownReplicaCount(newRS, desiredNew, scaleDownCount, newCount);
    [newCount, stableCount] = adjustReplicaWithinLimits(
      newRS,
      stableRS,
      newCount,
      stableCount,
      maxReplicaCountAllowed,
      minAvailable,
    );
  } else if (stable !== undefined) {
    stableCount = scaleDownReplicaCount(stable, desiredStable, scaleDownCount, stableCount);
    [stableCount, newCount] = adjustReplicaWithinLimits(
      stable,
      newRS,
      stableCount,
      newCount,
      maxReplicaCountAllowed,
      minAvailable,
    );
  }
  return { newReplicas: newCount, stableReplicas: stableCount };
}

// ---------------------------------------------------------------------------------------------
// Traffic-routed canary (a router splits traffic; replicas only need to carry their share)

/**
 * replicaset.CheckMinPodsPerReplicaSet: with traffic routing, a ReplicaSet that runs at all runs
 * at least minPodsPerReplicaSet pods (for availability), capped at spec.replicas so a small
 * rollout does not reconcile forever towards a size it can never reach (Argo #4566).
 */
export function checkMinPodsPerReplicaSet(rollout: Rollout, count: number): number {
  if (count === 0) return 0;
  const canary = rollout.spec.strategy.canary;
  if (canary?.minPodsPerReplicaSet === undefined || canary.trafficRouting === undefined) {
    return count;
  }
  return Math.max(count, Math.min(canary.minPodsPerReplicaSet, specReplicas(rollout)));
}

/**
 * replicaset.CalculateReplicaCountsForTrafficRoutedCanary. The canary gets its share of
 * spec.replicas for the desired weight, rounded up (or setCanaryScale's count); the stable stays
 * at spec.replicas so an abort is instant. With dynamicStableScale the stable is sized for the
 * higher of its desired and its actual traffic weight (it must keep serving what it still
 * receives), and on an abort the canary likewise keeps pods for the traffic still sent to it.
 */
export function trafficRoutedCanaryReplicaCounts(
  rollout: Rollout,
  newRS: ReplicaSetView | undefined,
  stableRS: ReplicaSetView | undefined,
  weights?: TrafficWeights,
): ReplicaCounts {
  const replicas = specReplicas(rollout);
  const canaryScale = canaryReplicasOrWeight(rollout, newRS, stableRS);
  const maxWeight = maxTrafficWeight(rollout);
  let canaryCount =
    canaryScale.replicas ??
    checkMinPodsPerReplicaSet(
      rollout,
      trafficWeightToReplicas(replicas, canaryScale.weight, maxWeight),
    );

  if (!rollout.spec.strategy.canary?.dynamicStableScale) {
    return { newReplicas: canaryCount, stableReplicas: replicas };
  }

  let stableCount = trafficWeightToReplicas(replicas, maxWeight - canaryScale.weight, maxWeight);
  if (weights !== undefined) {
    stableCount = Math.max(
      stableCount,
      trafficWeightToReplicas(replicas, weights.stable.weight, maxWeight),
    );
    if (rollout.status?.abort) {
      canaryCount = Math.max(
        canaryCount,
        trafficWeightToReplicas(replicas, weights.canary.weight, maxWeight),
      );
    }
  }
  return {
    newReplicas: checkMinPodsPerReplicaSet(rollout, canaryCount),
    stableReplicas: checkMinPodsPerReplicaSet(rollout, stableCount),
  };
}
