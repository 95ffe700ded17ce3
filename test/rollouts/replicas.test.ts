/**
 * Canary replica math, ported row by row from Argo Rollouts' own tables
 * (utils/replicaset/canary_test.go and replicaset_test.go); each case keeps Argo's name so a
 * disagreement can be traced back to the Go test. The few rows that are ours say so.
 */
import { describe, expect, it } from 'vitest';
import {
  approximateWeightedCanaryStableReplicaCounts,
  basicCanaryReplicaCounts,
  canaryReplicasOrWeight,
  currentCanaryStep,
  currentSetWeight,
  desiredCanaryWeight,
  maxTrafficWeight,
  type ReplicaCounts,
  replicasForScaleDown,
  resolveFenceposts,
  resolveMaxSurge,
  resolveMaxUnavailable,
  trafficRoutedCanaryReplicaCounts,
  trafficWeightToReplicas,
} from '../../shared/rollouts/replicas.js';
import type {
  CanaryStep,
  IntOrString,
  ReplicaSetView,
  Rollout,
  RolloutTrafficRouting,
  SetCanaryScale,
} from '../../shared/rollouts/types.js';

type Pods = [spec: number, available: number];

const rs = (name: string, [replicas, availableReplicas]: Pods): ReplicaSetView => ({
  name,
  replicas,
  availableReplicas,
});

/**
 * Argo's newRollout test helper: one step holding setWeight (and setCanaryScale), the current
 * pod hash "canary" and the stable "stable". Go's zero IntOrString is the integer 0, so a row
 * without maxSurge / maxUnavailable means 0 there, not the 25% default.
 */
function newRollout(args: {
  replicas: number;
  setWeight?: number;
  maxSurge?: IntOrString;
  maxUnavailable?: IntOrString;
  setCanaryScale?: SetCanaryScale;
  trafficRouting?: RolloutTrafficRouting;
  currentPodHash?: string;
  stableRS?: string;
}): Rollout {
  return {
    spec: {
      replicas: args.replicas,
      strategy: {
        canary: {
          maxSurge: args.maxSurge ?? 0,
          maxUnavailable: args.maxUnavailable ?? 0,
          steps: [{ setWeight: args.setWeight ?? 0, setCanaryScale: args.setCanaryScale }],
          trafficRouting: args.trafficRouting,
        },
      },
    },
    status: {
      currentPodHash: args.currentPodHash ?? 'canary',
      stableRS: args.stableRS ?? 'stable',
    },
  };
}

interface CanaryRow {
  name: string;
  replicas: number;
  setWeight?: number;
  maxSurge?: IntOrString;
  maxUnavailable?: IntOrString;
  promoteFull?: boolean;
  stable: Pods;
  canary?: Pods;
  older?: Pods;
  setCanaryScale?: SetCanaryScale;
  trafficRouting?: RolloutTrafficRouting;
  abortScaleDownDelaySeconds?: number;
  abort?: boolean;
  minPodsPerReplicaSet?: number;
  want: ReplicaCounts;
}

