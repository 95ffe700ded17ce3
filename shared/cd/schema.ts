/**
 * Structural checks of Argo CD objects against the field schema derived from Argo CD's CRDs
 * (`schema/argo-cd.json`): what the API server itself checks for a CRD. Unknown fields are
 * warnings naming the path (the API server prunes them and kubectl warns; Argo CD never sees
 * them), wrong types and missing required fields are errors. Argo CD's own rules are in
 * validation.ts.
 *
 * The walker takes the definitions as a parameter, so any schema in this format (the Rollouts one
 * under shared/rollouts/schema/ uses the same type notation) can be checked with it.
 */
// A static import: bundlers (esbuild for Lambda) inline it, where a runtime require would miss it.
import schemaJson from './schema/argo-cd.json' with { type: 'json' };

import type { FieldDefinitions, FieldType, SchemaIssue } from '../resources/field-schema.js';
import { checkFieldSchema } from '../resources/field-schema.js';

export type {
  FieldDefinition,
  FieldDefinitions,
  FieldType,
  SchemaIssue,
} from '../resources/field-schema.js';
export { checkFieldSchema } from '../resources/field-schema.js';

const schema = schemaJson as unknown as Record<string, unknown>;
const roots = schema['_roots'] as Record<string, Record<string, FieldType>>;
const definitions = schema as FieldDefinitions;

/** The kinds the Argo CD schema describes. */
export const CD_SCHEMA_KINDS: readonly string[] = Object.keys(roots);

/**
 * Checks the user-written top-level fields of an Argo CD object (`spec`, and an Application's
 * `operation`) against the CRD; paths start with the field name. A kind the schema does not know
 * gives no issues.
 */
export function checkCdSchema(
  kind: string,
  object: Readonly<Record<string, unknown>>,
): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  for (const [field, type] of Object.entries(roots[kind] ?? {}))
    checkFieldSchema(definitions, type, object[field], field, issues);
  return issues;
}
