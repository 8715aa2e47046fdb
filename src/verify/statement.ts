import { sameFamily } from '../cose/algorithms.js';
import { VDS_CCF_LEDGER_SHA256 } from '../cose/labels.js';
import { toBeSigned } from '../cose/sign1.js';
import type { PublicKey } from '../keys/index.js';
import { parseReceipt, verifyCcfReceipt, verifyReceipt, type ReceiptVerification } from '../receipts/index.js';
import { verifyCttToken } from '../tsa/ctt.js';
import { equalBytes, toHex } from '../util/bytes.js';
import { embeddedReceipts, hasX509, statementEntryHash, statementFacts, type StatementFacts } from './entry.js';
import { ReportBuilder, type VerificationReport } from './report.js';

/**
 * The offline verifier for one Transparent Statement (docs/auditor.md). Checks, in order: statement structure
 * and headers; issuer signature; leaf; every receipt; every timestamp token; required algorithms. The first
 * failing check decides `failure.code`, later checks still run so the report shows everything.
 */

export interface VerifyStatementOptions {
  /** Signed or Transparent Statement bytes. */
  statement: Uint8Array;
  /** Receipts to check; default: those under label 394 of the statement. */
  receipts?: Uint8Array[];
  /** Trusted service keys (vds 1 receipts). */
  serviceKeys: readonly PublicKey[];
  /** Trusted CCF service keys (vds 2 receipts, opt-in: see spec/receipts.md). */
  ccfKeys?: readonly PublicKey[];
  /** Issuer keys. Without them the statement signature is not checked (see requireIssuerSignature). */
  issuerKeys?: readonly PublicKey[];
  /** Make a missing issuer key a failure (ERR_VERIFY_NO_ISSUER_KEY) instead of a skipped check. */
  requireIssuerSignature?: boolean;
  /** Pinned TSA roots (DER or PEM). When given, every receipt must carry a valid 3161-ctt token. */
  tsaRoots?: ReadonlyArray<Uint8Array | string>;
  /** COSE algs of which at least one verified receipt each must exist (e.g. [-7, -49] for classical and PQ). */
  requireAlgs?: readonly number[];
}

/** A report plus the facts a caller (bundle verifier, CLI) builds on. */
export interface StatementReport extends VerificationReport {
  entryHash?: Uint8Array;
  facts?: StatementFacts;
  receipts: ReceiptVerification[];
}

function issuerSignature(b: ReportBuilder, f: StatementFacts, o: VerifyStatementOptions): void {
  const name = 'statement.signature';
  if (!o.issuerKeys || o.issuerKeys.length === 0) {
    if (o.requireIssuerSignature) b.fail(name, 'ERR_VERIFY_NO_ISSUER_KEY', 'an issuer signature was required but no issuer key was given');
    // Decision (spec/receipts.md, docs/auditor.md): the service verified it at registration; say it was not re-checked.
    else b.skip(name, 'not checked: no issuer key given (the service checked it at registration)');
    return;
  }
  const v = issuerSignatureVerdict(f, o.issuerKeys);
  if (v.ok) b.pass(name, v.detail);
  else b.fail(name, v.code, v.detail);
}

/**
 * The issuer's signature on a statement, checked with the keys given (at least one). Keys whose kid (or
 * thumbprint) matches the statement's kid are preferred; issuers name keys their own way, so otherwise every
 * given key of the statement's algorithm family is tried. Either way the signature decides.
 */
export function issuerSignatureVerdict(
  f: StatementFacts,
  issuerKeys: readonly PublicKey[],
): { ok: true; detail: string } | { ok: false; code: 'ERR_STATEMENT_UNKNOWN_KEY' | 'ERR_STATEMENT_BAD_SIGNATURE'; detail: string } {
  const family = issuerKeys.filter((k) => k.supportsAlg(f.alg));
  const kid = f.kid;
  const byKid = kid ? family.filter((k) => equalBytes(k.kid, kid) || equalBytes(k.thumbprint, kid)) : [];
  const keys = byKid.length > 0 ? byKid : family;
  if (keys.length === 0) return { ok: false, code: 'ERR_STATEMENT_UNKNOWN_KEY', detail: `no issuer key for alg ${f.alg}` };
  const s = f.sign1;
  const tbs = toBeSigned(s.protectedBytes, s.payload!);
  const ok = keys.some((k) => {
    try {
      return k.verify(tbs, s.signature);
    } catch {
      return false;
    }
  });
  if (ok) return { ok: true, detail: `verified (alg ${f.alg}, iss ${f.issuer})` };
  return { ok: false, code: 'ERR_STATEMENT_BAD_SIGNATURE', detail: `signature does not verify with any of ${keys.length} issuer key(s)` };
}