// TestCalculateReplicaCountsForCanary
const CALCULATE_REPLICA_COUNTS_FOR_CANARY: CanaryRow[] = [
  {
    name: 'Do not add extra RSs in scaleDownCount when .Spec.Replica < AvailableReplicas',
    replicas: 10,
    setWeight: 100,
    maxSurge: 3,
    maxUnavailable: 0,
    stable: [7, 8],
    canary: [6, 3],
    want: { newReplicas: 6, stableReplicas: 7 },
  },
  {
    name: 'Use max surge int to scale up canary',
    replicas: 10,
    setWeight: 20,
    maxSurge: 2,
    maxUnavailable: 0,
    stable: [10, 10],
    canary: [0, 0],
    want: { newReplicas: 2, stableReplicas: 10 },
  },
  {
    name: 'Use max surge percentage to scale up canary',
    replicas: 10,
    setWeight: 20,
    maxSurge: '20%',
    maxUnavailable: 0,
    stable: [10, 10],
    canary: [0, 0],
    want: { newReplicas: 2, stableReplicas: 10 },
  },
  {
    name: 'Scale down extra stable replicas',
    replicas: 10,
    setWeight: 20,
    maxSurge: '20%',
    maxUnavailable: 0,
    stable: [10, 10],
    canary: [2, 2],
    want: { newReplicas: 2, stableReplicas: 8 },
  },
  {
    name: 'Do not go past max surge',
    replicas: 10,
    setWeight: 30,
    maxSurge: 2,
    maxUnavailable: 0,
    stable: [10, 10],
    canary: [0, 0],
    want: { newReplicas: 2, stableReplicas: 10 },
  },
  {
    name: 'Use max unavailable int to scale down stableRS',
    replicas: 10,
    setWeight: 20,
    maxSurge: 0,
    maxUnavailable: 2,
    stable: [10, 10],
    canary: [0, 0],
    want: { newReplicas: 0, stableReplicas: 8 },
  },
  {
    // Argo's name; the row is about a maxUnavailable percentage.
    name: 'Use max surge percentage to scale down stableRS',
    replicas: 10,
    setWeight: 20,
    maxSurge: 0,
    maxUnavailable: '20%',
    stable: [10, 10],
    canary: [0, 0],
    want: { newReplicas: 0, stableReplicas: 8 },
  },
  {
    name: 'Do not go past max unavailable',
    replicas: 10,
    setWeight: 30,
    maxSurge: 0,
    maxUnavailable: 2,
    stable: [10, 10],
    canary: [0, 0],
    want: { newReplicas: 0, stableReplicas: 8 },
  },
  {
    name: 'Use Max Surge and Max Unavailable',
    replicas: 10,
    setWeight: 50,
    maxSurge: 2,
    maxUnavailable: 1,
    stable: [10, 10],
    canary: [0, 0],
    want: { newReplicas: 2, stableReplicas: 9 },
  },
  {
    name: 'Scale canaryRS to zero on setWeight of 0%',
    replicas: 10,
    setWeight: 0,
    maxSurge: 1,
    maxUnavailable: 1,
    stable: [10, 10],
    canary: [1, 1],
    want: { newReplicas: 0, stableReplicas: 10 },
  },
  {
    name: 'Scale stable to zero on setWeight of 100%',
    replicas: 10,
    setWeight: 100,
    maxSurge: 1,
    maxUnavailable: 1,
    stable: [1, 1],
    canary: [10, 10],
    want: { newReplicas: 10, stableReplicas: 0 },
  },
  {
    name: 'Do not scale canaryRS down to zero on non-zero weight',
    replicas: 1,
    setWeight: 20,
    maxSurge: 1,
    maxUnavailable: 0,
    stable: [1, 1],
    canary: [0, 0],
    want: { newReplicas: 1, stableReplicas: 1 },
  },
  {
    name: 'Do not scale canaryRS down to zero on non-100 weight',
    replicas: 1,
    setWeight: 90,
    maxSurge: 1,
    maxUnavailable: 0,
    stable: [1, 1],
    canary: [0, 0],
    want: { newReplicas: 1, stableReplicas: 1 },
  },
  {
    name: 'Scale canaryRS to zero on <50 weight without surge',
    replicas: 1,
    setWeight: 49,
    maxSurge: 0,
    maxUnavailable: 1,
    stable: [1, 1],
    canary: [0, 0],
    want: { newReplicas: 0, stableReplicas: 1 },
  },
  {
    name: 'Scale stableRS down to zero on >=50 weight without surge',
    replicas: 1,
    setWeight: 51,
    maxSurge: 0,
    maxUnavailable: 1,
    stable: [1, 1],
    canary: [0, 0],
    want: { newReplicas: 0, stableReplicas: 0 },
  },
  {
    name: 'Scale canaryRS to one on >=50 weight without surge and stable replicas',
    replicas: 1,
    setWeight: 51,
    maxSurge: 0,
    maxUnavailable: 1,
    stable: [0, 0],
    canary: [0, 0],
    want: { newReplicas: 1, stableReplicas: 0 },
  },
  {
    name: 'Scale up Stable before canaryRS',
    replicas: 10,
    setWeight: 30,
    maxSurge: 1,
    maxUnavailable: 0,
    stable: [1, 1],
    canary: [0, 0],
    older: [3, 3],
    want: { newReplicas: 1, stableReplicas: 7 },
  },
  {
    name: 'Scale down canaryRS and stable',
    replicas: 10,
    setWeight: 30,
    maxSurge: 0,
    maxUnavailable: 3,
    stable: [8, 5],
    canary: [4, 4],
    want: { newReplicas: 3, stableReplicas: 7 },
  },
  {
    name: 'Scale down stable and canary available',
    replicas: 10,
    setWeight: 100,
    maxSurge: 1,
    maxUnavailable: 0,
    stable: [10, 2],
    canary: [10, 8],
    want: { newReplicas: 9, stableReplicas: 2 },
  },
  {
    name: 'Do not scale down canaryRS or stable when older RS count >= scaleDownCount',
    replicas: 10,
    setWeight: 30,
    maxSurge: 0,
    maxUnavailable: 1,
    stable: [8, 6],
    canary: [4, 2],
    older: [3, 3],
    want: { newReplicas: 4, stableReplicas: 8 },
  },
  {
    name: 'Do not round past maxSurge with uneven setWeight divisor',
    replicas: 10,
    setWeight: 5,
    maxSurge: 0,
    maxUnavailable: 1,
    stable: [10, 10],
    canary: [0, 0],
    want: { newReplicas: 0, stableReplicas: 9 },
  },
  {
    name: 'Do not round past maxSurge with uneven setWeight divisor (part 2)',
    replicas: 10,
    setWeight: 5,
    maxSurge: 0,
    maxUnavailable: 1,
    stable: [9, 9],
    canary: [0, 0],
    want: { newReplicas: 1, stableReplicas: 9 },
  },
  {
    name: 'Use maxUnavailable of 1 when percentage of maxUnavailable and maxSurge result in 0 replicas',
    replicas: 10,
    setWeight: 10,
    maxSurge: '0%',
    maxUnavailable: '0%',
    stable: [10, 10],
    canary: [0, 0],
    want: { newReplicas: 0, stableReplicas: 9 },
  },
  {
    name: 'For canary replicas, use setCanaryScale.replicas when specified along with trafficRouting (and ignore setWeight)',
    replicas: 1,
    setWeight: 100,
    stable: [1, 1],
    setCanaryScale: { replicas: 9 },
    trafficRouting: {},
    want: { newReplicas: 9, stableReplicas: 1 },
  },
  {
    name: 'Use setCanaryScale.weight for canary replicas when specified with trafficRouting (and ignore setWeight)',
    replicas: 4,
    setWeight: 100,
    stable: [4, 4],
    setCanaryScale: { weight: 200 },
    trafficRouting: {},
    want: { newReplicas: 8, stableReplicas: 4 },
  },
  {
    name: 'Ignore setCanaryScale replicas/weight when matchTrafficWeight is true',
    replicas: 10,
    setWeight: 20,
    maxSurge: '20%',
    maxUnavailable: 0,
    stable: [10, 10],
    canary: [0, 0],
    setCanaryScale: { replicas: 9, weight: 100, matchTrafficWeight: true },
    trafficRouting: {},
    want: { newReplicas: 2, stableReplicas: 10 },
  },
  {
    name: 'Ignore setCanaryScale when trafficRouting is missing and use setWeight for replicas',
    replicas: 10,
    setWeight: 20,
    maxSurge: '20%',
    maxUnavailable: 0,
    stable: [10, 10],
    canary: [0, 0],
    setCanaryScale: { replicas: 9, weight: 100, matchTrafficWeight: false },
    want: { newReplicas: 2, stableReplicas: 10 },
  },
  {
    name: 'honor maxSurge during scale up when stableRS unavailable',
    replicas: 4,
    setWeight: 100,
    maxSurge: 1,
    maxUnavailable: 0,
    stable: [4, 1],
    canary: [0, 0],
    // Only surges by 1 to honor maxSurge: 1.
    want: { newReplicas: 1, stableReplicas: 4 },
  },
  {
    name: 'scale down to maxunavailable without exceeding maxSurge',
    replicas: 3,
    setWeight: 99,
    maxSurge: 0,
    maxUnavailable: 2,
    stable: [3, 3],
    canary: [0, 0],
    want: { newReplicas: 0, stableReplicas: 1 },
  },
  {
    name: 'scale down to maxunavailable without exceeding maxSurge (part 2)',
    replicas: 3,
    setWeight: 99,
    maxSurge: 0,
    maxUnavailable: 2,
    stable: [1, 1],
    canary: [0, 0],
    want: { newReplicas: 2, stableReplicas: 1 },
  },
  {
    name: 'honor maxUnavailable during scale down stableRS unavailable',
    replicas: 4,
    setWeight: 100,
    maxSurge: 1,
    maxUnavailable: 0,
    stable: [4, 1],
    canary: [1, 1],
    // Only scales the stable down by 1 to honor maxUnavailable: 0.
    want: { newReplicas: 1, stableReplicas: 3 },
  },
  {
    name: 'honor maxUnavailable when aborting or reducing weight part 1',
    replicas: 4,
    setWeight: 0,
    maxSurge: 1,
    maxUnavailable: 0,
    stable: [0, 0],
    canary: [4, 4],
    // The canary stays until the stable has surged.
    want: { newReplicas: 4, stableReplicas: 1 },
  },
  {
    name: 'honor maxUnavailable when aborting or reducing weight part 2',
    replicas: 4,
    setWeight: 0,
    maxSurge: 1,
    maxUnavailable: 0,
    stable: [1, 0],
    canary: [4, 4],
    // Nothing moves while the surged stable pod is not available.
    want: { newReplicas: 4, stableReplicas: 1 },
  },
  {
    name: 'honor maxUnavailable when aborting or reducing weight part 3',
    replicas: 4,
    setWeight: 0,
    maxSurge: 1,
    maxUnavailable: 0,
    stable: [1, 1],
    canary: [4, 4],
    // The canary loses only 1 to honor maxUnavailable.
    want: { newReplicas: 3, stableReplicas: 1 },
  },
  {
    name: 'promote full does not consider weight',
    promoteFull: true,
    replicas: 4,
    setWeight: 1,
    maxSurge: 4,
    maxUnavailable: 4,
    stable: [4, 4],
    canary: [0, 0],
    want: { newReplicas: 4, stableReplicas: 0 },
  },
  {
    name: 'promote full still honors maxSurge/maxUnavailable',
    promoteFull: true,
    replicas: 4,
    setWeight: 1,
    maxSurge: 3,
    maxUnavailable: 0,
    stable: [4, 4],
    canary: [0, 0],
    want: { newReplicas: 3, stableReplicas: 4 },
  },
  {
    name: 'aborted with abortScaleDownDelaySeconds:0 and setCanaryScale',
    replicas: 1,
    setCanaryScale: { replicas: 1 },
    trafficRouting: {},
    abortScaleDownDelaySeconds: 0,
    abort: true,
    stable: [1, 1],
    canary: [1, 1],
    // Leave the canary up: setCanaryScale still holds.
    want: { newReplicas: 1, stableReplicas: 1 },
  },
  {
    name: 'aborted with abortScaleDownDelaySeconds>0 and setCanaryScale',
    replicas: 1,
    setCanaryScale: { replicas: 1 },
    trafficRouting: {},
    abortScaleDownDelaySeconds: 30,
    abort: true,
    stable: [1, 1],
    canary: [1, 1],
    want: { newReplicas: 0, stableReplicas: 1 },
  },
  {
    name: 'Honor MinPodsPerReplicaSet when using trafficRouting and starting canary',
    replicas: 10,
    setWeight: 5,
    stable: [10, 10],
    canary: [0, 0],
    trafficRouting: {},
    minPodsPerReplicaSet: 2,
    want: { newReplicas: 2, stableReplicas: 10 },
  },
  {
    name: 'Cap MinPodsPerReplicaSet when it exceeds rollout replicas with trafficRouting',
    replicas: 1,
    setWeight: 100,
    promoteFull: true,
    stable: [1, 1],
    canary: [0, 0],
    trafficRouting: {},
    minPodsPerReplicaSet: 2,
    want: { newReplicas: 1, stableReplicas: 1 },
  },
];

