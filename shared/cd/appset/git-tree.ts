/**
 * The git generator's view of a repository (GitTree) over the GitSource port: the revision is
 * resolved to a commit once per GitTree (so every file of one generation comes from the same
 * commit, as the repo-server answers one request from one checkout), and the checkout's working
 * tree is walked. Make one GitTree per generation: a later generation must resolve again to see
 * new commits.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Checkout, GitSource } from '../ports.js';
import type { GitTree } from './types.js';

export function gitTree(git: GitSource): GitTree {
  const checkouts = new Map<string, Promise<Checkout>>();
  const listings = new Map<string, Promise<string[]>>();
  const checkout = (repoURL: string, revision: string): Promise<Checkout> => {
    const id = `${repoURL}\n${revision}`;
    let found = checkouts.get(id);
    if (!found) {
      found = git.resolve(repoURL, revision).then((commit) => git.checkout(repoURL, commit));
      checkouts.set(id, found);
    }
    return found;
  };
  return {
    listFiles(repoURL, revision) {
      const id = `${repoURL}\n${revision}`;
      let found = listings.get(id);
      if (!found) {
        found = checkout(repoURL, revision).then((c) => filesUnder(c.dir));
        listings.set(id, found);
      }
      return found;
    },
    async readFile(repoURL, revision, path) {
      if (path.split('/').some((segment) => segment === '..' || segment === ''))
        throw new Error(`path "${path}" must be relative to the repository root, without ".."`);
      const c = await checkout(repoURL, revision);
      return readFile(join(c.dir, ...path.split('/')), 'utf8');
    },
  };
}

/**
 * Every file of the working tree, `/`-separated and sorted, as `git ls-files` lists them: the
 * repository's own `.git` is not part of the tree, and a symbolic link is a file entry.
 */
async function filesUnder(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (prefix === '' && entry.name === '.git') continue;
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(join(dir, entry.name), path);
      else files.push(path);
    }
  };
  await walk(root, '');
  return files.sort();
}
