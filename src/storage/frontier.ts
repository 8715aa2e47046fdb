import { emptyRoot } from '../merkle/hash.js';
import { nodeHashOf } from './hashing.js';

/** One complete subtree on the right edge of the tree. */
interface Edge {
  readonly level: number;
  readonly hash: Uint8Array;
}

/**
 * The right-edge frontier: the complete subtrees that [0, size) splits into, largest first (at most
 * log2(size) + 1). Appending a leaf merges equal-sized neighbours; the root is their right fold
 * (RFC 9162 2.1.1), so neither needs a database read.
 */
export class Frontier {
  private constructor(
    private edges: Edge[],
    private count: number,
  ) {}

  /** Frontier of a tree of `size` leaves from its complete subtrees, left to right (as `rangeNodes(0, size)`). */
  static from(size: number, nodes: ReadonlyArray<{ level: number; hash: Uint8Array }>): Frontier {
    return new Frontier(nodes.map((n) => ({ level: n.level, hash: n.hash })), size);
  }

  get size(): number {
    return this.count;
  }

  clone(): Frontier {
    return new Frontier(this.edges.slice(), this.count);
  }

  /**
   * Append leaf number `size` with this leaf hash; `completed(level, index, hash)` hears of every interior node
   * that becomes complete, in order of level.
   */
  push(leafHash: Uint8Array, completed: (level: number, index: number, hash: Uint8Array) => void): void {
    let h = leafHash;
    let level = 0;
    let index = this.count;
    // Each trailing 1 bit of the leaf index is a complete left sibling on the edge.
    while (index % 2 === 1) {
      const left = this.edges.pop()!;
      h = nodeHashOf(left.hash, h);
      level++;
      index = (index - 1) / 2;
      completed(level, index, h);
    }
    this.edges.push({ level, hash: h });
    this.count++;
  }

  /** MTH of the whole tree: the right fold of the edge. */
  root(): Uint8Array {
    if (this.edges.length === 0) return emptyRoot();
    let r = this.edges[this.edges.length - 1]!.hash;
    for (let i = this.edges.length - 2; i >= 0; i--) r = nodeHashOf(this.edges[i]!.hash, r);
    return r;
  }
}
