import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Total size of the files under `dir` (the on-disk cost of a store). */
export async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? await directoryBytes(path) : (await stat(path)).size;
  }
  return total;
}
