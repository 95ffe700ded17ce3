/**
 * The parts of an Argo Rollout that the replica math reads (pkg/apis/rollouts/v1alpha1/types.go).
 * Field names are Argo's JSON names, so a parsed Rollout manifest fits these shapes as is; fields
 * the math never reads (selector, template, analysis, the router configs...) are left out.
 */

/**
 * Kubernetes' IntOrString as maxSurge / maxUnavailable take it: a count of pods, or a percentage
 * of spec.replicas written "25%". Argo resolves it with the legacy intstr parser, which reads
 * every string as a percentage with its "%" signs removed, so "25" also means 25%.
 */
export type IntOrString = number | string;

/** spec.strategy.canary.steps[].setCanaryScale: scale the canary without moving traffic. */
export interface SetCanaryScale {
  /** Percentage of spec.replicas the canary ReplicaSet should have. */
  weight?: number;
  /** Exact number of replicas the canary ReplicaSet should have. */
  replicas?: number;
  /** Go back to sizing the canary from the traffic weight (cancels an earlier setCanaryScale). */
  matchTrafficWeight?: boolean;
}

/** spec.strategy.canary.steps[].pause; no duration means paused until promoted. */
export interface RolloutPause {
  duration?: IntOrString;
}

/** One spec.strategy.canary.steps[] entry (only the kinds the replica math looks at). */
export interface CanaryStep {
  setWeight?: number;
  pause?: RolloutPause;
  setCanaryScale?: SetCanaryScale;
}

/**
 * spec.strategy.canary.trafficRouting. Its presence is what matters here (a router splits
 * traffic, so replica counts no longer have to carry the weight); which router is not modelled.
 */
export interface RolloutTrafficRouting {
  /** The total weight of traffic; 100 when unset. */
  maxTrafficWeight?: number;
}

export interface CanaryStrategy {
  steps?: CanaryStep[];
  maxSurge?: IntOrString;
  maxUnavailable?: IntOrString;
  trafficRouting?: RolloutTrafficRouting;
  /** With traffic routing: scale the stable down as traffic moves to the canary. */
  dynamicStableScale?: boolean;
  /** With traffic routing: a non-zero ReplicaSet gets at least this many pods. */
  minPodsPerReplicaSet?: number;
  /** 0 means leave the canary up after an abort; unset means 30s when traffic routing is used. */
  abortScaleDownDelaySeconds?: number;
}

/** spec.strategy.blueGreen, only as far as maxUnavailable and abort scale-down reach into it. */
export interface BlueGreenStrategy {
  maxUnavailable?: IntOrString;
  abortScaleDownDelaySeconds?: number;
}

export interface RolloutStrategy {
  canary?: CanaryStrategy;
  blueGreen?: BlueGreenStrategy;
}

export interface RolloutSpec {
  /** Desired pods; 1 when unset, as Argo defaults it. */
  replicas?: number;
  strategy: RolloutStrategy;
  /** Seconds without progress before the rollout is Degraded (ProgressDeadlineExceeded); 600. */
  progressDeadlineSeconds?: number;
  /** Abort an update that exceeded its progress deadline. */
  progressDeadlineAbort?: boolean;
}

/** status.canary.weights[].* : where traffic is actually sent right now. */
export interface WeightDestination {
  weight: number;
  serviceName?: string;
  podTemplateHash?: string;
}

/** status.canary.weights: the traffic split the router last reported. */
export interface TrafficWeights {
  canary: WeightDestination;
  stable: WeightDestination;
  additional?: WeightDestination[];
  verified?: boolean;
}

export interface RolloutStatus {
  /** Index into spec.strategy.canary.steps; 0 when unset, past the end once all steps ran. */
  currentStepIndex?: number;
  abort?: boolean;
  /** Skip the remaining steps and go straight to 100%. */
  promoteFull?: boolean;
  /** Pod template hash of the stable ReplicaSet; empty until a first version is healthy. */
  stableRS?: string;
  /** Pod template hash of the current (newest) pod template. */
  currentPodHash?: string;
  canary?: { weights?: TrafficWeights };
}

export interface Rollout {
  spec: RolloutSpec;
  status?: RolloutStatus;
}

/** The three numbers of a ReplicaSet the replica math needs. */
export interface ReplicaSetView {
  name: string;
  /** spec.replicas: what the ReplicaSet is asked to run. */
  replicas: number;
  /** status.availableReplicas: pods ready for at least minReadySeconds. */
  availableReplicas: number;
}
