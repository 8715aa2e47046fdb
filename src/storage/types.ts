/**
 * The storage interfaces the service depends on (docs/architecture.md "Storage"). A driver implements all four
 * roles over one location; `test/storage/contract.ts` is the behaviour every driver must show. One folder per
 * driver: `leveldb/` (the embedded default, spec/log-storage.md) and `memory/` (tests; not durable).
 *
 * Shared rules of every role:
 *  - Writes (an append, a meta batch, a checkpoint) are atomic: after a crash either all of one is there or
 *    none of it. A durable driver resolves a write only once it survives a crash.
 *  - Reads see the committed log: an append's entries become visible no later than when it resolves, never in
 *    part.
 *  - Byte values handed out are the caller's own copies (changing them changes nothing stored).
 *  - After `close()` every call rejects with `ERR_LOG_CLOSED`.
 */

/** A metadata put (a key and its bytes); also what a meta read returns. */
export interface MetaPut {
  /** Non-empty string; keys sort by their UTF-8 bytes. */
  readonly key: string;
  readonly value: Uint8Array;
}

/** What happened to one input entry of `append`. */
export interface AppendedEntry {
  /** Its index in the log: new, or the existing one for a duplicate. */
  readonly index: number;
  /** True when the entry was already in the log or repeats an earlier entry of the same call. */
  readonly duplicate: boolean;
  /** SHA-256 of the entry (the Merkle leaf data). */
  readonly entryHash: Uint8Array;
}

/** A tree size and its RFC 9162 root (MTH). */
export interface TreeHead {
  readonly size: number;
  readonly root: Uint8Array;
}

export interface AppendResult extends TreeHead {
  /** One per input entry, in input order. */
  readonly entries: AppendedEntry[];
}

/** A stored checkpoint (signed tree head bytes, opaque to storage) and its size. */
export interface StoredCheckpoint {
  readonly size: number;
  readonly bytes: Uint8Array;
}

/** Appends to the RFC 9162 log (entries are the registered statement bytes; leaf data = SHA-256(entry)). */
export interface LogAppender {
  /**
   * Appends entries and writes `meta` in the same atomic write. An entry already in the log, or repeated in
   * the call, is not appended again and reports the existing index. Calls take effect in call order.
   * @throws AtlogError `ERR_INVALID_ARGUMENT` (an entry not bytes, a bad meta put), `ERR_LOG_CLOSED`,
   *   `ERR_LOG_FULL`, `ERR_LOG_IO` (the write failed: nothing was appended).
   */
  append(entries: readonly Uint8Array[], meta?: readonly MetaPut[]): Promise<AppendResult>;
}

