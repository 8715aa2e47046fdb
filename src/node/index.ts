/**
 * `atlog` as Node resolves it (package.json `exports`, condition "node"): the API of src/index.ts plus the
 * Node-only half of the SDK (openSession, loadKey, the file queue: src/sdk/node.ts), with P-256, P-384 and
 * Ed25519 signing and verification moved onto node:crypto (OpenSSL, ~30x faster for P-256 verification than the
 * pure-JS default; docs/architecture.md "Signatures"). A browser bundle resolves the
 * "default" condition, src/index.ts itself, and never loads this file.
 */
import { useNodeSignatures } from '../crypto/node/signatures.js';

useNodeSignatures();

export * from '../index.js';
export * from '../sdk/node.js';
