import { AtlogError, isAtlogError } from '../errors.js';
import { HEADER_RECEIPTS, HEADER_X5CHAIN, HEADER_X5T } from '../cose/labels.js';
import type { Sign1 } from '../cose/sign1.js';
import { entryHash, parseStatement, registrationEntry, type ParsedStatement } from '../statements/index.js';

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
 * Decode a statement and apply the RFC 9943 header profile (and RFC 9995 rules for Hash Envelopes) through
 * src/statements' parseStatement. A missing kid is tolerated (the published scitt-rfc9162 statements have
 * none): the issuer key is then chosen by algorithm among the keys the auditor supplied.
 * @throws AtlogError ERR_STATEMENT_MALFORMED (not a COSE_Sign1), parseStatement's ERR_STATEMENT_* header codes
 *   (e.g. ERR_STATEMENT_MISSING_CWT, ERR_STATEMENT_MISSING_ISS, ERR_STATEMENT_PAYLOAD_MISSING).
 */
export function statementFacts(bytes: Uint8Array): StatementFacts {
  let p: ParsedStatement;
  try {
    p = parseStatement(bytes, { allowMissingKid: true });
  } catch (e) {
    if (isAtlogError(e) && e.code.startsWith('ERR_STATEMENT_')) throw e;
    throw new AtlogError('ERR_STATEMENT_MALFORMED', 'statement is not a tagged COSE_Sign1', { cause: e });
  }
  return { sign1: p.sign1, alg: p.alg, issuer: p.iss, subject: p.sub, kid: p.kid, contentType: p.contentType };
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
