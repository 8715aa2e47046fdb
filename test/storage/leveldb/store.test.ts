import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { leafHash, rootFromLeafHashes } from '../../../src/merkle/index.js';
import { LevelDbStorage } from '../../../src/storage/index.js';
import { toHex } from '../../../src/util/bytes.js';
import { removeTempDir, tempDir } from '../../helpers/temp.js';
import { entryBytes, rejectCode } from '../helpers.js';

/**
 * What the LevelDB driver does beyond the storage contract (../contract.ts, run on it by contract.test.ts): the
 * pipelined writer of spec/log-storage.md section 1 (plans on the tip, worker hashing, a failed write), one
 * process per directory, and compaction.
 */
const sha = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fresh(): Promise<{ store: LevelDbStorage; dir: string }> {
  const dir = tempDir('atlog-log-');
  const store = await LevelDbStorage.open(dir);
  cleanups.push(() => removeTempDir(dir), () => store.close());
  return { store, dir };
}

describe('LevelDB pipelined appends', () => {
  it('plans appends in flight on top of each other: worker-hashed batches, duplicates across them, one root', async () => {
    const { store } = await fresh();
    const batches = [0, 1, 2, 3].map((b) => Array.from({ length: 100 }, (_, i) => entryBytes('p', b * 80 + i))); // 20 overlap
    const before = store.reader.head.size;
    const pending = batches.map((b) => store.appender.append(b));
    expect(store.reader.head.size).toBe(before); // reads see only committed state, not what is planned
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
    expect(store.reader.size).toBe(340);
    expect(toHex(results[3]!.root)).toBe(toHex(rootFromLeafHashes(order.map(leafHash))));
    expect((await store.reader.entryHashes(0, 340)).map(toHex)).toEqual(order.map(toHex));
  });

  it('hashes the same on the worker and inline', async () => {
    const { store } = await fresh();
    const dir = tempDir('atlog-log-');
    const inline = await LevelDbStorage.open(dir, { hashWorker: false });
    cleanups.push(() => removeTempDir(dir), () => inline.close());
    // The pool hashes inline until its worker has started: wait for it, so the worker path is the one tested.
    const pool = (store as unknown as { hasher: { ready?: boolean } }).hasher;
    for (let waited = 0; pool.ready !== true && waited < 10_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    expect(pool.ready).toBe(true);
    const batch = Array.from({ length: 200 }, (_, i) => entryBytes('w', i));
    const [a, b] = [await store.appender.append(batch), await inline.appender.append(batch)];
    expect(toHex(a.root)).toBe(toHex(b.root));
    expect(a.entries.map((e) => toHex(e.entryHash))).toEqual(b.entries.map((e) => toHex(e.entryHash)));
  });

  it('a failed write rejects the appends planned on it and leaves the log as it was', async () => {
    const { store } = await fresh();
    await store.appender.append([entryBytes('f', 0)]);
    const head = store.reader.head;
    // Fail the next LevelDB write (a stand-in for a disk error).
    const db = (store as unknown as { ctx: { db: { batch: () => { write: (o: unknown) => Promise<void> } } } }).ctx.db;
    const realBatch = db.batch.bind(db);
    let failures = 1;
    db.batch = () => {
      const b = realBatch();
      const write = b.write.bind(b);
      b.write = (o: unknown) => (failures-- > 0 ? Promise.reject(new Error('disk gone')) : write(o));
      return b;
    };
    const calls = [1, 2, 3].map((k) => store.appender.append([entryBytes('f', k), entryBytes('f', 0)]));
    const settled = await Promise.allSettled(calls);
    expect(await rejectCode(() => calls[0]!)).toBe('ERR_LOG_IO');
    const ok = settled.flatMap((s, k) => (s.status === 'fulfilled' ? [{ k: k + 1, r: s.value }] : []));
    for (const s of settled) if (s.status === 'rejected') expect((s.reason as { code?: string }).code).toBe('ERR_LOG_IO');
    // Whatever was planned after the failure is appended after the committed head, in call order.
    ok.forEach(({ r }, j) => {
      expect(r.entries.map((e) => [e.index, e.duplicate])).toEqual([[head.size + j, false], [0, true]]);
    });
    const want = [entryBytes('f', 0), ...ok.map(({ k }) => entryBytes('f', k))].map((e) => leafHash(sha(e)));
    expect(store.reader.size).toBe(want.length);
    expect(toHex(store.reader.head.root)).toBe(toHex(rootFromLeafHashes(want)));
    const next = await store.appender.append([entryBytes('f', 9)]);
    expect(next.entries[0]!.index).toBe(want.length);
  });
});

describe('LevelDB directories', () => {
  it('refuses a second open of the same directory, in this process or another, until closed', async () => {
    const { store, dir } = await fresh();
    expect(await rejectCode(LevelDbStorage.open(dir))).toBe('ERR_LOG_LOCKED');
    await store.close();
    const again = await LevelDbStorage.open(dir);
    await again.close();
  });

  it('compacts on request without changing content', async () => {
    const { store } = await fresh();
    const r = await store.appender.append(Array.from({ length: 300 }, (_, i) => entryBytes('z', i)));
    await store.compact();
    expect(toHex(await store.reader.rootAt(300))).toBe(toHex(r.root));
    expect(await store.reader.entry(299)).toEqual(entryBytes('z', 299));
    await store.close();
    expect(await rejectCode(() => store.compact())).toBe('ERR_LOG_CLOSED');
  });
});
