/**
 * A trigger's object (Argo's ArtifactLocation): inline `resource` or an `inline` YAML/JSON text,
 * read by the Sensor itself; a `configmap` (read from the Sensor's cluster) or a `url`, fetched by
 * an effect (`events.resolve`) and handed back to the Sensor. Argo also reads a file in its pod,
 * git and S3; those are refused by name when the Sensor is applied (validation.ts).
 */
import { load } from 'js-yaml';
import type { Json } from '../../core/types.js';
import type { ArtifactLocation } from '../types.js';

export const SUPPORTED_SOURCES = ['resource', 'inline', 'configmap', 'url'];

/** Sources an effect must fetch before the trigger can run. */
export function needsResolving(source: ArtifactLocation): boolean {
  return source.resource === undefined && source.inline === undefined;
}

/** Parses what a ConfigMap key or a URL held: YAML or JSON, one object. */
export function parseSourceText(text: string, where: string): Json {
  const object = load(text) as Json;
  if (typeof object !== 'object' || object === null || Array.isArray(object))
    throw new Error(`${where} does not hold a Kubernetes object`);
  return object;
}

export function resolveSource(source: ArtifactLocation | undefined): Json {
  if (source?.resource !== undefined) return structuredClone(source.resource);
  if (source?.inline !== undefined) return load(source.inline) as Json;
  const kind = Object.keys(source ?? {})[0] ?? '(none)';
  throw new Error(
    `trigger source "${kind}" is not supported by argo-serverless (supported: ${SUPPORTED_SOURCES.join(', ')})`,
  );
}
