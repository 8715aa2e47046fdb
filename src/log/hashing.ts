import { hash } from 'node:crypto';

/**
 * SHA-256 for the node-only log layer via node:crypto (one-shot `crypto.hash`), several times faster than
 * the pure-JS hash on 33- and 65-byte inputs. Same functions as src/merkle/hash.ts (RFC 9162 2.1.1).
 */

export function sha256(data: Uint8Array): Uint8Array {
  const b = hash('sha256', data, 'buffer');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** entryHash = SHA-256(entry) (STANDARDS.md, Decision (leaf)). */
export const entryHashOf = sha256;

/** RFC 9162 leaf hash of an entry hash: SHA-256(0x00 || entryHash). */
export function leafHashOf(entryHash: Uint8Array): Uint8Array {
  const buf = new Uint8Array(33);
  buf.set(entryHash, 1);
  return sha256(buf);
}

/** RFC 9162 interior node: SHA-256(0x01 || left || right). */
export function nodeHashOf(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(65);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 33);
  return sha256(buf);
}