describe('CalculateReplicaCountsForBasicCanary / ForTrafficRoutedCanary (TestCalculateReplicaCountsForCanary)', () => {
  it.each(CALCULATE_REPLICA_COUNTS_FOR_CANARY)('$name', (row) => {
    const rollout = newRollout(row);
    const canary = rollout.spec.strategy.canary!;
    canary.abortScaleDownDelaySeconds = row.abortScaleDownDelaySeconds;
    canary.minPodsPerReplicaSet = row.minPodsPerReplicaSet;
    rollout.status = { ...rollout.status, promoteFull: row.promoteFull, abort: row.abort };
    // As in Argo's test: traffic-routed rows are computed without ReplicaSets or weights.
    const got = row.trafficRouting
      ? trafficRoutedCanaryReplicaCounts(rollout, undefined, undefined, undefined)
      : basicCanaryReplicaCounts(
          rollout,
          rs('canary', row.canary ?? [0, 0]),
          rs('stable', row.stable),
          row.older ? [rs('older', row.older)] : [],
        );
    expect(got).toEqual(row.want);
  });
});

// The examples in CalculateReplicaCountsForBasicCanary's doc comment (all pods available). Its
// sixth one (10 replicas, weight 5, surge 1, unavailable 1 -> 1 and 9) dates from 2019; since
// Argo #1759 (2022) the code surges to 1 canary + 10 stable, the closer split, and so do we.
const DOC_COMMENT_EXAMPLES: CanaryRow[] = [
  {
    name: 'replicas 10 currentWeight 10 NewRS 0 stableRS 10 max unavailable 1, surge 1',
    replicas: 10,
    setWeight: 10,
    maxSurge: 1,
    maxUnavailable: 1,
    stable: [10, 10],
    canary: [0, 0],
    want: { newReplicas: 1, stableReplicas: 9 },
  },
  {
    name: 'replicas 10 currentWeight 30 NewRS 0 stableRS 10 max unavailable 0, surge 3',
    replicas: 10,
    setWeight: 30,
    maxSurge: 3,
    maxUnavailable: 0,
    stable: [10, 10],
    canary: [0, 0],
    want: { newReplicas: 3, stableReplicas: 10 },
  },
  {
    name: 'replicas 10 currentWeight 30 NewRS 0 stableRS 10 max unavailable 5, surge 0',
    replicas: 10,
    setWeight: 30,
    maxSurge: 0,
    maxUnavailable: 5,
    stable: [10, 10],
    canary: [0, 0],
    want: { newReplicas: 0, stableReplicas: 7 },
  },
  {
    name: 'replicas 1 currentWeight 5 NewRS 0 stableRS 1 max unavailable 0, surge 1',
    replicas: 1,
    setWeight: 5,
    maxSurge: 1,
    maxUnavailable: 0,
    stable: [1, 1],
    canary: [0, 0],
    want: { newReplicas: 1, stableReplicas: 1 },
  },
  {
    name: 'replicas 1 currentWeight 95 NewRS 0 stableRS 1 max unavailable 0, surge 1',
    replicas: 1,
    setWeight: 95,
    maxSurge: 1,
    maxUnavailable: 0,
    stable: [1, 1],
    canary: [0, 0],
    want: { newReplicas: 1, stableReplicas: 1 },
  },
];

