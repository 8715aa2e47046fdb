import { ClassicLevel } from 'classic-level';
import { AtlogError } from '../../errors.js';
import { equalBytes } from '../../util/bytes.js';
import { rangeNodes } from '../../merkle/range.js';
import { FORMAT_KEY, FORMAT_VERSION, STATE_KEY, encodeState, readUint, tileKey } from './codec.js';
import { EntryFilter } from '../bloom.js';
import { Frontier } from '../frontier.js';
import { emptyRoot } from '../../merkle/hash.js';
import { TileReader } from './tile-reader.js';
import { CHUNK_HASHES, STRIDE, Tails } from './tiles.js';

export type Db = ClassicLevel<Uint8Array, Uint8Array>;

/** Options of `LevelDbStorage.open`, every default in one place (`resolveLevelDbOptions`). */
export interface LevelDbOptions {
  /** LevelDB block cache in bytes. Default 32 MiB, so the hash index and tiles of ~10^6 entries stay cached. */
  cacheSize?: number;
  /**
   * LevelDB write buffer in bytes. Default 64 MiB: a bulk import flushes and compacts a quarter as often as with
   * 16 MiB (measured ~2 us less CPU per appended entry at 4x10^5 entries); costs up to 2x that in memory.
   */
  writeBufferSize?: number;
  /** Hash batches of 64+ entries on a worker thread (entry and leaf hashes). Default true. */
  hashWorker?: boolean;
}

export function resolveLevelDbOptions(o: LevelDbOptions = {}): Required<LevelDbOptions> {
  return {
    cacheSize: o.cacheSize ?? 32 * 1024 * 1024,
    writeBufferSize: o.writeBufferSize ?? 64 * 1024 * 1024,
    hashWorker: o.hashWorker ?? true,
  };
}

function hasCode(e: unknown, code: string): boolean {
  for (let x = e; typeof x === 'object' && x !== null; x = (x as { cause?: unknown }).cause) {
    if ((x as { code?: unknown }).code === code) return true;
  }
  return false;
}

/**
 * Open LevelDB, mapping its lock error: LevelDB lets one process hold a directory.
 * @throws AtlogError `ERR_LOG_LOCKED` when another process (or another store in this one) holds it,
 *   `ERR_LOG_IO` for any other open failure.
 */
export async function openDb(dir: string, o: Required<LevelDbOptions>): Promise<Db> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, {
    keyEncoding: 'view',
    valueEncoding: 'view',
    cacheSize: o.cacheSize,
    writeBufferSize: o.writeBufferSize,
  });
  try {
    await db.open();
  } catch (e) {
    if (hasCode(e, 'LEVEL_LOCKED')) {
      throw new AtlogError('ERR_LOG_LOCKED', `log directory ${dir} is in use by another process (only one may open it)`, { cause: e });
    }
    throw new AtlogError('ERR_LOG_IO', `cannot open log directory ${dir}`, { cause: e });
  }
  return db;
}

/** The committed state rebuilt on open. */
export interface Recovered {
  size: number;
  root: Uint8Array;
  frontier: Frontier;
  tails: Tails;
  filter: EntryFilter;
}

/**
 * Recovery on open (spec/log-storage.md "Recovery"): read the committed size and root, rebuild the right-edge
 * frontier from at most log2(size) + 1 stored subtrees and check that its root equals the stored root, load the
 * last tile of every stored level, and rebuild the duplicate filter. A fresh directory gets the format key and
 * an empty state.
 * @throws AtlogError `ERR_LOG_FORMAT` (unknown format version), `ERR_LOG_CORRUPT` (state, tiles and root disagree).
 */
export async function recover(db: Db, reader: TileReader): Promise<Recovered> {
  const [format, state] = await db.getMany([FORMAT_KEY, STATE_KEY]);
  if (format === undefined && state === undefined) {
    const root = emptyRoot();
    await db.batch(
      [
        { type: 'put', key: FORMAT_KEY, value: Uint8Array.of(FORMAT_VERSION) },
        { type: 'put', key: STATE_KEY, value: encodeState(0, root) },
      ],
      { sync: true },
    );
    return { size: 0, root, frontier: Frontier.from(0, []), tails: new Tails(), filter: new EntryFilter() };
  }
  if (format === undefined || format.length !== 1 || format[0] !== FORMAT_VERSION) {
    throw new AtlogError('ERR_LOG_FORMAT', `unknown log format ${format === undefined ? 'none' : String(format[0])}`);
  }
  if (state === undefined || state.length !== 40) throw new AtlogError('ERR_LOG_CORRUPT', 'log state record is missing or malformed');
  const size = readUint(state, 0, 8);
  const root = state.slice(8);

  const ids = size === 0 ? [] : rangeNodes(0, size);
  const hashes = ids.length === 0 ? [] : await reader.readNodes(ids);
  const frontier = Frontier.from(size, ids.map((id, i) => ({ level: id.level, hash: hashes[i]! })));
  if (!equalBytes(frontier.root(), root)) {
    throw new AtlogError('ERR_LOG_CORRUPT', `stored root does not match the tree of size ${size}`, { details: { size } });
  }

  const tails = new Tails();
  for (let level = 0; 2 ** level <= size; level += STRIDE) {
    const nodes = Math.floor(size / 2 ** level);
    const chunk = Math.floor(nodes / CHUNK_HASHES);
    const count = nodes % CHUNK_HASHES;
    const data = count === 0 ? new Uint8Array(0) : await reader.tile(level, chunk);
    if (data === undefined || data.length !== count * 32) {
      throw new AtlogError('ERR_LOG_CORRUPT', `last tile of level ${level} does not match size ${size}`, { details: { size, level } });
    }
    tails.set(level, chunk, data);
  }
  return { size, root, frontier, tails, filter: await loadFilter(db, size) };
}

/** Rebuild the duplicate filter from the level-0 tiles (entry hashes, 64 per record). */
async function loadFilter(db: Db, size: number): Promise<EntryFilter> {
  const filter = new EntryFilter(size);
  const it = db.values({ gte: tileKey(0, 0), lt: tileKey(1, 0) });
  try {
    for (;;) {
      const tiles = await it.nextv(256);
      if (tiles.length === 0) break;
      for (const t of tiles) for (let at = 0; at + 32 <= t.length; at += 32) filter.add(t.subarray(at, at + 32));
    }
  } finally {
    await it.close();
  }
  return filter;
}
