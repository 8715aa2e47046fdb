import { recordErrors, type AatRecord } from '../aat/index.js';
import { HEADER_PAYLOAD_HASH_ALG, HEADER_PREIMAGE_CONTENT_TYPE } from '../cose/labels.js';
import { isAtlogError, type AtlogErrorCode } from '../errors.js';
import type { PublicKey } from '../keys/index.js';
import { verifyReceipt } from '../receipts/index.js';
import { AAT_CONTENT_TYPE } from '../statements/index.js';
import { equalBytes, toHex } from '../util/bytes.js';
import { embeddedReceipts, statementEntryHash, statementFacts, type StatementFacts } from '../verify/entry.js';
import { signatureVerdict, type RecordKey } from '../verify/records.js';
import { issuerSignatureVerdict } from '../verify/statement.js';
import { verifyToken, type CurrentCheckpoint } from './checkpoints.js';
import type { CheckName, CheckTally } from './checks.js';
import type { EntryItem, Selection } from './evidence.js';
import type { AuditFinding } from './types.js';

/**
 * One entry item at a time: its place (order, selection), the statement, its receipts against the checkpoint
 * item before it, and the AAT record it carries. Keeps only the last index and the next expected one.
 */

export interface EntryOptions {
  selection: Selection;
  serviceKeys: readonly PublicKey[];
  issuerKeys: readonly PublicKey[] | undefined;
  tsaRoots: ReadonlyArray<Uint8Array | string> | undefined;
  recordKeys: readonly RecordKey[];
  requireRecordSignatures: boolean;
  draft: number | undefined;
}

