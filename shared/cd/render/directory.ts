/**
 * Argo CD's Directory source (repo-server findManifests): the YAML and JSON files of the app
 * path — and of its sub-directories with `directory.recurse` — filtered by `include` / `exclude`
 * (gobwas globs on the path relative to the app path, `{a,b}` alternatives, `*` crossing `/`).
 * Files marked `+argocd:skip-file-rendering` are skipped. Jsonnet is not supported here.
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { KubeObject } from '../../core/objects.js';
import type { Json, JsonObject } from '../../core/types.js';
import { parseYamlDocuments } from '../../resources/yaml.js';
import { globMatch } from '../project.js';
import { RenderError } from '../ports.js';

export interface DirectoryOptions {
  recurse?: boolean;
  include?: string;
  exclude?: string;
  /** Read every file, whatever its extension (include/exclude then do all the filtering). */
  disableExtensionFilter?: boolean;
  /** Argo's maxCombinedDirectoryManifestsSize (0 or absent: no limit). */
  maxCombinedBytes?: number;
}

const MANIFEST_FILE = /\.(yaml|yml|json|jsonnet)$/;
const SKIP_MARKER = '+argocd:skip-file-rendering';

/** `spec.source.directory` as DirectoryOptions, with field paths in errors. */
export function directoryOptions(directory: Json | undefined): DirectoryOptions {
  if (directory === undefined || directory === null) return {};
  if (typeof directory !== 'object' || Array.isArray(directory)) {
    throw new RenderError('spec.source.directory must be an object');
  }
  const out: DirectoryOptions = {};
  for (const key of ['include', 'exclude'] as const) {
    const v = directory[key];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string')
      throw new RenderError(`spec.source.directory.${key} must be a string`);
    out[key] = v;
  }
  if (directory.recurse === true) out.recurse = true;
  if (directory.disableExtensionFilter === true) out.disableExtensionFilter = true;
  return out;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

interface Candidate {
  path: string;
  rel: string;
  name: string;
}

async function candidates(
  appPath: string,
  repoRoot: string,
  options: DirectoryOptions,
): Promise<Candidate[]> {
  const found: Candidate[] = [];
  let combined = 0;
  const walk = async (dir: string): Promise<void> => {
    // Lexical order, as Go's filepath.Walk.
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (options.recurse) await walk(path);
        continue;
      }
      const rel = relative(appPath, path).split(sep).join('/');
      if (!options.disableExtensionFilter && !MANIFEST_FILE.test(entry.name)) continue;
      let size: number;
      if (entry.isSymbolicLink()) {
        let real: string;
        try {
          real = await realpath(path);
        } catch {
          continue; // a dangling link is skipped, as in Argo
        }
        if (!inside(repoRoot, real)) {
          throw new RenderError(
            `illegal filepath in symlink at "${rel}": it leaves the repository`,
          );
        }
        const info = await stat(real);
        if (!info.isFile()) continue;
        size = info.size;
      } else if (entry.isFile()) {
        size = (await lstat(path)).size;
      } else continue;
      if (options.exclude && globMatch(options.exclude, rel)) continue;
      if (options.include && !globMatch(options.include, rel)) continue;
      if ((await readFile(path, 'utf8')).includes(SKIP_MARKER)) continue;
      if (!entry.name.endsWith('.jsonnet')) {
        combined += size;
        if (options.maxCombinedBytes && combined > options.maxCombinedBytes) {
          throw new RenderError(
            `the manifests of ${relative(repoRoot, appPath) || '.'} exceed the combined size limit ` +
              `of ${options.maxCombinedBytes} bytes`,
          );
        }
      }
      found.push({ path, rel, name: entry.name });
    }
  };
  await walk(appPath);
  return found;
}

function looksLikeManifest(text: string): boolean {
  return text.includes('apiVersion:') && text.includes('kind:') && text.includes('metadata:');
}

function isObjectWithKind(doc: unknown): doc is KubeObject {
  return (
    typeof doc === 'object' &&
    doc !== null &&
    !Array.isArray(doc) &&
    typeof (doc as JsonObject).kind === 'string' &&
    (doc as JsonObject).kind !== ''
  );
}

/** The objects of one YAML or JSON file, with Argo's rules for files that are not manifests. */
export function parseManifestFile(name: string, text: string): KubeObject[] {
  if (name.endsWith('.json')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new RenderError(`Failed to unmarshal "${name}": ${(err as Error).message}`);
    }
    if (!isObjectWithKind(doc)) {
      throw new RenderError(`Failed to unmarshal "${name}": Object 'Kind' is missing`);
    }
    return [doc];
  }
  let docs: unknown[];
  try {
    docs = parseYamlDocuments(text);
  } catch (err) {
    // A YAML file that is no manifest at all (Helm values, CI config) is ignored, as in Argo;
    // one that looks like a manifest but does not parse is the user's mistake.
    if (looksLikeManifest(text)) {
      throw new RenderError(`Failed to unmarshal "${name}": ${(err as Error).message}`);
    }
    return [];
  }
  const objects: KubeObject[] = [];
  for (const [i, doc] of docs.entries()) {
    if (isObjectWithKind(doc)) {
      objects.push(doc);
      continue;
    }
    if (objects.length > 0 || looksLikeManifest(text)) {
      throw new RenderError(
        `Failed to unmarshal "${name}": document ${i + 1} is not a Kubernetes object ` +
          "(Object 'Kind' is missing)",
      );
    }
    return [];
  }
  return objects;
}

/** Manifests of a Directory source. */
export async function renderDirectory(
  appPath: string,
  repoRoot: string,
  options: DirectoryOptions = {},
): Promise<KubeObject[]> {
  const objects: KubeObject[] = [];
  for (const file of await candidates(appPath, repoRoot, options)) {
    if (file.name.endsWith('.jsonnet')) {
      throw new RenderError(
        `jsonnet is not supported: "${file.rel}"; render it to YAML in git, or exclude it with ` +
          'spec.source.directory.exclude',
      );
    }
    objects.push(...parseManifestFile(file.rel, await readFile(file.path, 'utf8')));
  }
  return objects;
}

/**
 * Argo's GenerateManifests post-processing for every source type: a List (any object whose
 * `items` is an array) becomes its items; a List with `items: null` disappears.
 */
export function flattenLists(objects: KubeObject[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const obj of objects) {
    const items = obj.items;
    if (Array.isArray(items)) {
      for (const item of items) {
        if (isObjectWithKind(item)) out.push(item);
        else throw new RenderError(`${obj.kind}: a list item is not a Kubernetes object`);
      }
    } else if ('items' in obj && items === null && !('spec' in obj) && !('status' in obj)) {
      continue;
    } else out.push(obj);
  }
  return out;
}
