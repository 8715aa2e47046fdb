/**
 * The Node-only half of the agent SDK: sessions opened from files (keys, policy, service keys), the durable file
 * queue and `syncQueue`. Exported from `atlog` under Node only (src/node/index.ts); a browser bundle gets the
 * pure half (src/sdk/index.ts: createSession with keys and a queue passed in).
 */
export { openSession, loadKey, loadPolicy, loadPublicKeys, type OpenSessionOptions } from './open.js';
export { FileQueue, syncQueue, type SyncResult } from './queue/index.js';
