/**
 * Argo CD's Kustomize source (util/kustomize Build): the Application's `source.kustomize`
 * overrides are written into the kustomization file the way `kustomize edit` writes them, in
 * Argo's order (namePrefix, nameSuffix, images, replicas, commonLabels, commonAnnotations,
 * namespace, patches, components), then `kubectl kustomize <path>` builds the result. The edits
 * happen in a temporary copy of the checkout, which is shared between renders and never changes.
 */
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import YAML from 'yaml';
import type { KubeObject } from '../../core/objects.js';
import type { Json, JsonObject } from '../../core/types.js';
import { parseYamlDocuments } from '../../resources/yaml.js';
import { RenderError } from '../ports.js';
import { runTool } from './tools.js';

export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export interface KustomizeRun {
  kubectl: string;
  helm: string;
  timeoutMs: number;
  maxOutputBytes: number;
  /** argocd-cm `kustomize.buildOptions`, e.g. `--enable-helm --load-restrictor LoadRestrictionsNone`. */
  buildOptions?: string;
  kubeVersion?: string;
  apiVersions?: string[];
  /** Argo's build environment substitution ($ARGOCD_APP_NAME, ...). */
  envsubst: (s: string) => string;
}

export async function findKustomization(dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_NAMES) {
    try {
      if ((await stat(join(dir, name))).isFile()) return name;
    } catch {
      // not this one
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// kustomize edit, as pure functions over the kustomization document

type Kustomization = JsonObject;

interface Image {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** kustomize's image.Split: the name, tag and digest of an image reference (registry ports kept). */
export function splitImage(ref: string): { name: string; tag: string; digest: string } {
  const slash = ref.indexOf('/');
  const offset = slash > 0 ? slash : 0;
  const search = ref.slice(offset);
  const at = search.indexOf('@');
  const colon = search.indexOf(':');
  if (colon < 0 && at < 0) return { name: ref, tag: '', digest: '' };
  if (at >= 0 && (at < colon || colon < 0)) {
    return { name: ref.slice(0, offset + at), tag: '', digest: ref.slice(offset + at + 1) };
  }
  if (at >= 0 && colon >= 0) {
    return {
      name: ref.slice(0, offset + colon),
      tag: ref.slice(offset + colon + 1, offset + at),
      digest: ref.slice(offset + at + 1),
    };
  }
  return { name: ref.slice(0, offset + colon), tag: ref.slice(offset + colon + 1), digest: '' };
}

/** `kustomize edit set image` argument: `[old=]new[:tag][@digest]`; `*` keeps the old value. */
export function parseImageArg(arg: string): Image {
  const eq = arg.indexOf('=');
  const key = eq >= 0 ? arg.slice(0, eq) : '';
  const value = eq >= 0 ? arg.slice(eq + 1) : arg;
  const { name, tag, digest } = splitImage(value);
  if (name === arg) {
    throw new RenderError(
      `spec.source.kustomize.images: "${arg}" sets nothing; use name:tag, name@digest or old=new[:tag]`,
    );
  }
  const image: Image = key ? { name: key, newName: name } : { name };
  if (tag) image.newTag = tag;
  if (digest) image.digest = digest;
  return image;
}

function imagesOf(k: Kustomization): Image[] {
  const list = k.images;
  if (!Array.isArray(list)) return [];
  return list.filter((i): i is JsonObject => typeof i === 'object' && i !== null) as Image[] &
    JsonObject[];
}

export function setImages(k: Kustomization, args: string[]): void {
  const wanted = new Map<string, Image>();
  for (const arg of args) {
    const image = parseImageArg(arg);
    wanted.set(image.name, image);
  }
  const keep = (v: string | undefined, old: string | undefined) => (v === '*' ? old : v);
  for (const old of imagesOf(k)) {
    const arg = wanted.get(old.name);
    if (!arg) {
      wanted.set(old.name, old);
      continue;
    }
    wanted.set(old.name, {
      name: arg.name,
      newName: keep(arg.newName, old.newName),
      newTag: keep(arg.newTag, old.newTag),
      digest: keep(arg.digest, old.digest),
    });
  }
  const images = [...wanted.values()]
    .map((i) => {
      const out: JsonObject = { name: i.name };
      if (i.newName && i.newName !== '*') out.newName = i.newName;
      if (i.newTag && i.newTag !== '*') out.newTag = i.newTag;
      if (i.digest && i.digest !== '*') out.digest = i.digest;
      return out;
    })
    .sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : 1));
  k.images = images;
}

export function setReplicas(k: Kustomization, replicas: { name: string; count: number }[]): void {
  const byName = new Map<string, JsonObject>();
  for (const r of replicas) byName.set(r.name, { name: r.name, count: r.count });
  const existing = Array.isArray(k.replicas) ? k.replicas : [];
  for (const r of existing) {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) continue;
    const name = String(r.name);
    if (!byName.has(name)) byName.set(name, r);
  }
  k.replicas = [...byName.values()].sort((a, b) => (String(a.name) < String(b.name) ? -1 : 1));
}

