import { nodeHash } from '../merkle/index.js';
import { equalBytes } from '../util/bytes.js';

/**
 * RFC 9162 section 2.1.4.2 run forward: from the old root and a consistency proof, compute the NEW root.
 * src/merkle's verifyConsistency needs both roots; a consistency receipt carries only the signature over the new
 * root (detached payload), so the verifier has to recompute it before it can check that signature.
 * Returns undefined when the proof does not verify against `oldRoot` or has the wrong length.
 * Sizes are validated by the caller (0 < size1 <= size2).
 */
export function newRootFromConsistencyProof(size1: number, size2: number, proof: readonly Uint8Array[], oldRoot: Uint8Array): Uint8Array | undefined {
  if (size1 === size2) return proof.length === 0 ? oldRoot : undefined; // 2.1.4.2 step 1 (same tree)
  if (proof.length === 0) return undefined;
  let path = [...proof];
  // step 2: if size1 is an exact power of 2, prepend first_hash (the old root)
  if ((size1 & (size1 - 1)) === 0) path = [oldRoot, ...path];
  // step 3
  let fn = size1 - 1;
  let sn = size2 - 1;
  // step 4: while LSB(fn) is set, shift both right
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // step 5
  let fr = path[0]!;
  let sr = path[0]!;
  // step 6
  for (const c of path.slice(1)) {
    if (sn === 0) return undefined; // 6a
    if (fn % 2 === 1 || fn === sn) {
      // 6b
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c); // 6b otherwise
    }
    fn = Math.floor(fn / 2); // 6c
    sn = Math.floor(sn / 2);
  }
  // step 7: sn must be 0 and fr must equal first_hash
  if (sn !== 0 || !equalBytes(fr, oldRoot)) return undefined;
  return sr;
}
