import { hash } from 'node:crypto';

/**
 * SHA-256 for the node-only log layer via node:crypto (one-shot `crypto.hash`), several times faster than
 * the pure-JS hash on 33- and 65-byte inputs. Same functions as src/merkle/hash.ts (RFC 9162 2.1.1).
 * Results are Buffers (Uint8Array subclasses) to save an allocation per hash on the append path; values
 * handed to callers are copied into plain Uint8Arrays (`copy`).
 */

export function sha256(data: Uint8Array): Uint8Array {
  return hash('sha256', data, 'buffer');
}

/** entryHash = SHA-256(entry) (STANDARDS.md, Decision (leaf)). */
export const entryHashOf = sha256;

// Scratch inputs: crypto.hash reads its input synchronously, so one buffer each can be reused.
const leafInput = new Uint8Array(33); // 0x00 || entryHash
const nodeInput = new Uint8Array(65); // 0x01 || left || right
nodeInput[0] = 1;

/** RFC 9162 leaf hash of an entry hash: SHA-256(0x00 || entryHash). */
export function leafHashOf(entryHash: Uint8Array): Uint8Array {
  leafInput.set(entryHash, 1);
  return hash('sha256', leafInput, 'buffer');
}

/** RFC 9162 interior node: SHA-256(0x01 || left || right). */
export function nodeHashOf(left: Uint8Array, right: Uint8Array): Uint8Array {
  nodeInput.set(left, 1);
  nodeInput.set(right, 33);
  return hash('sha256', nodeInput, 'buffer');
}

/** A plain Uint8Array copy (never a view: Buffer#slice shares memory). */
export function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}
