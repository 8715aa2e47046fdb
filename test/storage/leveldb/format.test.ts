import { createHash } from 'node:crypto';
import { ClassicLevel } from 'classic-level';
import { afterAll, describe, expect, it } from 'vitest';
import { leafHash, rootFromLeafHashes, verifyInclusion } from '../../../src/merkle/index.js';
import { LevelDbStorage } from '../../../src/storage/index.js';
import { toHex } from '../../../src/util/bytes.js';
import { removeTempDirs, tempDir } from '../../helpers/temp.js';

/**
 * The on-disk layout is the one spec/log-storage.md section 2 describes, independently of the driver's own
 * encoders: a directory written here by hand, record by record, opens and reads as the log it describes, and
 * the driver extends it. So a data directory written before the driver moved to src/storage opens unchanged.
 */
const sha = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());
const u64 = (n: number): number[] => Array.from({ length: 8 }, (_, i) => Math.floor(n / 256 ** (7 - i)) % 256);
const u48 = (n: number): number[] => u64(n).slice(2);
const key = (prefix: string, ...rest: number[][]): Uint8Array => Uint8Array.of(prefix.charCodeAt(0), ...rest.flat());
const cat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
/** MTH of leaves [lo, hi). */
const mth = (leaves: Uint8Array[], lo: number, hi: number): Uint8Array => rootFromLeafHashes(leaves.slice(lo, hi));

const dir = tempDir('atlog-format-');
afterAll(removeTempDirs);

describe('LevelDB layout of spec/log-storage.md', () => {
  it('opens a directory written record by record from the spec, reads it and appends to it', async () => {
    const n = 70; // level-0 records: 64 + 6 hashes; level 4: 4 hashes
    const entries = Array.from({ length: n }, (_, i) => utf8(`spec entry ${i}`));
    const hashes = entries.map(sha);
    const leaves = hashes.map(leafHash);
    const root = mth(leaves, 0, n);
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    const batch = db.batch();
    batch.put(key('f'), Uint8Array.of(1));
    batch.put(key('s'), cat([Uint8Array.from(u64(n)), root]));
    // Entries in bundles of 16: LEB128 length (one byte here) then the bytes.
    for (let first = 0; first < n; first += 16) {
      const parts = entries.slice(first, first + 16).flatMap((e) => [Uint8Array.of(e.length), e]);
      batch.put(key('e', u64(first)), cat(parts));
    }
    for (const [i, h] of hashes.entries()) batch.put(key('h', [...h.subarray(0, 16)]), Uint8Array.from(u48(i)));
    batch.put(key('t', [0], u64(0)), cat(hashes.slice(0, 64)));
    batch.put(key('t', [0], u64(1)), cat(hashes.slice(64)));
    batch.put(key('t', [4], u64(0)), cat([0, 1, 2, 3].map((i) => mth(leaves, 16 * i, 16 * i + 16))));
    batch.put(key('c', u64(64)), utf8('signed tree head of 64'));
    batch.put(key('m', [...utf8('s/idx/a')]), utf8('meta value'));
    await batch.write({ sync: true });
    await db.close();

    let s = await LevelDbStorage.open(dir);
    expect(s.reader.size).toBe(n);
    expect(toHex(s.reader.head.root)).toBe(toHex(root));
    expect(await s.reader.entry(33)).toEqual(entries[33]);
    expect(await s.reader.indexOfEntryHash(hashes[65]!)).toBe(65);
    expect(toHex(await s.reader.rootAt(64))).toBe(toHex(mth(leaves, 0, 64)));
    expect(verifyInclusion(leaves[40]!, 40, n, await s.reader.inclusionProof(40), root)).toBe(true);
    expect(await s.meta.get('s/idx/a')).toEqual(utf8('meta value'));
    expect(await s.checkpoints.latest()).toEqual({ size: 64, bytes: utf8('signed tree head of 64') });
    const more = await s.appender.append([utf8('spec entry 70')]);
    leaves.push(leafHash(sha(utf8('spec entry 70'))));
    expect(toHex(more.root)).toBe(toHex(mth(leaves, 0, n + 1)));
    await s.close();

    // What the driver wrote is the same layout: the state record and the extended level-0 record.
    const raw = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await raw.open();
    expect(toHex((await raw.get(key('s')))!)).toBe(toHex(cat([Uint8Array.from(u64(n + 1)), more.root])));
    expect(toHex((await raw.get(key('t', [0], u64(1))))!)).toBe(toHex(cat([...hashes.slice(64), sha(utf8('spec entry 70'))])));
    expect(toHex((await raw.get(key('e', u64(n))))!)).toBe(toHex(cat([Uint8Array.of(13), utf8('spec entry 70')])));
    await raw.close();
    s = await LevelDbStorage.open(dir);
    expect(s.reader.size).toBe(n + 1);
    await s.close();
  });
});
