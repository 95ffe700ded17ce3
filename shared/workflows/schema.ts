/**
 * Strict structural checks of Argo Workflows objects against Argo's own schema (field names and
 * types derived from its JSON schema, `schema/argo-workflows.json`): unknown fields are errors as
 * in `argo lint` (warnings with strict=false), wrong types and missing required fields errors.
 */
// A static import: bundlers (esbuild for Lambda) inline it, where a runtime require would miss it.
import definitionsJson from './schema/argo-workflows.json' with { type: 'json' };

type TypeRef = string | TypeRef[] | { '*': TypeRef };

interface Definition {
  fields: Record<string, TypeRef>;
  required?: string[];
}

const definitions = definitionsJson as unknown as Record<string, Definition>;

export interface SchemaIssue {
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

/** Top-level kinds this schema knows. */
export const SCHEMA_KINDS = [
  'Workflow',
  'WorkflowTemplate',
  'ClusterWorkflowTemplate',
  'CronWorkflow',
];

export function checkAgainstSchema(object: unknown, kind: string, strict: boolean): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  walk(object, `#${kind}`, '', issues, strict);
  return issues;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function join(path: string, field: string): string {
  return path ? `${path}.${field}` : field;
}

function walk(
  value: unknown,
  type: TypeRef,
  path: string,
  issues: SchemaIssue[],
  strict: boolean,
): void {
  if (value === null || value === undefined) return;
  const error = (message: string): void => {
    issues.push({ path, message, severity: 'error' });
  };
  if (Array.isArray(type)) {
    if (!Array.isArray(value)) return error(`expected an array, got ${describe(value)}`);
    value.forEach((item, i) => walk(item, type[0]!, `${path}[${i}]`, issues, strict));
    return;
  }
  if (typeof type === 'object') {
    if (typeof value !== 'object' || Array.isArray(value))
      return error(`expected a map, got ${describe(value)}`);
    for (const [k, v] of Object.entries(value)) walk(v, type['*'], join(path, k), issues, strict);
    return;
  }
  switch (type) {
    case 'any':
      return;
    case 'string':
      // Argo's AnyString and YAML's loose scalars: numbers and booleans read as strings.
      if (typeof value === 'object') error(`expected a string, got ${describe(value)}`);
      return;
    case 'integer':
    case 'number':
      if (typeof value !== 'number') error(`expected a number, got ${describe(value)}`);
      else if (type === 'integer' && !Number.isInteger(value))
        error(`expected an integer, got ${value}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') error(`expected a boolean, got ${describe(value)}`);
      return;
    case 'scalar':
      if (typeof value === 'object') error(`expected a number or string, got ${describe(value)}`);
      return;
  }
  const definition = definitions[type.slice(1)];
  if (!definition) return;
  if (typeof value !== 'object' || Array.isArray(value))
    return error(`expected an object, got ${describe(value)}`);
  const record = value as Record<string, unknown>;
  for (const [field, v] of Object.entries(record)) {
    const fieldType = definition.fields[field];
    if (fieldType === undefined) {
      if (path === '' && field === 'status') continue;
      issues.push({
        path: join(path, field),
        message: `unknown field "${field}"`,
        severity: strict ? 'error' : 'warning',
      });
      continue;
    }
    walk(v, fieldType, join(path, field), issues, strict);
  }
  for (const field of definition.required ?? []) {
    // Container.name is required by Kubernetes but Argo fills it in ("main").
    if (record[field] === undefined && !(field === 'name' && type === '#k8s.core.v1.Container')) {
      if (
        type === '#Workflow' ||
        type === '#WorkflowTemplate' ||
        type === '#CronWorkflow' ||
        type === '#ClusterWorkflowTemplate'
      )
        continue;
      issues.push({
        path: join(path, field),
        message: 'required field is missing',
        severity: 'error',
      });
    }
  }
}
