/** The offline queue on disk (Node only): the file queue and `syncQueue` behind `atlog sync`. */
export { FileQueue, FileSessionQueue, queueFiles } from './file-queue.js';
export { syncQueue, type SyncResult } from './sync.js';
