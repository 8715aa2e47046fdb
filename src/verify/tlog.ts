import { AtlogError } from '../errors.js';
import { HASH_SIZE, leafHash } from '../merkle/index.js';
import {
  bundleMatchesTile,
  isConsistent,
  openCheckpoint,
  parseEntryBundle,
  tileWidth,
  verifyInclusionFromTiles,
  type Checkpoint,
  type NoteVerifier,
  type OpenedCheckpoint,
  type TileReader,
} from '../tlog/index.js';
import { equalBytes, toHex } from '../util/bytes.js';
import { ReportBuilder, type VerificationReport } from './report.js';

/**
 * The tile verifier (spec/tlog.md sections 4 and 7, `atlog verify --tlog`): a C2SP checkpoint note checked
 * against the log's keys and a witness quorum, an entry proven included from tiles alone, and consistency with
 * an earlier checkpoint proven from tiles alone. It reads tiles only through the functions it is given (the
 * CLI passes the fetching client of src/client/tlog.ts), so a browser can run it over fetch. Every proof is
 * checked against the verified checkpoint's root: a tile server that lies makes a check fail, never pass.
 */

/** Reads entry bundle `index` at `width` entries (tlog-tiles `tile/entries/<N>[.p/<W>]`). */
export type EntryBundleReader = (index: number, width: number) => Promise<Uint8Array>;

export interface VerifyTlogOptions {
  /** The checkpoint note, as served at `<prefix>/checkpoint`. */
  checkpoint: Uint8Array | string;
  /** The log's note keys (its vkeys); at least one must have signed. */
  logKeys: readonly NoteVerifier[];
  /** The origin expected; default: the name of the first log key (atlog names its note keys after the origin). */
  origin?: string;
  /** The witnesses' cosigner keys. */
  witnessKeys?: readonly NoteVerifier[];
  /** How many distinct witnesses must have cosigned; default 0. */
  quorum?: number;
  /** Fetches a tile of the tree (level, index, width). */
  readTile: TileReader;
  /** Fetches an entry bundle; when given, an entry's bundle is checked too. */
  readEntryBundle?: EntryBundleReader;
  /** An entry to prove included: its entry id (SHA-256 of the statement) and, if known, its index. */
  entry?: { entryHash: Uint8Array; index?: number };
  /** An earlier checkpoint note of the same log (its signatures are checked; no quorum is required of it). */
  since?: Uint8Array | string;
}

export interface TlogReport extends VerificationReport {
  /** The verified checkpoint. */
  checkpoint?: Checkpoint;
  /** Where the entry was found. */
  entryIndex?: number;
}

/** Verify a tile-served log. Never throws: problems are failed checks (fail closed). */
export async function verifyTlog(o: VerifyTlogOptions): Promise<TlogReport> {
  const b = new ReportBuilder();
  const origin = o.origin ?? o.logKeys[0]?.name;
  const opened = b.run(
    'checkpoint',
    () => {
      if (origin === undefined) throw new AtlogError('ERR_INVALID_ARGUMENT', 'no log key given');
      return openCheckpoint(o.checkpoint, { origin, logKeys: o.logKeys, witnessKeys: o.witnessKeys ?? [], quorum: o.quorum ?? 0 });
    },
    describeOpened,
  );
  if (!opened) return b.build();
  const cp = opened.checkpoint;
  // Tiles fetched once for every check of this run (the search, the bundle check and the proofs share them).
  const read = memoized(o.readTile);

  if (o.since !== undefined) await checkSince(b, o.since, origin!, o.logKeys, cp, read);
  let entryIndex: number | undefined;
  if (o.entry !== undefined) entryIndex = await checkEntry(b, o.entry, cp, read, o.readEntryBundle);
  const report: TlogReport = { ...b.build(), checkpoint: cp };
  if (entryIndex !== undefined) report.entryIndex = entryIndex;
  return report;
}

/** The checkpoint, who signed it, and each witness with the time its cosignature states (docs/trusted-time.md). */
function describeOpened(c: OpenedCheckpoint): string {
  const at = (name: string): string => {
    const times = c.cosignatures.filter((s) => s.name === name && s.timestamp !== undefined).map((s) => s.timestamp!);
    return times.length === 0 ? name : `${name} at ${new Date(Math.min(...times) * 1000).toISOString().replace('.000Z', 'Z')}`;
  };
  const w = c.witnesses.length > 0 ? `; cosigned by ${c.witnesses.map(at).join(', ')}` : '; no witness cosignature checked';
  return `${c.checkpoint.origin} size ${c.checkpoint.size}, root ${toHex(c.checkpoint.root)}, signed by ${[...new Set(c.logSignatures.map((s) => s.name))].join(', ')} (${c.logSignatures.length} key${c.logSignatures.length === 1 ? '' : 's'})${w}`;
}