describe("CalculateReplicaCountsForBasicCanary's doc comment examples", () => {
  it.each(DOC_COMMENT_EXAMPLES)('$name', (row) => {
    const rollout = newRollout(row);
    const counts = basicCanaryReplicaCounts(
      rollout,
      rs('canary', row.canary ?? [0, 0]),
      rs('stable', row.stable),
      [],
    );
    expect(counts).toEqual(row.want);
  });
});

describe('a canary without a distinct stable ReplicaSet heads for spec.replicas', () => {
  it.each([
    {
      name: 'TestCalculateReplicaCountsForNewDeployment: new and stable are the same ReplicaSet',
      newRS: rs('stable', [10, 0]),
      stableRS: rs('stable', [10, 0]) as ReplicaSetView | undefined,
      stableHash: 'stable',
    },
    {
      name: 'TestCalculateReplicaCountsForCanaryStableRSdEdgeCases: no stable ReplicaSet',
      newRS: rs('stable', [9, 9]),
      stableRS: undefined,
      stableHash: '',
    },
    {
      name: 'TestCalculateReplicaCountsForCanaryStableRSdEdgeCases: stable is the new ReplicaSet',
      newRS: rs('stable', [9, 9]),
      stableRS: rs('stable', [9, 9]),
      stableHash: '',
    },
  ])('$name', ({ newRS, stableRS, stableHash }) => {
    const rollout = newRollout({
      replicas: 10,
      setWeight: 10,
      maxSurge: 0,
      maxUnavailable: 1,
      currentPodHash: stableHash === '' ? '' : 'canary',
      stableRS: stableHash,
    });
    expect(basicCanaryReplicaCounts(rollout, newRS, stableRS, [])).toEqual({
      newReplicas: 10,
      stableReplicas: 0,
    });
  });
});

