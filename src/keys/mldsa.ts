import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { ALG_ML_DSA_44, ALG_ML_DSA_65, ALG_ML_DSA_87, algById, type AlgFamily } from '../cose/algorithms.js';
import { KEY_AKP_PRIV, KEY_AKP_PUB, KEY_ALG, KEY_KID, KEY_KTY, KTY_AKP } from '../cose/labels.js';
import { AtlogError } from '../errors.js';
import { equalBytes } from '../util/bytes.js';
import { KeyBase } from './base.js';
import { thumbprint } from './thumbprint.js';
import type { CoseKeyMap, PrivateKey, PublicKey } from './types.js';

/**
 * ML-DSA keys (FIPS 204) in COSE, RFC 9964: kty AKP (7), `-1` pub, `-2` priv = the 32-byte seed, `alg`
 * required. Pure ML-DSA with the empty context string; HashML-DSA is not used. Signing is hedged (noble's
 * default fresh randomness), which FIPS 204 recommends and which verifiers cannot tell apart.
 */

type Suite = typeof ml_dsa44;
/** FIPS 204 parameter sets: public key lengths 1312 / 1952 / 2592 bytes. */
const SUITES: Record<string, { suite: Suite; pubLen: number; alg: number }> = {
  'ML-DSA-44': { suite: ml_dsa44, pubLen: 1312, alg: ALG_ML_DSA_44 },
  'ML-DSA-65': { suite: ml_dsa65, pubLen: 1952, alg: ALG_ML_DSA_65 },
  'ML-DSA-87': { suite: ml_dsa87, pubLen: 2592, alg: ALG_ML_DSA_87 },
};

export const MLDSA_SEED_LEN = 32;

function suiteOf(family: AlgFamily): { suite: Suite; pubLen: number; alg: number } {
  const s = SUITES[family];
  if (!s) throw new AtlogError('ERR_KEY_UNSUPPORTED', `${family} is not an ML-DSA family`);
  return s;
}

function familyOfAlg(alg: unknown): AlgFamily {
  const info = algById(alg);
  if (!info || !info.family.startsWith('ML-DSA')) {
    throw new AtlogError('ERR_KEY_ALG_MISMATCH', `AKP key needs an ML-DSA alg (-48, -49, -50), got ${String(alg)}`);
  }
  return info.family;
}

class MlDsaPublicKey extends KeyBase implements PublicKey {
  readonly kty = KTY_AKP;
  readonly kid: Uint8Array;
  readonly kidGiven: boolean;
  readonly thumbprint: Uint8Array;
  private readonly suite: Suite;

  constructor(
    family: AlgFamily,
    alg: number,
    readonly pub: Uint8Array,
    kid: Uint8Array | undefined,
  ) {
    super(family, alg, true);
    const s = suiteOf(family);
    if (pub.length !== s.pubLen) {
      throw new AtlogError('ERR_KEY_INVALID', `${family} public key must be ${s.pubLen} bytes, got ${pub.length}`);
    }
    this.suite = s.suite;
    this.thumbprint = thumbprint(new Map<number, unknown>([[KEY_KTY, KTY_AKP], [KEY_ALG, alg], [KEY_AKP_PUB, pub]]));
    this.kid = kid ?? this.thumbprint;
    this.kidGiven = kid !== undefined;
  }

  verify(data: Uint8Array, sig: Uint8Array, alg?: number): boolean {
    this.useAlg(alg);
    if (!(sig instanceof Uint8Array) || sig.length !== this.suite.lengths.signature) return false;
    try {
      return this.suite.verify(sig, data, this.pub);
    } catch {
      return false;
    }
  }

  toCoseKey(): CoseKeyMap {
    return new Map<number, unknown>([[KEY_KTY, KTY_AKP], [KEY_KID, this.kid], [KEY_ALG, this.alg], [KEY_AKP_PUB, this.pub]]);
  }
}

class MlDsaPrivateKey extends KeyBase implements PrivateKey {
  readonly kty = KTY_AKP;
  readonly kid: Uint8Array;

