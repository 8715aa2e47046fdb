import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/**
 * SHA-256 for the pure core. @noble/hashes runs in any JS runtime, so the offline verifier works in a browser.
 * Hot paths in node-only layers (log storage, service) may use node:crypto directly.
 */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}