function checkReceipt(r: Uint8Array, entryHash: Uint8Array, o: VerifyStatementOptions): ReceiptVerification {
  const vds = (() => {
    try {
      return parseReceipt(r).vds;
    } catch {
      return undefined; // verifyReceipt reports the structural error with its code
    }
  })();
  if (vds === VDS_CCF_LEDGER_SHA256 && o.ccfKeys && o.ccfKeys.length > 0) return verifyCcfReceipt(r, { entryHash, keys: o.ccfKeys });
  return verifyReceipt(r, { entryHash, keys: o.serviceKeys });
}

function describe(v: ReceiptVerification): string {
  const where = v.vds === 1 ? `leaf ${v.leafIndex} of ${v.treeSize}` : 'CCF ledger';
  return `${where}, root ${toHex(v.root)}, alg ${v.alg}${v.issuer ? `, iss ${v.issuer}` : ''}`;
}

/**
 * Verify a Transparent Statement offline.
 * @returns a report; never throws for bad input (every problem is a failed check with a code).
 */
export async function verifyTransparentStatement(o: VerifyStatementOptions): Promise<StatementReport> {
  const b = new ReportBuilder();
  const out: ReceiptVerification[] = [];
  const f = b.run('statement.decode', () => statementFacts(o.statement), (x) => `iss ${x.issuer}, sub ${x.subject}, alg ${x.alg}${x.kid ? '' : hasX509(x) ? ', x5chain' : ', no kid'}`);
  if (!f) return { ...b.build(), receipts: out };
  issuerSignature(b, f, o);
  const entryHash = statementEntryHash(f.sign1);
  b.pass('statement.entry', `entry hash ${toHex(entryHash)}`);
  const receipts = o.receipts ?? embeddedReceipts(f.sign1);
  if (receipts.length === 0) b.fail('receipts', 'ERR_VERIFY_NO_RECEIPT', 'no receipt given and none under label 394');
  for (const [i, r] of receipts.entries()) {
    const v = b.run(`receipt[${i}].inclusion`, () => checkReceipt(r, entryHash, o), describe);
    if (!v) continue;
    out.push(v);
    await timestamps(b, `receipt[${i}]`, v, o);
  }
  for (const alg of o.requireAlgs ?? []) {
    if (out.some((v) => sameFamily(v.alg, alg))) b.pass(`require.alg(${alg})`, 'a verified receipt uses it');
    else b.fail(`require.alg(${alg})`, 'ERR_VERIFY_MISSING_ALG', `no verified receipt signed with alg ${alg}`);
  }
  return { ...b.build(), entryHash, facts: f, receipts: out };
}

/** RFC 9921 3161-ctt: each token covers SHA-256 of the CBOR-encoded signature bstr (head included). */
async function timestamps(b: ReportBuilder, prefix: string, v: ReceiptVerification, o: VerifyStatementOptions): Promise<void> {
  if (!o.tsaRoots || o.tsaRoots.length === 0) {
    if (v.timestamps.length > 0) b.skip(`${prefix}.timestamp`, `${v.timestamps.length} token(s) present, not checked (no TSA root given)`);
    return;
  }
  if (v.timestamps.length === 0) {
    b.fail(`${prefix}.timestamp`, 'ERR_VERIFY_NO_TIMESTAMP', 'TSA roots were given but the receipt carries no 3161-ctt token (270)');
    return;
  }
  for (const [j, t] of v.timestamps.entries()) {
    await b.runAsync(`${prefix}.timestamp[${j}]`, () => verifyCttToken(t, v.signature, o.tsaRoots!), (x) => `genTime ${x.genTime.toISOString()}${x.tsaName ? ` by ${x.tsaName}` : ''}`);
  }
}
