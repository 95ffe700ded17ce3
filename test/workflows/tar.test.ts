import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGzip, readTarGz, writeTarGz } from '../../shared/workflows/tar.js';
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
