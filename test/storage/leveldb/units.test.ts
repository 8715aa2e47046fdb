import { ClassicLevel } from 'classic-level';
import { afterEach, describe, expect, it } from 'vitest';
import { EntryFilter } from '../../../src/storage/bloom.js';
import { BUNDLE_MAX_ENTRIES, bundleEntry, encodeBundle, putBundles } from '../../../src/storage/leveldb/bundles.js';
import { decodeIndexList, readUint, tileKey, writeUint } from '../../../src/storage/leveldb/codec.js';
import { addToIndex, resolveDuplicates } from '../../../src/storage/leveldb/dedup.js';
import { LevelDbStorage } from '../../../src/storage/index.js';
import { codeOf } from '../../helpers/errors.js';
import { removeTempDir, tempDir } from '../../helpers/temp.js';
import { entryBytes, rejectCode } from '../helpers.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('codec', () => {
  it.each([0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 48 - 1, Number.MAX_SAFE_INTEGER])('u64 round trip %d', (n) => {
    const b = new Uint8Array(8);
    writeUint(b, 0, n, 8);
    expect(readUint(b, 0, 8)).toBe(n);
  });
  it('u64 beyond 2^53 - 1 is corrupt', () => {
    expect(codeOf(() => readUint(Uint8Array.of(0, 0x20, 0, 0, 0, 0, 0, 0), 0, 8))).toBe('ERR_LOG_CORRUPT');
  });
  it('index list with a bad length is corrupt', () => {
    expect(codeOf(() => decodeIndexList(new Uint8Array(7)))).toBe('ERR_LOG_CORRUPT');
  });
});

describe('entry bundles', () => {
  it('round-trips entries of any length, split by count and bytes', () => {
    const entries = [0, 1, 127, 128, 16383, 16384, 70_000, 5].map((n, i) => new Uint8Array(n).fill(i + 1));
    const bundle = encodeBundle(entries);
    entries.forEach((e, k) => expect(bundleEntry(bundle, k)).toEqual(e));
    const puts: Array<[number, Uint8Array]> = [];
    putBundles(100, entries, (k, v) => puts.push([readUint(k, 1, 8), v]));
    // 70,000 bytes exceeds the byte budget, so it closes a bundle and stands alone.
    expect(puts.map(([first]) => first)).toEqual([100, 106, 107]);
    const many = Array.from({ length: 40 }, (_, i) => entryBytes('b', i));
    const firsts: number[] = [];
    putBundles(0, many, (k) => firsts.push(readUint(k, 1, 8)));
    expect(firsts).toEqual([0, BUNDLE_MAX_ENTRIES, 2 * BUNDLE_MAX_ENTRIES]);
  });
  it('rejects truncated bundles and missing entries', () => {
    const bundle = encodeBundle([Uint8Array.of(1, 2, 3)]);
    expect(codeOf(() => bundleEntry(bundle.subarray(0, 2), 0))).toBe('ERR_LOG_CORRUPT');
    expect(codeOf(() => bundleEntry(bundle, 1))).toBe('ERR_LOG_CORRUPT');
    expect(codeOf(() => bundleEntry(Uint8Array.of(0x80), 0))).toBe('ERR_LOG_CORRUPT');
  });
});

