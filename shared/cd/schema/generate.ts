/**
 * Regenerates `argo-cd.json` (see README.md) from Argo CD's CRDs:
 *
 *   npx tsx shared/cd/schema/generate.ts <argo-cd git dir> [commit]
 *   npx prettier --write shared/cd/schema/argo-cd.json
 *
 * A one-off tool, never imported: the runtime only reads the JSON it writes.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { load } from 'js-yaml';
import type { FieldDefinition, FieldType } from '../schema.js';

interface OpenApi {
  type?: string;
  properties?: Record<string, OpenApi>;
  additionalProperties?: OpenApi | boolean;
  items?: OpenApi;
  required?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

/** The top-level fields users write, per kind; status is the controller's and is not checked. */
const ROOTS: readonly (readonly [kind: string, file: string, fields: readonly string[]])[] = [
  ['Application', 'application-crd.yaml', ['spec', 'operation']],
  ['ApplicationSet', 'applicationset-crd.yaml', ['spec']],
  ['AppProject', 'appproject-crd.yaml', ['spec']],
];

const definitions: Record<string, FieldDefinition> = {};
/** Canonical JSON of a definition -> the name it was first stored under. */
const byShape = new Map<string, string>();

/**
 * An object type is named after the path where it is first met (`Application.spec.source.helm`):
 * unique without any renaming, and the same shape met again (an ApplicationSet's template spec is
 * an Application spec; every generator has the same template) is stored once.
 */
function convert(node: OpenApi, path: string): FieldType {
  if (node['x-kubernetes-preserve-unknown-fields']) return 'any';
  if (node['x-kubernetes-int-or-string']) return 'scalar';
  switch (node.type) {
    case 'array':
      return [node.items ? convert(node.items, `${path}[]`) : 'any'];
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
      return node.type;
    case 'object':
      break;
    default:
      return 'any';
  }
  if (node.properties) {
    const fields: Record<string, FieldType> = {};
    for (const field of Object.keys(node.properties).sort())
      fields[field] = convert(node.properties[field]!, `${path}.${field}`);
    const definition: FieldDefinition = { fields };
    if (node.required?.length) definition.required = [...node.required].sort();
    const shape = JSON.stringify(definition);
    const known = byShape.get(shape);
    if (known) return `#${known}`;
    definitions[path] = definition;
    byShape.set(shape, path);
    return `#${path}`;
  }
  if (typeof node.additionalProperties === 'object')
    return { '*': convert(node.additionalProperties, `${path}{}`) };
  return 'any';
}

function main(): void {
  const [gitDir, commit = 'HEAD'] = process.argv.slice(2);
  if (!gitDir) throw new Error('usage: generate.ts <argo-cd git dir> [commit]');
  const sha = execFileSync('git', ['--git-dir', gitDir, 'rev-parse', commit], {
    encoding: 'utf8',
  }).trim();
  const roots: Record<string, Record<string, FieldType>> = {};
  for (const [kind, file, fields] of ROOTS) {
    const text = execFileSync(
      'git',
      ['--git-dir', gitDir, 'show', `${sha}:manifests/crds/${file}`],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const crd = load(text) as {
      spec: { versions: { name: string; schema: { openAPIV3Schema: OpenApi } }[] };
    };
    const schema = crd.spec.versions.find((v) => v.name === 'v1alpha1')?.schema.openAPIV3Schema;
    if (!schema) throw new Error(`${file}: no v1alpha1 schema`);
    roots[kind] = {};
    for (const field of fields) {
      const node = schema.properties?.[field];
      if (!node) throw new Error(`${file}: no ${field} in the schema`);
      roots[kind][field] = convert(node, `${kind}.${field}`);
    }
  }
  const out = {
    _source: `argoproj/argo-cd manifests/crds at ${sha} (Apache-2.0)`,
    _roots: roots,
    ...Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  writeFileSync(new URL('./argo-cd.json', import.meta.url), JSON.stringify(out));
}

main();
