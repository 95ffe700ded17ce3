/**
 * The AWS Load Balancer Controller router (rollout/trafficrouting/alb/alb.go, utils/ingress,
 * ingress/alb.go): the split lives in the `<prefix>/actions.<rootService>` annotation of the
 * Ingress, a forward action whose target groups are the canary, any experiment services and the
 * stable, with their weights; `rollouts.argoproj.io/managed-alb-annotations` records which
 * annotations each Rollout owns, so they can be reset once the Rollout is gone.
 *
 * Not here: VerifyWeight (it asks the AWS API which weights the target groups really have; a
 * metric-provider-like adapter would), and setHeaderRoute (so removeManaged only cleans routes
 * that some other writer added under managedRoutes names).
 */
import type { KubeObject } from '../../core/objects.js';
import type { Json, JsonObject } from '../../core/types.js';
import type {
  AlbTrafficRouting,
  RoutedRollout,
  RouterError,
  RouterInput,
  RouterWrite,
  TrafficRouter,
} from './router.js';
import {
  backendServiceName,
  canaryOf,
  cloneJson,
  createMergePatch,
  hasRuleWithService,
  ingressRef,
  ingressRules,
  isObject,
  isRouterError,
  missing,
  observedObject,
  rulePaths,
  stableAndCanaryServices,
  stringMap,
} from './router.js';

export const DEFAULT_ALB_ANNOTATION_PREFIX = 'alb.ingress.kubernetes.io';
export const MANAGED_ALB_ANNOTATIONS = 'rollouts.argoproj.io/managed-alb-annotations';
/** The older comma-separated form Argo still removes when it cleans up. */
const MANAGED_ALB_ACTIONS_DEPRECATED = 'rollouts.argoproj.io/managed-alb-actions';
const ACTION_PREFIX = '/actions.';
const CONDITION_PREFIX = '/conditions.';
/** AWS TargetGroupStickinessConfig.DurationSeconds: 1 second to 7 days. */
const MAX_STICKINESS_SECONDS = 604800;
/** Argo's ALB split always totals 100 (maxTrafficWeight is nginx- and plugin-only). */
const ALB_TOTAL_WEIGHT = 100;

function albConfig(rollout: RoutedRollout): AlbTrafficRouting {
  return canaryOf(rollout).trafficRouting?.alb ?? { servicePort: 0 };
}

/** ingresses wins over ingress, as in SetWeight. */
function albIngresses(rollout: RoutedRollout): { names: string[]; field: string } {
  const alb = albConfig(rollout);
  if (alb.ingresses !== undefined) {
    return { names: alb.ingresses, field: 'trafficRouting.alb.ingresses' };
  }
  return { names: [alb.ingress ?? ''], field: 'trafficRouting.alb.ingress' };
}

function annotationKey(rollout: RoutedRollout, kind: string, service: string): string {
  return `${albConfig(rollout).annotationPrefix || DEFAULT_ALB_ANNOTATION_PREFIX}${kind}${service}`;
}

/** ALBActionAnnotationKey: the action of rootService, or of stableService without one. */
export function albActionAnnotationKey(rollout: RoutedRollout): string {
  return annotationKey(rollout, ACTION_PREFIX, actionService(rollout));
}

function actionService(rollout: RoutedRollout): string {
  return albConfig(rollout).rootService || (canaryOf(rollout).stableService ?? '');
}

interface TargetGroup {
  ServiceName: string;
  ServicePort: string;
  Weight: number;
}

/** Go's json.Marshal of ingressutil.ALBAction: field order and omitempty as Argo writes them. */
function actionJson(
  targetGroups: TargetGroup[],
  stickiness: { Enabled: boolean; DurationSeconds: number } | undefined,
): string {
  const forward: JsonObject = {
    TargetGroups: targetGroups.map((tg) => {
      const out: JsonObject = {};
      if (tg.ServiceName !== '') out['ServiceName'] = tg.ServiceName;
      if (tg.ServicePort !== '') out['ServicePort'] = tg.ServicePort;
      out['Weight'] = tg.Weight;
      return out;
    }),
  };
  if (stickiness) forward['TargetGroupStickinessConfig'] = stickiness;
  return JSON.stringify({ Type: 'forward', ForwardConfig: forward });
}

function stickinessOf(
  rollout: RoutedRollout,
): { Enabled: true; DurationSeconds: number } | RouterError | undefined {
  const config = albConfig(rollout).stickinessConfig;
  if (!config?.enabled) return undefined;
  const seconds = config.durationSeconds;
  if (!(seconds >= 1 && seconds <= MAX_STICKINESS_SECONDS)) {
    return {
      error:
        `trafficRouting.alb.stickinessConfig.durationSeconds: ${seconds} is out of range; ` +
        `AWS takes 1 to ${MAX_STICKINESS_SECONDS} seconds (7 days)`,
    };
  }
  return { Enabled: true, DurationSeconds: seconds };
}

