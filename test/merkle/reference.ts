import { createHash } from 'node:crypto';

/**
 * Naive RFC 9162 2.1 reference, written straight from the recursive definitions MTH, PATH, PROOF and
 * SUBPROOF. D[k:n] is written as the leaf range (lo + k, hi) instead of an array slice so that huge trees can be
 * described by an oracle. Independent of src/merkle: own hashing via node:crypto, own split point.
 */

export const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** The largest power of two smaller than n (n > 1), RFC 9162 2.1.1. */
const k = (n: number): number => {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
};

const isPow2 = (n: number): boolean => {
  let p = 1;
  while (p < n) p *= 2;
  return p === n;
};

export const refLeaf = (d: Uint8Array): Uint8Array => sha(Uint8Array.of(0), d);
export const refNode = (l: Uint8Array, r: Uint8Array): Uint8Array => sha(Uint8Array.of(1), l, r);

/** A tree described by its leaf hashes, optionally with a shortcut for complete aligned subtrees. */
export class RefTree {
  private readonly memo = new Map<string, Uint8Array>();
  constructor(
    private readonly leafHashAt: (i: number) => Uint8Array,
    private readonly complete?: (level: number, index: number) => Uint8Array,
  ) {}

  /** MTH(D[lo:hi]) of 2.1.1. */
  mth(lo: number, hi: number): Uint8Array {
    const n = hi - lo;
    if (n === 0) return sha();
    if (n === 1) return this.leafHashAt(lo);
    if (this.complete && isPow2(n) && lo % n === 0) return this.complete(Math.round(Math.log2(n)), lo / n);
    const key = `${lo}:${hi}`;
    let h = this.memo.get(key);
    if (h === undefined) {
      const s = k(n);
      h = refNode(this.mth(lo, lo + s), this.mth(lo + s, hi));
      this.memo.set(key, h);
    }
    return h;
  }

  /** PATH(m, D[lo:hi]) of 2.1.3.1, m relative to lo. */
  path(m: number, lo: number, hi: number): Uint8Array[] {
    const n = hi - lo;
    if (n <= 1) return [];
    const s = k(n);
    if (m < s) return [...this.path(m, lo, lo + s), this.mth(lo + s, hi)];
    return [...this.path(m - s, lo + s, hi), this.mth(lo, lo + s)];
  }

  /** SUBPROOF(m, D[lo:hi], b) of 2.1.4.1, m relative to lo. */
  subproof(m: number, lo: number, hi: number, b: boolean): Uint8Array[] {
    const n = hi - lo;
    if (m === n) return b ? [] : [this.mth(lo, hi)];
    const s = k(n);
    if (m <= s) return [...this.subproof(m, lo, lo + s, b), this.mth(lo + s, hi)];
    return [...this.subproof(m - s, lo + s, hi, false), this.mth(lo, lo + s)];
  }

  /** PROOF(m, D[n]) of 2.1.4.1. */
  proof(m: number, n: number): Uint8Array[] {
    return this.subproof(m, 0, n, true);
  }
}

/** Deterministic leaf data for tests. */
export function leafData(i: number, seed = 0): Uint8Array {
  return new TextEncoder().encode(`leaf-${seed}-${i}`);
}

/**
 * A huge tree whose leaves are all equal except a few marked ones, so any complete subtree hash is computable
 * in O(level): unmarked subtrees of a level all share one hash. Used for sizes up to 2^53 - 1.
 */
export class MarkedTree {
  private readonly plain: Uint8Array[] = [];
  private readonly memo = new Map<string, Uint8Array>();
  readonly ref: RefTree;
  constructor(private readonly marked: readonly number[]) {
    this.ref = new RefTree((i) => this.leaf(i), (l, i) => this.node(l, i));
  }

  leaf(i: number): Uint8Array {
    return this.marked.includes(i) ? refLeaf(leafData(i, 7)) : this.plainAt(0);
  }

  private plainAt(level: number): Uint8Array {
    while (this.plain.length <= level) {
      const below = this.plain[this.plain.length - 1];
      this.plain.push(below === undefined ? refLeaf(new Uint8Array(0)) : refNode(below, below));
    }
    return this.plain[level]!;
  }

  /** Hash of the complete subtree at (level, index). */
  node(level: number, index: number): Uint8Array {
    if (level === 0) return this.leaf(index);
    const width = 2 ** level;
    const lo = index * width;
    if (!this.marked.some((m) => m >= lo && m < lo + width)) return this.plainAt(level);
    const key = `${level}:${index}`;
    let h = this.memo.get(key);
    if (h === undefined) {
      h = refNode(this.node(level - 1, 2 * index), this.node(level - 1, 2 * index + 1));
      this.memo.set(key, h);
    }
    return h;
  }
}