it('TestCalculateReplicaCountsForCanaryTrafficRouting: the canary gets its weighted share, the stable stays full', () => {
  const rollout = newRollout({ replicas: 10, setWeight: 10, maxSurge: 0, maxUnavailable: 1 });
  rollout.spec.strategy.canary!.trafficRouting = {};
  expect(trafficRoutedCanaryReplicaCounts(rollout, undefined, undefined, undefined)).toEqual({
    newReplicas: 1,
    stableReplicas: 10,
  });
});

interface DynamicScaleRow {
  name: string;
  replicas: number;
  /** The first step's setWeight (Argo's table calls it rolloutMaxReplicas). */
  setWeight: number;
  abort: boolean;
  /** Steps after the first one. */
  steps?: CanaryStep[];
  weights: { canary: number; stable: number };
  /** Argo's test makes every canary pod available. */
  canaryRS?: number;
  stableRS?: Pods;
  want: ReplicaCounts;
}

// TestCalculateReplicaCountsForCanaryTrafficRoutingDynamicScale
const DYNAMIC_STABLE_SCALE: DynamicScaleRow[] = [
  {
    // If the next step scales the canary down to 2 of 10, the stable goes up to 8.
    name: 'Should scale stable replica up depending on next expected canary downscale step, if abort is true',
    replicas: 10,
    setWeight: 20,
    abort: true,
    steps: [{ setWeight: 60 }],
    weights: { canary: 60, stable: 40 },
    canaryRS: 6,
    stableRS: [4, 4],
    want: { newReplicas: 6, stableReplicas: 8 },
  },
  {
    name: 'Should scale stable replica up depending on available canary replicas, if actual number of canaries is less than expected and abort is true',
    replicas: 10,
    setWeight: 20,
    abort: true,
    steps: [{ setWeight: 60 }],
    weights: { canary: 60, stable: 40 },
    canaryRS: 1,
    stableRS: [4, 4],
    want: { newReplicas: 6, stableReplicas: 8 },
  },
  {
    name: 'Should scale stable replica up depending on available stable replicas, if abort is true',
    replicas: 10,
    setWeight: 20,
    abort: true,
    steps: [{ setWeight: 60 }],
    weights: { canary: 60, stable: 40 },
    canaryRS: 2,
    stableRS: [8, 4],
    want: { newReplicas: 6, stableReplicas: 8 },
  },
  {
    name: 'Should scale stable up as if canaries are scaled down to 0 if stable and canary replicas not passed, and abort is true',
    replicas: 10,
    setWeight: 20,
    abort: true,
    steps: [{ setWeight: 60 }],
    weights: { canary: 60, stable: 40 },
    want: { newReplicas: 6, stableReplicas: 10 },
  },
  {
    name: 'Should scale down stable',
    replicas: 10,
    setWeight: 10,
    abort: false,
    weights: { canary: 10, stable: 90 },
    want: { newReplicas: 1, stableReplicas: 9 },
  },
  {
    name: 'Should take max of desired canary (20) > actual (10)',
    replicas: 10,
    setWeight: 20,
    abort: false,
    weights: { canary: 10, stable: 90 },
    want: { newReplicas: 2, stableReplicas: 9 },
  },
  {
    name: 'Should leave canary scaled up if there is still traffic to it on abort',
    replicas: 10,
    setWeight: 20,
    abort: true,
    weights: { canary: 20, stable: 80 },
    want: { newReplicas: 2, stableReplicas: 10 },
  },
  {
    name: 'Should reduce canary when there is less traffic to it on abort',
    replicas: 10,
    setWeight: 20,
    abort: true,
    weights: { canary: 10, stable: 90 },
    want: { newReplicas: 1, stableReplicas: 10 },
  },
];

describe('CalculateReplicaCountsForTrafficRoutedCanary with dynamicStableScale (TestCalculateReplicaCountsForCanaryTrafficRoutingDynamicScale)', () => {
  it.each(DYNAMIC_STABLE_SCALE)('$name', (row) => {
    const rollout = newRollout({
      replicas: row.replicas,
      setWeight: row.setWeight,
      maxSurge: 0,
      maxUnavailable: 1,
      trafficRouting: {},
    });
    const canary = rollout.spec.strategy.canary!;
    canary.dynamicStableScale = true;
    canary.steps = [...(canary.steps ?? []), ...(row.steps ?? [])];
    rollout.status = { ...rollout.status, abort: row.abort };
    const canaryRS = row.canaryRS ? rs('canary', [row.canaryRS, row.canaryRS]) : undefined;
    const stableRS = row.stableRS ? rs('stable', row.stableRS) : undefined;
    const weights = {
      canary: { weight: row.weights.canary },
      stable: { weight: row.weights.stable },
    };
    expect(trafficRoutedCanaryReplicaCounts(rollout, canaryRS, stableRS, weights)).toEqual(
      row.want,
    );
  });
});

