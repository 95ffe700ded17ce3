import { describe, expect, it } from 'vitest';
import { tempDirs } from '../support/temp-dirs.js';
import { spawn } from 'node:child_process';
import { LevelEventStore } from '../../shared/adapters/local/level-event-store.js';
import { describeEventStoreContract, item } from '../contracts/event-store.contract.js';
import { repoRoot } from '../support/start-process.js';

const tempDir = tempDirs('argosls-level');

describeEventStoreContract('embedded LevelDB (fsync)', async () => {
  const store = await LevelEventStore.open({ path: await tempDir(), durability: 'fsync' });
  return { store, close: () => store.close() };
});

describe('embedded LevelDB store durability', () => {
  it('survives close and reopen, and knows its latest version after reopening', async () => {
    const path = await tempDir();
    const a = await LevelEventStore.open({ path });
    await a.append(item(1, { snapshot: {} }));
    await a.append(item(2));
    await a.close();
    const b = await LevelEventStore.open({ path });
    await expect(b.append(item(2))).rejects.toThrow(/written by someone else/);
    await b.append(item(3));
    expect((await b.readTail(item(1).key, 10)).map((i) => i.version)).toEqual([3, 2, 1]);
    await b.close();
  });

  it('every append acknowledged before kill -9 is there after reopening', async () => {
    const path = await tempDir();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/append-forever.ts', path],
      { cwd: repoRoot },
    );
    let acked = 0;
    let buffer = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        buffer += d.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) if (line) acked = Number(line);
        if (acked >= 300) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`writer exited early: ${code}`));
      });
    });
    await new Promise((r) => child.once('exit', r));
    const store = await LevelEventStore.open({ path });
    const all = await store.readRange(item(1).key, { from: 1 });
    expect(all.length).toBeGreaterThanOrEqual(acked);
    all.forEach((it, i) =>
      expect(it).toEqual(
        item(i + 1, i === 0 ? { snapshot: { first: true }, snapshotBytes: 14 } : {}),
      ),
    );
    await store.close();
  });
});
