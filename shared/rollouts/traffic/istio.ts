/**
 * The Istio router (rollout/trafficrouting/istio/istio.go, utils/istio): the weights of the
 * canary and stable destinations of chosen VirtualService routes (http by name, tls by port and
 * SNI hosts, tcp by port), at host level (canaryService / stableService) or subset level (a
 * DestinationRule whose canary and stable subsets select pods by `rollouts-pod-template-hash`).
 *
 * Argo writes both objects with Update (whole object, resourceVersion checked). Ours are JSON
 * patches that replace only the lists that changed, led by a `test` of the resourceVersion that
 * was read when it was known, so a concurrent change fails the patch the way it fails Argo's
 * Update: read again and decide again.
 *
 * Not here: setHeaderRoute / setMirrorRoute steps (removeManaged still removes their routes).
 */
import type { ObjectRef } from '../../core/kubernetes.js';
import type { KubeObject } from '../../core/objects.js';
import type { Json, JsonObject } from '../../core/types.js';
import { POD_TEMPLATE_HASH_LABEL } from '../replicaset.js';
import type { WeightDestination } from '../types.js';
import type {
  IstioDestinationRuleRef,
  IstioTcpRoute,
  IstioTlsRoute,
  IstioTrafficRouting,
  IstioVirtualServiceRef,
  RoutedRollout,
  RouterError,
  RouterInput,
  RouterWrite,
  TrafficRouter,
} from './router.js';
import {
  ISTIO_API_VERSION,
  MANAGED_BY_ROLLOUTS_ANNOTATION,
  canaryOf,
  cloneJson,
  isObject,
  missing,
  observedObject,
  stableAndCanaryServices,
} from './router.js';

/** Istio's split always totals 100 (maxTrafficWeight is nginx- and plugin-only). */
const ISTIO_TOTAL_WEIGHT = 100;

type RouteType = 'http' | 'tls' | 'tcp';

function istioConfig(rollout: RoutedRollout): IstioTrafficRouting {
  return canaryOf(rollout).trafficRouting?.istio ?? {};
}

/** virtualServices wins over virtualService (MultipleVirtualServiceConfigured). */
function virtualServiceRefs(rollout: RoutedRollout): IstioVirtualServiceRef[] {
  const istio = istioConfig(rollout);
  if (istio.virtualServices !== undefined) return istio.virtualServices;
  return istio.virtualService ? [istio.virtualService] : [];
}

/**
 * GetVirtualServiceNamespaceName: Istio's `name.namespace` shorthand. A namespace cannot hold a
 * dot, so the last segment is the namespace and the rest (dots and all) the name.
 */
export function virtualServiceNamespaceName(reference: string): {
  namespace: string | undefined;
  name: string;
} {
  const fields = reference.replace(/\.cluster\.local$/, '').split('.');
  if (fields.length >= 2) {
    return { namespace: fields[fields.length - 1], name: fields.slice(0, -1).join('.') };
  }
  return { namespace: undefined, name: fields[0] ?? '' };
}

function virtualServiceRef(rollout: RoutedRollout, vs: IstioVirtualServiceRef): ObjectRef {
  const { namespace, name } = virtualServiceNamespaceName(vs.name);
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'VirtualService',
    namespace: namespace || rollout.namespace,
    name,
  };
}

function destinationRuleRef(rollout: RoutedRollout, rule: IstioDestinationRuleRef): ObjectRef {
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'DestinationRule',
    namespace: rollout.namespace,
    name: rule.name,
  };
}

// ---------------------------------------------------------------------------------------------
// VirtualService routes

interface Destination {
  host: string;
  subset: string;
  weight: number;
}

function destinationsOf(route: JsonObject): Destination[] {
  const list = Array.isArray(route['route']) ? route['route'] : [];
  return list.map((entry) => {
    const dest = isObject(entry) && isObject(entry['destination']) ? entry['destination'] : {};
    const weight = isObject(entry) && typeof entry['weight'] === 'number' ? entry['weight'] : 0;
    return {
      host: typeof dest['host'] === 'string' ? dest['host'] : '',
      subset: typeof dest['subset'] === 'string' ? dest['subset'] : '',
      weight,
    };
  });
}

/** getHost: the service name of a host (`svc.ns.svc.cluster.local` -> `svc`); "" for `.x`. */
function shortHost(host: string): string {
  const dot = host.indexOf('.');
  if (dot < 0) return host;
  return dot > 0 ? host.slice(0, dot) : '';
}

function routeName(route: JsonObject): string {
  return typeof route['name'] === 'string' ? route['name'] : '';
}

