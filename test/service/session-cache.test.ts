import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { LinkState } from '../../src/aat/index.js';
import { LevelDbStorage } from '../../src/storage/index.js';
import { SessionCache } from '../../src/service/session-cache.js';
import { jsonPut, metaKeys, textPut } from '../../src/service/state.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

afterAll(removeTempDirs);

const tipOf = (n: number): LinkState => ({ recordId: `r${n}`, recordCount: n } as unknown as LinkState);

describe('SessionCache', () => {
  it('answers new sessions and record ids without reading; rebuilds its filters from the meta on open', async () => {
    const dir = join(tempDir(), 'log');
    let store = await LevelDbStorage.open(dir);
    await store.meta.put([jsonPut(metaKeys.tip('urn:a', 's1'), tipOf(1)), textPut(metaKeys.record('urn:a', 's1', 'r1'), 'e1')]);
    await store.close();

    store = await LevelDbStorage.open(dir);
    try {
      const cache = await SessionCache.open(store.meta, 2);
      const reads = vi.spyOn(store.meta, 'get');
      expect(await cache.tip('urn:a', 'new-session')).toBeUndefined();
      expect(await cache.recordEntry(metaKeys.record('urn:a', 's1', 'never'))).toBeUndefined();
      // A Bloom filter may say "maybe" for an absent key (~1%), so count reads over many keys, not one.
      for (let i = 0; i < 200; i++) await cache.tip('urn:b', `s${i}`);
      expect(reads.mock.calls.length).toBeLessThan(10);

      reads.mockClear();
      expect(await cache.tip('urn:a', 's1')).toEqual(tipOf(1)); // stored before the open: found through the filter
      expect(await cache.recordEntry(metaKeys.record('urn:a', 's1', 'r1'))).toBe('e1');
      expect(reads).toHaveBeenCalledTimes(2);
      reads.mockClear();
      expect(await cache.tip('urn:a', 's1')).toEqual(tipOf(1)); // now from the LRU
      expect(reads).not.toHaveBeenCalled();
    } finally {
      await store.close();
    }
  });

  it('expect() before an append makes the keys visible; committed() caches tips; the LRU stays bounded', async () => {
    const store = await LevelDbStorage.open(join(tempDir(), 'log'));
    try {
      const cache = await SessionCache.open(store.meta, 2);
      const k = (s: string): string => metaKeys.tip('urn:a', s);
      cache.expect([k('x')], [metaKeys.record('urn:a', 'x', 'r1')]);
      // the append "failed after writing": the filter must not hide what is on disk
      await store.meta.put([jsonPut(k('x'), tipOf(7)), textPut(metaKeys.record('urn:a', 'x', 'r1'), 'e7')]);
      expect(await cache.tip('urn:a', 'x')).toEqual(tipOf(7));
      expect(await cache.recordEntry(metaKeys.record('urn:a', 'x', 'r1'))).toBe('e7');

      const reads = vi.spyOn(store.meta, 'get');
      cache.committed([[k('p'), tipOf(1)], [k('q'), tipOf(2)], [k('r'), tipOf(3)]]);
      expect(await cache.tip('urn:a', 'r')).toEqual(tipOf(3));
      expect(await cache.tip('urn:a', 'q')).toEqual(tipOf(2));
      expect(reads).not.toHaveBeenCalled();
      // p was evicted (limit 2) and was never written to the meta nor expected: certainly absent
      expect(await cache.tip('urn:a', 'p')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
