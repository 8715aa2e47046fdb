import { AtlogError } from '../errors.js';
import { HEADER_PAYLOAD_HASH_ALG } from '../cose/labels.js';
import type { AatRecord, Completeness } from '../aat/index.js';
import { verifySignedTreeHead, type DecodedTreeHead } from '../receipts/index.js';
import { equalBytes, toHex } from '../util/bytes.js';
import { decodeBundle, type SessionBundle } from './bundle-format.js';
import { checkSessionRecords, type RecordCheckOptions } from './records.js';
import { ReportBuilder, type VerificationReport } from './report.js';
import { verifyTransparentStatement, type VerifyStatementOptions } from './statement.js';

/**
 * Session bundle verification (spec/bundle.md): the checkpoint, every statement with its receipts, that every
 * statement is in the checkpoint's tree in log order, that each carries an AAT record of this agent and session,
 * then the records themselves (records.ts: the chain, in-record signatures, completeness). Fails closed: a
 * record the verifier cannot read is a failure, and so is a session not proven complete unless allowIncomplete.
 */

export type BundleVerifyOptions = Omit<VerifyStatementOptions, 'statement' | 'receipts'> & RecordCheckOptions;

export interface SessionReport extends VerificationReport {
  agent?: string;
  session?: string;
  /** Records in chain order (only those that could be read). */
  records: AatRecord[];
  /** Lowercase hex entry hash of each statement, in order. */
  entries: string[];
  /** Whether the bundle shows the whole session (inconclusive when its records cannot all be read). */
  completeness?: Completeness;
  checkpoint?: DecodedTreeHead & { root: Uint8Array };
}

const dec = new TextDecoder('utf-8', { fatal: true });

/** The AAT record a statement carries (payload = JCS bytes), checked against the bundle's agent and session. */
function recordOf(payload: Uint8Array | null, prot: Map<unknown, unknown>, iss: string, sub: string, bundle: SessionBundle): AatRecord {
  if (prot.has(HEADER_PAYLOAD_HASH_ALG) || payload === null) {
    throw new AtlogError('ERR_BUNDLE_RECORD_UNAVAILABLE', 'statement is a Hash Envelope: the record itself is not in the bundle');
  }
  let rec: unknown;
  try {
    rec = JSON.parse(dec.decode(payload));
  } catch (e) {
    throw new AtlogError('ERR_BUNDLE_RECORD_UNAVAILABLE', 'statement payload is not a JSON AAT record', { cause: e });
  }
  const r = rec as Partial<AatRecord>;
  if (r.agent_id !== bundle.agent || r.session_id !== bundle.session) {
    throw new AtlogError('ERR_BUNDLE_NOT_IN_SESSION', `record of agent ${String(r.agent_id)} session ${String(r.session_id)} in the bundle of ${bundle.agent} / ${bundle.session}`);
  }
  // STANDARDS.md "Decision (envelope)": iss = agent_id, sub = urn:uuid:<session_id>
  if (iss !== bundle.agent || sub !== `urn:uuid:${bundle.session}`) {
    throw new AtlogError('ERR_BUNDLE_NOT_IN_SESSION', `statement iss ${iss} / sub ${sub} do not name this agent and session`);
  }
  return rec as AatRecord;
}

/**
 * Verify one session bundle offline.
 * @returns a report; never throws for bad input.
 */
export async function verifySessionBundle(bytes: Uint8Array, o: BundleVerifyOptions): Promise<SessionReport> {
  const b = new ReportBuilder();
  const out: SessionReport = { valid: false, checks: b.checks, records: [], entries: [] };
  const bundle = b.run('bundle.decode', () => decodeBundle(bytes), (x) => `agent ${x.agent}, session ${x.session}, ${x.statements.length} statement(s)`);
  if (!bundle) return { ...out, ...b.build() };
  out.agent = bundle.agent;
  out.session = bundle.session;
  const cp = b.run('checkpoint', () => verifySignedTreeHead(bundle.checkpoint, { keys: o.serviceKeys }), (t) => `size ${t.treeSize}, root ${toHex(t.root)}${t.issuer ? `, iss ${t.issuer}` : ''}`);
  if (!cp) return { ...out, ...b.build() };
  out.checkpoint = cp;
  let lastIndex = -1;
  let readable = true;
  for (const [i, st] of bundle.statements.entries()) {
    const r = await verifyTransparentStatement({ ...o, statement: st });
    b.include(`statement[${i}]`, r);
    if (r.entryHash) out.entries.push(toHex(r.entryHash));
    const inCp = r.receipts.find((v) => v.vds === 1 && v.treeSize === cp.treeSize && equalBytes(v.root, cp.root));
    if (inCp) {
      b.pass(`statement[${i}].in-checkpoint`, `leaf ${inCp.leafIndex} of the checkpoint's tree`);
      if (inCp.leafIndex > lastIndex) b.pass(`statement[${i}].order`, 'registered after the previous statement');
      else b.fail(`statement[${i}].order`, 'ERR_BUNDLE_ORDER', `leaf ${inCp.leafIndex} is not after the previous statement's leaf ${lastIndex}`);
      lastIndex = inCp.leafIndex;
    } else if (r.receipts.length > 0) {
      b.fail(`statement[${i}].in-checkpoint`, 'ERR_BUNDLE_NOT_IN_CHECKPOINT', "no verified receipt is against the bundle's checkpoint");
    }
    const f = r.facts;
    const rec = f ? b.run(`statement[${i}].record`, () => recordOf(f.sign1.payload, f.sign1.protected, f.issuer, f.subject, bundle), (x) => `record ${x.record_id} (${x.action_type})`) : undefined;
    if (rec) out.records.push(rec);
    else readable = false;
  }
  if (readable) out.completeness = checkSessionRecords(b, out.records, o);
  else {
    b.fail('session.chain', 'ERR_BUNDLE_RECORD_UNAVAILABLE', 'not every record could be read, so the chain cannot be checked');
    out.completeness = { state: 'inconclusive', detail: 'not every record could be read' };
  }
  return { ...out, ...b.build() };
}
