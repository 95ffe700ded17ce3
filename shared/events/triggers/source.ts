/**
 * A trigger's object (Argo's ArtifactLocation): inline `resource` or an `inline` YAML/JSON text.
 * Argo also fetches from a ConfigMap, a file, a URL, git or S3; those are refused by name when the
 * Sensor is applied (validation.ts), since the Sensor could not fire them.
 */
import { load } from 'js-yaml';
import type { Json } from '../../core/types.js';
import type { ArtifactLocation } from '../types.js';

export const SUPPORTED_SOURCES = ['resource', 'inline'];

export function resolveSource(source: ArtifactLocation | undefined): Json {
  if (source?.resource !== undefined) return structuredClone(source.resource);
  if (source?.inline !== undefined) return load(source.inline) as Json;
  const kind = Object.keys(source ?? {})[0] ?? '(none)';
  throw new Error(
    `trigger source "${kind}" is not supported by argo-serverless (supported: ${SUPPORTED_SOURCES.join(', ')})`,
  );
}
