/**
 * What every ArtifactStore must do: objects by key (any bytes), a missing key and a
 * directory-style prefix read as undefined, listing by prefix sorted, keys ending in "/", no "..".
 */
import { expect, it } from 'vitest';
import type { ArtifactStore } from '../../shared/core/ports.js';

export function artifactStoreContract(make: () => Promise<ArtifactStore>): void {
  it('keeps bytes by key; a missing key and a prefix are not objects', async () => {
    const store = await make();
    const bytes = Buffer.from([0x1f, 0x8b, 0, 255, 10]);
    await store.put('wf/pod/out.tgz', bytes);
    expect(await store.get('wf/pod/out.tgz')).toEqual(bytes);
    expect(await store.get('wf/pod')).toBeUndefined();
    expect(await store.get('absent')).toBeUndefined();
  });

  it('lists keys under a prefix, sorted, including directory-style keys', async () => {
    const store = await make();
    await store.put('run/parts/1.json', Buffer.from('1'));
    await store.put('run/parts/0.json', Buffer.from('0'));
    await store.put('run/archive/', Buffer.from('d'));
    await store.put('other/x', Buffer.from('x'));
    expect(await store.list('run/parts/')).toEqual(['run/parts/0.json', 'run/parts/1.json']);
    expect(await store.list('run/')).toEqual([
      'run/archive/',
      'run/parts/0.json',
      'run/parts/1.json',
    ]);
    expect((await store.get('run/archive/'))?.toString()).toBe('d');
    expect(await store.list('nothing/')).toEqual([]);
  });

  it('refuses keys that climb out', async () => {
    const store = await make();
    await expect(store.put('../escape', Buffer.from('x'))).rejects.toThrow('relative path');
  });
}
