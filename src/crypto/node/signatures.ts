import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist.js';
import { toBase64Url } from '../../util/bytes.js';
import { FIELD_BYTES, useSignatureBackend, type ClassicFamily, type SignatureBackend } from '../signatures.js';

/**
 * The node:crypto (OpenSSL) signature backend, for Node layers only: the service's verify and signing workers
 * and main thread, and the CLI. Measured on the dev machine (AMD EPYC, Node 20.20, 300-byte message):
 * P-256 verify 15,000/s vs 440/s with @noble/curves, P-384 1,300/s vs 200/s, Ed25519 9,200/s vs 750/s
 * (docs/benchmarks.md "verify"). The pure core never imports this file; src/crypto/signatures.ts fixes the
 * inputs and outputs, so results are the same as noble's (test/keys/backends.test.ts).
 */

const HASH: Readonly<Record<ClassicFamily, string | null>> = { 'P-256': 'sha256', 'P-384': 'sha384', Ed25519: null };
const JWK_CRV: Readonly<Record<ClassicFamily, string>> = { 'P-256': 'P-256', 'P-384': 'P-384', Ed25519: 'Ed25519' };
const ORDER: Readonly<Record<'P-256' | 'P-384', bigint>> = { 'P-256': p256.Point.Fn.ORDER, 'P-384': p384.Point.Fn.ORDER };

// KeyObjects by the identity of the raw key array (the key classes keep one array per key for this).
const publicKeys = new WeakMap<Uint8Array, KeyObject>();
const privateKeys = new WeakMap<Uint8Array, KeyObject>();

function jwk(family: ClassicFamily, publicKey: Uint8Array, d?: Uint8Array): JsonWebKey {
  const n = FIELD_BYTES[family];
  const key: JsonWebKey = family === 'Ed25519'
    ? { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(publicKey) }
    : { kty: 'EC', crv: JWK_CRV[family], x: toBase64Url(publicKey.subarray(1, 1 + n)), y: toBase64Url(publicKey.subarray(1 + n)) };
  if (d) key.d = toBase64Url(d);
  return key;
}

function publicKeyObject(family: ClassicFamily, publicKey: Uint8Array): KeyObject {
  let ko = publicKeys.get(publicKey);
  if (!ko) {
    ko = createPublicKey({ key: jwk(family, publicKey), format: 'jwk' });
    publicKeys.set(publicKey, ko);
  }
  return ko;
}

function privateKeyObject(family: ClassicFamily, secretKey: Uint8Array, publicKey: Uint8Array): KeyObject {
  let ko = privateKeys.get(secretKey);
  if (!ko) {
    ko = createPrivateKey({ key: jwk(family, publicKey, secretKey), format: 'jwk' });
    privateKeys.set(secretKey, ko);
  }
  return ko;
}

/** OpenSSL picks either S; replace a high S by n - S so the output matches noble's low-S form. */
function lowS(family: 'P-256' | 'P-384', sig: Uint8Array): Uint8Array {
  const n = FIELD_BYTES[family];
  let s = 0n;
  for (let i = n; i < 2 * n; i++) s = (s << 8n) | BigInt(sig[i]!);
  const order = ORDER[family];
  if (s <= order >> 1n) return sig;
  let t = order - s;
  for (let i = 2 * n - 1; i >= n; i--, t >>= 8n) sig[i] = Number(t & 0xffn);
  return sig;
}

/** node:crypto as a SignatureBackend (OpenSSL; raw r||s via `dsaEncoding: 'ieee-p1363'`). */
export const nodeBackend: SignatureBackend = {
  name: 'node:crypto',
  verify(family, publicKey, data, sig) {
    return nodeVerify(HASH[family], data, { key: publicKeyObject(family, publicKey), dsaEncoding: 'ieee-p1363' }, sig);
  },
  sign(family, secretKey, publicKey, data) {
    const sig = new Uint8Array(nodeSign(HASH[family], data, { key: privateKeyObject(family, secretKey, publicKey), dsaEncoding: 'ieee-p1363' }));
    return family === 'Ed25519' ? sig : lowS(family, sig);
  },
};

/**
 * Makes this thread sign and verify P-256, P-384 and Ed25519 with node:crypto. Call once at the start of each
 * Node entry point and worker thread (a worker has its own module state); calling again changes nothing.
 */
export function useNodeSignatures(): void {
  useSignatureBackend(nodeBackend);
}
