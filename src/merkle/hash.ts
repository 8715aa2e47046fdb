import { sha256 } from '../crypto/sha256.js';
import { assertBytes } from '../util/bytes.js';
import { assertHash } from './validate.js';

const EMPTY_ROOT = sha256(new Uint8Array(0));

/**
 * RFC 9162 2.1.1 leaf hash: SHA-256(0x00 || data). In atlog the data is the entry hash
 * (STANDARDS.md, Decision (leaf)), but any bytes are accepted here.
 * @throws AtlogError `ERR_INVALID_ARGUMENT` when `data` is not bytes.
 */
export function leafHash(data: Uint8Array): Uint8Array {
  assertBytes(data, undefined, 'leaf data');
  const buf = new Uint8Array(data.length + 1);
  buf[0] = 0x00;
  buf.set(data, 1);
  return sha256(buf);
}

/**
 * RFC 9162 2.1.1 interior node hash: SHA-256(0x01 || left || right).
 * @throws AtlogError `ERR_MERKLE_BAD_HASH` when a child is not 32 bytes.
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  assertHash(left, 'left');
  assertHash(right, 'right');
  return nodeHashUnchecked(left, right);
}

/** nodeHash without argument checks, for inner loops whose inputs are already validated. */
export function nodeHashUnchecked(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(65);
  buf[0] = 0x01;
  buf.set(left, 1);
  buf.set(right, 33);
  return sha256(buf);
}

/** RFC 9162 2.1.1: the hash of the empty tree, SHA-256 of the empty string (a fresh copy each call). */
export function emptyRoot(): Uint8Array {
  return EMPTY_ROOT.slice();
}
