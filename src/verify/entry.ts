import { AtlogError } from '../errors.js';
import { CWT_ISS, CWT_SUB, HEADER_ALG, HEADER_CWT_CLAIMS, HEADER_KID, HEADER_RECEIPTS, HEADER_X5CHAIN, HEADER_X5T } from '../cose/labels.js';
import { decodeSign1, type Sign1 } from '../cose/sign1.js';
import { entryHash, registrationEntry } from '../statements/index.js';

/**
 * What the verifier needs from a Signed / Transparent Statement: its decoded form, the header facts it reports,
 * its log entry hash and its receipts.
 */

export interface StatementFacts {
  sign1: Sign1;
  alg: number;
  issuer: string;
  subject: string;
  kid: Uint8Array | undefined;
  contentType: unknown;
}

/**
 * Decode a statement and check the RFC 9943 headers the verifier relies on: alg, CWT claims with text iss and
 * sub. A missing kid is tolerated (the published scitt-rfc9162 statements have none): the issuer key is then
 * chosen by algorithm among the keys the auditor supplied.
 * @throws AtlogError ERR_STATEMENT_MALFORMED.
 */
export function statementFacts(bytes: Uint8Array): StatementFacts {
  let sign1: Sign1;
  try {
    sign1 = decodeSign1(bytes);
  } catch (e) {
    throw new AtlogError('ERR_STATEMENT_MALFORMED', 'statement is not a tagged COSE_Sign1', { cause: e });
  }
  const p = sign1.protected;
  const alg = p.get(HEADER_ALG);
  if (typeof alg !== 'number') throw new AtlogError('ERR_STATEMENT_MALFORMED', 'statement has no integer alg (1) in its protected header');
  const cwt = p.get(HEADER_CWT_CLAIMS);
  if (!(cwt instanceof Map)) throw new AtlogError('ERR_STATEMENT_MALFORMED', 'statement has no CWT claims (15) in its protected header');
  const issuer = cwt.get(CWT_ISS);
  const subject = cwt.get(CWT_SUB);
  if (typeof issuer !== 'string' || typeof subject !== 'string') throw new AtlogError('ERR_STATEMENT_MALFORMED', 'CWT claims need text iss (1) and sub (2)');
  if (sign1.payload === null) throw new AtlogError('ERR_STATEMENT_MALFORMED', 'statement payload is detached; the registered statement must carry it');
  const kid = p.get(HEADER_KID);
  return { sign1, alg, issuer, subject, kid: kid instanceof Uint8Array ? kid : undefined, contentType: p.get(3) };
}

/** True when the statement names its key by certificate (x5chain / x5t) rather than kid. */
export function hasX509(f: StatementFacts): boolean {
  return f.sign1.protected.has(HEADER_X5CHAIN) || f.sign1.protected.has(HEADER_X5T);
}

/**
 * STANDARDS.md "Decision (leaf)": the log entry is the statement with its unprotected header replaced by {},
 * the received protected, payload and signature bytes unchanged; the leaf data is SHA-256 of that entry.
 */
export function statementEntryHash(s: Sign1): Uint8Array {
  return entryHash(registrationEntry(s));
}

/** Receipts embedded under label 394 (RFC 9943 Transparent Statement). */
export function embeddedReceipts(s: Sign1): Uint8Array[] {
  const r = s.unprotected.get(HEADER_RECEIPTS);
  return Array.isArray(r) ? (r as Uint8Array[]) : [];
}