  constructor(
    readonly publicKey: MlDsaPublicKey,
    readonly seed: Uint8Array,
    private readonly secretKey: Uint8Array,
    private readonly suite: Suite,
  ) {
    super(publicKey.family, publicKey.alg, true);
    this.kid = publicKey.kid;
  }

  sign(data: Uint8Array, alg?: number): Uint8Array {
    this.useAlg(alg);
    return this.suite.sign(data, this.secretKey);
  }

  toCoseKey(): CoseKeyMap {
    const m = this.publicKey.toCoseKey();
    m.set(KEY_AKP_PRIV, this.seed);
    return m;
  }
}

/**
 * An ML-DSA private key from its 32-byte seed (FIPS 204 ML-DSA.KeyGen_internal(seed)); the expanded secret key
 * is derived once and kept. When `expectedPub` is given it must equal the derived public key.
 * @throws AtlogError ERR_KEY_INVALID (seed length, public key mismatch), ERR_KEY_ALG_MISMATCH (alg).
 */
export function mldsaFromSeed(alg: unknown, seed: unknown, kid?: Uint8Array, expectedPub?: unknown): PrivateKey {
  const family = familyOfAlg(alg);
  if (!(seed instanceof Uint8Array) || seed.length !== MLDSA_SEED_LEN) {
    throw new AtlogError('ERR_KEY_INVALID', 'ML-DSA private key (-2) must be the 32-byte seed');
  }
  const { suite } = suiteOf(family);
  const { publicKey, secretKey } = suite.keygen(seed);
  if (expectedPub !== undefined && (!(expectedPub instanceof Uint8Array) || !equalBytes(expectedPub, publicKey))) {
    throw new AtlogError('ERR_KEY_INVALID', 'ML-DSA public key (-1) does not belong to the seed');
  }
  const pub = new MlDsaPublicKey(family, algById(alg)!.id, publicKey, kid);
  return new MlDsaPrivateKey(pub, seed.slice(), secretKey, suite);
}

/**
 * An ML-DSA public key from an AKP COSE_Key.
 * @throws AtlogError ERR_KEY_INVALID (pub length), ERR_KEY_ALG_MISMATCH (missing or non-ML-DSA alg).
 */
export function mldsaPublicFromCose(m: CoseKeyMap, kid?: Uint8Array): PublicKey {
  const family = familyOfAlg(m.get(KEY_ALG));
  const pub = m.get(KEY_AKP_PUB);
  if (!(pub instanceof Uint8Array)) throw new AtlogError('ERR_KEY_INVALID', 'AKP key lacks pub (-1) as bstr');
  return new MlDsaPublicKey(family, m.get(KEY_ALG) as number, pub, kid);
}

/**
 * An ML-DSA public key from raw bytes (SPKI import), bound to the family's alg.
 * @throws AtlogError ERR_KEY_UNSUPPORTED (not an ML-DSA family), ERR_KEY_INVALID (length).
 */
export function mldsaPublicFromRaw(family: AlgFamily, pub: Uint8Array): PublicKey {
  return new MlDsaPublicKey(family, suiteOf(family).alg, pub, undefined);
}

/** A fresh ML-DSA key from 32 random bytes. */
export function generateMlDsaKey(alg: number): PrivateKey {
  return mldsaFromSeed(alg, crypto.getRandomValues(new Uint8Array(MLDSA_SEED_LEN)));
}

/** The raw public key of an ML-DSA key, or undefined for other keys. */
export function mldsaPublicBytes(k: PublicKey | PrivateKey): Uint8Array | undefined {
  if (k instanceof MlDsaPublicKey) return k.pub;
  if (k instanceof MlDsaPrivateKey) return k.publicKey.pub;
  return undefined;
}

/** The seed of an ML-DSA private key, or undefined for other keys. */
export function mldsaSeed(k: PublicKey | PrivateKey): Uint8Array | undefined {
  return k instanceof MlDsaPrivateKey ? k.seed : undefined;
}