/** getHttpRouteIndexesToPatch: by name, or the only (else the first unnamed) route. */
function httpRouteIndexes(names: string[], routes: JsonObject[]): number[] | RouterError {
  if (names.length === 0) {
    if (routes.length === 1) return [0];
    const unnamed = routes.findIndex((r) => routeName(r) === '');
    if (unnamed >= 0) return [unnamed];
  }
  const indexes: number[] = [];
  for (const name of names) {
    const index = routes.findIndex((r) => routeName(r) === name);
    if (index < 0)
      return { error: `HTTP Route '${name}' is not found in the defined Virtual Service` };
    indexes.push(index);
  }
  return indexes;
}

/** The single port of a route's matches (0 when none); undefined when it has several. */
function singleMatchPort(route: JsonObject): number | undefined {
  const matches = Array.isArray(route['match']) ? route['match'].filter(isObject) : [];
  const ports = new Set(matches.map((m) => (typeof m['port'] === 'number' ? m['port'] : 0)));
  if (ports.size > 1) return undefined;
  return [...ports][0] ?? 0;
}

function sniHostsOf(route: JsonObject): string[] {
  const matches = Array.isArray(route['match']) ? route['match'].filter(isObject) : [];
  const hosts = new Set<string>();
  for (const m of matches) {
    if (Array.isArray(m['sniHosts']))
      for (const h of m['sniHosts']) if (typeof h === 'string') hosts.add(h);
  }
  return [...hosts];
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x)) && b.every((x) => a.includes(x));
}

/**
 * getTlsRouteIndexesToPatch / getTcpRouteIndexesToPatch: every route whose matches share one
 * port equal to the configured port (and, for tls, exactly the configured SNI hosts); with none
 * configured, the first route.
 */
function l4RouteIndexes(
  type: 'tls' | 'tcp',
  configured: Array<IstioTlsRoute | IstioTcpRoute>,
  routes: JsonObject[],
): number[] | RouterError {
  if (configured.length === 0) return [0];
  const indexes: number[] = [];
  for (const wanted of configured) {
    const found = routes.flatMap((route, i) => {
      const port = singleMatchPort(route);
      if (port === undefined || port !== (wanted.port ?? 0)) return [];
      if (type === 'tls' && !sameSet((wanted as IstioTlsRoute).sniHosts ?? [], sniHostsOf(route))) {
        return [];
      }
      return [i];
    });
    if (found.length === 0) {
      return {
        error: `No matching ${type.toUpperCase()} routes found in the defined Virtual Service`,
      };
    }
    indexes.push(...found);
  }
  return indexes;
}

/** validateVirtualServiceRouteDestinations: the route names both sides of the split. */
function validateDestinations(
  rollout: RoutedRollout,
  destinations: Destination[],
  where: string,
): RouterError | undefined {
  const [stable, canary] = stableAndCanaryServices(rollout, false);
  const rule = istioConfig(rollout).destinationRule;
  const has = (test: (d: Destination) => boolean) => destinations.some(test);
  const suffix = `(${where}); add a destination for it to the route`;
  if (rule) {
    if (!has((d) => rule.canarySubsetName !== '' && d.subset === rule.canarySubsetName)) {
      return {
        error: `Canary DestinationRule subset '${rule.canarySubsetName}' not found in route ${suffix}`,
      };
    }
    if (!has((d) => rule.stableSubsetName !== '' && d.subset === rule.stableSubsetName)) {
      return {
        error: `Stable DestinationRule subset '${rule.stableSubsetName}' not found in route ${suffix}`,
      };
    }
    return undefined;
  }
  if (!has((d) => canary !== '' && shortHost(d.host) === canary)) {
    return { error: `Canary Service '${canary}' not found in route ${suffix}` };
  }
  if (!has((d) => stable !== '' && shortHost(d.host) === stable)) {
    return { error: `Stable Service '${stable}' not found in route ${suffix}` };
  }
  return undefined;
}

/**
 * processRoutes: the new destination list of one route. The canary gets desiredWeight; each
 * experiment service its own weight (appended when the route lacks it); subsets listed in
 * additionalSubsetNames keep theirs; the stable gets what is left of 100 (never below 0); any
 * other destination that still has weight is removed.
 */
