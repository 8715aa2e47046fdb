import { sha256 } from '../crypto/sha256.js';
import { AtlogError } from '../errors.js';
import { concatBytes, toBase64 } from '../util/bytes.js';
import { fromCanonicalBase64, hex32, readU32, utf8 } from './codec.js';

/**
 * C2SP signed-note key names, key IDs, verifier keys (vkeys) and signer keys (skeys). Pure.
 *
 * vkey: `<name>+<hex key ID>+base64(type || public key)` (signed-note "Verifier keys").
 * skey: `PRIVATE+KEY+<name>+<hex key ID>+base64(type || seed)`, the form golang.org/x/mod/sumdb/note and
 * transparency-dev/formats read; the key ID is that of the matching public key.
 */

/** signed-note "Signature types": the assigned identifier bytes atlog uses. */
export const SIG_ED25519 = 0x01;
/** Timestamped Ed25519 checkpoint cosignatures (tlog-cosignature, cosignature/v1). */
export const SIG_COSIGNATURE_ED25519 = 0x04;
/** Timestamped ML-DSA-44 (sub)tree cosignatures (tlog-cosignature, subtree/v1). */
export const SIG_COSIGNATURE_MLDSA44 = 0x06;

/** Public key and seed lengths per signature type atlog supports. */
export const KEY_LENGTHS: Readonly<Record<number, { pub: number; seed: number }>> = {
  [SIG_ED25519]: { pub: 32, seed: 32 },
  [SIG_COSIGNATURE_ED25519]: { pub: 32, seed: 32 },
  [SIG_COSIGNATURE_MLDSA44]: { pub: 1312, seed: 32 },
};

/**
 * signed-note: key names are non-empty and contain no Unicode space (White_Space) and no `+`. atlog also keeps
 * them to 255 UTF-8 bytes, the bound subtree/v1 puts on cosigner names, and free of control characters.
 */
export function isValidKeyName(name: unknown): name is string {
  if (typeof name !== 'string' || name === '' || name.includes('+')) return false;
  if (/[\p{White_Space}\p{Cc}]/u.test(name) || /\p{Cs}/u.test(name)) return false;
  return utf8(name).length <= 255;
}

/**
 * @throws AtlogError `ERR_KEY_NOTE_NAME` when `name` is not a valid key name.
 */
export function assertKeyName(name: unknown): asserts name is string {
  if (!isValidKeyName(name)) throw new AtlogError('ERR_KEY_NOTE_NAME', `not a valid note key name: ${JSON.stringify(String(name)).slice(0, 80)}`);
}

/** signed-note: key ID = SHA-256(name || 0x0A || type || public key)[:4], as a uint32. */
export function keyId(name: string, type: number, publicKey: Uint8Array): number {
  return readU32(sha256(concatBytes(utf8(`${name}\n`), Uint8Array.of(type), publicKey)), 0);
}

/** A parsed verifier key. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly publicKey: Uint8Array;
}

/** A parsed signer key: the seed from which the key pair is derived. */
export interface SignerKey {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly seed: Uint8Array;
}

function checkType(type: number, len: number, field: 'pub' | 'seed', what: string): void {
  const want = KEY_LENGTHS[type];
  if (!want) throw new AtlogError('ERR_KEY_NOTE_UNSUPPORTED', `${what} has signature type 0x${type.toString(16).padStart(2, '0')}, which atlog does not support`);
  if (len !== want[field]) throw new AtlogError('ERR_KEY_NOTE_MALFORMED', `${what} of type 0x${type.toString(16)} must hold ${want[field]} key bytes, got ${len}`);
}

/** `name+keyid+base64`: the base64 may itself hold `+`, so only the first two separate fields. */
function splitKeyBody(s: string, what: string): { name: string; id: number; type: number; key: Uint8Array } {
  const a = s.indexOf('+');
  const b = a < 0 ? -1 : s.indexOf('+', a + 1);
  const name = s.slice(0, a);
  const idHex = s.slice(a + 1, b);
  const b64 = s.slice(b + 1);
  if (a < 0 || b < 0 || !isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(idHex)) {
    throw new AtlogError('ERR_KEY_NOTE_MALFORMED', `${what} is not name+keyid+base64`);
  }
  const raw = fromCanonicalBase64(b64, 'ERR_KEY_NOTE_MALFORMED', `${what} key material`);
  if (raw.length < 2) throw new AtlogError('ERR_KEY_NOTE_MALFORMED', `${what} has no key material`);
  return { name, id: parseInt(idHex!, 16), type: raw[0]!, key: raw.slice(1) };
}

/**
 * Parse a vkey. The key ID must be the one the name, type and key give: a vkey whose ID does not match is
 * refused rather than trusted under either ID.
 * @throws AtlogError `ERR_KEY_NOTE_MALFORMED`, `ERR_KEY_NOTE_UNSUPPORTED` (a type other than 0x01, 0x04, 0x06),
 *   `ERR_KEY_NOTE_ID_MISMATCH`.
 */
export function parseVkey(vkey: string): VerifierKey {
  if (typeof vkey !== 'string') throw new AtlogError('ERR_KEY_NOTE_MALFORMED', 'vkey must be a string');
  const { name, id, type, key } = splitKeyBody(vkey, 'vkey');
  checkType(type, key.length, 'pub', 'vkey');
  if (keyId(name, type, key) !== id) throw new AtlogError('ERR_KEY_NOTE_ID_MISMATCH', `vkey ${name}+${hex32(id)}: the key ID does not match the key`);
  return { name, keyId: id, type, publicKey: key };
}

/** Encode a vkey (the key ID is computed). */
export function formatVkey(name: string, type: number, publicKey: Uint8Array): string {
  assertKeyName(name);
  checkType(type, publicKey.length, 'pub', 'vkey');
  return `${name}+${hex32(keyId(name, type, publicKey))}+${toBase64(concatBytes(Uint8Array.of(type), publicKey))}`;
}

/**
 * Parse an skey. Its key ID cannot be checked without deriving the public key; `signerFromSkey` does that.
 * @throws AtlogError `ERR_KEY_NOTE_MALFORMED`, `ERR_KEY_NOTE_UNSUPPORTED`.
 */
export function parseSkey(skey: string): SignerKey {
  if (typeof skey !== 'string') throw new AtlogError('ERR_KEY_NOTE_MALFORMED', 'skey must be a string');
  if (!skey.startsWith('PRIVATE+KEY+')) throw new AtlogError('ERR_KEY_NOTE_MALFORMED', 'skey does not start with PRIVATE+KEY+');
  const { name, id, type, key } = splitKeyBody(skey.slice('PRIVATE+KEY+'.length), 'skey');
  checkType(type, key.length, 'seed', 'skey');
  return { name, keyId: id, type, seed: key };
}

/** Encode an skey. `keyIdOfPublic` is the key ID of the matching public key. */
export function formatSkey(name: string, type: number, seed: Uint8Array, keyIdOfPublic: number): string {
  assertKeyName(name);
  checkType(type, seed.length, 'seed', 'skey');
  return `PRIVATE+KEY+${name}+${hex32(keyIdOfPublic)}+${toBase64(concatBytes(Uint8Array.of(type), seed))}`;
}