/** Reads of the committed log: entries, hashes, roots and RFC 9162 proofs. */
export interface LogReader {
  /** Entries in the committed tree. */
  readonly size: number;
  /** The committed tree head (a copy), read synchronously. */
  readonly head: TreeHead;
  /**
   * MTH of the first `size` entries.
   * @throws AtlogError `ERR_MERKLE_BAD_SIZE`, `ERR_LOG_BAD_SIZE` (beyond the log), `ERR_LOG_CLOSED`.
   */
  rootAt(size: number): Promise<Uint8Array>;
  /** The entry bytes at `index`. @throws AtlogError `ERR_LOG_INDEX_OUT_OF_RANGE`, `ERR_MERKLE_BAD_SIZE`. */
  entry(index: number): Promise<Uint8Array>;
  /** SHA-256 of entry `index`. @throws AtlogError `ERR_LOG_INDEX_OUT_OF_RANGE`, `ERR_MERKLE_BAD_SIZE`. */
  entryHash(index: number): Promise<Uint8Array>;
  /**
   * Entry hashes of entries [start, end), in one read.
   * @throws AtlogError `ERR_LOG_BAD_SIZE` (end beyond the log, or start > end), `ERR_MERKLE_BAD_SIZE`.
   */
  entryHashes(start: number, end: number): Promise<Uint8Array[]>;
  /** Index of the entry with this SHA-256, or undefined. @throws AtlogError `ERR_MERKLE_BAD_HASH`. */
  indexOfEntryHash(entryHash: Uint8Array): Promise<number | undefined>;
  /**
   * RFC 9162 inclusion path of entry `index` in the tree of `size` entries (default: the committed size).
   * @throws AtlogError `ERR_LOG_BAD_SIZE`, `ERR_MERKLE_INDEX_OUT_OF_RANGE`, `ERR_MERKLE_BAD_SIZE`.
   */
  inclusionProof(index: number, size?: number): Promise<Uint8Array[]>;
  /** Inclusion paths of many entries in one tree, from one batched read. @throws AtlogError as `inclusionProof`. */
  inclusionProofs(indexes: readonly number[], size?: number): Promise<Uint8Array[][]>;
  /**
   * RFC 9162 consistency proof from `size1` to `size2` (default: the committed size).
   * @throws AtlogError `ERR_LOG_BAD_SIZE`, `ERR_MERKLE_EMPTY_CONSISTENCY`, `ERR_MERKLE_BAD_SIZE`.
   */
  consistencyProof(size1: number, size2?: number): Promise<Uint8Array[]>;
  /**
   * The hashes of the complete subtrees (level, start) ... (level, end - 1), concatenated, 32 bytes each: at
   * level 0 the leaf hashes SHA-256(0x00 || entryHash), at level L the MTH of leaves [i·2^L, (i+1)·2^L). This
   * is a row of a hash tile (C2SP tlog-tiles: level 8·L, 256 wide), read from what the driver stores rather
   * than by recomputing the tree. Every node must lie inside the committed tree.
   * @throws AtlogError `ERR_LOG_BAD_SIZE` (start > end, or (end)·2^level beyond the log), `ERR_MERKLE_BAD_SIZE`.
   */
  nodeHashes(level: number, start: number, end: number): Promise<Uint8Array>;
}

/** The service's string-keyed store: session indexes, operations, tokens, issuers (service/state.ts). */
export interface MetaStore {
  /** The value of `key`, or undefined. @throws AtlogError `ERR_INVALID_ARGUMENT` for an empty key. */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Every key starting with `prefix`, in UTF-8 byte order of the keys, at most `limit`; with `after`, only the
   * keys that sort after it (so a caller pages through a prefix: pass the last key it got).
   */
  range(prefix: string, opts?: { limit?: number; after?: string }): Promise<MetaPut[]>;
  /**
   * Calls `fn` with every key starting with `prefix`, in key order, without reading the values and without
   * holding them all in memory (rebuilding in-memory indexes on open).
   */
  forEachKey(prefix: string, fn: (key: string) => void): Promise<void>;
  /** Writes the puts in one atomic write (a key put twice keeps the last). @throws AtlogError `ERR_INVALID_ARGUMENT`, `ERR_LOG_IO`. */
  put(puts: readonly MetaPut[]): Promise<void>;
}

/** Signed tree heads by tree size; the first one stored for a size is kept forever. */
export interface CheckpointStore {
  /**
   * Stores `bytes` for `size` unless a checkpoint of that size exists, and returns the stored one. `meta` puts
   * are written in the same atomic write, and only when this call stores the checkpoint.
   * @throws AtlogError `ERR_LOG_BAD_SIZE` (beyond the log), `ERR_MERKLE_BAD_SIZE`, `ERR_INVALID_ARGUMENT`, `ERR_LOG_IO`.
   */
  put(size: number, bytes: Uint8Array, meta?: readonly MetaPut[]): Promise<Uint8Array>;
  /** The checkpoint stored for `size`, or undefined. */
  get(size: number): Promise<Uint8Array | undefined>;
  /** The stored checkpoint with the smallest size >= `size`, or undefined. */
  from(size: number): Promise<StoredCheckpoint | undefined>;
  /** The stored checkpoint with the largest size, or undefined. */
  latest(): Promise<StoredCheckpoint | undefined>;
}

/** One open storage location: the four roles over it. */
export interface LogStorage {
  readonly appender: LogAppender;
  readonly reader: LogReader;
  readonly meta: MetaStore;
  readonly checkpoints: CheckpointStore;
  /** Waits for accepted writes, then releases the location. Idempotent. */
  close(): Promise<void>;
}