describe('an abort with dynamicStableScale steps the weight down (TestGetDesiredCanaryWeightOnAbortWithScaleDownDelay)', () => {
  const abortedRollout = (abortScaleDownDelaySeconds: number | undefined): Rollout => {
    const rollout = newRollout({
      replicas: 10,
      setWeight: 50,
      maxSurge: 1,
      maxUnavailable: 0,
      trafficRouting: {},
    });
    const canary = rollout.spec.strategy.canary!;
    canary.steps = [{ setWeight: 10 }, { setWeight: 50 }];
    canary.dynamicStableScale = true;
    canary.abortScaleDownDelaySeconds = abortScaleDownDelaySeconds;
    rollout.status = { ...rollout.status, abort: true };
    return rollout;
  };

  it.each([
    {
      name: 'no explicit delay: weight is held up by canary size (progressive drain unchanged)',
      abortDelay: undefined,
      stableAvailable: 9,
      expectedWeight: 10,
    },
    {
      name: 'explicit delay: weight steps down gradually while stable is scaling up',
      abortDelay: 30,
      stableAvailable: 5,
      expectedWeight: 10,
    },
    {
      name: 'explicit delay: weight reaches zero once stable nearly covers spec.Replicas (deadlock case)',
      abortDelay: 30,
      stableAvailable: 9,
      expectedWeight: 0,
    },
    {
      name: 'explicit zero delay (leave canary up indefinitely): weight is held up by canary size',
      abortDelay: 0,
      stableAvailable: 9,
      expectedWeight: 10,
    },
  ])('$name', ({ abortDelay, stableAvailable, expectedWeight }) => {
    const rollout = abortedRollout(abortDelay);
    const canaryRS = rs('canary', [5, 5]);
    const stableRS = rs('stable', [stableAvailable, stableAvailable]);
    expect(desiredCanaryWeight(rollout, canaryRS, stableRS)).toBe(expectedWeight);
  });

  it('stable scales to spec.Replicas once weight reaches zero', () => {
    const rollout = abortedRollout(30);
    const weights = { canary: { weight: 10 }, stable: { weight: 90 } };
    const counts = trafficRoutedCanaryReplicaCounts(
      rollout,
      rs('canary', [5, 5]),
      rs('stable', [9, 9]),
      weights,
    );
    expect(counts.stableReplicas).toBe(10);
  });
});

// TestApproximateWeightedNewStableReplicaCounts: [replicas, weight, maxWeight, maxSurge, canary,
// stable], with the resulting canary share as Argo annotates it.
const APPROXIMATE: [number, number, number, number, number, number][] = [
  [0, 0, 100, 0, 0, 0], // 0%
  [0, 50, 100, 0, 0, 0], // 0%
  [0, 100, 100, 0, 0, 0], // 0%

  [0, 0, 100, 1, 0, 0], // 0%
  [0, 50, 100, 1, 0, 0], // 0%
  [0, 100, 100, 1, 0, 0], // 0%

  [1, 0, 100, 0, 0, 1], // 0%
  [1, 1, 100, 0, 0, 1], // 0%
  [1, 49, 100, 0, 0, 1], // 0%
  [1, 50, 100, 0, 1, 0], // 100%
  [1, 99, 100, 0, 1, 0], // 100%
  [1, 100, 100, 0, 1, 0], // 100%

  [1, 0, 100, 1, 0, 1], // 0%
  [1, 1, 100, 1, 1, 1], // 50%
  [1, 49, 100, 1, 1, 1], // 50%
  [1, 50, 100, 1, 1, 1], // 50%
  [1, 99, 100, 1, 1, 1], // 50%
  [1, 100, 100, 1, 1, 0], // 100%

  [2, 0, 100, 0, 0, 2], // 0%
  [2, 1, 100, 0, 1, 1], // 50%
  [2, 50, 100, 0, 1, 1], // 50%
  [2, 99, 100, 0, 1, 1], // 50%
  [2, 100, 100, 0, 2, 0], // 100%

  [2, 0, 100, 1, 0, 2], // 0%
  [2, 1, 100, 1, 1, 2], // 33.3%
  [2, 50, 100, 1, 1, 1], // 50%
  [2, 99, 100, 1, 2, 1], // 66.6%
  [2, 100, 100, 1, 2, 0], // 100%

  [3, 10, 100, 0, 1, 2], // 33.3%
  [3, 25, 100, 0, 1, 2], // 33.3%
  [3, 33, 100, 0, 1, 2], // 33.3%
  [3, 34, 100, 0, 1, 2], // 33.3%
  [3, 49, 100, 0, 1, 2], // 33.3%
  [3, 50, 100, 0, 2, 1], // 66.6%

  [3, 10, 100, 1, 1, 3], // 25%
  [3, 25, 100, 1, 1, 3], // 25%
  [3, 33, 100, 1, 1, 2], // 33.3%
  [3, 34, 100, 1, 1, 2], // 33.3%
  [3, 49, 100, 1, 2, 2], // 50%
  [3, 50, 100, 1, 2, 2], // 50%

  [10, 0, 100, 1, 0, 10], // 0%
  [10, 1, 100, 0, 1, 9], // 10%
  [10, 14, 100, 0, 1, 9], // 10%
  [10, 15, 100, 0, 2, 8], // 20%
  [10, 16, 100, 0, 2, 8], // 20%
  [10, 99, 100, 0, 9, 1], // 90%
  [10, 100, 100, 1, 10, 0], // 100%

  [10, 0, 100, 1, 0, 10], // 0%
  [10, 1, 100, 1, 1, 10], // 9.1%
  [10, 18, 100, 1, 2, 9], // 18.1%
  [10, 19, 100, 1, 2, 9], // 18.1%
  [10, 20, 100, 1, 2, 8], // 20%
  [10, 23, 100, 1, 2, 8], // 20%
  [10, 24, 100, 1, 3, 8], // 27.2%
  [10, 25, 100, 1, 3, 8], // 27.2%
  [10, 99, 100, 1, 10, 1], // 90.9%
  [10, 100, 100, 1, 10, 0], // 100%
];

