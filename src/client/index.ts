/** SCRAPI client over fetch (docs/api.md "Client"): registration with polling, receipts, keys, log views. */
export { createClient, type Checkpoint, type IssuerView, type KeySet, type ReceiptOptions, type TransparencyClient } from './client.js';
export type { CallOptions, ClientOptions, FetchLike } from './options.js';
export { decodeProblem, type DecodedProblem } from './problem.js';
export type { Registration } from './register.js';
export type { AgentSession, CheckpointPageOptions, PageCheckpoint, PageEntry, PageOptions, SessionPageOptions } from './pages.js';
export { createTlogClient, type TlogClient } from './tlog.js';
export { submitCheckpoint, type AddCheckpointAnswer, type SubmitOptions } from './witness.js';
