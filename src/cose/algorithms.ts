import { AtlogError } from '../errors.js';

/**
 * Signature algorithm identifiers (IANA "COSE Algorithms"; STANDARDS.md). ESP256 (-9) and Ed25519 (-19) are
 * the fully-specified ids of RFC 9864; ES256 (-7) and EdDSA (-8) are their deprecated polymorphic aliases,
 * accepted on input and, for ES256, still emitted by default for the service's receipts (STANDARDS.md,
 * Decision (algorithms)).
 */
export const ALG_ESP256 = -9;
export const ALG_ES256 = -7;
export const ALG_ED25519 = -19;
export const ALG_EDDSA = -8;
export const ALG_ES384 = -35;
export const ALG_ML_DSA_44 = -48;
export const ALG_ML_DSA_65 = -49;
export const ALG_ML_DSA_87 = -50;

/** RFC 9995 payload hash algorithms (IANA COSE Algorithms): SHA-256, SHA-384, SHA-512. */
export const HASH_SHA256 = -16;
export const HASH_SHA384 = -43;
export const HASH_SHA512 = -44;
export type HashAlg = typeof HASH_SHA256 | typeof HASH_SHA384 | typeof HASH_SHA512;

/** Algorithm names accepted by `generateKey` and the CLI. */
export type AlgName = 'ESP256' | 'ES256' | 'ES384' | 'Ed25519' | 'EdDSA' | 'ML-DSA-44' | 'ML-DSA-65' | 'ML-DSA-87';

/** The signing family an algorithm belongs to; a key of one family can only use algs of that family. */
export type AlgFamily = 'P-256' | 'P-384' | 'Ed25519' | 'ML-DSA-44' | 'ML-DSA-65' | 'ML-DSA-87';

export interface AlgInfo {
  id: number;
  name: AlgName;
  family: AlgFamily;
  /** Exact signature length in bytes (ECDSA: raw r||s, IEEE P1363). */
  sigLen: number;
}

const TABLE: readonly AlgInfo[] = [
  { id: ALG_ESP256, name: 'ESP256', family: 'P-256', sigLen: 64 },
  { id: ALG_ES256, name: 'ES256', family: 'P-256', sigLen: 64 },
  { id: ALG_ES384, name: 'ES384', family: 'P-384', sigLen: 96 },
  { id: ALG_ED25519, name: 'Ed25519', family: 'Ed25519', sigLen: 64 },
  { id: ALG_EDDSA, name: 'EdDSA', family: 'Ed25519', sigLen: 64 },
  { id: ALG_ML_DSA_44, name: 'ML-DSA-44', family: 'ML-DSA-44', sigLen: 2420 },
  { id: ALG_ML_DSA_65, name: 'ML-DSA-65', family: 'ML-DSA-65', sigLen: 3309 },
  { id: ALG_ML_DSA_87, name: 'ML-DSA-87', family: 'ML-DSA-87', sigLen: 4627 },
];

const BY_ID = new Map(TABLE.map((a) => [a.id, a]));
const BY_NAME = new Map(TABLE.map((a) => [a.name.toUpperCase(), a]));

/** The algorithm with COSE id `id`, or undefined when atlog does not support it. */
export function algById(id: unknown): AlgInfo | undefined {
  return typeof id === 'number' ? BY_ID.get(id) : undefined;
}

/**
 * The algorithm with COSE id `id`.
 * @throws AtlogError ERR_COSE_UNKNOWN_ALG when the id is not one of the supported signature algorithms.
 */
export function requireAlg(id: unknown): AlgInfo {
  const a = algById(id);
  if (!a) throw new AtlogError('ERR_COSE_UNKNOWN_ALG', `unsupported COSE algorithm ${String(id)}`);
  return a;
}

/**
 * The algorithm named `name` (case-insensitive: ESP256, ES256, ES384, Ed25519, EdDSA, ML-DSA-44/65/87).
 * @throws AtlogError ERR_COSE_UNKNOWN_ALG for other names.
 */
export function algByName(name: string): AlgInfo {
  const a = BY_NAME.get(name.toUpperCase());
  if (!a) throw new AtlogError('ERR_COSE_UNKNOWN_ALG', `unsupported algorithm name ${name}`);
  return a;
}

/** True when both ids are supported and belong to the same family (e.g. -7 and -9). */
export function sameFamily(a: number, b: number): boolean {
  const x = algById(a);
  const y = algById(b);
  return x !== undefined && y !== undefined && x.family === y.family;
}

/** Digest length in bytes of a RFC 9995 payload hash algorithm, or undefined when unsupported. */
export function hashAlgLength(alg: unknown): number | undefined {
  return alg === HASH_SHA256 ? 32 : alg === HASH_SHA384 ? 48 : alg === HASH_SHA512 ? 64 : undefined;
}
