import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyRoot, leafHash, rootFromLeafHashes, verifyConsistency, verifyInclusion } from '../../src/merkle/index.js';
import type { LogStorage } from '../../src/storage/index.js';
import { toHex } from '../../src/util/bytes.js';
import { entryBytes, rejectCode } from './helpers.js';

/**
 * The behaviour every storage driver must show (src/storage/types.ts). A driver's test file calls
 * `storageContract(name, location)`; `location()` makes a new, empty place to store a log, and its `open()`
 * may be called again after `close()` (a restart: everything written must be there).
 */
export interface DriverLocation {
  open(): Promise<LogStorage>;
  cleanup(): void | Promise<void>;
}

const sha = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export function storageContract(driver: string, location: () => DriverLocation): void {
  const cleanups: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A fresh location, opened; closed and removed after the test. */
  async function fresh(): Promise<{ s: LogStorage; loc: DriverLocation }> {
    const loc = location();
    cleanups.push(() => loc.cleanup());
    const s = await loc.open();
    cleanups.push(() => s.close());
    return { s, loc };
  }

  /** Opens the location again (after the caller closed it); closed after the test. */
  async function reopen(loc: DriverLocation): Promise<LogStorage> {
    const s = await loc.open();
    cleanups.push(() => s.close());
    return s;
  }

  describe(`storage contract: ${driver}`, () => {
    it('starts empty', async () => {
      const { s } = await fresh();
      expect(s.reader.size).toBe(0);
      expect(toHex(s.reader.head.root)).toBe(toHex(emptyRoot()));
      expect(toHex(await s.reader.rootAt(0))).toBe(toHex(emptyRoot()));
      expect(await s.checkpoints.latest()).toBeUndefined();
      expect(await s.meta.range('')).toEqual([]);
    });

    it('matches the reference tree at every size across tile boundaries (20,000 entries), also after a reopen', async () => {
      const { s, loc } = await fresh();
      const leafHashes: Uint8Array[] = [];
      const batchSizes = [1, 1, 2, 3, 5, 8, 13, 63, 64, 65, 700, 1000, 1023, 1025];
      let n = 0;
      for (let b = 0; n < 20_000; b++) {
        const count = Math.min(batchSizes[b % batchSizes.length]!, 20_000 - n);
        const entries = Array.from({ length: count }, (_, j) => entryBytes('tree', n + j));
        const res = await s.appender.append(entries);
        expect(res.entries.map((e) => e.index)).toEqual(entries.map((_, j) => n + j));
        expect(res.entries.every((e) => !e.duplicate)).toBe(true);
        for (const e of entries) leafHashes.push(leafHash(sha(e)));
        n += count;
        expect(res.size).toBe(n);
        expect(s.reader.size).toBe(n);
        // The reference root is O(n); check every batch early on, then every 8th and the last.
        if (n < 3000 || b % 8 === 0 || n === 20_000) expect(toHex(res.root)).toBe(toHex(rootFromLeafHashes(leafHashes)));
      }
      for (const size of [1, 2, 3, 15, 16, 17, 64, 65, 1023, 1024, 1025, 4097, 16383, 16384, 16385, 19999, 20000]) {
        const root = await s.reader.rootAt(size);
        expect(toHex(root)).toBe(toHex(rootFromLeafHashes(leafHashes.slice(0, size))));
        for (const i of [0, size - 1, Math.floor(size / 3), Math.floor((size * 7) / 11)]) {
          expect(verifyInclusion(leafHashes[i]!, i, size, await s.reader.inclusionProof(i, size), root)).toBe(true);
        }
        for (const s1 of [1, Math.ceil(size / 2), size]) {
          const proof = await s.reader.consistencyProof(s1, size);
          expect(verifyConsistency(s1, size, proof, rootFromLeafHashes(leafHashes.slice(0, s1)), root)).toBe(true);
        }
      }
      // Many proofs in one read equal the single ones.
      const many = [0, 1, 63, 64, 1024, 16383, 16384, 19999];
      const batched = await s.reader.inclusionProofs(many, 20_000);
      for (const [k, i] of many.entries()) expect(batched[k]!.map(toHex)).toEqual((await s.reader.inclusionProof(i, 20_000)).map(toHex));
      expect(await rejectCode(() => s.reader.inclusionProofs([0, 20_000], 20_000))).toBe('ERR_MERKLE_INDEX_OUT_OF_RANGE');
      // What a caller gets is its own copy to change (readers may cache upper subtrees).
      const first = await s.reader.inclusionProof(5, 20_000);
      const want = first.map(toHex);
      for (const h of first) h.fill(0);
      for (const p of await s.reader.inclusionProofs([5, 6], 20_000)) for (const h of p) h.fill(0);
      expect((await s.reader.inclusionProof(5, 20_000)).map(toHex)).toEqual(want);
      expect(toHex(await s.reader.entryHash(12345))).toBe(toHex(sha(entryBytes('tree', 12345))));
      expect(await s.reader.entry(777)).toEqual(entryBytes('tree', 777));
      expect((await s.reader.entryHashes(19_990, 20_000)).map(toHex)).toEqual(
        Array.from({ length: 10 }, (_, k) => toHex(sha(entryBytes('tree', 19_990 + k)))),
      );

      // Reopen: same head, and appends continue from it.
      const root = s.reader.head.root;
      await s.close();
      const again = await reopen(loc);
      expect(again.reader.size).toBe(20_000);
      expect(toHex(again.reader.head.root)).toBe(toHex(root));
      expect(toHex(await again.reader.rootAt(16385))).toBe(toHex(rootFromLeafHashes(leafHashes.slice(0, 16385))));
      const more = await again.appender.append([entryBytes('tree', 20_000)]);
      leafHashes.push(leafHash(sha(entryBytes('tree', 20_000))));
      expect(toHex(more.root)).toBe(toHex(rootFromLeafHashes(leafHashes)));
      expect(verifyInclusion(leafHashes[5]!, 5, 20_001, await again.reader.inclusionProof(5), more.root)).toBe(true);
    });

    it('reads rows of complete-subtree hashes (hash tiles) equal to the reference at every level', async () => {
      const { s } = await fresh();
      const n = 1500;
      await s.appender.append(Array.from({ length: 700 }, (_, i) => entryBytes('nodes', i)));
      await s.appender.append(Array.from({ length: n - 700 }, (_, i) => entryBytes('nodes', 700 + i)));
      const leaves = Array.from({ length: n }, (_, i) => leafHash(sha(entryBytes('nodes', i))));
      const node = (level: number, i: number): string => toHex(rootFromLeafHashes(leaves.slice(i * 2 ** level, (i + 1) * 2 ** level)));
      for (let level = 0; 2 ** level <= n; level++) {
        const count = Math.floor(n / 2 ** level);
        const row = await s.reader.nodeHashes(level, 0, count);
        expect(row.length).toBe(count * 32);
        for (const i of new Set([0, Math.min(1, count - 1), count >> 1, count - 1])) expect(toHex(row.subarray(i * 32, i * 32 + 32)), `${level}/${i}`).toBe(node(level, i));
        // A part of a row, across tile boundaries: the same hashes.
        const lo = Math.floor(count / 3);
        expect(toHex(await s.reader.nodeHashes(level, lo, count))).toBe(toHex(row.subarray(lo * 32)));
        expect(await s.reader.nodeHashes(level, count, count)).toEqual(new Uint8Array(0));
        expect(await rejectCode(() => s.reader.nodeHashes(level, 0, count + 1))).toBe('ERR_LOG_BAD_SIZE');
      }
      // C2SP's level-0 tile 0 (256 leaf hashes), a copy the caller may change.
      const tile = await s.reader.nodeHashes(0, 0, 256);
      tile.fill(0);
      expect(toHex((await s.reader.nodeHashes(0, 255, 256)))).toBe(toHex(leaves[255]!));
      expect(toHex(await s.reader.nodeHashes(8, 0, 1))).toBe(toHex(rootFromLeafHashes(leaves.slice(0, 256))));
      expect(await rejectCode(() => s.reader.nodeHashes(0, 5, 4))).toBe('ERR_LOG_BAD_SIZE');
      expect(await rejectCode(() => s.reader.nodeHashes(-1, 0, 1))).toBe('ERR_MERKLE_BAD_SIZE');
      expect(await rejectCode(() => s.reader.nodeHashes(60, 0, 1))).toBe('ERR_LOG_BAD_SIZE');
    });

    it('takes concurrent appends in call order', async () => {
      const { s } = await fresh();
      const calls = Array.from({ length: 25 }, (_, i) => s.appender.append([entryBytes('c', 2 * i), entryBytes('c', 2 * i + 1)]));
      const results = await Promise.all(calls);
      results.forEach((r, i) => expect(r.entries.map((e) => e.index)).toEqual([2 * i, 2 * i + 1]));
      const expected = Array.from({ length: 50 }, (_, i) => leafHash(sha(entryBytes('c', i))));
      expect(toHex(s.reader.head.root)).toBe(toHex(rootFromLeafHashes(expected)));
    });

    it('reports existing and repeated entries without appending them, also across concurrent appends', async () => {
      const { s } = await fresh();
      const [a, b, c] = [1, 2, 3].map((i) => entryBytes('d', i)) as [Uint8Array, Uint8Array, Uint8Array];
      const first = await s.appender.append([a, b, a]);
      expect(first.entries.map((e) => [e.index, e.duplicate])).toEqual([[0, false], [1, false], [0, true]]);
      expect(first.size).toBe(2);
      const second = await s.appender.append([b, c, c, a]);
      expect(second.entries.map((e) => [e.index, e.duplicate])).toEqual([[1, true], [2, false], [2, true], [0, true]]);
      expect(toHex(second.entries[1]!.entryHash)).toBe(toHex(sha(c)));
      const allDup = await s.appender.append([a, b, c]);
      expect(allDup.size).toBe(3);
      expect(allDup.entries.every((e) => e.duplicate)).toBe(true);
      expect(toHex(allDup.root)).toBe(toHex(second.root));
      expect(toHex(first.root)).not.toBe(toHex(second.root));
      expect(await s.reader.indexOfEntryHash(sha(c))).toBe(2);
      expect(await s.reader.indexOfEntryHash(sha(entryBytes('d', 99)))).toBeUndefined();

      const q = entryBytes('q', 1);
      const [r1, r2, r3] = await Promise.all([s.appender.append([q]), s.appender.append([entryBytes('q', 2), q]), s.appender.append([q])]);
      expect(r1.entries[0]).toMatchObject({ index: 3, duplicate: false });
      expect(r2.entries.map((e) => [e.index, e.duplicate])).toEqual([[4, false], [3, true]]);
      expect(r3.entries[0]).toMatchObject({ index: 3, duplicate: true });
      expect(s.reader.head.size).toBe(5);
      expect(toHex(s.reader.head.root)).toBe(toHex(r3.root));
      expect((await s.reader.entryHashes(3, 5)).map(toHex)).toEqual([q, entryBytes('q', 2)].map((e) => toHex(sha(e))));
    });

    it('hands out copies: changing returned bytes changes nothing stored', async () => {
      const { s } = await fresh();
      const input = entryBytes('cp', 0);
      const r = await s.appender.append([input, entryBytes('cp', 1)], [{ key: 'k', value: Uint8Array.of(1) }]);
      const want = toHex(r.root);
      input.fill(0);
      r.root.fill(0);
      s.reader.head.root.fill(0);
      r.entries[0]!.entryHash.fill(0);
      (await s.reader.entry(0)).fill(0);
      (await s.reader.entryHash(0)).fill(0);
      (await s.reader.rootAt(1)).fill(0);
      (await s.meta.get('k'))!.fill(0);
      (await s.meta.range('k'))[0]!.value.fill(0);
      const cp = Uint8Array.of(5, 5);
      (await s.checkpoints.put(2, cp)).fill(0);
      cp.fill(0);
      (await s.checkpoints.get(2))!.fill(0);
      (await s.checkpoints.latest())!.bytes.fill(0);
      expect(toHex(s.reader.head.root)).toBe(want);
      expect(await s.reader.entry(0)).toEqual(entryBytes('cp', 0));
      expect(toHex(await s.reader.entryHash(0))).toBe(toHex(sha(entryBytes('cp', 0))));
      expect(toHex(await s.reader.rootAt(1))).toBe(toHex(leafHash(sha(entryBytes('cp', 0)))));
      expect(await s.meta.get('k')).toEqual(Uint8Array.of(1));
      expect(await s.checkpoints.get(2)).toEqual(Uint8Array.of(5, 5));
    });

    it('writes meta with an append or alone; reads by key and by prefix in UTF-8 byte order', async () => {
      const { s } = await fresh();
      await s.appender.append([entryBytes('m', 0)], [{ key: 'session/a/1', value: utf8('x') }, { key: 'session/a/0', value: utf8('y') }]);
      await s.meta.put([{ key: 'session/b/0', value: utf8('z') }, { key: 'session/a0', value: utf8('w') }, { key: 'sessioń', value: utf8('u') }]);
      await s.appender.append([], [{ key: 'only-meta', value: utf8('m') }]);
      await s.meta.put([]);
      await s.meta.put([{ key: 'twice', value: utf8('1') }, { key: 'twice', value: utf8('2') }]);
      expect(s.reader.size).toBe(1);
      expect(await s.meta.get('session/a/1')).toEqual(utf8('x'));
      expect(await s.meta.get('missing')).toBeUndefined();
      expect(await s.meta.get('only-meta')).toEqual(utf8('m'));
      expect(await s.meta.get('twice')).toEqual(utf8('2'));
      expect((await s.meta.range('session/a/')).map((r) => r.key)).toEqual(['session/a/0', 'session/a/1']);
      expect((await s.meta.range('session')).map((r) => r.key)).toEqual(['session/a/0', 'session/a/1', 'session/a0', 'session/b/0']);
      expect((await s.meta.range('sessio')).map((r) => r.key).at(-1)).toBe('sessioń');
      expect(await s.meta.range('session/', { limit: 1 })).toEqual([{ key: 'session/a/0', value: utf8('y') }]);
      // Paging: `after` starts past a key (which need not exist); one that sorts before the prefix changes nothing.
      expect((await s.meta.range('session/', { after: 'session/a/0' })).map((r) => r.key)).toEqual(['session/a/1', 'session/a0', 'session/b/0']);
      expect((await s.meta.range('session/', { after: 'session/a/00', limit: 1 })).map((r) => r.key)).toEqual(['session/a/1']);
      expect((await s.meta.range('session/a/', { after: 'a' })).map((r) => r.key)).toEqual(['session/a/0', 'session/a/1']);
      expect(await s.meta.range('session/a/', { after: 'session/b' })).toEqual([]);
      // Byte order of UTF-8, not of UTF-16 (where U+1F600's surrogates sort before U+FF21).
      await s.meta.put([{ key: 'x/\u{1F600}', value: utf8('1') }, { key: 'x/\uFF21', value: utf8('2') }]);
      expect((await s.meta.range('x/')).map((r) => r.key)).toEqual(['x/\uFF21', 'x/\u{1F600}']);
      const keys: string[] = [];
      await s.meta.forEachKey('session/', (k) => keys.push(k));
      expect(keys).toEqual(['session/a/0', 'session/a/1', 'session/a0', 'session/b/0']);
    });

    it('keeps the first checkpoint of a size forever, and finds them by size', async () => {
      const { s } = await fresh();
      await s.appender.append([entryBytes('k', 0), entryBytes('k', 1), entryBytes('k', 2)]);
      const one = Uint8Array.of(1, 1);
      expect(await s.checkpoints.put(2, one)).toEqual(one);
      expect(await s.checkpoints.put(2, Uint8Array.of(9))).toEqual(one);
      expect(await s.checkpoints.get(2)).toEqual(one);
      expect(await s.checkpoints.get(1)).toBeUndefined();
      const [a, b] = await Promise.all([s.checkpoints.put(3, Uint8Array.of(3)), s.checkpoints.put(3, Uint8Array.of(4))]);
      expect(a).toEqual(Uint8Array.of(3));
      expect(b).toEqual(Uint8Array.of(3));
      await s.checkpoints.put(1, Uint8Array.of(7));
      expect(await s.checkpoints.latest()).toEqual({ size: 3, bytes: Uint8Array.of(3) });
      // The first stored size at or above a size (an entry's batch checkpoint is from(index + 1)).
      expect(await s.checkpoints.from(0)).toEqual({ size: 1, bytes: Uint8Array.of(7) });
      expect(await s.checkpoints.from(2)).toEqual({ size: 2, bytes: one });
      expect(await s.checkpoints.from(3)).toEqual({ size: 3, bytes: Uint8Array.of(3) });
      expect(await s.checkpoints.from(4)).toBeUndefined();
      expect(await rejectCode(() => s.checkpoints.from(-1))).toBe('ERR_MERKLE_BAD_SIZE');
    });

    it('writes meta given with a checkpoint in its write, and only when it stores the checkpoint', async () => {
      const { s } = await fresh();
      await s.appender.append([entryBytes('t', 0)]);
      await s.checkpoints.put(1, Uint8Array.of(1), [{ key: 'tok/1', value: Uint8Array.of(5) }]);
      expect(await s.meta.get('tok/1')).toEqual(Uint8Array.of(5));
      await s.checkpoints.put(1, Uint8Array.of(2), [{ key: 'tok/1', value: Uint8Array.of(6) }, { key: 'other', value: Uint8Array.of(1) }]);
      expect(await s.meta.get('tok/1')).toEqual(Uint8Array.of(5));
      expect(await s.meta.get('other')).toBeUndefined();
      expect(await rejectCode(() => s.checkpoints.put(1, Uint8Array.of(3), [{ key: '', value: Uint8Array.of(1) }]))).toBe('ERR_INVALID_ARGUMENT');
    });

    it('rejects bad input with codes and changes nothing', async () => {
      const { s } = await fresh();
      await s.appender.append([entryBytes('e', 0), entryBytes('e', 1)]);
      const bad = <T>(x: unknown): T => x as T;
      const table: Array<[string, () => Promise<unknown>, string]> = [
        ['entry beyond size', () => s.reader.entry(2), 'ERR_LOG_INDEX_OUT_OF_RANGE'],
        ['entry hash, negative', () => s.reader.entryHash(-1), 'ERR_MERKLE_BAD_SIZE'],
        ['entry hashes beyond size', () => s.reader.entryHashes(1, 3), 'ERR_LOG_BAD_SIZE'],
        ['entry hashes backwards', () => s.reader.entryHashes(2, 1), 'ERR_LOG_BAD_SIZE'],
        ['rootAt beyond size', () => s.reader.rootAt(3), 'ERR_LOG_BAD_SIZE'],
        ['inclusion index = size', () => s.reader.inclusionProof(2, 2), 'ERR_MERKLE_INDEX_OUT_OF_RANGE'],
        ['inclusion size beyond log', () => s.reader.inclusionProof(0, 3), 'ERR_LOG_BAD_SIZE'],
        ['consistency from 0', () => s.reader.consistencyProof(0, 2), 'ERR_MERKLE_EMPTY_CONSISTENCY'],
        ['consistency 2 -> 1', () => s.reader.consistencyProof(2, 1), 'ERR_MERKLE_BAD_SIZE'],
        ['consistency beyond log', () => s.reader.consistencyProof(1, 3), 'ERR_LOG_BAD_SIZE'],
        ['index lookup, short hash', () => s.reader.indexOfEntryHash(new Uint8Array(31)), 'ERR_MERKLE_BAD_HASH'],
        ['append a string', () => s.appender.append([bad<Uint8Array>('x')]), 'ERR_INVALID_ARGUMENT'],
        ['append not an array', () => s.appender.append(bad<Uint8Array[]>(entryBytes('e', 3))), 'ERR_INVALID_ARGUMENT'],
        ['append, meta empty key', () => s.appender.append([entryBytes('e', 4)], [{ key: '', value: Uint8Array.of(1) }]), 'ERR_INVALID_ARGUMENT'],
        ['meta value not bytes', () => s.meta.put([{ key: 'k', value: bad<Uint8Array>('v') }]), 'ERR_INVALID_ARGUMENT'],
        ['meta not an array', () => s.meta.put(bad<[]>({ key: 'k' })), 'ERR_INVALID_ARGUMENT'],
        ['meta get, empty key', () => s.meta.get(''), 'ERR_INVALID_ARGUMENT'],
        ['checkpoint beyond size', () => s.checkpoints.put(3, Uint8Array.of(1)), 'ERR_LOG_BAD_SIZE'],
        ['checkpoint not bytes', () => s.checkpoints.put(1, bad<Uint8Array>('x')), 'ERR_INVALID_ARGUMENT'],
        ['checkpoint, bad size', () => s.checkpoints.get(1.5), 'ERR_MERKLE_BAD_SIZE'],
      ];
      for (const [name, f, code] of table) expect(await rejectCode(f), name).toBe(code);
      expect(s.reader.size).toBe(2);
      expect(await s.reader.indexOfEntryHash(sha(entryBytes('e', 4)))).toBeUndefined();
      expect(await s.meta.range('')).toEqual([]);
    });

    it('close() keeps every write already called; later calls fail; one open at a time', async () => {
      const { s, loc } = await fresh();
      expect(await rejectCode(loc.open())).toBe('ERR_LOG_LOCKED');
      const batch = (tag: string, k: number): Uint8Array[] => Array.from({ length: k }, (_, i) => entryBytes(tag, i));
      const a = s.appender.append(batch('a', 500));
      const m = s.meta.put([{ key: 'note', value: Uint8Array.of(7) }]);
      const b = s.appender.append(batch('b', 300));
      const closing = s.close();
      const [ra, , rb] = await Promise.all([a, m, b]);
      await closing;
      await s.close();
      expect(ra.entries.map((e) => e.index)).toEqual(Array.from({ length: 500 }, (_, i) => i));
      expect(rb.entries.map((e) => e.index)).toEqual(Array.from({ length: 300 }, (_, i) => 500 + i));
      const late: Array<[string, () => Promise<unknown>]> = [
        ['append', () => s.appender.append([entryBytes('x', 0)])],
        ['rootAt', () => s.reader.rootAt(1)],
        ['entry', () => s.reader.entry(0)],
        ['proof', () => s.reader.inclusionProof(0)],
        ['nodeHashes', () => s.reader.nodeHashes(0, 0, 1)],
        ['meta get', () => s.meta.get('note')],
        ['meta put', () => s.meta.put([])],
        ['checkpoint', () => s.checkpoints.latest()],
      ];
      for (const [name, f] of late) expect(await rejectCode(f), name).toBe('ERR_LOG_CLOSED');

      const again = await reopen(loc);
      expect(again.reader.size).toBe(800);
      expect(await again.meta.get('note')).toEqual(Uint8Array.of(7));
      expect(await again.reader.entry(0)).toEqual(entryBytes('a', 0));
      expect(await again.reader.entry(799)).toEqual(entryBytes('b', 299));
      expect(again.reader.head.root).toEqual(rb.root);
    });

    it('stores and returns empty and large entries', async () => {
      const { s } = await fresh();
      const big = new Uint8Array(200_000).fill(7);
      const r = await s.appender.append([new Uint8Array(0), big, Uint8Array.of(1)]);
      expect(r.entries.map((e) => e.index)).toEqual([0, 1, 2]);
      expect(await s.reader.entry(0)).toEqual(new Uint8Array(0));
      expect(await s.reader.entry(1)).toEqual(big);
      expect(await s.reader.entry(2)).toEqual(Uint8Array.of(1));
    });
  });
}
