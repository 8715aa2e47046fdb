import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { leafHash } from '../../src/merkle/index.js';
import { decodeSignedTreeHead, verifyConsistencyReceipt, verifyReceipt } from '../../src/receipts/index.js';
import type { TransparencyService } from '../../src/service/index.js';
import {
  bundleMatchesTile,
  consistencyProofFromTiles,
  inclusionProofFromTiles,
  openCheckpoint,
  parseEntryBundle,
  parseNote,
  rootFromTiles,
  signerFromSkey,
  tileFromNodes,
  tilesForSize,
  verifierFromVkey,
  type TileReader,
} from '../../src/tlog/index.js';
import { equalBytes, fromHex, toHex } from '../../src/util/bytes.js';
import { RefTree, refLeaf } from '../merkle/reference.js';
import { removeTempDir, tempDir } from '../helpers/temp.js';
import { Agent, openService, register } from './helpers.js';

/**
 * The service's C2SP views (spec/tlog.md section 9): every checkpoint is also a signed note with the same size
 * and root as its COSE tree heads; tiles and entry bundles come from storage and are the RFC 9162 tree the
 * receipts prove against (checked against the independent reference in test/merkle/reference.ts); proofs built
 * from tiles alone equal the ones the storage builds.
 */

const ISSUER = 'https://log.example.test';
const ORIGIN = 'log.example.test/tlog';