describe('duplicate resolution', () => {
  const h = (first: number, last: number): Uint8Array => {
    const x = new Uint8Array(32).fill(first);
    x[31] = last;
    return x;
  };
  it('a hash-index prefix collision is not a duplicate, and the index keeps both entries', async () => {
    const stored = h(9, 1); // entry 5 in the log
    const incoming = h(9, 2); // same 16-byte prefix, different hash
    const existingValue = new Uint8Array(6);
    writeUint(existingValue, 0, 5, 6);
    const { resolutions, indexValues } = await resolveDuplicates([incoming, stored, incoming], {
      mightExist: () => true,
      getMany: async (keys) => keys.map(() => existingValue),
      entryHashes: async (idx) => idx.map(() => stored),
    });
    expect(resolutions).toEqual([{ kind: 'new' }, { kind: 'existing', index: 5 }, { kind: 'repeat', of: 0 }]);
    addToIndex(indexValues, incoming, 7);
    const slot = [...indexValues.values()][0]!;
    expect(slot.dirty).toBe(true);
    expect(decodeIndexList(slot.value!)).toEqual([5, 7]);
  });
  it('two new entries sharing a prefix in one batch are both new, and their repeats point at each', async () => {
    const a = h(3, 1);
    const b = h(3, 2);
    const { resolutions, slots } = await resolveDuplicates([a, b, b, a, b], {
      mightExist: () => false,
      getMany: async (keys) => keys.map(() => undefined),
      entryHashes: async () => [],
    });
    expect(resolutions).toEqual([{ kind: 'new' }, { kind: 'new' }, { kind: 'repeat', of: 1 }, { kind: 'repeat', of: 0 }, { kind: 'repeat', of: 1 }]);
    expect(slots[0]).toBe(slots[1]);
  });
  it('skips the lookup when the filter rules the prefix out', async () => {
    let reads = 0;
    const { resolutions } = await resolveDuplicates([h(1, 1), h(2, 2)], {
      mightExist: () => false,
      getMany: async (keys) => {
        reads += keys.length;
        return keys.map(() => undefined);
      },
      entryHashes: async () => [],
    });
    expect(reads).toBe(0);
    expect(resolutions.map((r) => r.kind)).toEqual(['new', 'new']);
  });
  it('the filter has no false negatives', () => {
    const f = new EntryFilter();
    const hs = Array.from({ length: 200_000 }, (_, i) => {
      const x = new Uint8Array(32);
      new DataView(x.buffer).setUint32(0, Math.imul(i, 2654435761) >>> 0);
      new DataView(x.buffer).setUint32(8, i);
      return x;
    });
    hs.forEach((x) => f.add(x));
    expect(hs.every((x) => f.mightContain(x))).toBe(true);
  });
});

describe('damaged directories are refused on open', () => {
  async function built(n: number): Promise<string> {
    const dir = tempDir('atlog-log-');
    cleanups.push(() => removeTempDir(dir));
    const s = await LevelDbStorage.open(dir);
    await s.appender.append(Array.from({ length: n }, (_, i) => entryBytes('dmg', i)));
    await s.close();
    return dir;
  }
  async function edit(dir: string, f: (db: ClassicLevel<Uint8Array, Uint8Array>) => Promise<void>): Promise<void> {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    await f(db);
    await db.close();
  }
  const table: Array<[string, (db: ClassicLevel<Uint8Array, Uint8Array>) => Promise<void>, string]> = [
    ['root changed', async (db) => {
      const s = (await db.get(Uint8Array.of(0x73)))!;
      s[20]! ^= 1;
      await db.put(Uint8Array.of(0x73), s);
    }, 'ERR_LOG_CORRUPT'],
    ['size changed', async (db) => {
      const s = (await db.get(Uint8Array.of(0x73)))!;
      s[7] = 99;
      await db.put(Uint8Array.of(0x73), s);
    }, 'ERR_LOG_CORRUPT'],
    ['right-edge tile deleted', (db) => db.del(tileKey(0, 1)), 'ERR_LOG_CORRUPT'],
    ['level-4 tile changed', async (db) => {
      const t = (await db.get(tileKey(4, 0)))!;
      t[0]! ^= 1;
      await db.put(tileKey(4, 0), t);
    }, 'ERR_LOG_CORRUPT'],
    ['state record missing', (db) => db.del(Uint8Array.of(0x73)), 'ERR_LOG_CORRUPT'],
    ['unknown format', (db) => db.put(Uint8Array.of(0x66), Uint8Array.of(2)), 'ERR_LOG_FORMAT'],
  ];
  it.each(table)('%s', async (_name, damage, code) => {
    const dir = await built(100);
    await edit(dir, damage);
    expect(await rejectCode(LevelDbStorage.open(dir))).toBe(code);
  });
});
