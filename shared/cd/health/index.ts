/**
 * Argo CD's resource health: one entry point (as gitops-engine's GetResourceHealth) in front of
 * one file per kind, and an Application's health as the worst of its resources' (as Argo CD's
 * controller/health.go setApplicationHealth).
 *
 * Where a resource's health comes from, first match wins, as in Argo CD:
 * 1. metadata.deletionTimestamp set (and no hook finalizer): Progressing "Pending deletion";
 * 2. a Lua customization from argocd-cm (exact group/kind, then a glob key);
 * 3. Argo CD's built-in Lua checks (here argoproj.io/Rollout, written in TypeScript);
 * 4. gitops-engine's checks for Kubernetes kinds and argoproj.io/Workflow.
 * Nothing else has health: a ConfigMap, a CRD without customization, and (since Argo CD 1.8) an
 * argoproj.io/Application, unless a customization covers it.
 */
import type { KubeObject } from '../../core/objects.js';
import { apiServiceHealth } from './apiservice.js';
import {
  findHealthCustomization,
  runHealthScript,
  type HealthCustomizations,
} from './customizations.js';
import { daemonSetHealth } from './daemonset.js';
import { deploymentHealth } from './deployment.js';
import { annotationsOf, groupKindKey, groupVersion } from './fields.js';
import { hasHookFinalizer, isHook, isIgnoredByHook, isSkipHook } from '../hooks.js';
import { hpaHealth } from './hpa.js';
import { ingressHealth } from './ingress.js';
import { jobHealth } from './job.js';
import { podHealth } from './pod.js';
import { pvcHealth } from './pvc.js';
import { replicaSetHealth } from './replicaset.js';
import { rolloutHealth } from './rollout.js';
import { serviceHealth } from './service.js';
import { statefulSetHealth } from './statefulset.js';
import {
  health,
  isWorse,
  type HealthCheck,
  type HealthStatus,
  type HealthStatusCode,
} from './status.js';
import { workflowHealth } from './workflow.js';

export * from './status.js';
export {
  parseHealthCustomizations,
  findHealthCustomization,
  runHealthScript,
  HealthCustomizationError,
  type HealthCustomization,
  type HealthCustomizations,
} from './customizations.js';

export interface HealthOptions {
  customizations?: HealthCustomizations;
}

/** Argo CD's own Lua checks, by group/kind whatever the version. */
const BUILT_IN_LUA: Record<string, HealthCheck> = {
  'argoproj.io/Rollout': rolloutHealth,
};

/** gitops-engine's checks, by group then kind; each refuses versions it has no struct for. */
const BUILT_IN: Record<string, Record<string, HealthCheck>> = {
  apps: {
    Deployment: deploymentHealth,
    StatefulSet: statefulSetHealth,
    ReplicaSet: replicaSetHealth,
    DaemonSet: daemonSetHealth,
  },
  extensions: { Ingress: ingressHealth },
  'networking.k8s.io': { Ingress: ingressHealth },
  'argoproj.io': { Workflow: workflowHealth },
  'apiregistration.k8s.io': { APIService: apiServiceHealth },
  '': { Service: serviceHealth, PersistentVolumeClaim: pvcHealth, Pod: podHealth },
  batch: { Job: jobHealth },
  autoscaling: { HorizontalPodAutoscaler: hpaHealth },
};

/** The built-in check for a kind, or undefined when Argo CD has none. */
export function builtInHealthCheck(apiVersion: string, kind: string): HealthCheck | undefined {
  const lua = BUILT_IN_LUA[groupKindKey({ apiVersion, kind })];
  if (lua) return lua;
  return BUILT_IN[groupVersion(apiVersion).group]?.[kind];
}

export interface HealthAssessment {
  /** Undefined when the resource has no health. */
  health?: HealthStatus;
  /** Set when the check failed (the health is then Unknown with the error as its message). */
  error?: string;
}

/** A resource's health and, when its check failed, the error Argo CD would log. */
export function assessResourceHealth(
  obj: KubeObject,
  options: HealthOptions = {},
): HealthAssessment {
  if (obj.metadata.deletionTimestamp && !hasHookFinalizer(obj))
    return { health: health('Progressing', 'Pending deletion') };

  const custom = options.customizations && findHealthCustomization(options.customizations, obj);
  const script = custom ? custom.healthLua : undefined;
  const builtInLua = script === undefined ? BUILT_IN_LUA[groupKindKey(obj)] : undefined;
  if (script !== undefined || builtInLua) {
    try {
      const result = script !== undefined ? runHealthScript(script, obj) : builtInLua!(obj);
      return result ? { health: result } : {};
    } catch (err) {
      const message = (err as Error).message;
      const where = [obj.metadata.namespace ?? '', obj.metadata.name].join('/');
      return {
        health: health('Unknown', message),
        error: `failed to get resource health for ${where}: ${message}`,
      };
    }
  }

  const check = BUILT_IN[groupVersion(obj.apiVersion).group]?.[obj.kind];
  if (!check) return {};
  try {
    return { health: check(obj) };
  } catch (err) {
    const message = (err as Error).message;
    return { health: health('Unknown', message), error: message };
  }
}

/** A resource's health; undefined when its kind has none (Argo's nil). */
export function resourceHealth(
  obj: KubeObject,
  options: HealthOptions = {},
): HealthStatus | undefined {
  return assessResourceHealth(obj, options).health;
}

