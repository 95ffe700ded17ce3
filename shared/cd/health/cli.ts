/**
 * `argosls health FILE... [--config argocd-cm.yaml]`: Argo CD's health of every resource in the
 * files, one JSON line each: {"kind","name","status","message"}. `status` is null for a resource
 * whose kind has no health (a ConfigMap, an Application), as Argo CD shows none; `message` is ""
 * when there is none. `--config` reads health customizations from an argocd-cm ConfigMap.
 * Exit 0 once every file is read (whatever the health); 2 on a bad argument, file or config,
 * before anything is printed.
 */
import { readFile } from 'node:fs/promises';
import type { KubeObject } from '../../core/objects.js';
import { objAt, strAt } from '../../rollouts/field-checks.js';
import { parseYamlDocuments } from '../../resources/yaml.js';
import { parseHealthCustomizations, type HealthCustomizations } from './customizations.js';
import { resourceHealth } from './index.js';

export const HEALTH_USAGE = `Usage: argosls health FILE... [--config argocd-cm.yaml]

Prints Argo CD's health of each resource in the YAML files as one JSON line:
  {"kind":"Deployment","name":"web","status":"Progressing","message":"..."}
status is null when the kind has no health. --config takes an argocd-cm ConfigMap whose
resource.customizations.health.<group_kind> (or resource.customizations) Lua checks apply.
`;

class UsageError extends Error {}

export async function healthCommand(
  argv: string[],
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream },
): Promise<number> {
  try {
    const { files, config, help } = parseArgv(argv);
    if (help) {
      io.out.write(HEALTH_USAGE);
      return 0;
    }
    const customizations = config ? await readConfig(config) : undefined;
    const objects: KubeObject[] = [];
    for (const file of files) objects.push(...(await readObjects(file)));
    for (const obj of objects) {
      const h = resourceHealth(obj, customizations ? { customizations } : {});
      io.out.write(
        JSON.stringify({
          kind: obj.kind,
          name: obj.metadata.name,
          status: h?.status ?? null,
          message: h?.message ?? '',
        }) + '\n',
      );
    }
    return 0;
  } catch (err) {
    io.err.write(`argosls health: ${(err as Error).message}\n`);
    if (err instanceof UsageError) io.err.write(HEALTH_USAGE);
    return 2;
  }
}

function parseArgv(argv: string[]): { files: string[]; config?: string; help: boolean } {
  const files: string[] = [];
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return { files, help: true };
    if (arg === '--config') {
      config = argv[++i];
      if (!config) throw new UsageError('--config needs a file (an argocd-cm ConfigMap)');
    } else if (arg.startsWith('--config=')) config = arg.slice('--config='.length);
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
    else files.push(arg);
  }
  if (files.length === 0) throw new UsageError('no files given');
  return { files, ...(config !== undefined ? { config } : {}), help: false };
}

async function readDocuments(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  try {
    return parseYamlDocuments(text);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

async function readObjects(file: string): Promise<KubeObject[]> {
  return (await readDocuments(file)).flatMap((doc, i) => {
    const where = `${file}: document ${i + 1}`;
    const o = objAt(doc);
    if (!o) throw new Error(`${where} is not a Kubernetes object (expected a map)`);
    // A List (kubectl get -o yaml) holds its objects in items.
    if (strAt(o.kind).endsWith('List') && Array.isArray(o.items))
      return o.items.map((item, j) => asObject(item, `${where}, items[${j}]`));
    return [asObject(o, where)];
  });
}

function asObject(doc: unknown, where: string): KubeObject {
  const o = objAt(doc) ?? {};
  const unset = [
    ['apiVersion', o.apiVersion],
    ['kind', o.kind],
    ['metadata.name', objAt(o.metadata)?.name],
  ].flatMap(([field, value]) => (strAt(value) ? [] : [field]));
  if (unset.length > 0)
    throw new Error(`${where} is not a Kubernetes object: set ${unset.join(', ')}`);
  return o as unknown as KubeObject;
}

async function readConfig(file: string): Promise<HealthCustomizations> {
  const docs = await readDocuments(file);
  const cm = docs.map(objAt).find((d) => d?.kind === 'ConfigMap');
  if (!cm) throw new Error(`${file}: no ConfigMap found (--config takes the argocd-cm ConfigMap)`);
  const data = objAt(cm.data) ?? {};
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string')
      throw new Error(`${file}: data.${key} must be a string (quote it in the ConfigMap)`);
    strings[key] = value;
  }
  try {
    return parseHealthCustomizations(strings);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}
