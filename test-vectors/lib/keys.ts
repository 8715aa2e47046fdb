import { p256, p384 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { algById } from '../../src/cose/algorithms.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { importCoseKey, mldsaFromSeed, type PrivateKey } from '../../src/keys/index.js';

/**
 * Deterministic test keys for the published vectors. Every key derives from SHA-256("atlog test-vectors v1 key
 * <name>"), and every signature is deterministic (RFC 6979 ECDSA and the deterministic ML-DSA variant, both
 * via noble; Ed25519 is deterministic by design), so `npm run vectors` reproduces the files byte for byte.
 * These are TEST keys: they are published with the vectors and protect nothing.
 */

export function seedOf(name: string): Uint8Array {
  return sha256(new TextEncoder().encode(`atlog test-vectors v1 key ${name}`));
}

const ML = { 'ML-DSA-44': ml_dsa44, 'ML-DSA-65': ml_dsa65, 'ML-DSA-87': ml_dsa87 } as const;

/** Wrap `base` so that signing is deterministic; everything else (kid, verify, export) is base's. */
function deterministic(base: PrivateKey, sign: (data: Uint8Array) => Uint8Array): PrivateKey {
  return {
    kty: base.kty,
    alg: base.alg,
    algBound: base.algBound,
    family: base.family,
    kid: base.kid,
    publicKey: base.publicKey,
    supportsAlg: (a: number) => base.supportsAlg(a),
    sign: (data: Uint8Array, alg?: number) => {
      if (alg !== undefined && !base.supportsAlg(alg)) throw new Error(`alg ${alg} does not fit ${base.family}`);
      return sign(data);
    },
    toCoseKey: () => base.toCoseKey(),
  };
}

/** A deterministic private key for `alg` (COSE id), named `name`. */
export function testKey(name: string, alg: number): PrivateKey {
  const info = algById(alg);
  if (!info) throw new Error(`unknown alg ${alg}`);
  const seed = seedOf(name);
  if (info.family === 'P-256' || info.family === 'P-384') {
    const curve = info.family === 'P-256' ? p256 : p384;
    const d = info.family === 'P-256' ? seed : sha384Seed(name);
    const pub = curve.getPublicKey(d, false);
    const n = (pub.length - 1) / 2;
    const base = importCoseKey(
      new Map<number, unknown>([
        [1, 2],
        [3, alg],
        [-1, info.family === 'P-256' ? 1 : 2],
        [-2, pub.slice(1, 1 + n)],
        [-3, pub.slice(1 + n)],
        [-4, d],
      ]),
    ) as PrivateKey;
    // RFC 6979 deterministic ECDSA over SHA-256 / SHA-384 of the message, raw r||s
    return deterministic(base, (data) => curve.sign(data, d, { prehash: true, format: 'compact' }));
  }
  if (info.family === 'Ed25519') {
    return importCoseKey(new Map<number, unknown>([[1, 1], [3, alg], [-1, 6], [-2, ed25519.getPublicKey(seed)], [-4, seed]])) as PrivateKey;
  }
  const suite = ML[info.family];
  const base = mldsaFromSeed(alg, seed);
  const { secretKey } = suite.keygen(seed);
  // FIPS 204 deterministic variant (rnd = 0^32), empty context
  return deterministic(base, (data) => suite.sign(data, secretKey, { extraEntropy: false }));
}

/** P-384 scalars are 48 bytes: extend the seed. */
function sha384Seed(name: string): Uint8Array {
  const a = seedOf(name);
  const b = seedOf(`${name}/2`);
  const out = new Uint8Array(48);
  out.set(a);
  out.set(b.slice(0, 16), 32);
  return out;
}
