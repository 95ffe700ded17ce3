/**
 * Traffic routing for canary Rollouts (rollout/trafficrouting.go NewTrafficRoutingReconciler):
 * the routers a Rollout configures, in Argo's order. Several may be configured at once (e.g.
 * istio and alb); each is given the same weight.
 */
import type { RoutedRollout, RouterError, TrafficRouter } from './router.js';
import { canaryOf } from './router.js';
import { albRouter } from './alb.js';
import { istioRouter } from './istio.js';
import { nginxRouter } from './nginx.js';

export * from './router.js';
export {
  albActionAnnotationKey,
  albForwardAction,
  albRouter,
  MANAGED_ALB_ANNOTATIONS,
} from './alb.js';
export { istioRouter, virtualServiceNamespaceName } from './istio.js';
export { canaryIngressName, desiredCanaryIngress, nginxRouter } from './nginx.js';

/** Argo's routers we do not implement, by their trafficRouting field. */
const UNSUPPORTED = ['smi', 'ambassador', 'appMesh', 'traefik', 'apisix', 'plugins'] as const;

/**
 * The routers of spec.strategy.canary.trafficRouting, istio then nginx then alb as Argo builds
 * them; [] without trafficRouting (Argo then clears status.canary.weights). A router we do not
 * implement is an error rather than silently ignored: the Rollout would shift replicas while no
 * traffic moved.
 */
export function routersFor(rollout: RoutedRollout): TrafficRouter[] | RouterError {
  const routing = canaryOf(rollout).trafficRouting;
  if (routing === undefined) return [];
  const unsupported = UNSUPPORTED.filter((field) => routing[field] !== undefined);
  if (unsupported.length > 0) {
    return {
      error:
        `spec.strategy.canary.trafficRouting.${unsupported.join(', .')}: not supported here ` +
        `(the nginx, istio and alb routers are); remove it or use one of those`,
    };
  }
  const routers: TrafficRouter[] = [];
  if (routing.istio !== undefined) routers.push(istioRouter);
  if (routing.nginx !== undefined) routers.push(nginxRouter);
  if (routing.alb !== undefined) routers.push(albRouter);
  return routers;
}
