import { AtlogError } from '../../errors.js';
import { entryKey } from './codec.js';

/**
 * Entries are stored in bundles (spec/log-storage.md "Entries"): one LevelDB record per run of up to
 * BUNDLE_MAX_ENTRIES consecutive entries of one append (fewer once BUNDLE_MAX_BYTES is reached), keyed by the
 * index of its first entry. This cuts the records written per entry (the main cost of a LevelDB batch) and
 * their key overhead; a bundle is never rewritten. A read seeks to the last bundle key <= the index.
 */
export const BUNDLE_MAX_ENTRIES = 16;
export const BUNDLE_MAX_BYTES = 64 * 1024;

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** Encode entries as LEB128(length) || bytes, one after another. */
export function encodeBundle(entries: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const e of entries) n += varintLength(e.length) + e.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const e of entries) {
    at = writeVarint(out, at, e.length);
    out.set(e, at);
    at += e.length;
  }
  return out;
}

/**
 * The `k`-th entry of a bundle (a copy).
 * @throws AtlogError `ERR_LOG_CORRUPT` when the bundle is truncated or holds fewer than k + 1 entries.
 */
export function bundleEntry(bundle: Uint8Array, k: number): Uint8Array {
  let at = 0;
  for (let i = 0; at < bundle.length; i++) {
    let len = 0;
    let mul = 1;
    for (;;) {
      const b = bundle[at++];
      if (b === undefined || mul > 2 ** 35) throw new AtlogError('ERR_LOG_CORRUPT', 'entry bundle has a bad length');
      len += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) break;
    }
    if (at + len > bundle.length) throw new AtlogError('ERR_LOG_CORRUPT', 'entry bundle is truncated');
    if (i === k) return new Uint8Array(bundle.subarray(at, at + len)); // a plain copy
    at += len;
  }
  throw new AtlogError('ERR_LOG_CORRUPT', `entry bundle holds no entry ${k}`);
}

/**
 * Split the new entries of one append (first index `first`) into bundles and hand each to `put`.
 */
export function putBundles(first: number, entries: readonly Uint8Array[], put: (key: Uint8Array, value: Uint8Array) => void): void {
  let start = 0;
  while (start < entries.length) {
    let end = start;
    let bytes = 0;
    while (end < entries.length && end - start < BUNDLE_MAX_ENTRIES && (end === start || bytes + entries[end]!.length <= BUNDLE_MAX_BYTES)) {
      bytes += entries[end]!.length;
      end++;
    }
    put(entryKey(first + start), encodeBundle(entries.slice(start, end)));
    start = end;
  }
}
