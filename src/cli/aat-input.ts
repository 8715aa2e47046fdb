import { KEY_CRV, KEY_KTY, KEY_X, KEY_Y, KTY_EC2 } from '../cose/labels.js';
import { isAtlogError } from '../errors.js';
import { parseKeyFile } from '../keys/index.js';
import { toBase64Url } from '../util/bytes.js';
import { parseAatRecords, recordKey, type RecordKey } from '../verify/index.js';
import type { EcJwk } from '../aat/index.js';

/**
 * The files of `atlog verify --aat` (docs/auditor.md): the records, and the record keys for in-record
 * signatures. Problems are reported as `CannotEvaluate` (the CLI's "cannot evaluate", exit 2).
 */

/** An input the verifier cannot evaluate: exit 2. */
export class CannotEvaluate extends Error {}

const dec = new TextDecoder('utf-8', { fatal: true });
const P256 = 1; // COSE crv P-256 (RFC 9053)

/** The records of an AAT file (JSON array or JSON Lines). @throws CannotEvaluate for text that is neither. */
export function aatRecordsFrom(bytes: Uint8Array, file: string): unknown[] {
  let text: string;
  try {
    text = dec.decode(bytes);
  } catch {
    throw new CannotEvaluate(`${file} is not UTF-8 text`);
  }
  let records: unknown[];
  try {
    records = parseAatRecords(text);
  } catch (e) {
    throw new CannotEvaluate(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (records.length === 0) throw new CannotEvaluate(`${file} holds no records`);
  return records;
}

function jwksFrom(json: unknown): Array<EcJwk & { kid?: unknown }> | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const keys = (json as { keys?: unknown }).keys;
  if (Array.isArray(keys)) return keys as Array<EcJwk & { kid?: unknown }>; // a JWK Set (RFC 7517 Section 5)
  return 'kty' in json ? [json as EcJwk & { kid?: unknown }] : undefined;
}

/** A P-256 JWK from a key file atlog already reads (PEM SPKI or private key, COSE_Key, COSE_KeySet). */
function coseJwks(bytes: Uint8Array): EcJwk[] {
  return parseKeyFile(bytes).map((k) => {
    const m = ('publicKey' in k ? k.publicKey : k).toCoseKey();
    const x = m.get(KEY_X);
    const y = m.get(KEY_Y);
    if (m.get(KEY_KTY) !== KTY_EC2 || m.get(KEY_CRV) !== P256 || !(x instanceof Uint8Array) || !(y instanceof Uint8Array)) {
      throw new CannotEvaluate('not a P-256 key (in-record signatures are ES256)');
    }
    return { kty: 'EC', crv: 'P-256', x: toBase64Url(x), y: toBase64Url(y) };
  });
}

/**
 * The record keys in one file: a JWK, a JWK Set, or a PEM / COSE_Key file (public or private: only the public
 * half is used). @throws CannotEvaluate when the file holds no usable P-256 key.
 */
export function recordKeysFrom(bytes: Uint8Array, file: string): RecordKey[] {
  let json: unknown;
  try {
    json = JSON.parse(dec.decode(bytes));
  } catch {
    json = undefined; // not JSON: PEM or CBOR
  }
  try {
    const jwks = jwksFrom(json) ?? (json === undefined ? coseJwks(bytes) : undefined);
    if (!jwks || jwks.length === 0) throw new CannotEvaluate('no JWK in it');
    return jwks.map((j) => recordKey(j));
  } catch (e) {
    const why = e instanceof CannotEvaluate ? e.message : isAtlogError(e) ? `${e.code}: ${e.message}` : String(e);
    throw new CannotEvaluate(`record key ${file} is not a P-256 JWK, JWK Set or PEM/COSE public key (${why})`);
  }
}