/** The earlier checkpoint verifies and the two trees are consistent, whichever is newer (a cache may serve an older one). */
async function checkSince(b: ReportBuilder, since: Uint8Array | string, origin: string, logKeys: readonly NoteVerifier[], cp: Checkpoint, read: TileReader): Promise<void> {
  const old = b.run('since.checkpoint', () => openCheckpoint(since, { origin, logKeys }).checkpoint, (c) => `size ${c.size}, root ${toHex(c.root)}`);
  if (!old) return;
  const [older, newer] = old.size <= cp.size ? [old, cp] : [cp, old];
  await b.runAsync(
    'since.consistency',
    async () => {
      if (!(await isConsistent(older, newer, read))) {
        throw new AtlogError('ERR_VERIFY_SPLIT_VIEW', `the tree of size ${newer.size} does not extend the tree of size ${older.size}`, {
          details: { older: { size: older.size, root: toHex(older.root) }, newer: { size: newer.size, root: toHex(newer.root) } },
        });
      }
      return older === old;
    },
    (forward) =>
      forward
        ? `size ${old.size} -> ${cp.size}: the log only grew (proven from tiles)`
        : `the served checkpoint (size ${cp.size}) is older than the earlier one (size ${old.size}) and consistent with it (proven from tiles)`,
  );
}

/** Finds (or takes) the entry's index, checks its bundle when a reader is given, and proves it from tiles. */
async function checkEntry(b: ReportBuilder, entry: { entryHash: Uint8Array; index?: number }, cp: Checkpoint, read: TileReader, readBundle: EntryBundleReader | undefined): Promise<number | undefined> {
  const index = await b.runAsync('entry.index', () => findEntry(entry, cp.size, read), (i) => `entry ${toHex(entry.entryHash)} at index ${i}`);
  if (index === undefined) return undefined;
  if (readBundle) {
    await b.runAsync(
      'entry.bundle',
      async () => {
        const tile = Math.floor(index / 256);
        const width = tileWidth(0, tile, cp.size);
        const bundle = parseEntryBundle(await readBundle(tile, width), width);
        if (!equalBytes(bundle[index % 256]!, entry.entryHash) || !bundleMatchesTile(bundle, await read(0, tile, width))) {
          throw new AtlogError('ERR_TLOG_INCLUSION_INVALID', `entry bundle ${tile} does not match its level 0 tile or the entry`);
        }
        return width;
      },
      (w) => `bundle ${Math.floor(index / 256)} (${w} entries) holds the entry and matches its level 0 tile`,
    );
  }
  await b.runAsync(
    'entry.inclusion',
    async () => {
      if (!(await verifyInclusionFromTiles(leafHash(entry.entryHash), index, cp, read))) {
        throw new AtlogError('ERR_TLOG_INCLUSION_INVALID', `the tiles do not prove entry ${index} under the root of size ${cp.size}`);
      }
    },
    () => `entry ${index} is included in the tree of size ${cp.size} (proof built from tiles, checked against the root)`,
  );
  return index;
}

/**
 * The entry's index: the one given (checked to lie inside the tree), else found by scanning the level 0 tiles
 * from the newest back, which costs one tile read per 256 entries.
 * @throws AtlogError `ERR_TLOG_ENTRY_NOT_FOUND`; `ERR_INVALID_ARGUMENT` for a hash that is not 32 bytes.
 */
async function findEntry(entry: { entryHash: Uint8Array; index?: number }, size: number, read: TileReader): Promise<number> {
  if (!(entry.entryHash instanceof Uint8Array) || entry.entryHash.length !== HASH_SIZE) throw new AtlogError('ERR_INVALID_ARGUMENT', 'an entry id is 32 bytes');
  if (entry.index !== undefined) {
    if (!Number.isSafeInteger(entry.index) || entry.index < 0 || entry.index >= size) {
      throw new AtlogError('ERR_TLOG_ENTRY_NOT_FOUND', `index ${entry.index} is not in the tree of size ${size}`);
    }
    return entry.index;
  }
  const leaf = leafHash(entry.entryHash);
  for (let t = Math.ceil(size / 256) - 1; t >= 0; t--) {
    const width = tileWidth(0, t, size);
    const tile = await read(0, t, width);
    for (let i = 0; i < width; i++) {
      if (equalBytes(tile.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE), leaf)) return t * 256 + i;
    }
  }
  throw new AtlogError('ERR_TLOG_ENTRY_NOT_FOUND', `entry ${toHex(entry.entryHash)} is not among the ${size} entries of the checkpoint's tree`);
}

/** A reader that fetches each tile once. A failed read is not kept, so a later check may retry it. */
function memoized(read: TileReader): TileReader {
  const got = new Map<string, Promise<Uint8Array>>();
  return (level, index, width) => {
    const key = `${level}/${index}/${width}`;
    let p = got.get(key);
    if (p === undefined) {
      p = read(level, index, width);
      got.set(key, p);
      p.catch(() => got.delete(key));
    }
    return p;
  };
}
