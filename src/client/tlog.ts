import { AtlogError } from '../errors.js';
import { parseNote } from '../tlog/note.js';
import { parseVkey } from '../tlog/keys.js';
import { entryBundlePath, tilePath, TILE_WIDTH } from '../tlog/tiles.js';
import type { TileReader } from '../tlog/tile-nodes.js';
import { resolveClientOptions, type CallOptions, type ClientOptions } from './options.js';
import { decodeProblem, problemError } from './problem.js';
import { withCall, type Answer, type Call } from './transport.js';

/**
 * A client for a log served as C2SP tlog-tiles (spec/tlog.md section 6): atlog's `<service>/tlog/`, or any
 * static copy of it (a directory behind a web server, a bucket, a CDN). Pure over `fetch`, so a browser can
 * use it. It checks what it fetches for shape only (a note parses, a tile has its width); trust comes from the
 * verifier (src/verify/tlog.ts), which checks every proof against a signed checkpoint.
 */

export interface TlogClient {
  /** The tile prefix every path is resolved against (with a trailing slash). */
  readonly url: URL;
  /** `<prefix>/checkpoint`: the signed checkpoint note, as served. @throws ERR_CLIENT_* (404: nothing published yet). */
  checkpoint(opts?: CallOptions): Promise<Uint8Array>;
  /** `<prefix>/vkey` (atlog services): the log's note verifier keys, one per line. Take them from a trusted source. */
  vkeys(opts?: CallOptions): Promise<string[]>;
  /**
   * Tile (level, index) at `width` hashes. A partial tile that is gone (404) is read from the first `width`
   * hashes of the full tile, as tlog-tiles allows clients to fall back.
   * @throws ERR_CLIENT_* (ERR_CLIENT_UNEXPECTED for a body of the wrong length).
   */
  tile(level: number, index: number, width: number, opts?: CallOptions): Promise<Uint8Array>;
  /** Entry bundle `index` at `width` entries (falls back to the full bundle the same way). */
  entryBundle(index: number, width: number, opts?: CallOptions): Promise<Uint8Array>;
  /** `tile` as the TileReader the tile verifier takes. */
  readonly readTile: TileReader;
  /** `entryBundle` as the reader the tile verifier takes. */
  readonly readEntryBundle: (index: number, width: number) => Promise<Uint8Array>;
}

/** Reads one resource; 200 gives the body, anything else the client error for it. */
async function fetchBytes(c: Call, url: URL, accept: string): Promise<Answer> {
  const a = await c.send(url, { headers: { Accept: accept } });
  if (a.status === 200) return a;
  throw problemError(decodeProblem(a.status, a.headers.get('content-type'), a.body), a.url);
}

function unexpected(a: Answer, what: string, cause?: unknown): AtlogError {
  return new AtlogError('ERR_CLIENT_UNEXPECTED', `${a.url}: ${what}`, { cause, details: { url: a.url, status: a.status } });
}

/** The full resource's path of a partial one, or undefined for a full one. */
const fullOf = (width: number, path: (w: number) => string): string | undefined => (width < TILE_WIDTH ? path(TILE_WIDTH) : undefined);

/**
 * Creates a tile client for the log prefix `options.url` (e.g. `https://log.example/tlog/`). Retries, time
 * limits and `fetch` are the SCRAPI client's options (src/client/options.ts).
 * @throws AtlogError ERR_INVALID_ARGUMENT for a bad URL or option.
 */
export function createTlogClient(options: ClientOptions): TlogClient {
  const o = resolveClientOptions(options);
  const run = <T>(opts: CallOptions | undefined, fn: (c: Call) => Promise<T>): Promise<T> => withCall(o, opts ?? {}, o.timeoutMs, fn);
  const at = (path: string): URL => new URL(path, o.url);

  /** A tile or bundle, with the full-resource fallback for a partial one that is gone. */
  const hashes = (path: (w: number) => string, width: number, check: (a: Answer, full: boolean) => Uint8Array, opts?: CallOptions): Promise<Uint8Array> =>
    run(opts, async (c) => {
      try {
        return check(await fetchBytes(c, at(path(width)), 'application/octet-stream'), false);
      } catch (e) {
        const full = fullOf(width, path);
        if (full === undefined || !(e instanceof AtlogError) || e.code !== 'ERR_CLIENT_NOT_FOUND') throw e;
        return check(await fetchBytes(c, at(full), 'application/octet-stream'), true);
      }
    });

  const tile = (level: number, index: number, width: number, opts?: CallOptions): Promise<Uint8Array> =>
    hashes((w) => tilePath({ level, index, width: w }), width, (a, full) => {
      const want = (full ? TILE_WIDTH : width) * 32;
      if (a.body.length !== want) throw unexpected(a, `a tile of ${a.body.length} bytes, expected ${want}`);
      return a.body.subarray(0, width * 32);
    }, opts);

  // A full bundle read in place of a partial one is handed over whole: its first `width` entries are the
  // partial bundle's, and the verifier's bundle check reads those (parseEntryBundle(bytes, width) would
  // refuse the rest, so it is cut here).
  const entryBundle = (index: number, width: number, opts?: CallOptions): Promise<Uint8Array> =>
    hashes((w) => entryBundlePath(index, w), width, (a, full) => (full ? firstEntries(a, width) : a.body), opts);

  return {
    url: o.url,
    checkpoint: (opts) =>
      run(opts, async (c) => {
        const a = await fetchBytes(c, at('checkpoint'), 'text/plain');
        try {
          parseNote(a.body);
        } catch (e) {
          throw unexpected(a, 'the answer is not a signed note', e);
        }
        return a.body;
      }),
    vkeys: (opts) =>
      run(opts, async (c) => {
        const a = await fetchBytes(c, at('vkey'), 'text/plain');
        const lines = new TextDecoder().decode(a.body).split('\n').map((l) => l.trim()).filter((l) => l !== '');
        try {
          if (lines.length === 0) throw new TypeError('no vkey');
          lines.forEach((l) => parseVkey(l));
        } catch (e) {
          throw unexpected(a, 'the answer is not a list of vkeys', e);
        }
        return lines;
      }),
    tile,
    entryBundle,
    readTile: (level, index, width) => tile(level, index, width),
    readEntryBundle: (index, width) => entryBundle(index, width),
  };
}

/** The bytes of the first `n` length-prefixed entries of a bundle. */
function firstEntries(a: Answer, n: number): Uint8Array {
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (at + 2 > a.body.length) throw unexpected(a, `a full entry bundle with fewer than ${n} entries`);
    at += 2 + ((a.body[at]! << 8) | a.body[at + 1]!);
  }
  if (at > a.body.length) throw unexpected(a, 'an entry bundle cut short');
  return a.body.subarray(0, at);
}
