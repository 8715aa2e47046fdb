import { equalBytes } from '../../util/bytes.js';
import { HASH_PREFIX_BYTES, appendIndex, decodeIndexList, hashIndexKey } from './codec.js';

/** One hash-index key, its current value and whether this batch changed it. */
export interface IndexSlot {
  readonly key: Uint8Array;
  value: Uint8Array | undefined;
  dirty: boolean;
  /** Whether the record may exist in LevelDB (else it certainly does not and is not read). */
  readonly lookup: boolean;
  /**
   * Batch positions of the distinct entries with this prefix: one, or several only for a prefix collision
   * (which takes ~2^64 work to make).
   */
  members: number | number[];
}

/** Map keys: the hash bytes as a latin1 string (native, ~10x cheaper than hex). */
const keyOf = (h: Uint8Array): string => Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('latin1');
const prefixOf = (h: Uint8Array): string => keyOf(h.subarray(0, HASH_PREFIX_BYTES));

/** How one input entry of a batch resolves. */
export type Resolution =
  | { readonly kind: 'new' }
  | { readonly kind: 'existing'; readonly index: number }
  | { readonly kind: 'repeat'; readonly of: number };

/** Storage reads the resolver needs (injected so the logic stays testable). */
export interface DedupReads {
  /** False when no hash-index record for this hash's prefix can exist (see bloom.ts). */
  mightExist(entryHash: Uint8Array): boolean;
  getMany(keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>>;
  entryHashes(indexes: readonly number[]): Promise<Uint8Array[]>;
}

/**
 * Decide for each entry hash of a batch whether it is new, already in the log, or a repeat of an earlier
 * entry of the same batch. The hash index is keyed by the first 16 bytes of the entry hash, so every
 * candidate it lists is confirmed against the full stored entry hash (a prefix collision is not a duplicate).
 * Returns the resolutions and the current hash-index values by key (for the caller to extend).
 */
export async function resolveDuplicates(
  hashes: readonly Uint8Array[],
  reads: DedupReads,
): Promise<{ resolutions: Resolution[]; indexValues: Map<string, IndexSlot>; slots: Array<IndexSlot | undefined> }> {
  const resolutions: Resolution[] = new Array<Resolution>(hashes.length);
  // The hash-index slot of each first occurrence, so later steps need not rebuild its prefix key.
  const slotOf = new Array<IndexSlot | undefined>(hashes.length);
  const indexValues = new Map<string, IndexSlot>();
  const firsts: number[] = [];
  hashes.forEach((h, i) => {
    // Keyed by the 16-byte prefix only: a repeat within the batch shares its slot, and is told apart from a
    // prefix collision by comparing the whole hash with the earlier entries of that slot.
    const kx = prefixOf(h);
    let slot = indexValues.get(kx);
    if (slot === undefined) {
      slot = { key: hashIndexKey(h), value: undefined, dirty: false, lookup: reads.mightExist(h), members: i };
      indexValues.set(kx, slot);
    } else {
      const seen = typeof slot.members === 'number' ? [slot.members] : slot.members;
      const first = seen.find((j) => equalBytes(hashes[j]!, h));
      if (first !== undefined) {
        resolutions[i] = { kind: 'repeat', of: first };
        return;
      }
      slot.members = [...seen, i];
    }
    firsts.push(i);
    slotOf[i] = slot;
  });

  const slots = [...indexValues.values()].filter((s) => s.lookup);
  const values = slots.length === 0 ? [] : await reads.getMany(slots.map((s) => s.key));
  let found = false;
  slots.forEach((s, i) => {
    s.value = values[i];
    if (s.value !== undefined) found = true;
  });

  // Candidates named by the index, confirmed against the stored entry hashes in one batched read.
  const candidates: Array<{ pos: number; index: number }> = [];
  if (found) {
    for (const pos of firsts) {
      const slot = slotOf[pos]!;
      if (slot.value !== undefined) for (const index of decodeIndexList(slot.value)) candidates.push({ pos, index });
    }
  }
  const stored = candidates.length === 0 ? [] : await reads.entryHashes(candidates.map((c) => c.index));
  for (const pos of firsts) resolutions[pos] = { kind: 'new' };
  candidates.forEach((c, i) => {
    if (equalBytes(stored[i]!, hashes[c.pos]!)) resolutions[c.pos] = { kind: 'existing', index: c.index };
  });
  return { resolutions, indexValues, slots: slotOf };
}

/** Record that new entry `index` has hash `h` in the pending hash-index values (marks the slot dirty). */
export function addToIndex(indexValues: Map<string, IndexSlot>, h: Uint8Array, index: number): void {
  addToSlot(indexValues.get(prefixOf(h))!, index);
}

/** Record new entry `index` in its hash-index slot (as returned by `resolveDuplicates`). */
export function addToSlot(slot: IndexSlot, index: number): void {
  slot.value = appendIndex(slot.value, index);
  slot.dirty = true;
}