/** Excludes a resource from its Application's health. */
export const IGNORE_HEALTHCHECK_ANNOTATION = 'argocd.argoproj.io/ignore-healthcheck';

/** How many resources an Application's health message names before "and N more". */
export const MAX_HEALTH_CAUSES_SHOWN = 3;

/** One resource an Application manages, as its comparison sees it. */
export interface AppResource {
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  /**
   * The object in the cluster; null when it is missing. When left out, the resource counts as
   * missing if `health` says Missing, or if there is a `target` and no `health`.
   */
  live?: KubeObject | null;
  /** The desired object; a `hook: Skip` target is left out. */
  target?: KubeObject | null;
  /** The resource's health when already known; otherwise assessed from `live`. */
  health?: HealthStatus;
  /** True for a hook (left out); when not given, read from `live`'s annotations. */
  hook?: boolean;
}

export interface AppHealthOptions extends HealthOptions {
  /** The Application itself: an app that manages itself is left out of its own health. */
  app?: { name: string; namespace?: string; uid?: string };
}

export interface AppHealth {
  status: HealthStatusCode;
  /** "Caused by <group/Kind:namespace/name>, ..." for a status other than Healthy. */
  message?: string;
  /** Each resource's health as the Application records it (undefined: none recorded). */
  resources: (HealthStatus | undefined)[];
  /** The first resource whose health check failed, as Argo CD's ComparisonError reports it. */
  error?: string;
}

/**
 * An Application's health: the worst of its resources', leaving out hooks, resources whose hook
 * annotation Argo ignores, resources annotated ignore-healthcheck, resources without health,
 * missing resources (OutOfSync already says so), child Applications that are Missing or
 * Unknown, and the Application itself. If it expects resources but none exists, it is Missing.
 */
export function appHealth(resources: AppResource[], options: AppHealthOptions = {}): AppHealth {
  let status: HealthStatusCode = 'Healthy';
  let causes: AppResource[] = [];
  let containsResources = false;
  let containsLive = false;
  let error: string | undefined;
  const recorded: (HealthStatus | undefined)[] = resources.map(() => undefined);

  resources.forEach((res, i) => {
    const live = res.live ?? undefined;
    if (res.target && isSkipHook(res.target)) return;
    if (res.hook === true) return;
    if (live && res.hook === undefined && (isHook(live) || isIgnoredByHook(live))) return;
    // Argo knows a resource is missing by its absent live object; callers that pass only a
    // health (or only a target) say so through it.
    const missing =
      res.live === null ||
      (res.live === undefined &&
        (res.health?.status === 'Missing' || (res.health === undefined && !!res.target)));
    containsResources = true;
    if (!missing) containsLive = true;
    if (live && annotationsOf(live)[IGNORE_HEALTHCHECK_ANNOTATION] === 'true') return;

    let resHealth: HealthStatus | undefined;
    if (missing) resHealth = health('Missing');
    else if (live && isSelf(options.app, live)) return;
    else if (res.health) resHealth = res.health;
    else if (live) {
      const assessed = assessResourceHealth(live, options);
      resHealth = assessed.health;
      if (assessed.error && error === undefined)
        error = `failed to get resource health for "${live.kind}" with name "${live.metadata.name}" in namespace "${live.metadata.namespace ?? ''}": ${assessed.error}`;
    }
    if (!resHealth) return;
    recorded[i] = resHealth;
    if (missing) return;
    const { group, kind } = identity(res);
    if (
      group === 'argoproj.io' &&
      kind === 'Application' &&
      (resHealth.status === 'Missing' || resHealth.status === 'Unknown')
    )
      return;
    if (isWorse(status, resHealth.status)) {
      status = resHealth.status;
      causes = [res];
    } else if (status === resHealth.status && status !== 'Healthy') causes.push(res);
  });

  if (containsResources && !containsLive && isWorse(status, 'Missing')) {
    status = 'Missing';
    causes = [];
  }
  const message = formatCauses(causes);
  return {
    status,
    ...(message ? { message } : {}),
    resources: recorded,
    ...(error ? { error } : {}),
  };
}

function identity(res: AppResource): {
  group: string;
  kind: string;
  namespace: string;
  name: string;
} {
  const obj = res.live ?? res.target ?? undefined;
  return {
    group: res.group ?? (obj ? groupVersion(obj.apiVersion).group : ''),
    kind: res.kind ?? obj?.kind ?? '',
    namespace: res.namespace ?? obj?.metadata.namespace ?? '',
    name: res.name ?? obj?.metadata.name ?? '',
  };
}

function isSelf(app: AppHealthOptions['app'], live: KubeObject): boolean {
  return (
    app !== undefined &&
    groupVersion(live.apiVersion).group === 'argoproj.io' &&
    live.kind === 'Application' &&
    live.metadata.name === app.name &&
    (live.metadata.namespace ?? '') === (app.namespace ?? '') &&
    (live.metadata.uid ?? '') === (app.uid ?? '')
  );
}

function formatCauses(causes: AppResource[]): string {
  if (causes.length === 0) return '';
  const shown = causes.slice(0, MAX_HEALTH_CAUSES_SHOWN).map((res) => {
    const { group, kind, namespace, name } = identity(res);
    return `${group ? `${group}/${kind}` : kind}:${namespace ? `${namespace}/${name}` : name}`;
  });
  const more = causes.length - MAX_HEALTH_CAUSES_SHOWN;
  return `Caused by ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}