/** `kustomize edit add label|annotation` (without --force an existing key is an error). */
export function addMetadata(
  k: Kustomization,
  what: 'label' | 'annotation',
  pairs: Record<string, string>,
  flags: { force?: boolean; withoutSelector?: boolean; includeTemplates?: boolean } = {},
): void {
  const write = (target: JsonObject, key: string, value: string) => {
    if (key in target && !flags.force) {
      throw new RenderError(
        `${what} ${key} already in kustomization file. Use --force to override. ` +
          `(set spec.source.kustomize.forceCommon${what === 'label' ? 'Labels' : 'Annotations'}: true)`,
      );
    }
    target[key] = value;
  };
  if (what === 'label' && flags.withoutSelector) {
    const labels = (Array.isArray(k.labels) ? k.labels : []) as JsonObject[];
    const includeTemplates = flags.includeTemplates === true;
    let entry = labels.find(
      (l) =>
        (l.includeSelectors ?? false) === false &&
        (l.includeTemplates ?? false) === includeTemplates,
    );
    if (!entry) {
      entry = { pairs: {}, ...(includeTemplates ? { includeTemplates: true } : {}) };
      labels.push(entry);
    }
    const target = (entry.pairs ??= {}) as JsonObject;
    for (const [key, value] of Object.entries(pairs)) write(target, key, value);
    k.labels = labels;
    return;
  }
  const field = what === 'label' ? 'commonLabels' : 'commonAnnotations';
  const existing = k[field];
  const target: JsonObject =
    typeof existing === 'object' && existing !== null && !Array.isArray(existing) ? existing : {};
  for (const [key, value] of Object.entries(pairs)) write(target, key, value);
  k[field] = target;
}

function stringMap(value: Json | undefined, path: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new RenderError(`${path} must be a map of strings`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) out[k] = typeof v === 'string' ? v : String(v);
  return out;
}

function replicaCount(count: Json | undefined, path: string): number {
  const n = typeof count === 'number' ? count : typeof count === 'string' ? Number(count) : NaN;
  if (!Number.isInteger(n)) {
    throw new RenderError(`${path}: expected integer value for count. Received: ${String(count)}`);
  }
  return n;
}

/**
 * Applies `source.kustomize` to a kustomization document as Argo's sequence of `kustomize edit`
 * commands would. `componentExists` answers IgnoreMissingComponents.
 */
