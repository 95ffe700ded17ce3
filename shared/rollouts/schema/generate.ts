/**
 * Regenerates `argo-rollouts.json` (see README.md) from Argo Rollouts' CRDs:
 *
 *   npx tsx shared/rollouts/schema/generate.ts <argo-rollouts git dir> [commit]
 *   npx prettier --write shared/rollouts/schema/argo-rollouts.json
 *
 * A one-off tool, never imported: the runtime only reads the JSON it writes.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { load } from 'js-yaml';

type TypeRef = string | TypeRef[] | { '*': TypeRef };

interface Definition {
  fields: Record<string, TypeRef>;
  required?: string[];
}

interface OpenApi {
  type?: string;
  properties?: Record<string, OpenApi>;
  additionalProperties?: OpenApi | boolean;
  items?: OpenApi;
  required?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

const CRDS: readonly (readonly [kind: string, file: string])[] = [
  ['Rollout', 'rollout-crd.yaml'],
  ['AnalysisTemplate', 'analysis-template-crd.yaml'],
  ['ClusterAnalysisTemplate', 'cluster-analysis-template-crd.yaml'],
  ['AnalysisRun', 'analysis-run-crd.yaml'],
  ['Experiment', 'experiment-crd.yaml'],
];

const definitions: Record<string, Definition> = {};
/**
 * Wanted name + canonical JSON of a definition -> its name: the same type met twice under the same
 * field name (the pod spec of a Rollout, an Experiment and a Job metric) is stored once.
 */
const byShape = new Map<string, string>();

function pascal(field: string): string {
  return field.charAt(0).toUpperCase() + field.slice(1);
}

/** `steps` -> `Step`, `policies` -> `Policy`: list items are named after one of their list. */
function singular(name: string): string {
  if (name.endsWith('ies')) return `${name.slice(0, -3)}y`;
  if (name.endsWith('yses')) return `${name.slice(0, -2)}is`;
  if (name.endsWith('sses') || name.endsWith('ases')) return name.slice(0, -2);
  if (name.endsWith('s') && !name.endsWith('ss')) return name.slice(0, -1);
  return name;
}

function define(definition: Definition, wanted: string, parent: string): string {
  const shape = `${wanted} ${JSON.stringify(definition)}`;
  const known = byShape.get(shape);
  if (known) return known;
  let name = wanted;
  if (definitions[name]) name = `${parent}${wanted}`;
  for (let i = 2; definitions[name]; i++) name = `${parent}${wanted}${i}`;
  definitions[name] = definition;
  byShape.set(shape, name);
  return name;
}

function convert(node: OpenApi, name: string, parent: string): TypeRef {
  if (node['x-kubernetes-preserve-unknown-fields']) return 'any';
  if (node['x-kubernetes-int-or-string']) return 'scalar';
  switch (node.type) {
    case 'array':
      return [node.items ? convert(node.items, singular(name), parent) : 'any'];
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
    const fields: Record<string, TypeRef> = {};
    for (const [field, child] of Object.entries(node.properties).sort(([a], [b]) =>
      a < b ? -1 : 1,
    ))
      fields[field] = convert(child, pascal(field), name);
    const definition: Definition = { fields };
    if (node.required?.length) definition.required = [...node.required].sort();
    return `#${define(definition, name, parent)}`;
  }
  if (typeof node.additionalProperties === 'object')
    return { '*': convert(node.additionalProperties, name, parent) };
  return 'any';
}

function main(): void {
  const [gitDir, commit = 'HEAD'] = process.argv.slice(2);
  if (!gitDir) throw new Error('usage: generate.ts <argo-rollouts git dir> [commit]');
  const sha = execFileSync('git', ['-C', gitDir, 'rev-parse', commit], { encoding: 'utf8' }).trim();
  const kinds: Record<string, string> = {};
  for (const [kind, file] of CRDS) {
    const text = execFileSync('git', ['-C', gitDir, 'show', `${sha}:manifests/crds/${file}`], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const crd = load(text) as {
      spec: { versions: { name: string; schema: { openAPIV3Schema: OpenApi } }[] };
    };
    const version = crd.spec.versions.find((v) => v.name === 'v1alpha1');
    const spec = version?.schema.openAPIV3Schema.properties?.['spec'];
    if (!spec) throw new Error(`${file}: no v1alpha1 spec schema`);
    const ref = convert(spec, `${kind}Spec`, kind);
    if (typeof ref !== 'string' || !ref.startsWith('#')) throw new Error(`${kind}: spec is ${ref}`);
    kinds[kind] = ref;
  }
  const out = {
    _source: `argoproj/argo-rollouts manifests/crds at ${sha} (Apache-2.0)`,
    _kinds: kinds,
    ...Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  writeFileSync(new URL('./argo-rollouts.json', import.meta.url), JSON.stringify(out));
}

main();