describe('checkpoint notes and tiles of a growing service', () => {
  const dir = tempDir('atlog-tlog-');
  let svc: TransparencyService | undefined;
  afterAll(async () => {
    await svc?.close();
    removeTempDir(dir);
  });

  const entries: string[] = [];
  const ref = new RefTree((i) => refLeaf(fromHex(entries[i]!)));
  const readTile = (s: TransparencyService): TileReader => async (level, index, width) => {
    const t = await s.tlog!.tile(level, index, width);
    if (t === undefined) throw new Error(`no tile ${level}/${index}.p/${width}`);
    return t;
  };

  it('signs a note for every checkpoint, with the COSE root and time, and serves tiles equal to the reference', { timeout: 120_000 }, async () => {
    svc = await openService({ dataDir: join(dir, 'data'), issuer: ISSUER, batch: { maxEntries: 300, maxDelayMs: 2 } });
    expect(svc.tlog!.origin).toBe(ORIGIN);
    expect(svc.tlog!.checkpoint()).toBeUndefined(); // empty log: nothing published
    const logKeys = svc.tlog!.vkeys.map(verifierFromVkey);
    expect(logKeys.map((k) => k.type)).toEqual([0x01, 0x06]);
    expect(logKeys.every((k) => k.name === ORIGIN)).toBe(true);
    const agent = new Agent();
    await svc.issuers.add(agent.id, agent.key.publicKey);
    let last = 0;
    // Uneven batches: partial tiles at level 0 and 1 appear, grow and become full while the log grows.
    for (const batch of [1, 2, 300, 40, 1, 300]) {
      const done = await Promise.all(Array.from({ length: batch }, () => register(svc!, agent.statement(agent.genesis()))));
      for (const d of done.sort((a, b) => a.entry.index - b.entry.index)) entries[d.entry.index] = d.entry.entryId;
      const cose = (await svc.latestCheckpoint())!;
      const note = svc.tlog!.checkpoint()!;
      const opened = openCheckpoint(note, { origin: ORIGIN, logKeys });
      // One log, two views: the note of the newest checkpoint carries its size and root.
      expect(opened.checkpoint.size).toBe(cose.treeSize);
      expect(toHex(opened.checkpoint.root)).toBe(toHex(cose.root));
      expect(opened.logSignatures.map((s) => s.verifier.type)).toEqual([0x01, 0x06]);
      // The ML-DSA-44 signature's timestamp is the COSE tree head's iat.
      const iat = decodeSignedTreeHead(cose.signedTreeHeads[0]!).iat;
      expect(opened.logSignatures[1]!.timestamp).toBe(iat);
      const size = cose.treeSize;
      expect(toHex(opened.checkpoint.root)).toBe(toHex(ref.mth(0, size)));

      // Every tile of the tree, full and partial, is the reference's, and nothing beyond the tree exists.
      for (const t of tilesForSize(size)) {
        const got = await svc.tlog!.tile(t.level, t.index, t.width);
        const want = await tileFromNodes(t, async (level, index) => ref.mth(index * 2 ** level, (index + 1) * 2 ** level));
        expect(toHex(got!), `tile ${t.level}/${t.index}.p/${t.width} at ${size}`).toBe(toHex(want));
        if (t.level === 0) {
          const bundle = parseEntryBundle((await svc.tlog!.entryBundle(t.index, t.width))!, t.width);
          expect(bundle.map(toHex)).toEqual(entries.slice(t.index * 256, t.index * 256 + t.width));
          expect(bundleMatchesTile(bundle, got!)).toBe(true);
        }
        if (t.width < 256) {
          expect(await svc.tlog!.tile(t.level, t.index, t.width + 1)).toBeUndefined();
          if (t.level === 0) expect(await svc.tlog!.entryBundle(t.index, t.width + 1)).toBeUndefined();
        }
      }
      expect(await svc.tlog!.tile(0, Math.ceil(size / 256) + 1, 1)).toBeUndefined();
      expect(await svc.tlog!.tile(64, 0, 1)).toBeUndefined();

      // Proofs from tiles alone are the storage's proofs, and prove the receipts' entries under the note root.
      expect(toHex(await rootFromTiles(size, readTile(svc)))).toBe(toHex(cose.root));
      for (const d of done.slice(0, 3)) {
        const fromTiles = await inclusionProofFromTiles(d.entry.index, size, readTile(svc));
        const v = verifyReceipt(d.entry.receipts[0]!, { entryHash: fromHex(d.entry.entryId), keys: svc.serviceKeys() });
        expect(fromTiles.map(toHex)).toEqual(ref.path(d.entry.index, 0, size).map(toHex));
        expect(v.treeSize).toBe(size);
        expect(toHex(v.root)).toBe(toHex(opened.checkpoint.root));
        expect(equalBytes(leafHash(fromHex(d.entry.entryId)), ref.mth(d.entry.index, d.entry.index + 1))).toBe(true);
      }
      if (last > 0) {
        const proof = await consistencyProofFromTiles(last, size, readTile(svc));
        expect(proof.map(toHex)).toEqual(ref.proof(last, size).map(toHex));
        const c = verifyConsistencyReceipt((await svc.consistencyReceipt(last, size))![0]!, { oldRoot: ref.mth(0, last), keys: svc.serviceKeys() });
        expect(toHex(c.newRoot)).toBe(toHex(opened.checkpoint.root));
      }
      last = size;
    }
  });

  it('signs Ed25519 notes byte for byte as the pure signer does, keeps its keys and notes over a restart', { timeout: 60_000 }, async () => {
    const before = svc!.tlog!.checkpoint()!;
    const vkeys = svc!.tlog!.vkeys;
    await svc!.close();
    // The key file holds C2SP skeys (mode 0600): the pure src/tlog signer of the same seed makes the same line.
    const skeys = readFileSync(join(dir, 'data', 'keys', 'tlog-note.skey'), 'utf8').split('\n').filter((l) => l.startsWith('PRIVATE+KEY+'));
    const ed = signerFromSkey(skeys[0]!);
    const note = parseNote(before);
    const line = note.signatures.find((s) => s.keyId === ed.keyId)!;
    expect(toHex(line.signature)).toBe(toHex(ed.sign(note.textBytes)));
    expect(readFileSync(join(dir, 'data', 'keys', 'tlog-note.vkey'), 'utf8')).toBe(`${vkeys.join('\n')}\n`);

    svc = await openService({ dataDir: join(dir, 'data'), issuer: ISSUER });
    expect(svc.tlog!.vkeys).toEqual(vkeys);
    // The stored note of the newest checkpoint is served again, not signed anew.
    expect(toHex(svc.tlog!.checkpoint()!)).toBe(toHex(before));
  });

  it('names the note keys after a configured origin, and refuses an origin that is no key name', async () => {
    const other = await openService({ dataDir: join(dir, 'data2'), issuer: ISSUER, tlog: { origin: 'example.org/other-log' } });
    try {
      expect(other.tlog!.vkeys.every((v) => v.startsWith('example.org/other-log+'))).toBe(true);
    } finally {
      await other.close();
    }
    await expect(openService({ dataDir: join(dir, 'data3'), issuer: ISSUER, tlog: { origin: 'has space' } })).rejects.toMatchObject({ code: 'ERR_SERVICE_OPTIONS' });
    await expect(openService({ dataDir: join(dir, 'data3'), tlog: { quorum: 1 } })).rejects.toMatchObject({ code: 'ERR_SERVICE_OPTIONS' });
    await expect(openService({ dataDir: join(dir, 'data3'), tlog: { witnesses: ['http://w.example=not-a-vkey'] } })).rejects.toMatchObject({ code: 'ERR_SERVICE_OPTIONS' });
    await expect(openService({ dataDir: join(dir, 'data3'), tlog: { enabled: 'no' as unknown as boolean } })).rejects.toMatchObject({ code: 'ERR_SERVICE_OPTIONS' });
  });

  it('with tlog.enabled false makes no note keys and no notes, and still registers with receipts', { timeout: 60_000 }, async () => {
    const off = await openService({ dataDir: join(dir, 'off'), issuer: ISSUER, tlog: { enabled: false } });
    try {
      expect(off.tlog).toBeUndefined();
      const agent = new Agent();
      await off.issuers.add(agent.id, agent.key.publicKey);
      const { submission } = await register(off, agent.statement(agent.genesis()));
      const receipt = (await off.receipts(submission.entryId))![0]!;
      expect(verifyReceipt(receipt, { entryHash: fromHex(submission.entryId), keys: off.serviceKeys() }).leafIndex).toBe(0);
      expect(existsSync(join(dir, 'off', 'keys', 'tlog-note.skey'))).toBe(false);
    } finally {
      await off.close();
    }
  });
});
