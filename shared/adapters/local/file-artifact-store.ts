/**
 * The embedded artifact repository: files under a directory, written atomically (temp file +
 * rename) so a crash never leaves half an artifact under its key.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ArtifactStore } from '../../core/ports.js';

export class FileArtifactStore implements ArtifactStore {
  constructor(private readonly root: string) {}

  private path(key: string): string {
    const clean = normalize(key).replace(/^(\.\.(\/|\\|$))+/, '');
    if (clean.startsWith('/') || clean.includes('..'))
      throw new Error(`artifact key "${key}" must be a relative path`);
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

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
}
