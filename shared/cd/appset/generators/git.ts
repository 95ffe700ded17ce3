/**
 * The git generator: `directories` (one parameter set per matching directory) or `files` (one
 * per JSON/YAML object found in each matching file), with Argo's path parameters.
 */
import type { Json } from '../../../core/types.js';
import {
  appendTemplatedValues,
  flattenParams,
  isJsonObject,
  sanitizeName,
  type TemplateMode,
} from '../templating.js';
import { parseYamlDocuments } from '../../../resources/yaml.js';
import { AppSetError, type GeneratorInputs, type GitGenerator, type Params } from '../types.js';
import { doublestarMatch, gitPathspecMatch, goBase, goDir, goPathMatch } from './globs.js';

export async function gitParams(
  gen: GitGenerator,
  inputs: GeneratorInputs,
  mode: TemplateMode,
  at: string,
): Promise<Params[]> {
  if (!inputs.git)
    throw new AppSetError(`${at}: the git generator needs repository access, and none was given`);
  if (!gen.repoURL) throw new AppSetError(`${at}.repoURL: required`);
  const git = inputs.git;
  let files: string[];
  try {
    files = await git.listFiles(gen.repoURL, gen.revision ?? '');
  } catch (err) {
    throw new AppSetError(
      `${at}: error generating params from git: listing ${gen.repoURL} at "${gen.revision ?? ''}": ${(err as Error).message}`,
    );
  }
  if ((gen.directories ?? []).length > 0) {
    const dirs = directoriesOf(files, inputs.includeHiddenDirectories ?? false);
    return selectDirectories(gen, dirs).map((dir) =>
      appendTemplatedValues(gen.values, directoryParams(dir, gen.pathParamPrefix, mode), mode),
    );
  }
  if ((gen.files ?? []).length > 0) {
    const match = inputs.gitFileGlobbing === 'doublestar' ? doublestarMatch : gitPathspecMatch;
    const items = gen.files ?? [];
    const chosen = files
      .filter((f) => items.some((i) => !i.exclude && match(i.path, f)))
      .filter((f) => !items.some((i) => i.exclude && match(i.path, f)))
      .sort();
    const res: Params[] = [];
    for (const file of chosen) {
      let text: string;
      try {
        text = await git.readFile(gen.repoURL, gen.revision ?? '', file);
      } catch (err) {
        throw new AppSetError(
          `${at}: unable to read file '${file}' from repository '${gen.repoURL}': ${(err as Error).message}`,
        );
      }
      for (const object of parseParamFile(text, file, gen.repoURL, at))
        res.push(
          appendTemplatedValues(
            gen.values,
            fileParams(object, file, gen.pathParamPrefix, mode),
            mode,
          ),
        );
    }
    return res;
  }
  throw new AppSetError(`${at}: give directories or files (the git generator has neither)`);
}

/**
 * Every directory holding a file, as the repo-server walks the checkout: in filepath.WalkDir
 * order, without the root, skipping hidden directories and all below them.
 */
export function directoriesOf(files: readonly string[], includeHidden: boolean): string[] {
  const dirs = new Set<string>();
  for (const file of files) {
    const segments = file.split('/').slice(0, -1);
    for (let i = 1; i <= segments.length; i++) {
      if (!includeHidden && segments[i - 1]!.startsWith('.')) break;
      dirs.add(segments.slice(0, i).join('/'));
    }
  }
  return [...dirs].sort(walkOrder);
}

function walkOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++)
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length - y.length;
}

/** A directory is kept when some include pattern matches it and no `exclude: true` one does. */
function selectDirectories(gen: GitGenerator, dirs: readonly string[]): string[] {
  const items = gen.directories ?? [];
  return dirs.filter(
    (d) =>
      items.some((i) => !i.exclude && goPathMatch(i.path, d)) &&
      !items.some((i) => i.exclude && goPathMatch(i.path, d)),
  );
}

function directoryParams(dir: string, prefix: string | undefined, mode: TemplateMode): Params {
  if (mode.goTemplate) {
    const path: Params = {
      path: dir,
      basename: goBase(dir),
      basenameNormalized: sanitizeName(goBase(dir)),
      segments: dir.split('/'),
    };
    return prefix ? { [prefix]: { path } } : { path };
  }
  return flatPathParams(dir, prefix, {});
}

function fileParams(
  object: { [k: string]: Json },
  file: string,
  prefix: string | undefined,
  mode: TemplateMode,
): Params {
  const dir = goDir(file);
  if (mode.goTemplate) {
    const path: Params = {
      path: dir,
      basename: goBase(dir),
      filename: goBase(file),
      basenameNormalized: sanitizeName(goBase(dir)),
      filenameNormalized: sanitizeName(goBase(file)),
      segments: dir.split('/'),
    };
    return { ...object, ...(prefix ? { [prefix]: { path } } : { path }) };
  }
  return flatPathParams(dir, prefix, {
    ...flattenParams(object),
    [`${pathName(prefix)}.filename`]: goBase(file),
    [`${pathName(prefix)}.filenameNormalized`]: sanitizeName(goBase(file)),
  });
}

function pathName(prefix: string | undefined): string {
  return prefix ? `${prefix}.path` : 'path';
}

function flatPathParams(dir: string, prefix: string | undefined, params: Params): Params {
  const name = pathName(prefix);
  const out: Params = {
    ...params,
    [name]: dir,
    [`${name}.basename`]: goBase(dir),
    [`${name}.basenameNormalized`]: sanitizeName(goBase(dir)),
  };
  // path[n] keeps the segment's index; empty segments get no parameter.
  dir.split('/').forEach((segment, i) => {
    if (segment !== '') out[`${name}[${i}]`] = segment;
  });
  return out;
}

/** One object, or a list of objects; an empty file is one empty object (Argo's yaml.Unmarshal). */
function parseParamFile(
  text: string,
  file: string,
  repoURL: string,
  at: string,
): { [k: string]: Json }[] {
  const fail = (why: string) =>
    new AppSetError(`${at}: unable to process file '${file}' from repository '${repoURL}': ${why}`);
  let value: Json;
  try {
    // Only the first YAML document counts, as in Argo.
    value = (parseYamlDocuments(text)[0] as Json | undefined) ?? null;
  } catch (err) {
    throw fail(`unable to parse file: ${(err as Error).message}`);
  }
  if (value === null) return [{}];
  if (isJsonObject(value)) return [value];
  if (Array.isArray(value)) {
    return value.map((item, i) => {
      if (!isJsonObject(item)) throw fail(`unable to parse file: item ${i} is not a map`);
      return item;
    });
  }
  throw fail('unable to parse file: the file holds neither a map nor a list of maps');
}
