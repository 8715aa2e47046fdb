import { createHash } from 'node:crypto';

/**
 * Naive RFC 9162 2.1 reference, written straight from the recursive definitions (MTH, PATH, PROOF,
 * SUBPROOF) over the leaf data. Independent of src/merkle (own hashing via node:crypto), slow on purpose.
 */

const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

const k = (n: number): number => {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
};

export const refLeaf = (d: Uint8Array): Uint8Array => sha(Uint8Array.of(0), d);
export const refNode = (l: Uint8Array, r: Uint8Array): Uint8Array => sha(Uint8Array.of(1), l, r);

/** MTH(D[n]) of 2.1.1. */
export function MTH(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha();
  if (d.length === 1) return refLeaf(d[0]!);
  const s = k(d.length);
  return refNode(MTH(d.slice(0, s)), MTH(d.slice(s)));
}

/** PATH(m, D[n]) of 2.1.3.1. */
export function PATH(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const s = k(d.length);
  if (m < s) return [...PATH(m, d.slice(0, s)), MTH(d.slice(s))];
  return [...PATH(m - s, d.slice(s)), MTH(d.slice(0, s))];
}

/** SUBPROOF(m, D[n], b) of 2.1.4.1. */
export function SUBPROOF(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = d.length;
  if (m === n) return b ? [] : [MTH(d)];
  const s = k(n);
  if (m <= s) return [...SUBPROOF(m, d.slice(0, s), b), MTH(d.slice(s))];
  return [...SUBPROOF(m - s, d.slice(s), false), MTH(d.slice(0, s))];
}

/** PROOF(m, D[n]) of 2.1.4.1. */
export function PROOF(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  return SUBPROOF(m, d, true);
}

/** Deterministic leaf data for tests. */
export function leaves(n: number, seed = 0): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => new TextEncoder().encode(`leaf-${seed}-${i}`));
}
