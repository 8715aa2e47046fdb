import { algByName, algById, type AlgName } from '../cose/algorithms.js';
import { AtlogError } from '../errors.js';
import { generateEcKey } from './ec.js';
import { generateMlDsaKey } from './mldsa.js';
import type { PrivateKey } from './types.js';

/**
 * A fresh private key bound to `alg` (a name such as "ESP256", "ES256", "ES384", "Ed25519", "EdDSA",
 * "ML-DSA-44/65/87", or its COSE id). The key's `alg` is exactly the one asked for, so a key generated for
 * ES256 (-7) puts -7 in the headers it signs, one for ESP256 puts -9.
 * @throws AtlogError ERR_COSE_UNKNOWN_ALG for other algorithms.
 */
export function generateKey(alg: AlgName | string | number): PrivateKey {
  const info = typeof alg === 'number' ? algById(alg) : algByName(alg);
  if (!info) throw new AtlogError('ERR_COSE_UNKNOWN_ALG', `unsupported algorithm ${String(alg)}`);
  return info.family.startsWith('ML-DSA') ? generateMlDsaKey(info.id) : generateEcKey(info.family, info.id);
}
