/**
 * The shared corpus of real Argo manifests (../shared/corpus), read-only test input.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { repoRoot } from './start-process.js';
import { parseYamlDocuments } from '../../shared/resources/yaml.js';

export const corpusRoot = resolve(repoRoot, '..', 'shared', 'corpus');

export interface CorpusDocument {
  /** Path relative to the corpus folder given. */
  file: string;
  object: Record<string, unknown>;
}

export function corpusFiles(folder: string, extensions = /\.ya?ml$/): string[] {
  const root = join(corpusRoot, folder);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (extensions.test(name)) files.push(path);
    }
  };
  walk(root);
  if (files.length === 0) throw new Error(`corpus folder ${root} is missing or empty`);
  return files;
}

export function corpusDocuments(folder: string): CorpusDocument[] {
  const root = join(corpusRoot, folder);
  return corpusFiles(folder).flatMap((path) =>
    parseYamlDocuments(readFileSync(path, 'utf8')).map((object) => ({
      file: relative(root, path),
      object: object as Record<string, unknown>,
    })),
  );
}

export function seedDocuments(name: string): Record<string, unknown>[] {
  return parseYamlDocuments(readFileSync(join(corpusRoot, 'seeds', name), 'utf8')) as Record<
    string,
    unknown
  >[];
}
