import { sha256 } from '../../src/crypto/sha256.js';
import { MemoryTree } from '../../test-vectors/tree.js';

export { MemoryTree };

/** Deterministic distinct 32-byte entry hashes. */
export function entries(n: number, tag = 'entry'): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => sha256(new TextEncoder().encode(`${tag} ${i}`)));
}

/** Flip one bit of a copy. */
export function flip(b: Uint8Array, at = 0, bit = 1): Uint8Array {
  const c = new Uint8Array(b);
  c[at] = c[at]! ^ bit;
  return c;
}
