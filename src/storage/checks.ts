import { AtlogError } from '../errors.js';
import { assertSize } from '../merkle/validate.js';
import { assertBytes } from '../util/bytes.js';
import type { MetaPut } from './types.js';

/**
 * Argument checks every driver makes the same way, so that bad input fails with the same codes whichever
 * driver is behind the interfaces (types.ts; the contract tests assert them).
 */

/** The error every call rejects with after `close()` (`ERR_LOG_CLOSED`). */
export function closedError(): AtlogError {
  return new AtlogError('ERR_LOG_CLOSED', 'the log store is closed');
}

/** @throws AtlogError `ERR_INVALID_ARGUMENT` unless `entries` is an array of byte strings. */
export function checkEntries(entries: readonly Uint8Array[]): void {
  if (!Array.isArray(entries)) throw new AtlogError('ERR_INVALID_ARGUMENT', 'entries must be an array');
  for (let i = 0; i < entries.length; i++) assertBytes(entries[i], undefined, `entries[${i}]`);
}

/** @throws AtlogError `ERR_INVALID_ARGUMENT` for an empty or non-string meta key. */
export function checkMetaKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new AtlogError('ERR_INVALID_ARGUMENT', 'meta key must be a non-empty string');
}

/** @throws AtlogError `ERR_INVALID_ARGUMENT` unless `meta` is an array of puts with a key and bytes. */
export function checkMetaPuts(meta: readonly MetaPut[]): void {
  if (!Array.isArray(meta)) throw new AtlogError('ERR_INVALID_ARGUMENT', 'meta must be an array');
  for (let i = 0; i < meta.length; i++) {
    const m = meta[i];
    assertBytes(m?.value, undefined, `meta[${i}].value`);
    checkMetaKey(m!.key);
  }
}

/** @throws AtlogError `ERR_MERKLE_BAD_SIZE` (not a size), `ERR_LOG_BAD_SIZE` when beyond the committed `size`. */
export function checkSize(n: number, size: number, name: string): void {
  assertSize(n, name);
  if (n > size) throw new AtlogError('ERR_LOG_BAD_SIZE', `${name} ${n} is beyond the log size ${size}`);
}

/** @throws AtlogError `ERR_MERKLE_BAD_SIZE` (not an index), `ERR_LOG_INDEX_OUT_OF_RANGE` unless below `size`. */
export function checkIndex(i: number, size: number): void {
  assertSize(i, 'index');
  if (i >= size) throw new AtlogError('ERR_LOG_INDEX_OUT_OF_RANGE', `no entry ${i} in a log of ${size}`);
}

/** @throws AtlogError `ERR_MERKLE_BAD_SIZE`, `ERR_LOG_BAD_SIZE` unless 0 <= start <= end <= `size`. */
export function checkRange(start: number, end: number, size: number): void {
  assertSize(start, 'start');
  checkSize(end, size, 'end');
  if (start > end) throw new AtlogError('ERR_LOG_BAD_SIZE', `start ${start} is after end ${end}`);
}

/**
 * Nodes (level, start) ... (level, end - 1) must be complete subtrees of the committed tree of `size` leaves.
 * @throws AtlogError `ERR_MERKLE_BAD_SIZE`, `ERR_LOG_BAD_SIZE`.
 */
export function checkNodeRange(level: number, start: number, end: number, size: number): void {
  assertSize(level, 'level');
  assertSize(start, 'start');
  assertSize(end, 'end');
  if (start > end) throw new AtlogError('ERR_LOG_BAD_SIZE', `start ${start} is after end ${end}`);
  // Sizes are below 2^48, so no level above 48 holds a complete subtree.
  if (end > 0 && (level > 48 || end * 2 ** level > size)) {
    throw new AtlogError('ERR_LOG_BAD_SIZE', `nodes up to ${end} of level ${level} are beyond the log size ${size}`);
  }
}