export function applyKustomizeOverrides(
  k: Kustomization,
  opts: JsonObject,
  envsubst: (s: string) => string,
  componentExists: (path: string) => boolean = () => true,
): void {
  const path = 'spec.source.kustomize';
  const str = (v: Json | undefined) => (typeof v === 'string' ? v : '');
  if (str(opts.namePrefix)) k.namePrefix = str(opts.namePrefix);
  if (str(opts.nameSuffix)) k.nameSuffix = str(opts.nameSuffix);
  if (Array.isArray(opts.images) && opts.images.length > 0) {
    // Argo substitutes the build environment, so an image can say ${ARGOCD_APP_REVISION}.
    setImages(
      k,
      opts.images.map((i) => envsubst(String(i))),
    );
  }
  if (Array.isArray(opts.replicas) && opts.replicas.length > 0) {
    setReplicas(
      k,
      opts.replicas.map((r, i) => {
        const o = (r ?? {}) as JsonObject;
        return { name: str(o.name), count: replicaCount(o.count, `${path}.replicas[${i}].count`) };
      }),
    );
  }
  const labels = stringMap(opts.commonLabels, `${path}.commonLabels`);
  if (Object.keys(labels).length > 0) {
    const substituted = Object.fromEntries(
      Object.entries(labels).map(([key, v]) => [key, envsubst(v)]),
    );
    addMetadata(k, 'label', substituted, {
      force: opts.forceCommonLabels === true,
      withoutSelector: opts.labelWithoutSelector === true,
      includeTemplates: opts.labelIncludeTemplates === true,
    });
  }
  const annotations = stringMap(opts.commonAnnotations, `${path}.commonAnnotations`);
  if (Object.keys(annotations).length > 0) {
    const values =
      opts.commonAnnotationsEnvsubst === true
        ? Object.fromEntries(Object.entries(annotations).map(([key, v]) => [key, envsubst(v)]))
        : annotations;
    addMetadata(k, 'annotation', values, { force: opts.forceCommonAnnotations === true });
  }
  if (str(opts.namespace)) k.namespace = str(opts.namespace);
  if (Array.isArray(opts.patches) && opts.patches.length > 0) {
    const existing = k.patches;
    if (existing !== undefined && existing !== null && !Array.isArray(existing)) {
      throw new RenderError("expected 'patches' field in kustomization.yaml to be a list");
    }
    k.patches = [...(existing ?? []), ...opts.patches];
  }
  if (Array.isArray(opts.components) && opts.components.length > 0) {
    const wanted = opts.components
      .map(String)
      .filter((c) => opts.ignoreMissingComponents !== true || componentExists(c));
    const components = Array.isArray(k.components) ? [...k.components] : [];
    for (const c of wanted) if (!components.includes(c)) components.push(c);
    if (wanted.length > 0) k.components = components;
  }
}

// Argo's ApplicationSourceKustomize.IsZero, for the fields that change the kustomization.
function hasOverrides(opts: JsonObject): boolean {
  const nonEmpty = (v: Json | undefined) =>
    v !== undefined &&
    v !== null &&
    v !== '' &&
    !(Array.isArray(v) && v.length === 0) &&
    !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);
  return [
    'namePrefix',
    'nameSuffix',
    'images',
    'replicas',
    'commonLabels',
    'commonAnnotations',
    'namespace',
    'patches',
    'components',
  ].some((f) => nonEmpty(opts[f]));
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Manifests of a Kustomize source at `appPath` inside the checkout `repoRoot`. */
export async function renderKustomize(
  repoRoot: string,
  appPath: string,
  kustomize: JsonObject,
  run: KustomizeRun,
): Promise<KubeObject[]> {
  let root = repoRoot;
  let dir = appPath;
  let scratch: string | undefined;
  try {
    if (hasOverrides(kustomize)) {
      scratch = await mkdtemp(join(tmpdir(), 'argo-kustomize-'));
      root = join(scratch, 'repo');
      await cp(repoRoot, root, { recursive: true, verbatimSymlinks: true });
      dir = join(root, relative(repoRoot, appPath));
      const name = await findKustomization(dir);
      if (!name) {
        throw new RenderError(
          `Missing kustomization file 'kustomization.yaml' in ${relative(repoRoot, appPath) || '.'}`,
        );
      }
      const file = join(dir, name);
      const parsed = parseYamlDocuments(await readFile(file, 'utf8'))[0] ?? {};
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new RenderError(`${name} is not a kustomization (expected a map)`);
      }
      const doc = parsed as JsonObject;
      const present = new Map<string, boolean>();
      for (const c of Array.isArray(kustomize.components) ? kustomize.components : []) {
        present.set(String(c), await exists(join(dir, String(c))));
      }
      applyKustomizeOverrides(doc, kustomize, run.envsubst, (c) => present.get(c) === true);
      await writeFile(file, YAML.stringify(doc));
    }

    const args = ['kustomize', dir];
    const options = (run.buildOptions ?? '').split(/\s+/).filter(Boolean);
    args.push(...options);
    if (options.includes('--enable-helm')) {
      args.push('--helm-command', run.helm);
      if (run.kubeVersion) args.push('--helm-kube-version', run.kubeVersion);
      for (const v of run.apiVersions ?? []) args.push('--helm-api-versions', v);
    }
    const out = await runTool(run.kubectl, args, {
      cwd: root,
      timeoutMs: run.timeoutMs,
      maxOutputBytes: run.maxOutputBytes,
      redact: [
        [`${root}/`, ''],
        [root, '.'],
      ],
    });
    return parseYamlDocuments(out) as KubeObject[];
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}