describe('approximateWeightedCanaryStableReplicaCounts (TestApproximateWeightedNewStableReplicaCounts)', () => {
  it.each(APPROXIMATE)(
    'replicas:%i weight:%i maxweight:%i surge:%i -> canary %i stable %i',
    (replicas, weight, maxWeight, maxSurge, newReplicas, stableReplicas) => {
      expect(
        approximateWeightedCanaryStableReplicaCounts(replicas, weight, maxWeight, maxSurge),
      ).toEqual({ newReplicas, stableReplicas });
    },
  );
});

describe('trafficWeightToReplicas rounds up (TestTrafficWeightToReplicas)', () => {
  it.each([
    [10, 0, 100, 0],
    [10, 20, 100, 2],
    [10, 25, 100, 3],
    [10, 33, 100, 4],
    [10, 99, 100, 10],
    [10, 100, 100, 10],
    [23, 100000000, 100000000, 23],
  ])('replicas:%i weight:%i maxweight:%i -> %i', (replicas, weight, maxWeight, want) => {
    expect(trafficWeightToReplicas(replicas, weight, maxWeight)).toBe(want);
  });
});

describe('GetReplicasForScaleDown (TestGetReplicasForScaleDown)', () => {
  it.each([
    { name: 'test rs is nil', rs: undefined, ignoreAvailability: false, want: 0 },
    {
      name: 'test expected replicas is less than actual replicas',
      rs: rs('rs', [3, 5]),
      ignoreAvailability: false,
      want: 3,
    },
    { name: 'test ignore availability', rs: rs('rs', [3, 2]), ignoreAvailability: true, want: 3 },
    {
      name: 'test not ignore availability',
      rs: rs('rs', [3, 2]),
      ignoreAvailability: false,
      want: 2,
    },
  ])('$name', ({ rs: replicaSet, ignoreAvailability, want }) => {
    expect(replicasForScaleDown(replicaSet, ignoreAvailability)).toBe(want);
  });
});

describe('GetCanaryReplicasOrWeight (TestGetCanaryReplicasOrWeight)', () => {
  const scaledAtStep1 = (setCanaryScale: SetCanaryScale): Rollout => ({
    spec: {
      strategy: {
        canary: { steps: [{ setWeight: 10 }, { setCanaryScale }], trafficRouting: {} },
      },
    },
    status: { currentStepIndex: 1, stableRS: 'stable-rs' },
  });
  it.each([
    {
      name: 'test full promote rollout',
      rollout: { spec: { strategy: {} }, status: { promoteFull: true } } as Rollout,
      want: { weight: 100 },
    },
    {
      name: 'test canary step weight',
      rollout: scaledAtStep1({ weight: 20 }),
      want: { weight: 20 },
    },
    {
      name: 'test canary step replicas',
      rollout: scaledAtStep1({ replicas: 5 }),
      want: { replicas: 5, weight: 0 },
    },
    {
      name: 'test get current step weight',
      rollout: { spec: { strategy: { blueGreen: {} } }, status: { abort: true } } as Rollout,
      want: { weight: 100 },
    },
  ])('$name', ({ rollout, want }) => {
    expect(canaryReplicasOrWeight(rollout)).toEqual(want);
  });
});

describe('GetCurrentSetWeight (TestGetCurrentSetWeight)', () => {
  it.each([
    { name: 'past the last step: full weight', currentStepIndex: 1, abort: false, want: 100 },
    { name: 'at the setWeight step: its weight', currentStepIndex: 0, abort: false, want: 10 },
    { name: 'aborted: 0', currentStepIndex: 0, abort: true, want: 0 },
  ])('$name', ({ currentStepIndex, abort, want }) => {
    const rollout = newRollout({ replicas: 10, setWeight: 10, maxSurge: 0, maxUnavailable: 1 });
    rollout.status = { currentStepIndex, abort };
    expect(currentSetWeight(rollout)).toBe(want);
  });
});

describe('GetCurrentCanaryStep (TestGetCurrentCanaryStep)', () => {
  const withSteps = (steps: CanaryStep[] | undefined, currentStepIndex?: number): Rollout => ({
    spec: { replicas: 10, strategy: { canary: { steps } } },
    status: { currentStepIndex },
  });
  it('no steps: no current step', () => {
    expect(currentCanaryStep(withSteps(undefined))).toBeUndefined();
  });
  it('index 0 of one pause step: that step', () => {
    expect(currentCanaryStep(withSteps([{ pause: {} }], 0))).toEqual({
      step: { pause: {} },
      index: 0,
    });
  });
  it('index past the last step: no step, the index still reported', () => {
    expect(currentCanaryStep(withSteps([{ pause: {} }], 1))).toEqual({
      step: undefined,
      index: 1,
    });
  });
});

