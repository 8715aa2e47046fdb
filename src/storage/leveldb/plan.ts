import { AtlogError } from '../../errors.js';
import type { EntryFilter } from '../bloom.js';
import { putBundles } from './bundles.js';
import { type IndexSlot, type Resolution, addToSlot } from './dedup.js';
import type { Frontier } from '../frontier.js';
import { copy } from '../hashing.js';
import { STATE_KEY, encodeState } from './codec.js';
import { STRIDE, type Tails } from './tiles.js';
import type { AppendedEntry } from '../types.js';

/** One LevelDB put of a write batch. */
export interface Op {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** The committed tree: size, root, right edge and last tiles. */
export interface TreeState {
  readonly size: number;
  readonly root: Uint8Array;
  readonly frontier: Frontier;
  readonly tails: Tails;
}

/** Indexes are stored as 48-bit integers in the hash index (spec/log-storage.md). */
const MAX_SIZE = 2 ** 48;

/**
 * Plan one append (spec/log-storage.md section 3): assign indexes to the new entries, extend copies of the right
 * edge and the last tiles, and list every put of the batch: entry bundles, hash-index records, tiles, the new
 * state record. `leaves` are the RFC 9162 leaf hashes of `hashes`. `state` is not changed; the caller adopts `next` once the batch is on disk.
 * @throws AtlogError `ERR_LOG_FULL` when the log would exceed 2^48 - 1 entries.
 */
export function planAppend(
  state: TreeState,
  entries: readonly Uint8Array[],
  hashes: readonly Uint8Array[],
  leaves: readonly Uint8Array[],
  resolutions: readonly Resolution[],
  indexValues: Map<string, IndexSlot>,
  slots: ReadonlyArray<IndexSlot | undefined>,
  filter: EntryFilter,
): { ops: Op[]; results: AppendedEntry[]; next: TreeState } {
  const frontier = state.frontier.clone();
  const tails = state.tails.clone();
  const ops: Op[] = [];
  const put = (key: Uint8Array, value: Uint8Array): void => void ops.push({ key, value });
  const results: AppendedEntry[] = [];
  const fresh: Uint8Array[] = [];
  let size = state.size;
  hashes.forEach((h, i) => {
    const r = resolutions[i]!;
    if (r.kind === 'repeat') return void results.push({ ...results[r.of]!, duplicate: true });
    if (r.kind === 'existing') return void results.push({ index: r.index, duplicate: true, entryHash: copy(h) });
    if (size + 1 >= MAX_SIZE) throw new AtlogError('ERR_LOG_FULL', 'the log holds 2^48 - 1 entries');
    const index = size++;
    fresh.push(entries[i]!);
    addToSlot(slots[i]!, index);
    // Adding before the write is durable is safe: a filter entry for a failed write is only a false positive.
    filter.add(h);
    tails.add(0, index, h, put);
    frontier.push(leaves[i]!, (level, idx, hash) => {
      if (level % STRIDE === 0) tails.add(level, idx, hash, put);
    });
    results.push({ index, duplicate: false, entryHash: copy(h) });
  });
  putBundles(state.size, fresh, put);
  // In key order (the map keys are the prefixes as latin1 strings, which compare as the bytes do): LevelDB inserts
  // them into its memtable during the synced write, and sorted inserts walk its skiplist with fewer cache misses.
  const dirty: string[] = [];
  for (const [k, slot] of indexValues) if (slot.dirty) dirty.push(k);
  dirty.sort();
  for (const k of dirty) {
    const slot = indexValues.get(k)!;
    put(slot.key, slot.value!);
  }
  tails.flush(put);
  const root = size === state.size ? state.root : frontier.root();
  if (size !== state.size) put(STATE_KEY, encodeState(size, root));
  return { ops, results, next: { size, root, frontier, tails } };
}
