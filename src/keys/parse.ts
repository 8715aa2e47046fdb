import { cborDecode } from '../cose/cbor.js';
import { AtlogError } from '../errors.js';
import { importCoseKey, importCoseKeySet } from './cose-key.js';
import { importPem } from './pem.js';
import type { PrivateKey, PublicKey } from './types.js';

/**
 * Reads a key file, detecting its format: PEM (text starting with "-----BEGIN", after optional whitespace),
 * COSE_KeySet (CBOR array) or COSE_Key (CBOR map). Always returns an array (one element for a single key).
 * @throws AtlogError ERR_KEY_FORMAT when the bytes are none of these; import errors (ERR_KEY_*, ERR_CBOR_*).
 */
export function parseKeyFile(bytes: Uint8Array): (PublicKey | PrivateKey)[] {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x2d) return [importPem(bytes)]; // '-'
  const major = bytes.length > 0 ? bytes[0]! >> 5 : -1;
  if (major === 4) return importCoseKeySet(bytes);
  if (major === 5) return [importCoseKey(cborDecode(bytes, { maxBytes: 1024 * 1024 }) as Map<unknown, unknown>)];
  throw new AtlogError('ERR_KEY_FORMAT', 'key file is neither PEM, COSE_Key nor COSE_KeySet');
}

/**
 * The public keys of a key file (see parseKeyFile), private keys reduced to their public half: what a verifier
 * is given to trust.
 * @throws as parseKeyFile.
 */
export function parsePublicKeys(bytes: Uint8Array): PublicKey[] {
  return parseKeyFile(bytes).map((k) => ('publicKey' in k ? k.publicKey : k));
}
