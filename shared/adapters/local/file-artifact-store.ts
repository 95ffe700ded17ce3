/**
 * The embedded artifact repository: files under a directory, written atomically (temp file +
 * rename) so a crash never leaves half an artifact under its key.
 */
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ArtifactStore } from '../../core/ports.js';

export class FileArtifactStore implements ArtifactStore {
  constructor(private readonly root: string) {}

  private path(key: string): string {
    if (key.startsWith('/') || key.split(/[\\/]/).includes('..')) {
      throw new Error(`artifact key "${key}" must be a relative path without ".."`);
    }
    const clean = normalize(key);
    // An S3 key may end with "/" (Argo writes directory artifacts under such keys): on disk that
    // object lives inside the directory the key names.
    return key.endsWith('/') ? join(this.root, clean, '.object') : join(this.root, clean);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${randomUUID()}.tmp`;
    await writeFile(temp, data);
    await rename(temp, path);
  }

  async list(prefix: string): Promise<string[]> {
    const dir = prefix.endsWith('/')
      ? this.path(`${prefix}x`).replace(/x$/, '')
      : this.path(prefix);
    const keys: string[] = [];
    const walk = async (path: string) => {
      let entries;
      try {
        entries = await readdir(path, { withFileTypes: true });
      } catch (err) {
        if (
          (err as NodeJS.ErrnoException).code === 'ENOENT' ||
          (err as NodeJS.ErrnoException).code === 'ENOTDIR'
        )
          return;
        throw err;
      }
      for (const e of entries) {
        const full = join(path, e.name);
        if (e.isDirectory()) await walk(full);
        else if (!e.name.endsWith('.tmp')) {
          const rel = relative(this.root, full).split(sep).join('/');
          keys.push(rel.endsWith('/.object') ? rel.slice(0, -'.object'.length) : rel);
        }
      }
    };
    await walk(dir);
    return keys.filter((k) => k.startsWith(prefix)).sort();
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      // A key naming a "directory" of objects is not itself an object (S3 semantics).
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
      throw err;
    }
  }
}
