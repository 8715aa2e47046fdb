/**
 * Storage behind interfaces (docs/architecture.md "Storage"): the roles the service depends on, and one folder
 * per driver. Node only.
 */
export type {
  AppendResult, AppendedEntry, CheckpointStore, LogAppender, LogReader, LogStorage, MetaPut, MetaStore, StoredCheckpoint, TreeHead,
} from './types.js';
export { LevelDbStorage, type LevelDbOptions } from './leveldb/index.js';
export { MemoryStorage, MemoryVolume } from './memory/index.js';
export { EntryFilter } from './bloom.js';
