import { sha384 as nobleSha384, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { HASH_SHA256, HASH_SHA384, HASH_SHA512 } from '../cose/algorithms.js';
import { AtlogError } from '../errors.js';
import { sha256 } from './sha256.js';

/**
 * The digest of `data` under a COSE hash algorithm id (RFC 9995 payload-hash-alg values: SHA-256 -16,
 * SHA-384 -43, SHA-512 -44). Pure JS (@noble/hashes), browser-safe.
 * @throws AtlogError ERR_HASH_UNSUPPORTED for other ids.
 */
export function digest(hashAlg: number, data: Uint8Array): Uint8Array {
  switch (hashAlg) {
    case HASH_SHA256:
      return sha256(data);
    case HASH_SHA384:
      return nobleSha384(data);
    case HASH_SHA512:
      return nobleSha512(data);
    default:
      throw new AtlogError('ERR_HASH_UNSUPPORTED', `unsupported hash algorithm ${hashAlg}`);
  }
}