function reweighRoute(
  rollout: RoutedRollout,
  route: JsonObject,
  desiredWeight: number,
  additional: WeightDestination[],
): Json[] {
  const [stableSvc, canarySvc] = stableAndCanaryServices(rollout, false);
  const rule = istioConfig(rollout).destinationRule;
  const canarySubset = rule?.canarySubsetName ?? '';
  const stableSubset = rule?.stableSubsetName ?? '';
  const extraSubsets = rule?.additionalSubsetNames;
  const isExtraSubset = (subset: string) => subset !== '' && (extraSubsets ?? []).includes(subset);

  const destinations = destinationsOf(route);
  const experiments = new Map<string, WeightDestination>();
  let stableWeight = ISTIO_TOTAL_WEIGHT - desiredWeight;
  for (const dest of additional) {
    experiments.set(dest.serviceName ?? '', dest);
    stableWeight -= dest.weight;
  }
  if (extraSubsets !== undefined) {
    for (const d of destinations) if (isExtraSubset(d.subset)) stableWeight -= d.weight;
  }
  stableWeight = Math.max(0, stableWeight);

  const entries = (Array.isArray(route['route']) ? route['route'] : []).map((e) => cloneJson(e));
  const removed = new Set<number>();
  destinations.forEach((d, i) => {
    const host = shortHost(d.host);
    if (host === '') return;
    let weight: number;
    if (host === canarySvc || (d.subset !== '' && d.subset === canarySubset))
      weight = desiredWeight;
    else if (host === stableSvc || (d.subset !== '' && d.subset === stableSubset))
      weight = stableWeight;
    else if (experiments.has(host)) {
      weight = experiments.get(host)?.weight ?? 0;
      experiments.delete(host);
    } else if (isExtraSubset(d.subset)) weight = d.weight;
    else {
      // Argo only removes a stray destination that still takes traffic.
      if (d.weight !== 0) removed.add(i);
      return;
    }
    const entry = entries[i];
    if (weight !== d.weight && isObject(entry)) entry['weight'] = weight;
  });
  const kept = entries.filter((_, i) => !removed.has(i));
  // Sorted so the order of new experiment destinations never depends on map order.
  for (const host of [...experiments.keys()].sort()) {
    const dest = experiments.get(host);
    kept.push({ weight: dest?.weight ?? 0, destination: { host: dest?.serviceName ?? '' } });
  }
  return kept;
}

/** orderRoutes: managed routes first, in managedRoutes order, then the others as they were. */
function orderRoutes(rollout: RoutedRollout, routes: Json[]): Json[] {
  const managed = canaryOf(rollout).trafficRouting?.managedRoutes;
  if (managed === undefined) return routes;
  const names = managed.map((m) => m.name);
  const name = (r: Json) => (isObject(r) ? routeName(r) : '');
  const first = names.flatMap((n) => routes.filter((r) => name(r) === n));
  return [...first, ...routes.filter((r) => !names.includes(name(r)))];
}

function routeList(vs: KubeObject, type: RouteType): JsonObject[] | undefined {
  const spec = isObject(vs.spec) ? vs.spec : {};
  const list = spec[type];
  return Array.isArray(list) ? list.map((r) => (isObject(r) ? r : {})) : undefined;
}

