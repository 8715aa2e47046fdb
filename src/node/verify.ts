/**
 * `atlog/verify` as Node resolves it (package.json `exports`, condition "node"): the verifier of
 * src/verify/index.ts, unchanged, checking P-256, P-384 and Ed25519 signatures on node:crypto (OpenSSL) instead
 * of pure JS, as `atlog verify` does. A browser bundle resolves the "default" condition and never loads this file.
 */
import { useNodeSignatures } from '../crypto/node/signatures.js';

useNodeSignatures();

export * from '../verify/index.js';
