/**
 * Structural checks of Argo Rollouts objects against the field schema derived from Argo's CRDs
 * (`schema/argo-rollouts.json`): what the API server itself checks for a CRD. Unknown fields are
 * warnings naming the path (the API server prunes them and kubectl warns), wrong types and missing
 * required fields are errors. Argo's own rules (validation.go) are in the *-validation.ts files.
 */
// A static import: bundlers (esbuild for Lambda) inline it, where a runtime require would miss it.
import schemaJson from './schema/argo-rollouts.json' with { type: 'json' };

import type { FieldDefinitions, FieldType, SchemaIssue } from '../resources/field-schema.js';
import { checkFieldSchema } from '../resources/field-schema.js';

export type { SchemaIssue } from '../resources/field-schema.js';

const schema = schemaJson as unknown as Record<string, unknown>;
const kinds = schema['_kinds'] as Record<string, FieldType>;
const definitions = schema as FieldDefinitions;

/** The kinds the schema describes. */
export const ROLLOUT_SCHEMA_KINDS: readonly string[] = Object.keys(kinds);

/** Checks `spec` of an object of `kind`; paths start with `spec`. */
export function checkRolloutSchema(kind: string, spec: unknown): SchemaIssue[] {
  const type = kinds[kind];
  if (!type) return [];
  const issues: SchemaIssue[] = [];
  checkFieldSchema(definitions, type, spec, 'spec', issues);
  return issues;
}
