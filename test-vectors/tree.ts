import { inclusionProof, consistencyProof, leafHash, rootFromLeafHashes, type NodeReader } from '../src/merkle/index.js';

/**
 * A small in-memory RFC 9162 tree over entry hashes, for the vector generator, tests and the benchmark. The
 * service's real tree lives in LevelDB (src/log); this only needs to produce the same roots and proofs.
 */
export class MemoryTree {
  readonly leaves: Uint8Array[] = [];

  constructor(entryHashes: readonly Uint8Array[] = []) {
    for (const e of entryHashes) this.append(e);
  }

  /** Appends an entry hash (leaf data) and returns its index. */
  append(entryHash: Uint8Array): number {
    this.leaves.push(leafHash(entryHash));
    return this.leaves.length - 1;
  }

  get size(): number {
    return this.leaves.length;
  }

  rootAt(size = this.size): Uint8Array {
    return rootFromLeafHashes(this.leaves.slice(0, size));
  }

  /** Node hash of the complete subtree [index·2^level, (index+1)·2^level). */
  readonly read: NodeReader = (level, index) => {
    const w = 2 ** level;
    return Promise.resolve(rootFromLeafHashes(this.leaves.slice(index * w, (index + 1) * w)));
  };

  inclusion(leafIndex: number, size = this.size): Promise<Uint8Array[]> {
    return inclusionProof(leafIndex, size, this.read);
  }

  consistency(size1: number, size2 = this.size): Promise<Uint8Array[]> {
    return consistencyProof(size1, size2, this.read);
  }
}