/**
 * getForwardActionString: canary first, then each experiment service, then the stable with what
 * is left of 100. Services come from pingPong when it is configured (ALB prefers it).
 */
export function albForwardAction(
  rollout: RoutedRollout,
  desiredWeight: number,
  additional: RouterInput['additionalDestinations'] = [],
): string | RouterError {
  const [stable, canary] = stableAndCanaryServices(rollout, true);
  const port = String(albConfig(rollout).servicePort ?? 0);
  const groups: TargetGroup[] = [{ ServiceName: canary, ServicePort: port, Weight: desiredWeight }];
  let stableWeight = ALB_TOTAL_WEIGHT - desiredWeight;
  for (const dest of additional) {
    groups.push({ ServiceName: dest.serviceName ?? '', ServicePort: port, Weight: dest.weight });
    stableWeight -= dest.weight;
  }
  groups.push({ ServiceName: stable, ServicePort: port, Weight: stableWeight });
  const stickiness = stickinessOf(rollout);
  if (stickiness !== undefined && 'error' in stickiness) return stickiness;
  return actionJson(groups, stickiness);
}

type ManagedAnnotations = Record<string, string[]>;

function parseManaged(ingress: KubeObject): { managed: ManagedAnnotations } | RouterError {
  const raw = ingress.metadata.annotations?.[MANAGED_ALB_ANNOTATIONS];
  if (raw === undefined || raw === '') return { managed: {} };
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!isObject(parsed)) throw new Error('not an object');
    const out: ManagedAnnotations = {};
    for (const [name, keys] of Object.entries(parsed)) {
      out[name] = Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
    }
    return { managed: out };
  } catch (err) {
    return {
      error:
        `ingress ${ingress.metadata.namespace ?? ''}/${ingress.metadata.name}: annotation ` +
        `${MANAGED_ALB_ANNOTATIONS} is not a JSON object of rollout names to annotation lists ` +
        `(${(err as Error).message}); fix or remove it`,
    };
  }
}

/** Go marshals a map with its keys sorted. */
function managedJson(managed: ManagedAnnotations): string {
  const sorted: ManagedAnnotations = {};
  for (const name of Object.keys(managed).sort()) sorted[name] = managed[name] ?? [];
  return JSON.stringify(sorted);
}

/** modifyManagedAnnotation: add or remove annotation keys under this rollout's name. */
function withManaged(
  annotations: Record<string, string>,
  managed: ManagedAnnotations,
  rolloutName: string,
  add: boolean,
  keys: string[],
): Record<string, string> {
  let mine = [...(managed[rolloutName] ?? [])];
  for (const key of keys) {
    if (add && !mine.includes(key)) mine.push(key);
    if (!add) mine = mine.filter((k) => k !== key);
  }
  return {
    ...annotations,
    [MANAGED_ALB_ANNOTATIONS]: managedJson({ ...managed, [rolloutName]: mine }),
  };
}

function annotationsPatch(
  ingress: KubeObject,
  annotations: Record<string, string>,
  spec?: Json,
): Json | undefined {
  return createMergePatch(
    {
      metadata: { annotations: stringMap(ingress.metadata.annotations) },
      ...(spec !== undefined ? { spec: (ingress.spec ?? {}) as Json } : {}),
    },
    { metadata: { annotations }, ...(spec !== undefined ? { spec } : {}) },
  );
}

function setWeight(input: RouterInput): RouterWrite[] | RouterError {
  const { rollout } = input;
  const { names, field } = albIngresses(rollout);
  const action = albForwardAction(rollout, input.desiredWeight, input.additionalDestinations);
  if (typeof action !== 'string') return action;
  const key = albActionAnnotationKey(rollout);
  const writes: RouterWrite[] = [];
  for (const name of names) {
    const ref = ingressRef(rollout.namespace, name);
    const ingress = observedObject(input, ref);
    if (ingress === undefined) return missing('Ingress', ref, field);
    const service = actionService(rollout);
    if (!hasRuleWithService(ingress, service)) {
      return {
        error:
          `ingress ${ref.namespace}/${name} does not have service ${service} in rules; ` +
          `route a path to ${service} (backend port name use-annotation) or fix ` +
          `trafficRouting.alb.rootService`,
      };
    }
    const parsed = parseManaged(ingress);
    if (isRouterError(parsed)) return parsed;
    const { managed } = parsed;
    const annotations = withManaged(
      { ...stringMap(ingress.metadata.annotations), [key]: action },
      managed,
      rollout.name,
      true,
      [key],
    );
    // Each Ingress on its own: Argo stops at the first one already up to date (a `return` where
    // it means `continue`), which would leave a later, stale one unpatched.
    const patch = annotationsPatch(ingress, annotations);
    if (patch !== undefined) writes.push({ op: 'patch', ref, patch, patchType: 'merge' });
  }
  return writes;
}

/**
 * RemoveManagedRoutesPerIngress: the header-route actions and conditions named in
 * managedRoutes go, with the Ingress paths that route to them.
 */
