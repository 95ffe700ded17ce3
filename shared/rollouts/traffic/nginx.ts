/**
 * The NGINX Ingress router (rollout/trafficrouting/nginx/nginx.go, utils/ingress): a canary
 * Ingress `<rollout>-<stableIngress>-canary` beside each stable Ingress, holding only the stable
 * Ingress's rules that route to stableService, pointed at canaryService, with ingress-nginx's
 * canary annotations carrying the weight. The stable Ingress itself is never written.
 *
 * Deliberate differences from Argo: no ownerReference to the Rollout (it is not an object on the
 * cluster, DESIGN.md); our owner label and annotation mark the canary Ingress instead, and
 * `release` deletes it where Argo relies on the garbage collector. A canary Ingress that Argo
 * created (a controller ownerReference to a Rollout of the same name) is adopted. Only
 * networking.k8s.io/v1 Ingresses are written (extensions/v1beta1 left Kubernetes in 1.22).
 */
import type { KubeObject } from '../../core/objects.js';
import type { Json, JsonObject } from '../../core/types.js';
import { OWNER_ANNOTATION, OWNER_LABEL } from '../replicaset.js';
import type {
  NginxTrafficRouting,
  RoutedRollout,
  RouterError,
  RouterInput,
  RouterWrite,
  TrafficRouter,
} from './router.js';
import {
  INGRESS_API_VERSION,
  backendServiceName,
  canaryOf,
  cloneJson,
  createMergePatch,
  ingressRef,
  ingressRules,
  isObject,
  isRouterError,
  missing,
  observedObject,
  rulePaths,
  stringMap,
} from './router.js';

export const DEFAULT_NGINX_ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io';
const CANARY_INGRESS_SUFFIX = '-canary';
/** Kubernetes object names are at most 253 characters. */
const MAX_NAME_LENGTH = 253;
/** The one stable-Ingress annotation the canary must share (ingress-nginx canary rules). */
const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** GetCanaryIngressName: `<rollout>-<stable>` cut to fit, then `-canary`. */
export function canaryIngressName(rolloutName: string, stableIngress: string): string {
  const prefix = `${rolloutName}-${stableIngress}`.slice(
    0,
    MAX_NAME_LENGTH - CANARY_INGRESS_SUFFIX.length,
  );
  return `${prefix}${CANARY_INGRESS_SUFFIX}`;
}

function nginxConfig(rollout: RoutedRollout): NginxTrafficRouting {
  return canaryOf(rollout).trafficRouting?.nginx ?? {};
}

/** stableIngresses wins over stableIngress, as in SetWeight. */
function stableIngresses(rollout: RoutedRollout): { names: string[]; field: string } {
  const nginx = nginxConfig(rollout);
  if (nginx.stableIngresses !== undefined) {
    return { names: nginx.stableIngresses, field: 'trafficRouting.nginx.stableIngresses' };
  }
  return { names: [nginx.stableIngress ?? ''], field: 'trafficRouting.nginx.stableIngress' };
}

function annotationPrefix(rollout: RoutedRollout): string {
  return nginxConfig(rollout).annotationPrefix || DEFAULT_NGINX_ANNOTATION_PREFIX;
}

/**
 * The canary Ingress Argo wants for one stable Ingress (buildCanaryIngress): TLS and
 * ingressClassName copied, only the `kubernetes.io/ingress.class` annotation of the stable kept,
 * and the rules that route to stableService with those backends moved to canaryService.
 */