/** What the sessions need of an entry. */
export interface EntryOutcome {
  index: number;
  kind: 'aat' | 'hash-envelope' | 'other' | 'unreadable';
  /** The record, when the statement carries a valid one in the clear. */
  record?: AatRecord;
  /** agent and session of an AAT statement (from the record, else from iss and sub). */
  session?: { agent: string; session: string };
  /** Lowercase hex entry hash. */
  entry?: string;
  /** Failures at this entry (they count against its session). */
  findings: AuditFinding[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const SUB_PREFIX = 'urn:uuid:';

export class EntryAuditor {
  private last = -1;
  /** Next index a contiguous selection expects. */
  private next: number;

  constructor(
    private readonly tally: CheckTally,
    private readonly o: EntryOptions,
  ) {
    this.next = o.selection.kind === 'agents' ? 0 : o.selection.from;
  }

  async verify(item: EntryItem, cp: CurrentCheckpoint | undefined): Promise<EntryOutcome> {
    const out: EntryOutcome = { index: item.index, kind: 'unreadable', findings: [] };
    const where = `entry ${item.index}`;
    const fail = (check: CheckName, code: AtlogErrorCode, detail: string, undetermined = false): void => {
      out.findings.push(this.tally.fail(check, where, code, detail, undetermined));
    };
    this.place(item.index, where, fail);
    let f: StatementFacts;
    try {
      f = statementFacts(item.statement);
      this.tally.ok('statements.format');
    } catch (e) {
      fail('statements.format', isAtlogError(e) ? e.code : 'ERR_STATEMENT_MALFORMED', e instanceof Error ? e.message : String(e));
      return out;
    }
    this.issuerSignature(f, fail);
    const entryHash = statementEntryHash(f.sign1);
    out.entry = toHex(entryHash);
    await this.receipts(item, f, entryHash, cp, fail);
    this.content(f, out, fail);
    this.selected(f, out, fail);
    return out;
  }

  /** Called after the last entry: a contiguous selection must have reached its end. */
  finish(fail: (code: AtlogErrorCode, detail: string) => void): void {
    const s = this.o.selection;
    if (s.kind !== 'agents' && this.next < s.to) fail('ERR_EVIDENCE_GAP', `entries ${this.next}..${s.to - 1} of the selected range are missing`);
  }

  private place(index: number, where: string, fail: (c: CheckName, code: AtlogErrorCode, d: string) => void): void {
    if (index <= this.last) fail('entries.order', 'ERR_EVIDENCE_ORDER', `index ${index} does not follow index ${this.last}`);
    else this.tally.ok('entries.order');
    this.last = Math.max(this.last, index);
    const s = this.o.selection;
    if (s.kind === 'agents') {
      if (index >= s.to) fail('entries.selection', 'ERR_EVIDENCE_OUT_OF_SELECTION', `index ${index} is not below the final size ${s.to}`);
      return;
    }
    if (index < s.from || index >= s.to) fail('entries.selection', 'ERR_EVIDENCE_OUT_OF_SELECTION', `index ${index} is outside the selected range ${s.from}..${s.to - 1}`);
    else if (index > this.next) fail('entries.selection', 'ERR_EVIDENCE_GAP', `entries ${this.next}..${index - 1} are missing before ${where}`);
    else this.tally.ok('entries.selection');
    this.next = Math.max(this.next, index + 1);
  }

  private issuerSignature(f: StatementFacts, fail: (c: CheckName, code: AtlogErrorCode, d: string) => void): void {
    if (!this.o.issuerKeys || this.o.issuerKeys.length === 0) {
      this.tally.skip('statements.signature', 'no issuer key given (--issuer-key): the service checked every signature at registration, and the receipts prove the statements unchanged since');
      return;
    }
    const v = issuerSignatureVerdict(f, this.o.issuerKeys);
    if (v.ok) this.tally.ok('statements.signature');
    else fail('statements.signature', v.code, v.detail);
  }

  private async receipts(item: EntryItem, f: StatementFacts, entryHash: Uint8Array, cp: CurrentCheckpoint | undefined, fail: (c: CheckName, code: AtlogErrorCode, d: string) => void): Promise<void> {
    const receipts = embeddedReceipts(f.sign1);
    if (receipts.length === 0) fail('receipts.inclusion', 'ERR_VERIFY_NO_RECEIPT', 'the statement carries no receipt (label 394)');
    if (cp) cp.summary.entries++;
    for (const r of receipts) {
      let v;
      try {
        v = verifyReceipt(r, { entryHash, keys: this.o.serviceKeys });
        this.tally.ok('receipts.inclusion');
      } catch (e) {
        fail('receipts.inclusion', isAtlogError(e) ? e.code : 'ERR_VERIFY_INTERNAL', e instanceof Error ? e.message : String(e));
        continue;
      }
      if (!cp) fail('receipts.checkpoint', 'ERR_EVIDENCE_NOT_IN_CHECKPOINT', 'no checkpoint item precedes the entry');
      else if (v.treeSize !== cp.treeSize || !equalBytes(v.root, cp.root)) {
        fail('receipts.checkpoint', 'ERR_EVIDENCE_NOT_IN_CHECKPOINT', `the receipt is against size ${v.treeSize}, root ${toHex(v.root)}; the checkpoint before it is size ${cp.treeSize}, root ${toHex(cp.root)}`);
      } else if (v.leafIndex !== item.index) {
        fail('receipts.checkpoint', 'ERR_EVIDENCE_NOT_IN_CHECKPOINT', `the receipt proves leaf ${v.leafIndex}, the item says index ${item.index}`);
      } else this.tally.ok('receipts.checkpoint');
      await this.receiptTokens(v.timestamps, v.signature, cp, fail);
    }
  }

  /** Tokens a receipt carries beyond those its checkpoint item already proved (normally none). */
  private async receiptTokens(tokens: Uint8Array[], signature: Uint8Array, cp: CurrentCheckpoint | undefined, fail: (c: CheckName, code: AtlogErrorCode, d: string) => void): Promise<void> {
    const roots = this.o.tsaRoots;
    if (!roots || roots.length === 0) return;
    // Byte comparison, not hex keys: an ML-DSA-65 signature is 3,309 bytes and every receipt carries one.
    const known = cp?.tokens.find((k) => equalBytes(k.signature, signature))?.tokens;
    for (const t of tokens) {
      if (known?.some((k) => equalBytes(k, t))) continue;
      const r = await verifyToken(t, signature, roots);
      if ('genTime' in r) this.tally.ok('checkpoints.timestamps');
      else fail('checkpoints.timestamps', r.code, `a receipt's token: ${r.detail}`);
    }
  }

  /** What the statement carries: an AAT record (checked), a Hash Envelope of one, or something else. */
  private content(f: StatementFacts, out: EntryOutcome, fail: (c: CheckName, code: AtlogErrorCode, d: string) => void): void {
    const p = f.sign1.protected;
    const hashed = p.has(HEADER_PAYLOAD_HASH_ALG);
    if (hashed ? p.get(HEADER_PREIMAGE_CONTENT_TYPE) !== AAT_CONTENT_TYPE : f.contentType !== AAT_CONTENT_TYPE) {
      out.kind = 'other';
      return;
    }
    const fromHeaders = f.subject.startsWith(SUB_PREFIX) ? { agent: f.issuer, session: f.subject.slice(SUB_PREFIX.length) } : undefined;
    if (hashed || f.sign1.payload === null) {
      out.kind = 'hash-envelope';
      if (fromHeaders) out.session = fromHeaders;
      return;
    }
    out.kind = 'aat';
    let rec: unknown;
    try {
      rec = JSON.parse(utf8.decode(f.sign1.payload));
    } catch {
      if (fromHeaders) out.session = fromHeaders;
      fail('records.envelope', 'ERR_AAT_NOT_JSON', 'the payload is not a JSON AAT record');
      return;
    }
    const errors = recordErrors(rec, this.o.draft === undefined ? {} : { draft: this.o.draft });
    if (errors.length > 0) {
      if (fromHeaders) out.session = fromHeaders;
      fail('records.envelope', 'ERR_AAT_INVALID', errors.map((e) => `${e.path || '(root)'} ${e.message}`).join('; '));
      return;
    }
    const r = rec as AatRecord;
    out.session = { agent: r.agent_id, session: r.session_id };
    // STANDARDS.md "Decision (envelope)": iss = agent_id, sub = urn:uuid:<session_id>.
    if (f.issuer !== r.agent_id || f.subject !== `${SUB_PREFIX}${r.session_id}`) {
      fail('records.envelope', 'ERR_BUNDLE_NOT_IN_SESSION', `statement iss ${f.issuer} / sub ${f.subject} do not name the record's agent ${r.agent_id} and session ${r.session_id}`);
    } else this.tally.ok('records.envelope');
    out.record = r;
    this.recordSignature(r, fail);
  }

  private recordSignature(r: AatRecord, fail: (c: CheckName, code: AtlogErrorCode, d: string) => void): void {
    if (r.signature === undefined) {
      if (this.o.requireRecordSignatures) fail('records.signature', 'ERR_AAT_RECORD_UNSIGNED', 'the record carries no signature');
      else this.tally.skip('records.signature', 'unsigned records (in-record signatures are optional)');
      return;
    }
    let v;
    try {
      v = signatureVerdict(r, this.o.recordKeys);
    } catch (e) {
      v = { status: 'fail' as const, code: isAtlogError(e) ? e.code : ('ERR_VERIFY_INTERNAL' as const), detail: e instanceof Error ? e.message : String(e) };
    }
    if (v.status === 'ok') this.tally.ok('records.signature');
    else if (v.status === 'fail' || this.o.requireRecordSignatures) fail('records.signature', v.code, v.detail);
    else this.tally.skip('records.signature', v.detail, v.code);
  }

  /** An agents selection holds only those agents' statements (of the one session, when named). */
  private selected(f: StatementFacts, out: EntryOutcome, fail: (c: CheckName, code: AtlogErrorCode, d: string) => void): void {
    const s = this.o.selection;
    if (s.kind !== 'agents') return;
    const agent = out.session?.agent ?? f.issuer;
    const inAgents = s.agents.includes(agent);
    const inSession = s.session === undefined || out.session?.session === s.session;
    if (inAgents && inSession) this.tally.ok('entries.selection');
    else fail('entries.selection', 'ERR_EVIDENCE_OUT_OF_SELECTION', `a statement of ${agent}${out.session ? ` session ${out.session.session}` : ''}, which the selection does not name`);
  }
}