function removeManaged(input: RouterInput): RouterWrite[] | RouterError {
  const { rollout } = input;
  const routes = canaryOf(rollout).trafficRouting?.managedRoutes ?? [];
  if (routes.length === 0) return [];
  const { names, field } = albIngresses(rollout);
  const writes: RouterWrite[] = [];
  for (const name of names) {
    const ref = ingressRef(rollout.namespace, name);
    const ingress = observedObject(input, ref);
    if (ingress === undefined) return missing('Ingress', ref, field);
    const parsed = parseManaged(ingress);
    if (isRouterError(parsed)) return parsed;
    const { managed } = parsed;
    const annotations = stringMap(ingress.metadata.annotations);
    const keys: string[] = [];
    for (const route of routes) {
      const actionKey = annotationKey(rollout, ACTION_PREFIX, route.name);
      const conditionKey = annotationKey(rollout, CONDITION_PREFIX, route.name);
      delete annotations[actionKey];
      delete annotations[conditionKey];
      keys.push(actionKey, conditionKey);
    }
    const routeNames = new Set(routes.map((r) => r.name));
    const spec = cloneJson((ingress.spec ?? {}) as JsonObject);
    spec['rules'] = ingressRules(ingress).map((rule) => {
      if (!isObject(rule['http'])) return rule;
      const paths = rulePaths(rule).filter((p) => !routeNames.has(backendServiceName(p) ?? ''));
      return { ...rule, http: { ...rule['http'], paths } };
    });
    if (!Array.isArray((ingress.spec as JsonObject | undefined)?.['rules'])) delete spec['rules'];
    const patch = annotationsPatch(
      ingress,
      withManaged(annotations, managed, rollout.name, false, keys),
      spec,
    );
    if (patch !== undefined) writes.push({ op: 'patch', ref, patch, patchType: 'merge' });
  }
  return writes;
}

/**
 * ingress/alb.go syncALBIngress, for a Rollout that no longer exists: each action it managed is
 * reset to send everything to the action's own service (port and stickiness kept), and its entry
 * leaves the managed annotation (which goes once empty, with the deprecated one).
 */
function release(input: RouterInput): RouterWrite[] {
  const { rollout } = input;
  const writes: RouterWrite[] = [];
  for (const name of albIngresses(rollout).names) {
    const ref = ingressRef(rollout.namespace, name);
    const ingress = observedObject(input, ref);
    if (ingress === undefined) continue;
    const parsed = parseManaged(ingress);
    if (isRouterError(parsed) || parsed.managed[rollout.name] === undefined) continue;
    const { managed } = parsed;
    const annotations = stringMap(ingress.metadata.annotations);
    const actionKeys = (managed[rollout.name] ?? []).filter((key) => key.includes(ACTION_PREFIX));
    const resets = actionKeys.map((key) =>
      resetAction(annotations[key], key.split(ACTION_PREFIX)[1] ?? ''),
    );
    // Argo leaves the whole Ingress alone when one of its actions cannot be reset.
    if (resets.some((reset) => reset === undefined)) continue;
    actionKeys.forEach((key, i) => (annotations[key] = resets[i] ?? ''));
    const rest = { ...managed };
    delete rest[rollout.name];
    if (Object.keys(rest).length === 0) delete annotations[MANAGED_ALB_ANNOTATIONS];
    else annotations[MANAGED_ALB_ANNOTATIONS] = managedJson(rest);
    delete annotations[MANAGED_ALB_ACTIONS_DEPRECATED];
    const patch = annotationsPatch(ingress, annotations);
    if (patch !== undefined) writes.push({ op: 'patch', ref, patch, patchType: 'merge' });
  }
  return writes;
}

/** getResetALBActionStr: all traffic to the service, at the port its target group had. */
function resetAction(previous: string | undefined, service: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(previous ?? '');
  } catch {
    return undefined;
  }
  const forward =
    isObject(parsed) && isObject(parsed['ForwardConfig']) ? parsed['ForwardConfig'] : {};
  const groups = Array.isArray(forward['TargetGroups'])
    ? forward['TargetGroups'].filter(isObject)
    : [];
  let port = '';
  for (const tg of groups) {
    if (tg['ServiceName'] === service && typeof tg['ServicePort'] === 'string')
      port = tg['ServicePort'];
  }
  if (port === '') return undefined;
  const sticky = forward['TargetGroupStickinessConfig'];
  return actionJson(
    [{ ServiceName: service, ServicePort: port, Weight: ALB_TOTAL_WEIGHT }],
    isObject(sticky)
      ? {
          Enabled: sticky['Enabled'] === true,
          DurationSeconds: Number(sticky['DurationSeconds'] ?? 0),
        }
      : undefined,
  );
}

export const albRouter: TrafficRouter = {
  type: 'alb',
  reads(rollout) {
    return albIngresses(rollout).names.map((name) => ingressRef(rollout.namespace, name));
  },
  setWeight,
  removeManaged,
  release,
};