export function desiredCanaryIngress(
  rollout: RoutedRollout,
  stableIngress: KubeObject,
  desiredWeight: number,
): KubeObject | RouterError {
  const canary = canaryOf(rollout);
  const stableService = canary.stableService ?? '';
  const canaryService = canary.canaryService ?? '';
  const nginx = nginxConfig(rollout);
  const prefix = annotationPrefix(rollout);
  const stableSpec = isObject(stableIngress.spec) ? stableIngress.spec : {};

  const rules: JsonObject[] = [];
  for (const stableRule of ingressRules(stableIngress)) {
    const rule = cloneJson(stableRule);
    let routesToStable = false;
    // A rule without http (or a path with a resource backend) has nothing to move.
    for (const path of rulePaths(rule)) {
      if (backendServiceName(path) !== stableService) continue;
      routesToStable = true;
      const backend = path['backend'] as JsonObject;
      if (isObject(backend['service'])) backend['service']['name'] = canaryService;
      else backend['serviceName'] = canaryService;
    }
    if (routesToStable) rules.push(rule);
  }
  if (rules.length === 0) {
    return {
      error:
        `ingress ${stableIngress.metadata.name} has no rules using service ${stableService} ` +
        `backend; add a rule routing to ${stableService} or fix canary.stableService`,
    };
  }

  const annotations: Record<string, string> = {};
  const ingressClass = stableIngress.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];
  if (ingressClass !== undefined) annotations[INGRESS_CLASS_ANNOTATION] = ingressClass;
  for (const [key, value] of Object.entries(nginx.additionalIngressAnnotations ?? {})) {
    annotations[key.startsWith(prefix) ? key : `${prefix}/${key}`] = value;
  }
  Object.assign(annotations, nginx.canaryIngressAnnotations ?? {});
  // Always last: canary-by-header / canary-by-cookie still take precedence inside ingress-nginx.
  annotations[`${prefix}/canary`] = 'true';
  annotations[`${prefix}/canary-weight`] = String(desiredWeight);
  const maxWeight = canary.trafficRouting?.maxTrafficWeight;
  if (maxWeight !== undefined) annotations[`${prefix}/canary-weight-total`] = String(maxWeight);
  annotations[OWNER_ANNOTATION] = rollout.key;

  const spec: JsonObject = {};
  if (Array.isArray(stableSpec['tls'])) spec['tls'] = cloneJson(stableSpec['tls']);
  if (typeof stableSpec['ingressClassName'] === 'string') {
    spec['ingressClassName'] = stableSpec['ingressClassName'];
  }
  spec['rules'] = rules;

  return {
    apiVersion: INGRESS_API_VERSION,
    kind: 'Ingress',
    metadata: {
      name: canaryIngressName(rollout.name, stableIngress.metadata.name),
      namespace: rollout.namespace,
      labels: { [OWNER_LABEL]: rollout.name },
      annotations,
    },
    spec,
  };
}

/** Ours, or Argo's own (a controller ownerReference to a Rollout of this name): adoptable. */
function ownedBy(ingress: KubeObject, rollout: RoutedRollout): boolean {
  if (ingress.metadata.annotations?.[OWNER_ANNOTATION] === rollout.key) return true;
  const refs = ingress.metadata['ownerReferences'];
  return (
    Array.isArray(refs) &&
    refs.some(
      (ref) =>
        isObject(ref) &&
        ref['controller'] === true &&
        ref['kind'] === 'Rollout' &&
        ref['name'] === rollout.name,
    )
  );
}

function setWeight(input: RouterInput): RouterWrite[] | RouterError {
  const { rollout } = input;
  const { names, field } = stableIngresses(rollout);
  const writes: RouterWrite[] = [];
  for (const stableName of names) {
    const stableRef = ingressRef(rollout.namespace, stableName);
    const stable = observedObject(input, stableRef);
    if (stable === undefined) return missing('stable Ingress', stableRef, field);
    const desired = desiredCanaryIngress(rollout, stable, input.desiredWeight);
    if (isRouterError(desired)) return desired;
    const canaryRef = ingressRef(rollout.namespace, desired.metadata.name);
    const current = observedObject(input, canaryRef);
    if (current === undefined) {
      writes.push({ op: 'apply', ref: canaryRef, object: desired });
      continue;
    }
    if (!ownedBy(current, rollout)) {
      return {
        error:
          `canary ingress ${canaryRef.namespace}/${canaryRef.name} is controlled by a different ` +
          `object (annotation ${OWNER_ANNOTATION} is not ${rollout.key}); delete or rename it`,
      };
    }
    // Annotations other controllers added (e.g. Rancher) are kept; ours win where both set one.
    const annotations = { ...stringMap(current.metadata.annotations) };
    Object.assign(annotations, desired.metadata.annotations);
    const patch = createMergePatch(
      {
        metadata: {
          annotations: stringMap(current.metadata.annotations),
          labels: stringMap(current.metadata.labels),
        },
        spec: (current.spec ?? {}) as Json,
      },
      {
        metadata: { annotations, labels: desired.metadata.labels ?? {} },
        spec: desired.spec ?? {},
      },
    );
    if (patch !== undefined)
      writes.push({ op: 'patch', ref: canaryRef, patch, patchType: 'merge' });
  }
  return writes;
}

/** Argo's nginx RemoveManagedRoutes does nothing: header routes are not supported by nginx. */
function removeManaged(): RouterWrite[] {
  return [];
}

/** The canary Ingresses go with the Rollout (Argo: their ownerReference). */
function release(input: RouterInput): RouterWrite[] {
  const { rollout } = input;
  return stableIngresses(rollout).names.flatMap((stableName) => {
    const ref = ingressRef(rollout.namespace, canaryIngressName(rollout.name, stableName));
    const current = observedObject(input, ref);
    return current !== undefined && ownedBy(current, rollout) ? [{ op: 'delete', ref }] : [];
  });
}

export const nginxRouter: TrafficRouter = {
  type: 'nginx',
  reads(rollout) {
    return stableIngresses(rollout).names.flatMap((stableName) => [
      ingressRef(rollout.namespace, stableName),
      ingressRef(rollout.namespace, canaryIngressName(rollout.name, stableName)),
    ]);
  },
  setWeight,
  removeManaged,
  release,
};
