/**
 * What every traffic router shares (rollout/trafficrouting/trafficroutingutil.go, service_helper.go,
 * utils/ingress): the router configs of spec.strategy.canary.trafficRouting, the interface each
 * router implements, and the small object helpers they all use.
 *
 * Argo's reconcilers read the cluster and write to it; ours are pure. A router names the objects
 * it must read (`reads`), and given them (`RouterInput.observed`) says what to write. Which
 * router method to call when (abort, full promotion, the step's weight) stays with the canary
 * decision, as it stays with rollout/trafficrouting.go in Argo.
 */
import type { ObjectRef } from '../../core/kubernetes.js';
import type { KubeObject } from '../../core/objects.js';
import type { Json, JsonObject } from '../../core/types.js';
import type {
  CanaryStep,
  CanaryStrategy,
  RolloutSpec,
  RolloutStatus,
  RolloutStrategy,
  RolloutTrafficRouting,
  WeightDestination,
} from '../types.js';

export type { ObjectRef };

// ---------------------------------------------------------------------------------------------
// The router configs (pkg/apis/rollouts/v1alpha1/types.go), Argo's JSON names.

/** trafficRouting.nginx */
export interface NginxTrafficRouting {
  /** Prefix of the canary annotations; `nginx.ingress.kubernetes.io` when unset. */
  annotationPrefix?: string;
  stableIngress?: string;
  stableIngresses?: string[];
  /** Added to the canary Ingress, each key prefixed with annotationPrefix unless it already is. */
  additionalIngressAnnotations?: Record<string, string>;
  /** Added to the canary Ingress as they are (full keys), after additionalIngressAnnotations. */
  canaryIngressAnnotations?: Record<string, string>;
}

/** trafficRouting.alb.stickinessConfig */
export interface AlbStickinessConfig {
  enabled: boolean;
  durationSeconds: number;
}

/** trafficRouting.alb */
export interface AlbTrafficRouting {
  ingress?: string;
  ingresses?: string[];
  servicePort: number;
  /** The service whose `actions.<service>` annotation carries the split; stableService if unset. */
  rootService?: string;
  /** `alb.ingress.kubernetes.io` when unset. */
  annotationPrefix?: string;
  stickinessConfig?: AlbStickinessConfig;
}

/** trafficRouting.istio.virtualService(s)[].tlsRoutes[] */
export interface IstioTlsRoute {
  port?: number;
  sniHosts?: string[];
}

/** trafficRouting.istio.virtualService(s)[].tcpRoutes[] */
export interface IstioTcpRoute {
  port?: number;
}

/** trafficRouting.istio.virtualService / virtualServices[] */
export interface IstioVirtualServiceRef {
  /** `name`, or Istio's `name.namespace` shorthand (a trailing `.cluster.local` is ignored). */
  name: string;
  routes?: string[];
  tlsRoutes?: IstioTlsRoute[];
  tcpRoutes?: IstioTcpRoute[];
}

/** trafficRouting.istio.destinationRule: subset-level splitting. */
export interface IstioDestinationRuleRef {
  name: string;
  canarySubsetName: string;
  stableSubsetName: string;
  /** Subsets other rollouts split on: their weights are kept and taken from the stable's share. */
  additionalSubsetNames?: string[];
}

/** trafficRouting.istio */
export interface IstioTrafficRouting {
  virtualService?: IstioVirtualServiceRef;
  virtualServices?: IstioVirtualServiceRef[];
  destinationRule?: IstioDestinationRuleRef;
}

/** trafficRouting.managedRoutes[] */
export interface ManagedRoute {
  name: string;
}

/** spec.strategy.canary.trafficRouting with the router configs. */
export interface TrafficRouting extends RolloutTrafficRouting {
  nginx?: NginxTrafficRouting;
  istio?: IstioTrafficRouting;
  alb?: AlbTrafficRouting;
  managedRoutes?: ManagedRoute[];
  // Routers we do not implement: present only so routersFor can name them.
  smi?: Json;
  ambassador?: Json;
  appMesh?: Json;
  traefik?: Json;
  apisix?: Json;
  plugins?: Record<string, Json>;
}

