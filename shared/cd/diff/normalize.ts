/**
 * What gitops-engine's diff.Normalize and ThreeWayDiff change in an object before comparing, and
 * what the result leaves out of the objects it shows. Ignore rules live in ignore-differences.ts,
 * the kinds' server defaults in defaults.ts.
 */
import { Buffer } from 'node:buffer';
import type { Json, JsonObject } from '../../core/types.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Metadata the API server writes. The three-way merge keeps them from live (the desired object
 * does not set them), so they never differ; they are dropped from the objects a diff returns, as
 * Argo CD's UI hides them.
 */
export const SERVER_MANAGED_METADATA = [
  'managedFields',
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
  'selfLink',
] as const;

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function metadataOf(obj: JsonObject): JsonObject | undefined {
  const metadata = obj['metadata'];
  return isObject(metadata) ? metadata : undefined;
}

export interface NormalizeOptions {
  /** argocd-cm `resource.compareoptions.ignoreAggregatedRoles`: an aggregated role's rules never differ. */
  ignoreAggregatedRoles?: boolean;
}

/**
 * gitops-engine diff.Normalize without the ignore rules: `creationTimestamp` removed (exported
 * manifests carry `creationTimestamp: null`), a Secret's `stringData` folded into base64 `data`,
 * a Role's empty `rules` list made null. Returns a copy.
 */
export function normalizeObject(obj: JsonObject, options: NormalizeOptions = {}): JsonObject {
  const out = structuredClone(obj);
  const metadata = metadataOf(out);
  if (metadata) delete metadata['creationTimestamp'];
  const group = groupOf(typeof out['apiVersion'] === 'string' ? out['apiVersion'] : '');
  const kind = out['kind'];
  if (group === '' && kind === 'Secret') normalizeSecret(out);
  if (group === 'rbac.authorization.k8s.io' && (kind === 'Role' || kind === 'ClusterRole')) {
    if (options.ignoreAggregatedRoles && isObject(out['aggregationRule'])) out['rules'] = null;
    const rules = out['rules'];
    if (Array.isArray(rules) && rules.length === 0) out['rules'] = null;
  }
  return out;
}

/** What the API server stores: `stringData` moves to `data` base64-encoded; a null value is "". */
function normalizeSecret(secret: JsonObject): void {
  const stringData = secret['stringData'];
  if (isObject(stringData)) {
    const data: JsonObject = isObject(secret['data']) ? { ...secret['data'] } : {};
    for (const [key, value] of Object.entries(stringData)) {
      data[key] = typeof value === 'string' ? Buffer.from(value, 'utf8').toString('base64') : value;
    }
    secret['data'] = data;
    delete secret['stringData'];
  }
  const data = secret['data'];
  if (isObject(data)) {
    for (const [key, value] of Object.entries(data)) if (value === null) data[key] = '';
  }
}

/**
 * The live object's last-applied-configuration (what the previous `kubectl apply` sent), or
 * undefined when there is none or it is not a JSON object: Argo then falls back to a two-way diff.
 */
export function lastAppliedConfiguration(live: JsonObject): JsonObject | undefined {
  const annotations = metadataOf(live)?.['annotations'];
  const text = isObject(annotations) ? annotations[LAST_APPLIED_ANNOTATION] : undefined;
  if (typeof text !== 'string') return undefined;
  try {
    const parsed = JSON.parse(text) as Json;
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * ThreeWayDiff's removeNamespaceAnnotation: live objects carry a namespace the manifest may omit,
 * and an empty annotations map is no annotation. Returns a copy.
 */
export function withoutNamespaceAndEmptyAnnotations(obj: JsonObject): JsonObject {
  const out = structuredClone(obj);
  const metadata = metadataOf(out);
  if (metadata) {
    delete metadata['namespace'];
    const annotations = metadata['annotations'];
    if (annotations === null || (isObject(annotations) && Object.keys(annotations).length === 0)) {
      delete metadata['annotations'];
    }
  }
  return out;
}

/** The server-managed metadata and the last-applied annotation dropped (in place). */
export function stripServerManagedMetadata(obj: JsonObject): JsonObject {
  const metadata = metadataOf(obj);
  if (!metadata) return obj;
  for (const field of SERVER_MANAGED_METADATA) delete metadata[field];
  const annotations = metadata['annotations'];
  if (isObject(annotations)) {
    delete annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(annotations).length === 0) delete metadata['annotations'];
  }
  return obj;
}
