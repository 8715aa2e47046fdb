import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { LogStore } from '../../src/log/index.js';
import { emptyRoot, leafHash, rootFromLeafHashes, verifyConsistency, verifyInclusion } from '../../src/merkle/index.js';
import { toHex } from '../../src/util/bytes.js';
import { removeTempDir, tempDir } from '../helpers/temp.js';
import { entryBytes, rejectCode } from './helpers.js';

const sha = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fresh(): Promise<{ store: LogStore; dir: string }> {
  const dir = tempDir('atlog-log-');
  const store = await LogStore.open(dir);
  cleanups.push(() => removeTempDir(dir), () => store.close());
  return { store, dir };
}

describe('LogStore append and tree', () => {
  it('starts empty', async () => {
    const { store } = await fresh();
    expect(store.size).toBe(0);
    expect(toHex(await store.root())).toBe(toHex(emptyRoot()));
    expect(toHex(await store.rootAt(0))).toBe(toHex(emptyRoot()));
  });

  it('matches the reference tree at every size across tile boundaries (20,000 entries)', async () => {
    const { store, dir } = await fresh();
    const leafHashes: Uint8Array[] = [];
    const batchSizes = [1, 1, 2, 3, 5, 8, 13, 63, 64, 65, 700, 1000, 1023, 1025];
    let n = 0;
    for (let b = 0; n < 20_000; b++) {
      const count = Math.min(batchSizes[b % batchSizes.length]!, 20_000 - n);
      const entries = Array.from({ length: count }, (_, j) => entryBytes('tree', n + j));
      const res = await store.append(entries);
      expect(res.entries.map((e) => e.index)).toEqual(entries.map((_, j) => n + j));
      expect(res.entries.every((e) => !e.duplicate)).toBe(true);
      for (const e of entries) leafHashes.push(leafHash(sha(e)));
      n += count;
      expect(res.size).toBe(n);
      // The reference root is O(n); check every batch early on, then every 8th and the last.
      if (n < 3000 || b % 8 === 0 || n === 20_000) expect(toHex(res.root)).toBe(toHex(rootFromLeafHashes(leafHashes)));
    }
    // Historic roots and proofs from the stored tiles.
    for (const s of [1, 2, 3, 15, 16, 17, 64, 65, 1023, 1024, 1025, 4097, 16383, 16384, 16385, 19999, 20000]) {
      const root = await store.rootAt(s);
      expect(toHex(root)).toBe(toHex(rootFromLeafHashes(leafHashes.slice(0, s))));
      for (const i of [0, s - 1, Math.floor(s / 3), Math.floor((s * 7) / 11)]) {
        const proof = await store.inclusionProof(i, s);
        expect(verifyInclusion(leafHashes[i]!, i, s, proof, root)).toBe(true);
      }
      for (const s1 of [1, Math.ceil(s / 2), s]) {
        const proof = await store.consistencyProof(s1, s);
        expect(verifyConsistency(s1, s, proof, rootFromLeafHashes(leafHashes.slice(0, s1)), root)).toBe(true);
      }
    }
    // Many proofs in one read equal the single ones.
    const many = [0, 1, 63, 64, 1024, 16383, 16384, 19999];
    const batched = await store.inclusionProofs(many, 20_000);
    for (const [k, i] of many.entries()) expect(batched[k]!.map(toHex)).toEqual((await store.inclusionProof(i, 20_000)).map(toHex));
    expect(await rejectCode(() => store.inclusionProofs([0, 20_000], 20_000))).toBe('ERR_MERKLE_INDEX_OUT_OF_RANGE');
    // Upper subtree hashes are cached by the reader; what a caller gets is its own copy to change.
    const first = await store.inclusionProof(5, 20_000);
    const want = first.map(toHex);
    for (const h of first) h.fill(0);
    const fresh5 = await store.inclusionProof(5, 20_000);
    expect(fresh5.map(toHex)).toEqual(want);
    expect(verifyInclusion(leafHashes[5]!, 5, 20_000, fresh5, rootFromLeafHashes(leafHashes.slice(0, 20_000)))).toBe(true);
    for (const p of await store.inclusionProofs([5, 6], 20_000)) for (const h of p) h.fill(0);
    expect((await store.inclusionProof(5, 20_000)).map(toHex)).toEqual(want);
    expect(toHex(await store.entryHash(12345))).toBe(toHex(sha(entryBytes('tree', 12345))));
    expect(await store.entry(777)).toEqual(entryBytes('tree', 777));

    // Reopen: same head, and appends continue from the recovered right edge.
    const root = await store.root();
    await store.compact();
    expect(toHex(await store.rootAt(16385))).toBe(toHex(rootFromLeafHashes(leafHashes.slice(0, 16385))));
    await store.close();
    expect(await rejectCode(() => store.compact())).toBe('ERR_LOG_CLOSED');
    const again = await LogStore.open(dir);
    cleanups.push(() => again.close());
    expect(again.size).toBe(20_000);
    expect(toHex(await again.root())).toBe(toHex(root));
    const more = await again.append([entryBytes('tree', 20_000)]);
    leafHashes.push(leafHash(sha(entryBytes('tree', 20_000))));
    expect(toHex(more.root)).toBe(toHex(rootFromLeafHashes(leafHashes)));
    expect(verifyInclusion(leafHashes[5]!, 5, 20_001, await again.inclusionProof(5), more.root)).toBe(true);
  });

  it('queues concurrent appends in call order', async () => {
    const { store } = await fresh();
    const calls = Array.from({ length: 25 }, (_, i) => store.append([entryBytes('c', 2 * i), entryBytes('c', 2 * i + 1)]));
    const results = await Promise.all(calls);
    results.forEach((r, i) => expect(r.entries.map((e) => e.index)).toEqual([2 * i, 2 * i + 1]));
    const expected = Array.from({ length: 50 }, (_, i) => leafHash(sha(entryBytes('c', i))));
    expect(toHex(await store.root())).toBe(toHex(rootFromLeafHashes(expected)));
  });
});

