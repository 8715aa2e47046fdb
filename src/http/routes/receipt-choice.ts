import { httpError } from '../problems.js';

/**
 * Which of an entry's receipts a GET returns. The service issues the P-256 receipt first and the
 * ML-DSA-65 one second (STANDARDS.md Decision (algorithms)); `?alg=` picks one, the default is the first,
 * the one every deployed SCRAPI client can verify.
 */
const BY_NAME: Readonly<Record<string, number>> = { es256: 0, esp256: 0, 'ml-dsa-65': 1, mldsa65: 1 };

/**
 * Position of the requested receipt.
 * @throws AtlogError ERR_HTTP_MALFORMED for an unknown `alg` value.
 */
export function receiptIndex(alg: unknown): number {
  if (alg === undefined) return 0;
  const i = typeof alg === 'string' ? BY_NAME[alg.toLowerCase()] : undefined;
  if (i === undefined) throw httpError('ERR_HTTP_MALFORMED', 'alg must be ES256, ESP256 or ML-DSA-65');
  return i;
}

/**
 * Picks the receipt at `index`.
 * @throws AtlogError ERR_HTTP_NOT_FOUND when the service did not issue that receipt.
 */
export function pickReceipt(receipts: readonly Uint8Array[], index: number): Uint8Array {
  const r = receipts[index];
  if (r === undefined) throw httpError('ERR_HTTP_NOT_FOUND', 'the service issued no receipt with that algorithm');
  return r;
}
