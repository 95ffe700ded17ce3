/**
 * Checks a parsed document is a Kubernetes-style object before anything is enqueued: errors name
 * the field path, unknown fields become warnings (as kubectl prints them). Kinds add their own
 * spec checks through `kindValidators` (each subsystem registers its kinds).
 */
import type { KubeObject } from '../core/objects.js';
import { isNamespaced } from './catalog.js';

export interface FieldError {
  path: string;
  message: string;
}

export interface Validation {
  errors: FieldError[];
  warnings: string[];
}

export type KindValidator = (object: KubeObject) => Validation;

/** Spec validators by kind (empty until the subsystems register theirs). */
export const kindValidators = new Map<string, KindValidator>();

const TOP_LEVEL = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'spec',
  'status',
  // An Argo CD Application's requested sync (`argocd app sync` sets it).
  'operation',
  'data',
  'stringData',
  'binaryData',
  'type',
  'immutable',
  'rules',
  'subjects',
  'roleRef',
  'secrets',
  'imagePullSecrets',
  'automountServiceAccountToken',
  'aggregationRule',
  'webhooks',
  'items',
]);
const METADATA = new Set([
  'name',
  'generateName',
  'namespace',
  'labels',
  'annotations',
  'finalizers',
  'ownerReferences',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const API_VERSION = /^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/;

export function validateObject(doc: unknown): Validation & { object?: KubeObject } {
  const errors: FieldError[] = [];
  const warnings: string[] = [];
  const err = (path: string, message: string) => errors.push({ path, message });
  if (!isRecord(doc)) {
    err('', 'a document must be an object with apiVersion, kind and metadata');
    return { errors, warnings };
  }
  if (typeof doc['apiVersion'] !== 'string') err('apiVersion', 'required');
  else if (!API_VERSION.test(doc['apiVersion']))
    err('apiVersion', `"${doc['apiVersion']}" is not group/version or v1`);
  if (typeof doc['kind'] !== 'string' || doc['kind'] === '') err('kind', 'required');
  else if (!/^[A-Z][A-Za-z0-9]*$/.test(doc['kind']))
    err('kind', `"${doc['kind']}" is not a kind name`);
  for (const key of Object.keys(doc))
    if (!TOP_LEVEL.has(key)) warnings.push(`unknown field "${key}"`);

  const meta = doc['metadata'];
  if (!isRecord(meta)) {
    err('metadata', 'required');
    return { errors, warnings };
  }
  for (const key of Object.keys(meta))
    if (!METADATA.has(key)) warnings.push(`unknown field "metadata.${key}"`);
  const name = meta['name'];
  if (name === undefined) {
    if (typeof meta['generateName'] !== 'string')
      err('metadata.name', 'required (or metadata.generateName)');
  } else if (typeof name !== 'string' || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    err(
      'metadata.name',
      `"${String(name)}" must be a lowercase RFC 1123 subdomain of at most 253 characters`,
    );
  }
  const kind = typeof doc['kind'] === 'string' ? doc['kind'] : '';
  const namespaced = isNamespaced(kind);
  const namespace = meta['namespace'];
  if (namespace !== undefined) {
    if (!namespaced)
      err('metadata.namespace', `${kind} is cluster-scoped: remove metadata.namespace`);
    else if (typeof namespace !== 'string' || namespace.length > 63 || !DNS_LABEL.test(namespace)) {
      err('metadata.namespace', `"${String(namespace)}" must be a lowercase RFC 1123 label`);
    }
  }
  checkStringMap(meta['labels'], 'metadata.labels', err, true);
  checkStringMap(meta['annotations'], 'metadata.annotations', err, false);
  const finalizers = meta['finalizers'];
  if (
    finalizers !== undefined &&
    (!Array.isArray(finalizers) || finalizers.some((f) => typeof f !== 'string'))
  ) {
    err('metadata.finalizers', 'must be a list of strings');
  }
  if (errors.length > 0) return { errors, warnings };

  const object = structuredClone(doc) as unknown as KubeObject;
  if (namespaced && object.metadata.namespace === undefined) object.metadata.namespace = 'default';
  const spec = kindValidators.get(kind)?.(object);
  if (spec) {
    errors.push(...spec.errors);
    warnings.push(...spec.warnings);
  }
  return errors.length > 0 ? { errors, warnings } : { errors, warnings, object };
}

function checkStringMap(
  value: unknown,
  path: string,
  err: (p: string, m: string) => void,
  label: boolean,
) {
  if (value === undefined) return;
  if (!isRecord(value)) return err(path, 'must be a map of strings');
  for (const [k, v] of Object.entries(value)) {
    const at = `${path}["${k}"]`;
    if (typeof v !== 'string') err(at, 'must be a string');
    else if (label && (!LABEL_VALUE.test(v) || v.length > 63))
      err(at, `"${v}" is not a valid label value`);
    if (!LABEL_KEY.test(k)) err(at, `"${k}" is not a valid ${label ? 'label' : 'annotation'} key`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
