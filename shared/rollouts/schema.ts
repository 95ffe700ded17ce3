/**
 * Structural checks of Argo Rollouts objects against the field schema derived from Argo's CRDs
 * (`schema/argo-rollouts.json`): what the API server itself checks for a CRD. Unknown fields are
 * warnings naming the path (the API server prunes them and kubectl warns), wrong types and missing
 * required fields are errors. Argo's own rules (validation.go) are in the *-validation.ts files.
 */
// A static import: bundlers (esbuild for Lambda) inline it, where a runtime require would miss it.
import schemaJson from './schema/argo-rollouts.json' with { type: 'json' };

type TypeRef = string | TypeRef[] | { '*': TypeRef };

interface Definition {
  fields: Record<string, TypeRef>;
  required?: string[];
}

const schema = schemaJson as unknown as Record<string, unknown>;
const kinds = schema['_kinds'] as Record<string, string>;
const definitions = schema as Record<string, Definition | undefined>;

export interface SchemaIssue {
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

/** The kinds the schema describes. */
export const ROLLOUT_SCHEMA_KINDS: readonly string[] = Object.keys(kinds);

/** Checks `spec` of an object of `kind`; paths start with `spec`. */
export function checkRolloutSchema(kind: string, spec: unknown): SchemaIssue[] {
  const type = kinds[kind];
  if (!type) return [];
  const issues: SchemaIssue[] = [];
  walk(spec, type, 'spec', issues);
  return issues;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object')
    // js-yaml reads an unquoted `{{args.x}}` as a map keyed by a map.
    return Object.keys(v).includes('[object Object]')
      ? 'a map (an unquoted {{...}}: quote it)'
      : 'a map';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function walk(value: unknown, type: TypeRef, path: string, issues: SchemaIssue[]): void {
  // null is how YAML writes an empty field; the API server treats it as absent.
  if (value === null || value === undefined) return;
  const error = (message: string): void => {
    issues.push({ path, message, severity: 'error' });
  };
  if (Array.isArray(type)) {
    if (!Array.isArray(value)) return error(`must be a list, not ${describe(value)}`);
    value.forEach((item, i) => walk(item, type[0]!, `${path}[${i}]`, issues));
    return;
  }
  if (typeof type === 'object') {
    if (!isRecord(value)) return error(`must be a map, not ${describe(value)}`);
    for (const [k, v] of Object.entries(value)) walk(v, type['*'], `${path}["${k}"]`, issues);
    return;
  }
  switch (type) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string')
        error(`must be a string, not ${describe(value)}${isRecord(value) ? '' : ' (quote it)'}`);
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value))
        error(`must be an integer, not ${describe(value)}`);
      return;
    case 'number':
      if (typeof value !== 'number') error(`must be a number, not ${describe(value)}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') error(`must be true or false, not ${describe(value)}`);
      return;
    case 'scalar':
      if (typeof value === 'string') return;
      if (typeof value !== 'number' || !Number.isInteger(value))
        error(`must be an integer or a string, not ${describe(value)}`);
      return;
  }
  const definition = definitions[type.slice(1)];
  if (!definition) return;
  if (!isRecord(value)) return error(`must be an object, not ${describe(value)}`);
  for (const [field, v] of Object.entries(value)) {
    const fieldType = definition.fields[field];
    if (fieldType === undefined) {
      issues.push({
        path: `${path}.${field}`,
        message: 'unknown field, ignored (not in the CRD schema)',
        severity: 'warning',
      });
    } else {
      walk(v, fieldType, `${path}.${field}`, issues);
    }
  }
  for (const field of definition.required ?? [])
    if (value[field] === undefined || value[field] === null)
      issues.push({ path: `${path}.${field}`, message: 'required', severity: 'error' });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
