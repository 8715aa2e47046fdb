import { AtlogError } from '../errors.js';
import { HASH_SIZE, leafHash } from '../merkle/index.js';
import { equalBytes } from '../util/bytes.js';
import { TILE_WIDTH } from './tiles.js';

/**
 * tlog-tiles entry bundles: big-endian uint16 length-prefixed entries, up to 256 per bundle. In atlog each
 * entry is the 32-byte entry hash (the RFC 9162 leaf data, spec/hashing.md), so bundle entry i hashes
 * (SHA-256(0x00 || entry)) to hash i of the level 0 tile at the same index. Pure.
 */

/**
 * Encode an entry bundle.
 * @throws AtlogError `ERR_ENTRY_BUNDLE_MALFORMED` for no entries, more than 256, or an entry above 65535 bytes.
 */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length < 1 || entries.length > TILE_WIDTH) throw new AtlogError('ERR_ENTRY_BUNDLE_MALFORMED', `a bundle holds 1 to 256 entries, not ${entries.length}`);
  let n = 0;
  for (const e of entries) {
    if (!(e instanceof Uint8Array) || e.length > 0xffff) throw new AtlogError('ERR_ENTRY_BUNDLE_MALFORMED', 'an entry must be bytes, at most 65535 of them');
    n += 2 + e.length;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const e of entries) {
    out[at] = e.length >> 8;
    out[at + 1] = e.length & 0xff;
    out.set(e, at + 2);
    at += 2 + e.length;
  }
  return out;
}

/**
 * Parse an entry bundle; with `width`, it must hold exactly that many entries.
 * @throws AtlogError `ERR_ENTRY_BUNDLE_MALFORMED` for a truncated entry, trailing bytes or a wrong count.
 */
export function parseEntryBundle(bytes: Uint8Array, width?: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) throw new AtlogError('ERR_ENTRY_BUNDLE_MALFORMED', 'a length prefix is cut short');
    const len = (bytes[at]! << 8) | bytes[at + 1]!;
    if (at + 2 + len > bytes.length) throw new AtlogError('ERR_ENTRY_BUNDLE_MALFORMED', 'an entry is cut short');
    out.push(bytes.slice(at + 2, at + 2 + len));
    at += 2 + len;
    if (out.length > TILE_WIDTH) throw new AtlogError('ERR_ENTRY_BUNDLE_MALFORMED', 'more than 256 entries');
  }
  if (width !== undefined && out.length !== width) throw new AtlogError('ERR_ENTRY_BUNDLE_MALFORMED', `expected ${width} entries, got ${out.length}`);
  return out;
}

/**
 * True when every entry of a bundle hashes to the matching hash of the level 0 tile of the same index
 * (tlog-tiles: "Each entry in a bundle hashes to the corresponding entry in the corresponding level 0 tile").
 */
export function bundleMatchesTile(entries: readonly Uint8Array[], level0Tile: Uint8Array): boolean {
  if (level0Tile.length !== entries.length * HASH_SIZE) return false;
  return entries.every((e, i) => equalBytes(leafHash(e), level0Tile.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)));
}
