/** The LevelDB Merkle log (node only). See spec/log-storage.md. */
export { LogStore, type AppendResult, type AppendedEntry, type MetaPut } from './store.js';
export { type LogStoreOptions, resolveLogOptions } from './open.js';
export { EntryFilter } from './bloom.js';
