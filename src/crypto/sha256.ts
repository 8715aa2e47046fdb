import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/**
 * SHA-256 for the pure core. @noble/hashes runs in any JS runtime, so the offline verifier works in a browser.
 * Hot paths in node-only layers (log storage, service) may use node:crypto directly.
 */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** An incremental SHA-256: `update` as data streams in, `digest` once at the end. */
export interface Sha256Hasher {
  update(data: Uint8Array): Sha256Hasher;
  digest(): Uint8Array;
}

/** A new incremental SHA-256 (e.g. a session hash over records that stream past). */
export function createSha256(): Sha256Hasher {
  return nobleSha256.create();
}
