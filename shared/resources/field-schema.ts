/**
 * The field-schema walker behind the CRD-derived checks of Argo Rollouts and Argo CD objects
 * (shared/rollouts/schema.ts, shared/cd/schema.ts): what the API server itself checks for a CRD.
 * Unknown fields are warnings naming the path (the API server prunes them and kubectl warns),
 * wrong types and missing required fields are errors.
 */
/**
 * `string`, `integer`, `number`, `boolean`, `scalar` (int-or-string), `any` (left open by the
 * CRD), `#Name` (a definition), `[T]` (a list of T), `{"*": T}` (a map of T).
 */
export type FieldType = string | FieldType[] | { '*': FieldType };

export interface FieldDefinition {
  fields: Record<string, FieldType>;
  required?: string[];
}

export type FieldDefinitions = Readonly<Record<string, FieldDefinition | undefined>>;

export interface SchemaIssue {
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object')
    // js-yaml reads an unquoted `{{x}}` as a map keyed by a map.
    return Object.keys(v).includes('[object Object]')
      ? 'a map (an unquoted {{...}}: quote it)'
      : 'a map';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Appends to `issues` what is wrong with `value` as a `type` of `defs`, found at `path`. */
export function checkFieldSchema(
  defs: FieldDefinitions,
  type: FieldType,
  value: unknown,
  path: string,
  issues: SchemaIssue[],
): void {
  // null is how YAML writes an empty field; the API server treats it as absent.
  if (value === null || value === undefined) return;
  const error = (message: string): void => {
    issues.push({ path, message, severity: 'error' });
  };
  if (Array.isArray(type)) {
    if (!Array.isArray(value)) return error(`must be a list, not ${describe(value)}`);
    value.forEach((item, i) => checkFieldSchema(defs, type[0]!, item, `${path}[${i}]`, issues));
    return;
  }
  if (typeof type === 'object') {
    if (!isRecord(value)) return error(`must be a map, not ${describe(value)}`);
    for (const [k, v] of Object.entries(value))
      checkFieldSchema(defs, type['*'], v, `${path}["${k}"]`, issues);
    return;
  }
  if (type.startsWith('#')) {
    const definition = defs[type.slice(1)];
    if (!definition) return;
    if (!isRecord(value)) return error(`must be an object, not ${describe(value)}`);
    for (const [field, v] of Object.entries(value)) {
      const fieldType = definition.fields[field];
      if (fieldType === undefined)
        issues.push({
          path: `${path}.${field}`,
          message: 'unknown field, ignored (not in the CRD schema)',
          severity: 'warning',
        });
      else checkFieldSchema(defs, fieldType, v, `${path}.${field}`, issues);
    }
    for (const field of definition.required ?? [])
      if (value[field] === undefined || value[field] === null)
        issues.push({ path: `${path}.${field}`, message: 'required', severity: 'error' });
    return;
  }
  const problem = SCALAR_CHECKS[type]?.(value);
  if (problem) error(problem);
}

const SCALAR_CHECKS: Readonly<Record<string, (v: unknown) => string | undefined>> = {
  any: () => undefined,
  string: (v) =>
    typeof v === 'string'
      ? undefined
      : `must be a string, not ${describe(v)}${isRecord(v) ? '' : ' (quote it)'}`,
  integer: (v) =>
    typeof v === 'number' && Number.isInteger(v)
      ? undefined
      : `must be an integer, not ${describe(v)}`,
  number: (v) => (typeof v === 'number' ? undefined : `must be a number, not ${describe(v)}`),
  boolean: (v) =>
    typeof v === 'boolean' ? undefined : `must be true or false, not ${describe(v)}`,
  scalar: (v) =>
    typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))
      ? undefined
      : `must be an integer or a string, not ${describe(v)}`,
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
