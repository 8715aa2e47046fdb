import { AtlogError } from '../../errors.js';

/**
 * LevelDB key and number encodings of the log (spec/log-storage.md "Keys"). Keys are compact binary:
 * a one-byte prefix, then big-endian integers so that LevelDB's byte order is numeric order.
 */

export const PREFIX = {
  /** 'f' -> format version (one byte). */
  format: 0x66,
  /** 's' -> u64 size || 32-byte root: the committed tree head. */
  state: 0x73,
  /** 'e' || u64 index -> entry bytes. */
  entry: 0x65,
  /** 'h' || first 16 bytes of the entry hash -> u48 indexes of the entries with that prefix. */
  hashIndex: 0x68,
  /** 't' || u8 level || u64 chunk -> up to CHUNK_HASHES hashes of that level (level 0: entry hashes). */
  tile: 0x74,
  /** 'c' || u64 size -> signed tree head bytes. */
  checkpoint: 0x63,
  /** 'm' || UTF-8 key -> caller metadata. */
  meta: 0x6d,
} as const;

export const FORMAT_VERSION = 1;
export const STATE_KEY = Uint8Array.of(PREFIX.state);
export const FORMAT_KEY = Uint8Array.of(PREFIX.format);
export const HASH_PREFIX_BYTES = 16;
export const INDEX_BYTES = 6;

const TWO_32 = 2 ** 32;

/** A plain Uint8Array view of the same bytes (LevelDB and node:crypto hand out Buffers; callers get plain bytes). */
export function plain(b: Uint8Array): Uint8Array;
export function plain(b: Uint8Array | undefined): Uint8Array | undefined;
export function plain(b: Uint8Array | undefined): Uint8Array | undefined {
  return b === undefined || b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Write `n` (0 <= n < 2^53) big-endian into `out` at `at`, using `width` bytes (6 or 8). */
export function writeUint(out: Uint8Array, at: number, n: number, width: 6 | 8): void {
  const hi = Math.floor(n / TWO_32);
  const lo = n >>> 0;
  if (width === 8) {
    out[at] = 0;
    out[at + 1] = (hi >>> 16) & 0xff;
    at += 2;
  }
  out[at] = (hi >>> 8) & 0xff;
  out[at + 1] = hi & 0xff;
  out[at + 2] = lo >>> 24;
  out[at + 3] = (lo >>> 16) & 0xff;
  out[at + 4] = (lo >>> 8) & 0xff;
  out[at + 5] = lo & 0xff;
}

/** Read a big-endian integer of `width` bytes (6 or 8) at `at`. */
export function readUint(b: Uint8Array, at: number, width: 6 | 8): number {
  let n = 0;
  for (let i = 0; i < width; i++) n = n * 256 + b[at + i]!;
  if (!Number.isSafeInteger(n)) throw new AtlogError('ERR_LOG_CORRUPT', 'stored integer exceeds 2^53 - 1');
  return n;
}

/** The state value: u64 size || 32-byte root. */
export function encodeState(size: number, root: Uint8Array): Uint8Array {
  const v = new Uint8Array(40);
  writeUint(v, 0, size, 8);
  v.set(root, 8);
  return v;
}

/** prefix || u64(n) */
export function keyWithIndex(prefix: number, n: number): Uint8Array {
  const k = new Uint8Array(9);
  k[0] = prefix;
  writeUint(k, 1, n, 8);
  return k;
}

/** The entry key 'e' || u64 index. */
export const entryKey = (index: number): Uint8Array => keyWithIndex(PREFIX.entry, index);

/** The checkpoint key 'c' || u64 size. */
export const checkpointKey = (size: number): Uint8Array => keyWithIndex(PREFIX.checkpoint, size);

/** The tile key 't' || u8 level || u64 chunk. */
export function tileKey(level: number, chunk: number): Uint8Array {
  const k = new Uint8Array(10);
  k[0] = PREFIX.tile;
  k[1] = level;
  writeUint(k, 2, chunk, 8);
  return k;
}

/** The hash-index key 'h' || entryHash[0:16]. */
export function hashIndexKey(entryHash: Uint8Array): Uint8Array {
  const k = new Uint8Array(1 + HASH_PREFIX_BYTES);
  k[0] = PREFIX.hashIndex;
  k.set(entryHash.subarray(0, HASH_PREFIX_BYTES), 1);
  return k;
}

/** Decode a hash-index value: a list of u48 indexes. */
export function decodeIndexList(v: Uint8Array): number[] {
  if (v.length % INDEX_BYTES !== 0) throw new AtlogError('ERR_LOG_CORRUPT', 'hash index value has a bad length');
  const out: number[] = [];
  for (let at = 0; at < v.length; at += INDEX_BYTES) out.push(readUint(v, at, 6));
  return out;
}

/** Append one u48 index to a hash-index value. */
export function appendIndex(v: Uint8Array | undefined, index: number): Uint8Array {
  const old = v ?? new Uint8Array(0);
  const out = new Uint8Array(old.length + INDEX_BYTES);
  out.set(old, 0);
  writeUint(out, old.length, index, 6);
  return out;
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder('utf-8', { fatal: true });

/** The meta key 'm' || UTF-8(key) (the caller checked the key: checks.ts). */
export function metaKey(key: string): Uint8Array {
  const body = utf8.encode(key);
  const k = new Uint8Array(body.length + 1);
  k[0] = PREFIX.meta;
  k.set(body, 1);
  return k;
}

/** The string key of a stored meta key. */
export function decodeMetaKey(k: Uint8Array): string {
  return utf8d.decode(k.subarray(1));
}

/** Range bounds for every key that starts with `prefix` (UTF-8 never holds 0xff, so `|| 0xff` bounds it). */
export function metaRangeBounds(prefix: string): { gte: Uint8Array; lt: Uint8Array } {
  const body = utf8.encode(prefix);
  const gte = new Uint8Array(body.length + 1);
  gte[0] = PREFIX.meta;
  gte.set(body, 1);
  const lt = new Uint8Array(gte.length + 1);
  lt.set(gte, 0);
  lt[gte.length] = 0xff;
  return { gte, lt };
}
