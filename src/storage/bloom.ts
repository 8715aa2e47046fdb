/**
 * An in-memory Bloom filter over the 16-byte hash-index prefixes of entry hashes, so appending a new entry (the common case) needs no LevelDB
 * lookup to rule out a duplicate: measured as the largest remaining per-entry cost of an append. It is rebuilt
 * from the hash index on open and never stored. A "maybe" is confirmed against LevelDB, so false positives
 * cost one read and are harmless; there are no false negatives.
 *
 * The filter holds prefixes, not full hashes: "certainly absent" must also mean "no hash-index record with this
 * key exists", or a new entry would overwrite the index list of a prefix-colliding one. Entry hashes are
 * SHA-256 outputs, so their bytes already are independent uniform values: probe i uses bytes [4i, 4i + 4). The filter grows by adding a filter of twice the capacity once the current
 * one is full (a scalable Bloom filter), keeping ~1% false positives per layer.
 */
const PROBES = 4; // 4 probes x 4 bytes = the 16-byte prefix; ~1.2% false positives at 10 bits per item
const BITS_PER_ITEM = 10;
const FIRST_CAPACITY = 1 << 16;

class Layer {
  readonly bits: Uint32Array;
  readonly mask: number;
  count = 0;
  constructor(readonly capacity: number) {
    // A power-of-two number of bits, so a probe is a mask, not a modulo.
    let nbits = 32;
    while (nbits < capacity * BITS_PER_ITEM) nbits *= 2;
    this.bits = new Uint32Array(nbits / 32);
    this.mask = nbits - 1;
  }

  add(h: Uint8Array): void {
    for (let i = 0; i < PROBES; i++) {
      const bit = probe(h, i) & this.mask;
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
    this.count++;
  }

  has(h: Uint8Array): boolean {
    for (let i = 0; i < PROBES; i++) {
      const bit = probe(h, i) & this.mask;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

function probe(h: Uint8Array, i: number): number {
  const at = 4 * i;
  return ((h[at]! << 24) | (h[at + 1]! << 16) | (h[at + 2]! << 8) | h[at + 3]!) >>> 0;
}

/** Scalable Bloom filter of entry-hash prefixes. Only the first 16 bytes of a hash are read. */
export class EntryFilter {
  private readonly layers: Layer[];

  /** A filter sized for `expected` items before it first grows. */
  constructor(expected = 0) {
    this.layers = [new Layer(Math.max(FIRST_CAPACITY, 2 * expected))];
  }

  /** Add the prefix of an entry hash. Adding for a write that then fails is harmless (a false positive). */
  add(h: Uint8Array): void {
    let top = this.layers[this.layers.length - 1]!;
    if (top.count >= top.capacity) {
      top = new Layer(top.capacity * 2);
      this.layers.push(top);
    }
    top.add(h);
  }

  /** False when the hash was certainly never added. */
  mightContain(h: Uint8Array): boolean {
    for (const l of this.layers) if (l.has(h)) return true;
    return false;
  }
}