/** spec.strategy.canary.pingPong */
export interface PingPongSpec {
  pingService: string;
  pongService: string;
}

/** A canary step with the route steps routers clean up after. */
export interface RoutedCanaryStep extends CanaryStep {
  setHeaderRoute?: { name: string };
  setMirrorRoute?: { name: string };
}

export interface RoutedCanaryStrategy extends CanaryStrategy {
  steps?: RoutedCanaryStep[];
  canaryService?: string;
  stableService?: string;
  pingPong?: PingPongSpec;
  trafficRouting?: TrafficRouting;
}

export interface RoutedRolloutSpec extends RolloutSpec {
  strategy: RolloutStrategy & { canary?: RoutedCanaryStrategy };
}

export interface RoutedRolloutStatus extends RolloutStatus {
  canary?: RolloutStatus['canary'] & { stablePingPong?: 'ping' | 'pong' };
}

/** The Rollout as routers see it. */
export interface RoutedRollout {
  name: string;
  namespace: string;
  /** The Rollout's resource key: objects we create carry it (DESIGN.md: no ownerReferences). */
  key: string;
  spec: RoutedRolloutSpec;
  status?: RoutedRolloutStatus;
}

// ---------------------------------------------------------------------------------------------
// The router interface

/** A ReplicaSet as the Istio DestinationRule switch looks at it. */
export interface RouterReplicaSet {
  name: string;
  podTemplateHash: string;
  /** spec.replicas */
  replicas: number;
  /** Every desired pod available (replicasetutil.IsReplicaSetAvailable). */
  available: boolean;
}

export interface RouterInput {
  rollout: RoutedRollout;
  /** Canary weight, 0..maxTrafficWeight. */
  desiredWeight: number;
  /** Experiment services taking a share of traffic (status.canary.weights.additional). */
  additionalDestinations?: WeightDestination[];
  /** Keyed by refKey(ref), one entry for each ref reads() returned; undefined: not found. */
  observed: ReadonlyMap<string, KubeObject | undefined>;
  /** Pod template hashes, for Istio subset-level splitting. */
  canaryHash?: string;
  stableHash?: string;
  /**
   * The rollout's ReplicaSets. With subset-level Istio and no canary/stable services, the
   * DestinationRule is not switched while a traffic-taking ReplicaSet is still unavailable.
   */
  replicaSets?: RouterReplicaSet[];
  /** Aborting or rolling back to stable: the canary's availability no longer holds the switch. */
  abortingToStable?: boolean;
}

export interface RouterWrite {
  op: 'apply' | 'patch' | 'delete';
  ref: ObjectRef;
  /** For apply: the whole object. */
  object?: KubeObject;
  /** For patch: an RFC 7386 merge patch (object) or an RFC 6902 JSON patch (array). */
  patch?: Json;
  patchType?: 'merge' | 'json';
}

/** What was wrong and where, so the Rollout's condition can say what to fix. */
export interface RouterError {
  error: string;
}

export type RouterType = 'nginx' | 'istio' | 'alb';

export interface TrafficRouter {
  type: RouterType;
  /** The objects this router must read before deciding. */
  reads(rollout: RoutedRollout): ObjectRef[];
  /** The writes that bring the routing to desiredWeight (Argo: UpdateHash then SetWeight). */
  setWeight(input: RouterInput): RouterWrite[] | RouterError;
  /**
   * RemoveManagedRoutes: called on abort, full promotion and a canary with no available pods.
   * Removes what setHeaderRoute / setMirrorRoute steps added; the weights are left alone.
   */
  removeManaged(input: RouterInput): RouterWrite[] | RouterError;
  /**
   * The Rollout is gone: undo what Argo's garbage collector or ingress controller would
   * (the canary Ingress deleted, the ALB action reset to the root service).
   */
  release(input: RouterInput): RouterWrite[];
}

