import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';

/**
 * The one signing and verification path for the classical families: ECDSA P-256 with SHA-256, ECDSA P-384
 * with SHA-384 (RFC 9053 2.1: raw `r || s`, IEEE P1363, never DER) and Ed25519 (RFC 8032 pure EdDSA).
 * ML-DSA has a single implementation (@noble/post-quantum, src/keys/mldsa.ts) and does not pass through here.
 *
 * By default this runs on @noble/curves, pure JS, so the offline verifier works in a browser. A Node process
 * may install a faster backend once, with `useSignatureBackend` (src/crypto/node/signatures.ts does it with
 * node:crypto, ~30x faster for P-256 verification; docs/benchmarks.md "verify"). Every caller goes through
 * `verifySignature` and `signMessage`, which fix the input checks and the output form for every backend, so
 * the backend changes the speed and nothing else (test/keys/backends.test.ts signs with each and verifies
 * with the other).
 */

/** The families a backend implements. */
export type ClassicFamily = 'P-256' | 'P-384' | 'Ed25519';

/**
 * A signature implementation. Keys are raw: `publicKey` is the uncompressed SEC1 point (`04 || x || y`) for
 * P-256 / P-384 and the 32-byte encoding for Ed25519; `secretKey` is the scalar `d` (32 / 48 bytes) or the
 * 32-byte Ed25519 seed. A backend may cache per-key state keyed by the identity of these arrays: the key
 * classes pass the same, never-exposed array on every call.
 */
export interface SignatureBackend {
  readonly name: string;
  /**
   * True when `sig` (already checked to be `2 * size` bytes) is valid over `data`. ECDSA: accept high-S
   * (other signers do not normalise it); Ed25519: RFC 8032 5.1.7, S < L, R without a small-order part.
   * May throw for malformed input.
   */
  verify(family: ClassicFamily, publicKey: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean;
  /**
   * A signature over `data` with `secretKey`, whose public key is `publicKey` (a backend may need both).
   * ECDSA: hashes `data`, returns low-S `r || s`, so the output is the same form whatever the backend.
   */
  sign(family: ClassicFamily, secretKey: Uint8Array, publicKey: Uint8Array, data: Uint8Array): Uint8Array;
}

/** Field size in bytes: half the signature length, the length of `x` (and `y`, and `d`). */
export const FIELD_BYTES: Readonly<Record<ClassicFamily, number>> = { 'P-256': 32, 'P-384': 48, Ed25519: 32 };

const ECDSA = { 'P-256': p256, 'P-384': p384 } as const;

/** @noble/curves: the default, and the only backend a browser has. */
export const nobleBackend: SignatureBackend = {
  name: 'noble',
  verify(family, publicKey, data, sig) {
    if (family === 'Ed25519') {
      // noble checks the cofactored equation [8]([S]B - R - [k]A) = 0, OpenSSL the cofactorless [S]B = R + [k]A.
      // With A (checked on key import) and R both in the prime-order subgroup the two are the same; a key
      // holder could otherwise craft an R with a small-order part that only noble accepts.
      if (!ed25519.Point.fromBytes(sig.subarray(0, 32), false).isTorsionFree()) return false;
      // zip215 false: RFC 8032 / FIPS 186-5 decoding (canonical A and R, S < L), as OpenSSL.
      return ed25519.verify(sig, data, publicKey, { zip215: false });
    }
    return ECDSA[family].verify(sig, data, publicKey, { prehash: true, lowS: false, format: 'compact' });
  },
  sign(family, secretKey, _publicKey, data) {
    if (family === 'Ed25519') return ed25519.sign(data, secretKey);
    // RFC 6979 deterministic nonces: the same key and message give the same signature, which the published
    // vectors rely on (test-vectors/README.md; AAT record signatures). node:crypto's nonces are random; a
    // verifier cannot tell the two apart.
    return ECDSA[family].sign(data, secretKey, { prehash: true, lowS: true, format: 'compact', extraEntropy: false });
  },
};

let backend: SignatureBackend = nobleBackend;

/**
 * Installs the backend every later `verifySignature` and `signMessage` in this thread uses; `undefined`
 * restores @noble/curves. Node layers call it once at start-up (src/crypto/node/signatures.ts).
 */
export function useSignatureBackend(b: SignatureBackend | undefined): void {
  backend = b ?? nobleBackend;
}

/** The backend in use (its `name` is "noble" unless a Node layer installed another). */
export function signatureBackend(): SignatureBackend {
  return backend;
}

/**
 * True when `sig` is a valid signature by `publicKey` over `data`; false for a wrong, malformed or
 * wrong-length signature (a DER ECDSA signature is not a COSE signature). Never throws.
 */
export function verifySignature(family: ClassicFamily, publicKey: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean {
  if (!(sig instanceof Uint8Array) || sig.length !== 2 * FIELD_BYTES[family]) return false;
  try {
    return backend.verify(family, publicKey, data, sig) === true;
  } catch {
    return false;
  }
}

/**
 * Signs `data` with the installed backend: ECDSA low-S `r || s`, or the 64-byte Ed25519 signature.
 * `publicKey` must be the public key of `secretKey` (the key classes and AAT signing derive it once).
 */
export function signMessage(family: ClassicFamily, secretKey: Uint8Array, publicKey: Uint8Array, data: Uint8Array): Uint8Array {
  return backend.sign(family, secretKey, publicKey, data);
}