describe('resolveFenceposts: surge rounds up, unavailable down, both zero -> unavailable 1 (TestResolveFenceposts)', () => {
  // Argo names these rows by index; [maxSurge, maxUnavailable, desired, surge, unavailable, error].
  it.each<[IntOrString | undefined, IntOrString | undefined, number, number, number, boolean]>([
    ['0%', '0%', 0, 0, 1, false],
    ['39%', '39%', 10, 4, 3, false],
    ['oops', '39%', 10, 0, 0, true],
    ['55%', 'urg', 10, 0, 0, true],
    [undefined, '39%', 10, 0, 3, false],
    ['39%', undefined, 10, 4, 0, false],
    [undefined, undefined, 10, 0, 1, false],
  ])(
    '#%# maxSurge %s maxUnavailable %s of %i -> surge %i, unavailable %i, error %s',
    (maxSurge, maxUnavailable, desired, surge, unavailable, error) => {
      const got = resolveFenceposts(maxSurge, maxUnavailable, desired);
      expect({ surge: got.surge, unavailable: got.unavailable }).toEqual({ surge, unavailable });
      expect(got.error !== undefined).toBe(error);
    },
  );

  it('says which field was wrong and what it should look like', () => {
    expect(resolveFenceposts('oops', '39%', 10).error).toBe(
      'maxSurge: "oops" is neither a whole number nor a percentage like "25%"',
    );
  });
});

const withCanaryFenceposts = (
  replicas: number | undefined,
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
): Rollout => ({ spec: { replicas, strategy: { canary: { maxSurge, maxUnavailable } } } });
const blueGreen: Rollout = { spec: { strategy: { blueGreen: {} } } };

describe('MaxSurge (TestMaxSurge)', () => {
  it.each([
    { name: 'maxSurge with int', rollout: withCanaryFenceposts(10, 5, 1), want: 5 },
    { name: 'maxSurge with BlueGreen deployment strategy', rollout: blueGreen, want: 0 },
    { name: 'maxSurge with percents', rollout: withCanaryFenceposts(10, '50%', 1), want: 5 },
    // Ours, from defaults.go: unset means 25%, rounded up (and replicas default to 1).
    {
      name: 'default 25% of 10 rounds up (ours)',
      rollout: withCanaryFenceposts(10, undefined, 1),
      want: 3,
    },
    {
      name: 'default 25% of the default 1 replica (ours)',
      rollout: withCanaryFenceposts(undefined, undefined, undefined),
      want: 1,
    },
    // Ours: Argo's legacy parser reads a string without "%" as a percentage too.
    { name: '"25" is 25% (ours)', rollout: withCanaryFenceposts(10, '25', 1), want: 3 },
  ])('$name', ({ rollout, want }) => {
    expect(resolveMaxSurge(rollout)).toBe(want);
  });
});

describe('MaxUnavailable (TestMaxUnavailable)', () => {
  it.each([
    { name: 'maxUnavailable less than replicas', rollout: withCanaryFenceposts(10, 1, 5), want: 5 },
    { name: 'maxUnavailable equal replicas', rollout: withCanaryFenceposts(10, 1, 10), want: 10 },
    {
      name: 'maxUnavailable greater than replicas',
      rollout: withCanaryFenceposts(5, 1, 10),
      want: 5,
    },
    { name: 'maxUnavailable with replicas is 0', rollout: withCanaryFenceposts(0, 1, 10), want: 0 },
    { name: 'maxUnavailable with BlueGreen deployment strategy', rollout: blueGreen, want: 0 },
    {
      name: 'maxUnavailable less than replicas with percents',
      rollout: withCanaryFenceposts(10, 1, '50%'),
      want: 5,
    },
    {
      name: 'maxUnavailable equal replicas with percents',
      rollout: withCanaryFenceposts(10, 1, '100%'),
      want: 10,
    },
    {
      name: 'maxUnavailable greater than replicas with percents',
      rollout: withCanaryFenceposts(5, 1, '100%'),
      want: 5,
    },
    // Ours, from defaults.go: unset means 25%, rounded down.
    {
      name: 'default 25% of 10 rounds down (ours)',
      rollout: withCanaryFenceposts(10, 1, undefined),
      want: 2,
    },
    // Ours: the both-zero bump applies to canary only; blue-green resolves maxUnavailable alone.
    {
      name: 'canary: 0 surge and 10% of 5 unavailable -> 1 (ours)',
      rollout: withCanaryFenceposts(5, 0, '10%'),
      want: 1,
    },
    {
      name: 'blue-green: 10% of 5 unavailable -> 0 (ours)',
      rollout: { spec: { replicas: 5, strategy: { blueGreen: { maxUnavailable: '10%' } } } },
      want: 0,
    },
  ])('$name', ({ rollout, want }) => {
    expect(resolveMaxUnavailable(rollout)).toBe(want);
  });
});

describe('MaxTrafficWeight (weightutil)', () => {
  it.each([
    { name: 'no traffic routing: 100', rollout: withCanaryFenceposts(10, 1, 1), want: 100 },
    {
      name: 'trafficRouting.maxTrafficWeight is the full weight',
      rollout: {
        spec: { strategy: { canary: { trafficRouting: { maxTrafficWeight: 1000 } } } },
      } as Rollout,
      want: 1000,
    },
  ])('$name', ({ rollout, want }) => {
    expect(maxTrafficWeight(rollout)).toBe(want);
  });
});
