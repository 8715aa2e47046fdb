/**
 * Integer helpers for tree sizes up to 2^53 - 1. JavaScript bit operators work on 32 bits, so these use
 * arithmetic above 2^31 and the fast bit path below it.
 */

const TWO_31 = 2 ** 31;

/** Largest power of two strictly less than `n` (RFC 9162 2.1.1: the split point k); `n` must be >= 2. */
export function splitPoint(n: number): number {
  if (n <= TWO_31) return 1 << (31 - Math.clz32(n - 1));
  let k = TWO_31;
  while (k * 2 < n) k *= 2;
  return k;
}

/** True when `n` is a power of two (n >= 1). */
export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && splitPoint(n + 1) === n;
}

/** Least significant bit of a non-negative integer. */
export function lsb(n: number): boolean {
  return n % 2 === 1;
}

/** Right shift by one of a non-negative integer. */
export function half(n: number): number {
  return n < TWO_31 ? n >>> 1 : Math.floor(n / 2);
}
