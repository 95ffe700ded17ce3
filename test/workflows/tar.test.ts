import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGzip, readTarGz, writeTarGz } from '../../shared/workflows/tar.js';
import { FileArtifactStore } from '../../shared/adapters/local/file-artifact-store.js';
import { tempDirs } from '../support/temp-dirs.js';

const tempDir = tempDirs('tar');

describe('tar.gz, as the outputs wrapper writes it (real tar)', () => {
  it('reads what tar -czf wrote, directories implied', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'out', 'sub'), { recursive: true });
    await writeFile(join(dir, 'out', '0.json'), '{"foo": 1}');
    await writeFile(join(dir, 'out', 'sub', 'x.txt'), 'x'.repeat(1000));
    const archive = execFileSync('tar', ['-czf', '-', '-C', dir, 'out']);
    expect(isGzip(archive)).toBe(true);
    const entries = readTarGz(archive).map((e) => [e.path, e.data.toString()]);
    expect(entries.sort()).toEqual([
      ['out/0.json', '{"foo": 1}'],
      ['out/sub/x.txt', 'x'.repeat(1000)],
    ]);
  });

  it('writes what tar -xzf reads', async () => {
    const dir = await tempDir();
    const archive = writeTarGz([
      { path: 'dir/a.json', data: Buffer.from('{"a":1}') },
      { path: 'dir/deep/b.txt', data: Buffer.alloc(513, 98) },
    ]);
    await writeFile(join(dir, 'x.tgz'), archive);
    execFileSync('tar', ['-xzf', join(dir, 'x.tgz'), '-C', dir]);
    expect(await readFile(join(dir, 'dir', 'a.json'), 'utf8')).toBe('{"a":1}');
    expect((await readFile(join(dir, 'dir', 'deep', 'b.txt'))).length).toBe(513);
  });
});

describe('the file artifact store', () => {
  it('keeps objects by key, lists by prefix, and a directory-style key is not an object', async () => {
    const store = new FileArtifactStore(await tempDir());
    await store.put('wf/parts/0.json', Buffer.from('0'));
    await store.put('wf/parts/1.json', Buffer.from('1'));
    await store.put('wf/archive/', Buffer.from('dir object'));
    expect((await store.get('wf/parts/1.json'))?.toString()).toBe('1');
    expect(await store.get('wf/parts')).toBeUndefined();
    expect(await store.get('nope')).toBeUndefined();
    expect((await store.get('wf/archive/'))?.toString()).toBe('dir object');
    expect(await store.list('wf/parts/')).toEqual(['wf/parts/0.json', 'wf/parts/1.json']);
    expect(await store.list('wf/')).toEqual(['wf/archive/', 'wf/parts/0.json', 'wf/parts/1.json']);
    await expect(store.put('../escape', Buffer.from('x'))).rejects.toThrow('relative path');
  });
});