describe('LogStore pipelined appends', () => {
  it('plans appends in flight on top of each other: worker-hashed batches, duplicates across them, one root', async () => {
    const { store } = await fresh();
    const batches = [0, 1, 2, 3].map((b) => Array.from({ length: 100 }, (_, i) => entryBytes('p', b * 80 + i))); // 20 overlap
    const before = store.head.size;
    const pending = batches.map((b) => store.append(b));
    expect(store.head.size).toBe(before); // reads see only committed state
    const results = await Promise.all(pending);
    const order: Uint8Array[] = [];
    const seen = new Map<string, number>();
    results.forEach((r, b) =>
      r.entries.forEach((e, i) => {
        const h = toHex(sha(batches[b]![i]!));
        expect(toHex(e.entryHash)).toBe(h);
        const at = seen.get(h);
        if (at === undefined) {
          seen.set(h, order.length);
          order.push(sha(batches[b]![i]!));
          expect(e).toMatchObject({ index: order.length - 1, duplicate: false });
        } else expect(e).toMatchObject({ index: at, duplicate: true });
      }),
    );
    expect(store.size).toBe(340);
    expect(toHex(results[3]!.root)).toBe(toHex(rootFromLeafHashes(order.map(leafHash))));
    expect((await store.entryHashes(0, 340)).map(toHex)).toEqual(order.map(toHex));
  });

  it('hashes the same on the worker and inline', async () => {
    const { store } = await fresh();
    const dir = tempDir('atlog-log-');
    const inline = await LogStore.open(dir, { hashWorker: false });
    cleanups.push(() => removeTempDir(dir), () => inline.close());
    // The pool hashes inline until its worker has started: wait for it, so the worker path is the one tested.
    const pool = (store as unknown as { hasher: { ready?: boolean } }).hasher;
    for (let waited = 0; pool.ready !== true && waited < 10_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    expect(pool.ready).toBe(true);
    const batch = Array.from({ length: 200 }, (_, i) => entryBytes('w', i));
    const [a, b] = [await store.append(batch), await inline.append(batch)];
    expect(toHex(a.root)).toBe(toHex(b.root));
    expect(a.entries.map((e) => toHex(e.entryHash))).toEqual(b.entries.map((e) => toHex(e.entryHash)));
  });

  it('a failed write rejects the appends planned on it and leaves the log as it was', async () => {
    const { store } = await fresh();
    await store.append([entryBytes('f', 0)]);
    const head = store.head;
    // Fail the next LevelDB write (a stand-in for a disk error).
    const db = (store as unknown as { db: { batch: () => { write: (o: unknown) => Promise<void> } } }).db;
    const realBatch = db.batch.bind(db);
    let failures = 1;
    db.batch = () => {
      const b = realBatch();
      const write = b.write.bind(b);
      b.write = (o: unknown) => (failures-- > 0 ? Promise.reject(new Error('disk gone')) : write(o));
      return b;
    };
    const calls = [1, 2, 3].map((k) => store.append([entryBytes('f', k), entryBytes('f', 0)]));
    const settled = await Promise.allSettled(calls);
    expect(await rejectCode(() => calls[0]!)).toBe('ERR_LOG_IO');
    const ok = settled.flatMap((s, k) => (s.status === 'fulfilled' ? [{ k: k + 1, r: s.value }] : []));
    for (const s of settled) if (s.status === 'rejected') expect((s.reason as { code?: string }).code).toBe('ERR_LOG_IO');
    // Whatever was planned after the failure is appended after the committed head, in call order.
    ok.forEach(({ r }, j) => {
      expect(r.entries.map((e) => [e.index, e.duplicate])).toEqual([[head.size + j, false], [0, true]]);
    });
    const want = [entryBytes('f', 0), ...ok.map(({ k }) => entryBytes('f', k))].map((e) => leafHash(sha(e)));
    expect(store.size).toBe(want.length);
    expect(toHex(await store.root())).toBe(toHex(rootFromLeafHashes(want)));
    const next = await store.append([entryBytes('f', 9)]);
    expect(next.entries[0]!.index).toBe(want.length);
  });
});

describe('LogStore duplicates', () => {
  it('a duplicate in a concurrent, queued append reports the first index', async () => {
    const { store } = await fresh();
    const a = entryBytes('q', 1);
    const [r1, r2, r3] = await Promise.all([store.append([a]), store.append([entryBytes('q', 2), a]), store.append([a])]);
    expect(r1.entries[0]).toMatchObject({ index: 0, duplicate: false });
    expect(r2.entries.map((e) => [e.index, e.duplicate])).toEqual([[1, false], [0, true]]);
    expect(r3.entries[0]).toMatchObject({ index: 0, duplicate: true });
    expect(store.head.size).toBe(2);
    expect(toHex(store.head.root)).toBe(toHex(r3.root));
    expect((await store.entryHashes(0, 2)).map(toHex)).toEqual([a, entryBytes('q', 2)].map((e) => toHex(sha(e))));
    expect(await rejectCode(() => store.entryHashes(1, 3))).toBe('ERR_LOG_BAD_SIZE');
    expect(await rejectCode(() => store.entryHashes(2, 1))).toBe('ERR_LOG_BAD_SIZE');
  });

  it('returned roots and hashes are copies: mutating them changes nothing', async () => {
    const { store } = await fresh();
    const r = await store.append([entryBytes('cp', 0), entryBytes('cp', 1)]);
    const want = toHex(r.root);
    r.root.fill(0);
    (await store.root()).fill(0);
    store.head.root.fill(0);
    r.entries[0]!.entryHash.fill(0);
    expect(toHex(await store.root())).toBe(want);
    expect(toHex(await store.entryHash(0))).toBe(toHex(sha(entryBytes('cp', 0))));
  });

  it('reports existing and repeated entries without appending them', async () => {
    const { store } = await fresh();
    const a = entryBytes('d', 1);
    const b = entryBytes('d', 2);
    const c = entryBytes('d', 3);
    const first = await store.append([a, b, a]);
    expect(first.entries.map((e) => [e.index, e.duplicate])).toEqual([[0, false], [1, false], [0, true]]);
    expect(first.size).toBe(2);
    const rootBefore = first.root;
    const second = await store.append([b, c, c, a]);
    expect(second.entries.map((e) => [e.index, e.duplicate])).toEqual([[1, true], [2, false], [2, true], [0, true]]);
    expect(second.size).toBe(3);
    const allDup = await store.append([a, b, c]);
    expect(allDup.size).toBe(3);
    expect(allDup.entries.every((e) => e.duplicate)).toBe(true);
    expect(toHex(allDup.root)).toBe(toHex(second.root));
    expect(toHex(rootBefore)).not.toBe(toHex(second.root));
    expect(await store.indexOfEntryHash(sha(c))).toBe(2);
    expect(await store.indexOfEntryHash(sha(entryBytes('d', 99)))).toBeUndefined();
    expect(toHex(second.entries[1]!.entryHash)).toBe(toHex(sha(c)));
  });
});

describe('LogStore meta and checkpoints', () => {
  it('writes meta with the batch, reads by key and prefix', async () => {
    const { store } = await fresh();
    const v = (s: string): Uint8Array => new TextEncoder().encode(s);
    await store.append([entryBytes('m', 0)], [{ key: 'session/a/1', value: v('x') }, { key: 'session/a/0', value: v('y') }]);
    await store.putMeta([{ key: 'session/b/0', value: v('z') }, { key: 'session/a0', value: v('w') }, { key: 'sessioń', value: v('u') }]);
    await store.append([], [{ key: 'only-meta', value: v('m') }]);
    expect(store.size).toBe(1);
    expect(await store.getMeta('session/a/1')).toEqual(v('x'));
    expect(await store.getMeta('missing')).toBeUndefined();
    const rows = await store.metaRange('session/a/');
    expect(rows.map((r) => r.key)).toEqual(['session/a/0', 'session/a/1']);
    expect((await store.metaRange('session')).map((r) => r.key)).toEqual(['session/a/0', 'session/a/1', 'session/a0', 'session/b/0']);
    expect((await store.metaRange('sessio')).map((r) => r.key).at(-1)).toBe('sessioń');
    expect(await store.metaRange('session/', { limit: 1 })).toHaveLength(1);
    expect(await store.getMeta('only-meta')).toEqual(v('m'));
  });

  it('keeps the first signed tree head of a size forever', async () => {
    const { store } = await fresh();
    expect(await store.latestCheckpoint()).toBeUndefined();
    await store.append([entryBytes('k', 0), entryBytes('k', 1), entryBytes('k', 2)]);
    const one = Uint8Array.of(1, 1);
    expect(await store.putCheckpoint(2, one)).toEqual(one);
    expect(await store.putCheckpoint(2, Uint8Array.of(9))).toEqual(one);
    expect(await store.checkpoint(2)).toEqual(one);
    expect(await store.checkpoint(1)).toBeUndefined();
    const [a, b] = await Promise.all([store.putCheckpoint(3, Uint8Array.of(3)), store.putCheckpoint(3, Uint8Array.of(4))]);
    expect(a).toEqual(Uint8Array.of(3));
    expect(b).toEqual(Uint8Array.of(3));
    await store.putCheckpoint(1, Uint8Array.of(7));
    expect(await store.latestCheckpoint()).toEqual({ size: 3, bytes: Uint8Array.of(3) });
    // The first stored size at or above a size (an entry's batch checkpoint is checkpointFrom(index + 1)).
    expect(await store.checkpointFrom(0)).toEqual({ size: 1, bytes: Uint8Array.of(7) });
    expect(await store.checkpointFrom(2)).toEqual({ size: 2, bytes: one });
    expect(await store.checkpointFrom(3)).toEqual({ size: 3, bytes: Uint8Array.of(3) });
    expect(await store.checkpointFrom(4)).toBeUndefined();
    expect(await rejectCode(() => store.checkpointFrom(-1))).toBe('ERR_MERKLE_BAD_SIZE');
  });

  it('writes meta given with putCheckpoint in its batch, and only when it stores the head', async () => {
    const { store } = await fresh();
    await store.append([entryBytes('t', 0)]);
    await store.putCheckpoint(1, Uint8Array.of(1), [{ key: 'tok/1', value: Uint8Array.of(5) }]);
    expect(await store.getMeta('tok/1')).toEqual(Uint8Array.of(5));
    await store.putCheckpoint(1, Uint8Array.of(2), [{ key: 'tok/1', value: Uint8Array.of(6) }, { key: 'other', value: Uint8Array.of(1) }]);
    expect(await store.getMeta('tok/1')).toEqual(Uint8Array.of(5));
    expect(await store.getMeta('other')).toBeUndefined();
    expect(await rejectCode(() => store.putCheckpoint(1, Uint8Array.of(3), [{ key: '', value: Uint8Array.of(1) }]))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('LogStore errors', () => {
  it('rejects bad input with codes', async () => {
    const { store } = await fresh();
    await store.append([entryBytes('e', 0), entryBytes('e', 1)]);
    const bad = <T>(x: unknown): T => x as T;
    const table: Array<[string, () => Promise<unknown>, string]> = [
      ['entry beyond size', () => store.entry(2), 'ERR_LOG_INDEX_OUT_OF_RANGE'],
      ['entry hash, negative', () => store.entryHash(-1), 'ERR_MERKLE_BAD_SIZE'],
      ['rootAt beyond size', () => store.rootAt(3), 'ERR_LOG_BAD_SIZE'],
      ['inclusion index = size', () => store.inclusionProof(2, 2), 'ERR_MERKLE_INDEX_OUT_OF_RANGE'],
      ['inclusion size beyond log', () => store.inclusionProof(0, 3), 'ERR_LOG_BAD_SIZE'],
      ['consistency from 0', () => store.consistencyProof(0, 2), 'ERR_MERKLE_EMPTY_CONSISTENCY'],
      ['consistency 2 -> 1', () => store.consistencyProof(2, 1), 'ERR_MERKLE_BAD_SIZE'],
      ['append a string', () => store.append([bad<Uint8Array>('x')]), 'ERR_INVALID_ARGUMENT'],
      ['append not an array', () => store.append(bad<Uint8Array[]>(entryBytes('e', 3))), 'ERR_INVALID_ARGUMENT'],
      ['meta empty key', () => store.append([], [{ key: '', value: Uint8Array.of(1) }]), 'ERR_INVALID_ARGUMENT'],
      ['meta value not bytes', () => store.putMeta([{ key: 'k', value: bad<Uint8Array>('v') }]), 'ERR_INVALID_ARGUMENT'],
      ['checkpoint beyond size', () => store.putCheckpoint(3, Uint8Array.of(1)), 'ERR_LOG_BAD_SIZE'],
      ['index lookup, short hash', () => store.indexOfEntryHash(new Uint8Array(31)), 'ERR_MERKLE_BAD_HASH'],
    ];
    for (const [name, f, code] of table) expect(await rejectCode(f), name).toBe(code);
    expect(store.size).toBe(2);
  });

  it('close() right after append() and putMeta() writes both; appends keep call order around meta writes', async () => {
    const { store, dir } = await fresh();
    const batch = (tag: string, n: number) => Array.from({ length: n }, (_, i) => entryBytes(tag, i));
    // Large enough for the hash worker, so the appends are still being hashed and planned when putMeta comes.
    const a = store.append(batch('a', 500));
    const m = store.putMeta([{ key: 'note', value: Uint8Array.of(7) }]);
    const b = store.append(batch('b', 300));
    const closing = store.close();
    const [ra, , rb] = await Promise.all([a, m, b]);
    await closing;
    expect(ra.entries.map((e) => e.index)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(rb.entries.map((e) => e.index)).toEqual(Array.from({ length: 300 }, (_, i) => 500 + i));
    const again = await LogStore.open(dir);
    try {
      expect(again.size).toBe(800);
      expect(await again.getMeta('note')).toEqual(Uint8Array.of(7));
      expect(await again.entry(0)).toEqual(entryBytes('a', 0));
      expect(await again.entry(799)).toEqual(entryBytes('b', 299));
      expect(await again.root()).toEqual(rb.root);
    } finally {
      await again.close();
    }
  });

  it('refuses a second open of the same directory and use after close', async () => {
    const { store, dir } = await fresh();
    expect(await rejectCode(LogStore.open(dir))).toBe('ERR_LOG_LOCKED');
    await store.close();
    expect(await rejectCode(() => store.append([entryBytes('x', 0)]))).toBe('ERR_LOG_CLOSED');
    expect(await rejectCode(() => store.root())).toBe('ERR_LOG_CLOSED');
    await store.close();
  });
});
