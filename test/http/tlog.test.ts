import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTlogClient } from '../../src/client/index.js';
import { importCoseKeySet } from '../../src/keys/index.js';
import { leafHash } from '../../src/merkle/index.js';
import { verifyReceipt } from '../../src/receipts/index.js';
import { openCheckpoint, parseEntryBundle, parseNote, tileWidth, verifierFromVkey } from '../../src/tlog/index.js';
import { equalBytes, fromHex } from '../../src/util/bytes.js';
import { verifyTlog } from '../../src/verify/index.js';
import { aatStatement, call, makeAgent, postEntry, startTestServer, treeSize } from './helpers.js';

/**
 * `/tlog/...` over HTTP (docs/api.md "Tiles"): the published checkpoint note, the vkeys, tiles and entry
 * bundles exactly at their C2SP paths, with their content types, cache headers and CORS; bad and premature
 * paths are 404; the tile client and verifier work through it.
 */

describe('GET /tlog/...', () => {
  const agent = makeAgent();
  let url: string;
  let stop: () => Promise<void>;
  const ids: string[] = [];

  beforeAll(async () => {
    ({ url, stop } = await startTestServer([agent], { issuer: 'https://tiles.example.test', rateLimit: 0, waitLimitMs: 60_000 }));
  });
  afterAll(async () => stop());

  /** Registers `n` statements, 20 at a time, and records their entry ids at their log indexes (from the receipts). */
  async function registerSome(n: number): Promise<void> {
    const keys = importCoseKeySet((await call(`${url}/.well-known/scitt-keys`)).body).map((k) => ('publicKey' in k ? k.publicKey : k));
    for (let done = 0; done < n; done += 20) {
      const answers = await Promise.all(Array.from({ length: Math.min(20, n - done) }, () => postEntry(url, aatStatement(agent).bytes)));
      for (const a of answers) {
        expect(a.status).toBe(201);
        const id = a.headers.get('location')!.slice('/entries/'.length);
        ids[verifyReceipt(a.body, { entryHash: fromHex(id), keys }).leafIndex] = id;
      }
    }
  }

  it('answers 404 for the checkpoint of an empty log, and serves the vkeys', async () => {
    const cp = await call(`${url}/tlog/checkpoint`);
    expect(cp.status).toBe(404);
    expect(cp.headers.get('access-control-allow-origin')).toBe('*');
    const v = await call(`${url}/tlog/vkey`);
    expect(v.status).toBe(200);
    expect(v.type).toBe('text/plain; charset=utf-8');
    const vkeys = new TextDecoder().decode(v.body).trim().split('\n');
    expect(vkeys.map((k) => verifierFromVkey(k).name)).toEqual(['tiles.example.test/tlog', 'tiles.example.test/tlog']);
  });

  it('serves the checkpoint note, tiles and bundles with their types, cache headers and CORS', async () => {
    await registerSome(5);
    const size = await treeSize(url);
    const cp = await call(`${url}/tlog/checkpoint`);
    expect(cp.status).toBe(200);
    expect(cp.type).toBe('text/plain; charset=utf-8');
    expect(cp.headers.get('cache-control')).toBe('public, max-age=2');
    expect(cp.headers.get('access-control-allow-origin')).toBe('*');
    const logKeys = new TextDecoder().decode((await call(`${url}/tlog/vkey`)).body).trim().split('\n').map(verifierFromVkey);
    const opened = openCheckpoint(cp.body, { origin: 'tiles.example.test/tlog', logKeys });
    expect(opened.checkpoint.size).toBe(size);

    const tile = await call(`${url}/tlog/tile/0/000.p/${size}`);
    expect(tile.status).toBe(200);
    expect(tile.type).toBe('application/octet-stream');
    expect(tile.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(tile.headers.get('access-control-allow-origin')).toBe('*');
    expect(tile.body.length).toBe(size * 32);
    expect(equalBytes(tile.body.subarray(0, 32), leafHash(fromHex(ids[0]!)))).toBe(true);
    const bundle = await call(`${url}/tlog/tile/entries/000.p/${size}`);
    expect(bundle.status).toBe(200);
    expect(parseEntryBundle(bundle.body, size).map((e) => Buffer.from(e).toString('hex'))).toEqual(ids.slice(0, size));
    // A narrower partial tile is a prefix of the wider one; HEAD answers like GET, without the body.
    expect(equalBytes((await call(`${url}/tlog/tile/0/000.p/1`)).body, tile.body.subarray(0, 32))).toBe(true);
    const head = await call(`${url}/tlog/tile/0/000.p/1`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('32');
  });

  it('answers 404 for tiles not (yet) in the log and for paths that are not canonical tlog-tiles paths', async () => {
    const size = await treeSize(url);
    for (const path of [`tile/0/000.p/${size + 1}`, 'tile/0/000', 'tile/1/000.p/1', 'tile/entries/001.p/1', `tile/entries/000.p/${size + 1}`]) {
      const a = await call(`${url}/tlog/${path}`);
      expect(a.status, path).toBe(404);
      expect(a.problem?.code, path).toBe('ERR_HTTP_NOT_FOUND');
    }
    for (const path of ['tile/0/0', 'tile/00/000', 'tile/0/000.p/0', 'tile/0/000.p/256', 'tile/0/x000/001', 'tile/64/000', 'tile/0/000.p/01', 'tile/x/000']) {
      const a = await call(`${url}/tlog/${path}`);
      expect(a.status, path).toBe(404);
      expect(a.problem?.code, path).toBe('ERR_TILE_PATH_INVALID');
    }
  });

  it('answers a CORS preflight', async () => {
    const a = await call(`${url}/tlog/tile/0/000.p/1`, { method: 'OPTIONS', headers: { Origin: 'https://auditor.example', 'Access-Control-Request-Method': 'GET' } });
    expect(a.status).toBe(204);
    expect(a.headers.get('access-control-allow-origin')).toBe('*');
    expect(a.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
  });

  it('is what the tile client and verifier need: inclusion and consistency from tiles alone', async () => {
    const client = createTlogClient({ url: `${url}/tlog` });
    const logKeys = (await client.vkeys()).map(verifierFromVkey);
    const first = await client.checkpoint();
    await registerSome(260); // past a full level 0 tile: the partial tile of the first checkpoint is not full any more
    const now = await client.checkpoint();
    const size = openCheckpoint(now, { origin: 'tiles.example.test/tlog', logKeys }).checkpoint.size;
    expect(size).toBe(ids.length);
    const report = await verifyTlog({
      checkpoint: now, logKeys, since: first, readTile: client.readTile, readEntryBundle: client.readEntryBundle,
      entry: { entryHash: fromHex(ids[1]!) },
    });
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
    expect(report.entryIndex).toBe(1);
    expect(report.checks.map((c) => c.name)).toEqual(['checkpoint', 'since.checkpoint', 'since.consistency', 'entry.index', 'entry.bundle', 'entry.inclusion']);
    // The newest entry, found by searching the level 0 tiles from the newest back; its bundle is partial.
    const last = await verifyTlog({ checkpoint: now, logKeys, readTile: client.readTile, readEntryBundle: client.readEntryBundle, entry: { entryHash: fromHex(ids.at(-1)!) } });
    expect(last.valid, JSON.stringify(last.failure)).toBe(true);
    expect(last.entryIndex).toBe(size - 1);
    expect(tileWidth(0, 1, size)).toBeLessThan(256);
    // An entry that is not in the log.
    const missing = await verifyTlog({ checkpoint: now, logKeys, readTile: client.readTile, entry: { entryHash: new Uint8Array(32) } });
    expect(missing.failure?.code).toBe('ERR_TLOG_ENTRY_NOT_FOUND');
    expect(parseNote(now).signatures.length).toBe(2);
  });
});