/** reconcileVirtualService: the new route lists of one VirtualService, or what is wrong. */
function reweighVirtualService(
  input: RouterInput,
  ref: IstioVirtualServiceRef,
  vs: KubeObject,
): Partial<Record<RouteType, Json[]>> | RouterError {
  const { rollout } = input;
  const where = `VirtualService ${vs.metadata.namespace ?? ''}/${vs.metadata.name}`;
  const managedNames = (canaryOf(rollout).trafficRouting?.managedRoutes ?? []).map((m) => m.name);
  const result: Partial<Record<RouteType, Json[]>> = {};

  for (const type of ['http', 'tls', 'tcp'] as const) {
    const routes = routeList(vs, type);
    if (routes === undefined) continue;
    let indexes: number[] | RouterError;
    if (type === 'http') {
      const names = ref.routes ?? [];
      indexes = httpRouteIndexes(names, routes);
      if ('error' in indexes) return { error: `${indexes.error} (${where}.spec.http)` };
      const unmanaged = routes.filter((r) => !managedNames.includes(routeName(r)));
      if (names.length === 0 && unmanaged.length > 1) {
        return {
          error:
            `${where}: spec.http must have exactly one route when ` +
            `trafficRouting.istio.virtualService.routes is omitted; name the routes to split`,
        };
      }
      // Mirror routes among managedRoutes follow the weights too (generateVirtualServicePatches).
      const mirrors = routes
        .filter((r) => r['mirror'] !== undefined && managedNames.includes(routeName(r)))
        .map(routeName);
      if (mirrors.length > 0) {
        const withMirrors = httpRouteIndexes([...names, ...mirrors], routes);
        if (!('error' in withMirrors)) indexes = withMirrors;
      }
    } else {
      const configured = (type === 'tls' ? ref.tlsRoutes : ref.tcpRoutes) ?? [];
      indexes = l4RouteIndexes(type, configured, routes);
      if ('error' in indexes) return { error: `${indexes.error} (${where}.spec.${type})` };
      if (configured.length === 0 && routes.length > 1) {
        return {
          error:
            `${where}: spec.${type} must have exactly one route when ` +
            `trafficRouting.istio.virtualService.${type}Routes is omitted; list the routes to split`,
        };
      }
    }
    const next: Json[] = routes.map((r) => cloneJson(r));
    for (const i of new Set(indexes)) {
      const route = routes[i];
      if (route === undefined) continue;
      const invalid = validateDestinations(
        rollout,
        destinationsOf(route),
        `${where}.spec.${type}[${i}]`,
      );
      if (invalid) return invalid;
      next[i] = {
        ...route,
        route: reweighRoute(
          rollout,
          route,
          input.desiredWeight,
          input.additionalDestinations ?? [],
        ),
      };
    }
    result[type] = type === 'http' ? orderRoutes(rollout, next) : next;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Writes

/** A JSON patch led by a resourceVersion test, as Argo's Update is conditional on it. */
function guardedPatch(object: KubeObject, ops: JsonObject[]): Json {
  const version = object.metadata.resourceVersion;
  const guard =
    version === undefined
      ? []
      : [{ op: 'test', path: '/metadata/resourceVersion', value: version }];
  return [...guard, ...ops];
}

function pointerSegment(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function routeListPatches(vs: KubeObject, lists: Partial<Record<RouteType, Json[]>>): JsonObject[] {
  const ops: JsonObject[] = [];
  for (const type of ['http', 'tls', 'tcp'] as const) {
    const next = lists[type];
    if (next === undefined) continue;
    if (JSON.stringify(next) === JSON.stringify(routeList(vs, type))) continue;
    ops.push({ op: 'replace', path: `/spec/${type}`, value: next });
  }
  return ops;
}

/** shouldDelayDestinationRuleUpdate (issue 2507): only without canary/stable services. */
function delayedBy(input: RouterInput): string | undefined {
  const canary = canaryOf(input.rollout);
  if (canary.canaryService || canary.stableService) return undefined;
  for (const rs of input.replicaSets ?? []) {
    if (rs.replicas === 0 || rs.podTemplateHash === '') continue;
    if (rs.podTemplateHash !== input.stableHash && rs.podTemplateHash !== input.canaryHash)
      continue;
    if (input.abortingToStable && rs.podTemplateHash === input.canaryHash) continue;
    if (!rs.available) return rs.name;
  }
  return undefined;
}

/**
 * UpdateHash: the canary and stable subsets select the canary and stable pod template hashes
 * (the label removed when there is no hash), experiment subsets their own (added when missing),
 * and every other subset is dropped, as Argo does. The DestinationRule is marked managed.
 */
function destinationRuleWrite(
  input: RouterInput,
  rule: IstioDestinationRuleRef,
): RouterWrite | RouterError | undefined {
  const ref = destinationRuleRef(input.rollout, rule);
  const current = observedObject(input, ref);
  if (current === undefined)
    return missing('DestinationRule', ref, 'trafficRouting.istio.destinationRule.name');
  const spec = isObject(current.spec) ? current.spec : {};
  const subsets = Array.isArray(spec['subsets']) ? spec['subsets'].filter(isObject) : [];
  const experiments = new Map<string, WeightDestination>();
  for (const dest of input.additionalDestinations ?? [])
    experiments.set(dest.serviceName ?? '', dest);

  const withHash = (subset: JsonObject, hash: string | undefined): JsonObject => {
    const labels = { ...(isObject(subset['labels']) ? subset['labels'] : {}) };
    if (hash) labels[POD_TEMPLATE_HASH_LABEL] = hash;
    else delete labels[POD_TEMPLATE_HASH_LABEL];
    return { ...subset, labels };
  };
  const next: JsonObject[] = [];
  for (const subset of subsets) {
    const name = typeof subset['name'] === 'string' ? subset['name'] : '';
    if (name === rule.canarySubsetName) next.push(withHash(subset, input.canaryHash));
    else if (name === rule.stableSubsetName) next.push(withHash(subset, input.stableHash));
    else if (experiments.has(name)) {
      const hash = experiments.get(name)?.podTemplateHash;
      if (hash) experiments.delete(name);
      next.push(withHash(subset, hash));
    }
  }
  for (const name of [...experiments.keys()].sort()) {
    next.push({
      name,
      labels: { [POD_TEMPLATE_HASH_LABEL]: experiments.get(name)?.podTemplateHash ?? '' },
    });
  }

  const ops: JsonObject[] = [];
  if (JSON.stringify(next) !== JSON.stringify(subsets)) {
    ops.push({
      op: Array.isArray(spec['subsets']) ? 'replace' : 'add',
      path: '/spec/subsets',
      value: next,
    });
  }
  const annotations = current.metadata.annotations;
  if (annotations?.[MANAGED_BY_ROLLOUTS_ANNOTATION] !== input.rollout.name) {
    ops.push(
      annotations === undefined
        ? {
            op: 'add',
            path: '/metadata/annotations',
            value: { [MANAGED_BY_ROLLOUTS_ANNOTATION]: input.rollout.name },
          }
        : {
            op: 'add',
            path: `/metadata/annotations/${pointerSegment(MANAGED_BY_ROLLOUTS_ANNOTATION)}`,
            value: input.rollout.name,
          },
    );
  }
  if (ops.length === 0) return undefined;
  return { op: 'patch', ref, patch: guardedPatch(current, ops), patchType: 'json' };
}

function setWeight(input: RouterInput): RouterWrite[] | RouterError {
  const { rollout } = input;
  const writes: RouterWrite[] = [];
  const rule = istioConfig(rollout).destinationRule;
  // UpdateHash runs before SetWeight: the subsets must select the right pods before weights move.
  const delayed = delayedBy(input);
  if (delayed !== undefined) {
    return { error: `delaying destination rule switch: ReplicaSet ${delayed} not fully available` };
  }
  if (rule) {
    const write = destinationRuleWrite(input, rule);
    if (write !== undefined && 'error' in write) return write;
    if (write !== undefined) writes.push(write);
  }
  const refs = virtualServiceRefs(rollout);
  const field =
    istioConfig(rollout).virtualServices !== undefined ? 'virtualServices' : 'virtualService';
  for (const [i, vsRef] of refs.entries()) {
    const ref = virtualServiceRef(rollout, vsRef);
    const vs = observedObject(input, ref);
    const at = `trafficRouting.istio.${field}${field === 'virtualServices' ? `[${i}]` : ''}.name`;
    if (vs === undefined) return missing('VirtualService', ref, at);
    const lists = reweighVirtualService(input, vsRef, vs);
    if ('error' in lists) return lists;
    const ops = routeListPatches(vs, lists);
    if (ops.length > 0)
      writes.push({ op: 'patch', ref, patch: guardedPatch(vs, ops), patchType: 'json' });
  }
  return writes;
}

/**
 * RemoveManagedRoutes: the http routes named by setHeaderRoute / setMirrorRoute steps and by
 * managedRoutes leave each VirtualService; a missing VirtualService is skipped.
 */
function removeManaged(input: RouterInput): RouterWrite[] {
  const { rollout } = input;
  const canary = canaryOf(rollout);
  const names = new Set<string>();
  for (const step of canary.steps ?? []) {
    if (step.setHeaderRoute) names.add(step.setHeaderRoute.name);
    if (step.setMirrorRoute) names.add(step.setMirrorRoute.name);
  }
  for (const route of canary.trafficRouting?.managedRoutes ?? []) names.add(route.name);
  if (names.size === 0) return [];
  const writes: RouterWrite[] = [];
  for (const vsRef of virtualServiceRefs(rollout)) {
    const ref = virtualServiceRef(rollout, vsRef);
    const vs = observedObject(input, ref);
    const http = vs && routeList(vs, 'http');
    // Argo stops at a VirtualService without spec.http; each one is looked at on its own here.
    if (vs === undefined || http === undefined) continue;
    const kept = http.filter((route) => !names.has(routeName(route)));
    if (kept.length === http.length) continue;
    writes.push({
      op: 'patch',
      ref,
      patch: guardedPatch(vs, [{ op: 'replace', path: '/spec/http', value: kept }]),
      patchType: 'json',
    });
  }
  return writes;
}

export const istioRouter: TrafficRouter = {
  type: 'istio',
  reads(rollout) {
    const refs = virtualServiceRefs(rollout).map((vs) => virtualServiceRef(rollout, vs));
    const rule = istioConfig(rollout).destinationRule;
    return rule ? [...refs, destinationRuleRef(rollout, rule)] : refs;
  },
  setWeight,
  removeManaged,
  // Argo leaves VirtualServices and DestinationRules as they are when a Rollout goes.
  release: () => [],
};
