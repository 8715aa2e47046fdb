import type { AlgFamily } from '../cose/algorithms.js';

/** A COSE_Key as a CBOR map (labels are integers; RFC 9052 section 7). */
export type CoseKeyMap = Map<number, unknown>;

/**
 * A public signature key. `kid` is the key identifier used to select it: the COSE_Key's own `kid` (label 2)
 * when it came with one, otherwise its RFC 9679 thumbprint (always available as `thumbprint`).
 */
export interface PublicKey {
  /** COSE key type: 1 OKP, 2 EC2, 7 AKP. */
  readonly kty: number;
  /** The algorithm id this key signs with: the bound `alg`, or the family default when unbound. */
  readonly alg: number;
  /** True when the key carries an `alg` (label 3) that restricts it to that algorithm (and its alias). */
  readonly algBound: boolean;
  readonly family: AlgFamily;
  readonly kid: Uint8Array;
  /**
   * True when the key came with its own kid (COSE_Key label 2). False when `kid` is only its thumbprint (PEM,
   * a COSE_Key without label 2, a generated key): such a key is tried for a receipt whatever kid the receipt
   * names, since the signer may name its key its own way (spec/receipts.md "Which key").
   */
  readonly kidGiven: boolean;
  /** RFC 9679 COSE Key Thumbprint (SHA-256). */
  readonly thumbprint: Uint8Array;
  /** True when `alg` may be used with this key (same family; ES256/ESP256 and EdDSA/Ed25519 are aliases). */
  supportsAlg(alg: number): boolean;
  /**
   * Verifies `sig` over `data`; false for a wrong or malformed signature.
   * @throws AtlogError ERR_COSE_ALG_MISMATCH when `alg` is given and does not fit this key.
   */
  verify(data: Uint8Array, sig: Uint8Array, alg?: number): boolean;
  /** The public COSE_Key map (kty, kid, alg when bound, key parameters). */
  toCoseKey(): CoseKeyMap;
}

/** A private signature key with its public half. */
export interface PrivateKey {
  readonly kty: number;
  readonly alg: number;
  readonly algBound: boolean;
  readonly family: AlgFamily;
  readonly kid: Uint8Array;
  readonly publicKey: PublicKey;
  supportsAlg(alg: number): boolean;
  /**
   * Signs `data` (ECDSA: raw r||s, IEEE P1363; ML-DSA: hedged, empty context).
   * @throws AtlogError ERR_COSE_ALG_MISMATCH when `alg` is given and does not fit this key.
   */
  sign(data: Uint8Array, alg?: number): Uint8Array;
  /** The private COSE_Key map (public parameters plus `d`, or the AKP seed). */
  toCoseKey(): CoseKeyMap;
}

/** True when `k` is a PrivateKey (has `sign`). */
export function isPrivateKey(k: PublicKey | PrivateKey): k is PrivateKey {
  return typeof (k as PrivateKey).sign === 'function';
}
