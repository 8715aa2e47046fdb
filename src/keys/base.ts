import {
  ALG_ES256, ALG_ES384, ALG_EDDSA, ALG_ML_DSA_44, ALG_ML_DSA_65, ALG_ML_DSA_87, algById, type AlgFamily, type AlgInfo,
} from '../cose/algorithms.js';
import { AtlogError } from '../errors.js';

/**
 * The algorithm an unbound key (a COSE_Key or PEM without `alg`) signs with. For P-256 and Ed25519 this is the
 * polymorphic id that deployed verifiers know (ES256 -7, EdDSA -8); both ids and their fully-specified
 * aliases (-9, -19) verify with such a key (STANDARDS.md, "accept both").
 */
export const DEFAULT_ALG: Record<AlgFamily, number> = {
  'P-256': ALG_ES256,
  'P-384': ALG_ES384,
  Ed25519: ALG_EDDSA,
  'ML-DSA-44': ALG_ML_DSA_44,
  'ML-DSA-65': ALG_ML_DSA_65,
  'ML-DSA-87': ALG_ML_DSA_87,
};

/**
 * Resolves the algorithm a key is bound to from an optional COSE `alg` value.
 * @throws AtlogError ERR_KEY_ALG_MISMATCH when `alg` is present but not an algorithm of `family`.
 */
export function bindAlg(family: AlgFamily, alg: unknown): { alg: number; algBound: boolean } {
  if (alg === undefined) return { alg: DEFAULT_ALG[family], algBound: false };
  const info = algById(alg);
  if (!info || info.family !== family) {
    throw new AtlogError('ERR_KEY_ALG_MISMATCH', `key alg ${String(alg)} does not fit a ${family} key`);
  }
  return { alg: info.id, algBound: true };
}

/** Shared alg-binding behaviour of every key class. */
export abstract class KeyBase {
  constructor(
    readonly family: AlgFamily,
    readonly alg: number,
    readonly algBound: boolean,
  ) {}

  supportsAlg(alg: number): boolean {
    const info = algById(alg);
    return info !== undefined && info.family === this.family;
  }

  /**
   * The algorithm to use for one operation.
   * @throws AtlogError ERR_COSE_ALG_MISMATCH when `alg` does not fit this key.
   */
  protected useAlg(alg: number | undefined): AlgInfo {
    const id = alg ?? this.alg;
    const info = algById(id);
    if (!info || info.family !== this.family) {
      throw new AtlogError('ERR_COSE_ALG_MISMATCH', `algorithm ${id} cannot be used with this ${this.family} key`);
    }
    return info;
  }
}
