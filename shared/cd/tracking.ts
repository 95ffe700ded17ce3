/**
 * Argo CD's default resource tracking: the annotation `argocd.argoproj.io/tracking-id` with the
 * value `<app>:<group>/<kind>:<namespace>/<name>`. An object belongs to an Application only when
 * the value names the Application and also the object itself: a copy of a tracked object (same
 * annotation, other name) is not tracked, as Argo refuses it too (IsOwnedByApp / ParseAppInstanceValue).
 */
import type { KubeObject } from '../core/objects.js';

export const TRACKING_ANNOTATION = 'argocd.argoproj.io/tracking-id';

/** The namespace Argo CD runs in: Applications there are named plainly in tracking ids. */
export const CONTROL_NAMESPACE = 'argocd';

export function groupOfApiVersion(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * The application part of a tracking id. Argo names an Application outside its own namespace
 * `<namespace>_<name>` (apps in any namespace); one in the control namespace by its name.
 */
export function trackingAppName(appName: string, appNamespace: string): string {
  return appNamespace === '' || appNamespace === CONTROL_NAMESPACE
    ? appName
    : `${appNamespace}_${appName}`;
}

export function trackingId(app: string, obj: KubeObject): string {
  const group = groupOfApiVersion(obj.apiVersion);
  return `${app}:${group}/${obj.kind}:${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/** The object with its tracking annotation set (a copy; the input is left alone). */
export function withTracking(app: string, obj: KubeObject): KubeObject {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      annotations: {
        ...(obj.metadata.annotations ?? {}),
        [TRACKING_ANNOTATION]: trackingId(app, obj),
      },
    },
  };
}

/** Whether `obj` is tracked by the Application whose tracking name is `app`. */
export function isTrackedBy(app: string, obj: KubeObject): boolean {
  const value = obj.metadata.annotations?.[TRACKING_ANNOTATION];
  return value !== undefined && value === trackingId(app, obj);
}
