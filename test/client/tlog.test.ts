import { describe, expect, it } from 'vitest';
import { createTlogClient, submitCheckpoint, type FetchLike } from '../../src/client/index.js';
import { encodeEntryBundle } from '../../src/tlog/index.js';
import { codeOfAsync } from '../helpers/errors.js';

/**
 * The tile client and the witness submission over a scripted fetch: paths asked for, the full-tile fallback
 * for partial tiles that are gone, shape checks, and how witness answers are sorted.
 */

/** A fetch that answers from a path -> [status, body, content type] table and records what was asked. */
function scripted(table: Record<string, [number, Uint8Array | string, string?]>): { fetch: FetchLike; asked: string[] } {
  const asked: string[] = [];
  const fetch: FetchLike = async (input, init) => {
    const u = new URL(String(input));
    asked.push(`${init?.method ?? 'GET'} ${u.pathname}`);
    const [status, body, type] = table[u.pathname] ?? [404, 'not found\n', 'text/plain'];
    return new Response(typeof body === 'string' ? body : Buffer.from(body), { status, headers: { 'Content-Type': type ?? 'application/octet-stream' } });
  };
  return { fetch, asked };
}

const hashes = (n: number, fill = 7): Uint8Array => new Uint8Array(n * 32).fill(fill);

describe('createTlogClient', () => {
  it('reads tiles at their C2SP paths under the prefix, and falls back to the full tile for a partial one that is gone', async () => {
    const { fetch, asked } = scripted({
      '/log/tlog/tile/0/x001/x234/067.p/5': [200, hashes(5)],
      '/log/tlog/tile/1/000': [200, hashes(256, 9)],
      '/log/tlog/tile/entries/000': [200, encodeEntryBundle(Array.from({ length: 256 }, (_, i) => new Uint8Array(32).fill(i)))],
    });
    const c = createTlogClient({ url: 'https://cdn.example/log/tlog', fetch, retries: 0 });
    expect((await c.tile(0, 1234067, 5)).length).toBe(160);
    const fallback = await c.readTile(1, 0, 3);
    expect(fallback).toEqual(hashes(3, 9));
    expect(asked).toEqual(['GET /log/tlog/tile/0/x001/x234/067.p/5', 'GET /log/tlog/tile/1/000.p/3', 'GET /log/tlog/tile/1/000']);
    // A full bundle stands in for a partial one: its first entries, cut at the entry boundary.
    const bundle = await c.readEntryBundle(0, 2);
    expect(bundle.length).toBe(2 * 34);
  });

  it('refuses bodies of the wrong shape and reports a missing tile as not found', async () => {
    const { fetch } = scripted({
      '/tile/0/000.p/2': [200, hashes(3)],
      '/checkpoint': [200, 'not a note\n', 'text/plain'],
      '/vkey': [200, 'not a vkey\n', 'text/plain'],
    });
    const c = createTlogClient({ url: 'http://static.example/', fetch, retries: 0 });
    expect(await codeOfAsync(() => c.tile(0, 0, 2))).toBe('ERR_CLIENT_UNEXPECTED');
    expect(await codeOfAsync(() => c.tile(0, 1, 2))).toBe('ERR_CLIENT_NOT_FOUND');
    expect(await codeOfAsync(() => c.checkpoint())).toBe('ERR_CLIENT_UNEXPECTED');
    expect(await codeOfAsync(() => c.vkeys())).toBe('ERR_CLIENT_UNEXPECTED');
  });
});

describe('submitCheckpoint', () => {
  it('sorts 200, 409 and refusals, and refuses a 409 without a size', async () => {
    const body = new TextEncoder().encode('old 0\n\nnote\n');
    const ok = scripted({ '/w/add-checkpoint': [200, '\u2014 w.example AAAA\n', 'text/plain; charset=utf-8'] });
    expect(await submitCheckpoint('http://w.example/w', body, { fetch: ok.fetch })).toEqual({ kind: 'cosigned', lines: ['\u2014 w.example AAAA'] });
    expect(ok.asked).toEqual(['POST /w/add-checkpoint']);
    const conflict = scripted({ '/add-checkpoint': [409, '42\n', 'text/x.tlog.size'] });
    expect(await submitCheckpoint('http://w.example', body, { fetch: conflict.fetch })).toEqual({ kind: 'conflict', size: 42 });
    const refused = scripted({ '/add-checkpoint': [422, 'ERR_WITNESS_INCONSISTENT: no\n', 'text/plain'] });
    expect(await submitCheckpoint('http://w.example', body, { fetch: refused.fetch })).toEqual({ kind: 'refused', status: 422, message: 'ERR_WITNESS_INCONSISTENT: no' });
    const bad = scripted({ '/add-checkpoint': [409, '42\n', 'text/plain'] });
    expect(await codeOfAsync(() => submitCheckpoint('http://w.example', body, { fetch: bad.fetch }))).toBe('ERR_WITNESS_ANSWER_MALFORMED');
    const badSize = scripted({ '/add-checkpoint': [409, '042\n', 'text/x.tlog.size'] });
    expect(await codeOfAsync(() => submitCheckpoint('http://w.example', body, { fetch: badSize.fetch }))).toBe('ERR_WITNESS_ANSWER_MALFORMED');
  });
});