export function isRouterError(value: unknown): value is RouterError {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'error' in value;
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the routers

export const INGRESS_API_VERSION = 'networking.k8s.io/v1';
/** Argo's default --istio-api-version. */
export const ISTIO_API_VERSION = 'networking.istio.io/v1alpha3';
/** v1alpha1.ManagedByRolloutsKey, set on the DestinationRule Argo switches. */
export const MANAGED_BY_ROLLOUTS_ANNOTATION = 'argo-rollouts.argoproj.io/managed-by-rollouts';

/**
 * The key of an object in RouterInput.observed: group, kind, namespace, name. The version is left
 * out so an observer that read `v1beta1` of a VirtualService still answers a `v1alpha3` ref.
 */
export function refKey(ref: ObjectRef): string {
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? 'core' : ref.apiVersion.slice(0, slash);
  return `${group}/${ref.kind}/${ref.namespace ?? '_'}/${ref.name}`;
}

export function ingressRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: INGRESS_API_VERSION, kind: 'Ingress', namespace, name };
}

export function observedObject(input: RouterInput, ref: ObjectRef): KubeObject | undefined {
  return input.observed.get(refKey(ref));
}

export function canaryOf(rollout: RoutedRollout): RoutedCanaryStrategy {
  return rollout.spec.strategy.canary ?? {};
}

/**
 * GetStableAndCanaryServices: [stable, canary]. With pingPong, the ping or pong service per
 * status.canary.stablePingPong; ALB prefers pingPong even when stable/canary services are set,
 * the others only use it when those are both unset.
 */
export function stableAndCanaryServices(
  rollout: RoutedRollout,
  pingPongPreferred: boolean,
): [stable: string, canary: string] {
  const canary = canaryOf(rollout);
  const stable = canary.stableService ?? '';
  const canarySvc = canary.canaryService ?? '';
  const pingPong = canary.pingPong;
  if (pingPong && (pingPongPreferred || (stable === '' && canarySvc === ''))) {
    return rollout.status?.canary?.stablePingPong === 'ping'
      ? [pingPong.pingService, pingPong.pongService]
      : [pingPong.pongService, pingPong.pingService];
  }
  return [stable, canarySvc];
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringMap(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** A copy of a JSON value (observed objects are never mutated). */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

/**
 * The RFC 7386 merge patch that turns `from` into `to`: changed keys set, removed keys null,
 * lists replaced whole. undefined when nothing differs.
 */
export function createMergePatch(from: Json | undefined, to: Json | undefined): Json | undefined {
  if (!isObject(from) || !isObject(to)) {
    return JSON.stringify(from) === JSON.stringify(to) ? undefined : (to ?? null);
  }
  const patch: JsonObject = {};
  for (const [k, v] of Object.entries(to)) {
    const sub = createMergePatch(from[k], v);
    if (sub !== undefined) patch[k] = sub;
  }
  for (const k of Object.keys(from)) if (!(k in to)) patch[k] = null;
  return Object.keys(patch).length === 0 ? undefined : patch;
}

/** Each http path backend's service name, for networking.k8s.io/v1 and extensions/v1beta1. */
export function backendServiceName(path: unknown): string | undefined {
  if (!isObject(path) || !isObject(path['backend'])) return undefined;
  const backend = path['backend'];
  if (isObject(backend['service']) && typeof backend['service']['name'] === 'string') {
    return backend['service']['name'];
  }
  return typeof backend['serviceName'] === 'string' ? backend['serviceName'] : undefined;
}

export function ingressRules(ingress: KubeObject): JsonObject[] {
  const spec = isObject(ingress.spec) ? ingress.spec : {};
  return Array.isArray(spec['rules']) ? spec['rules'].filter(isObject) : [];
}

export function rulePaths(rule: JsonObject): JsonObject[] {
  const http = rule['http'];
  return isObject(http) && Array.isArray(http['paths']) ? http['paths'].filter(isObject) : [];
}

/** HasRuleWithService: some http path of the Ingress routes to the service. */
export function hasRuleWithService(ingress: KubeObject, service: string): boolean {
  return ingressRules(ingress).some((rule) =>
    rulePaths(rule).some((path) => backendServiceName(path) === service),
  );
}

/** A missing object, said the way an operator can act on it. */
export function missing(what: string, ref: ObjectRef, field: string): RouterError {
  return {
    error:
      `${what} ${ref.namespace ?? ''}/${ref.name} named by ${field} does not exist; ` +
      `create it or fix ${field}`,
  };
}
