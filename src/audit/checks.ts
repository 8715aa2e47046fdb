import type { AtlogErrorCode } from '../errors.js';
import { FINDINGS_LIMIT, type AuditCheck, type AuditFinding } from './types.js';

/**
 * The audit's checks (spec/bundle.md section 5): each kind runs at many places (every entry, every
 * checkpoint, every session) and is reported once, with counts and the first findings, so the result stays
 * small however large the file. `proves` is the plain sentence the human summary and the compliance report show.
 */

export const AUDIT_CHECKS = [
  ['evidence.format', 'The file is a whole atlog evidence file: a header, checkpoints and entries, and an end item whose counts match, so nothing was cut off.'],
  ['trust.keys', 'The service keys used are the ones you pinned, not keys the file brought along.'],
  ['checkpoint.final', 'The service signed the final tree head (its size and root) with a key you trust.'],
  ['checkpoints.signatures', 'The service signed every earlier tree head the receipts point at.'],
  ['checkpoints.consistency', 'Every earlier tree head is a prefix of the final one (RFC 9162 consistency): between them the log only grew; nothing was rewritten or removed.'],
  ['checkpoints.timestamps', 'An independent timestamp authority (RFC 3161) saw each tree head no later than its genTime, so the entries under it were in the log by then.'],
  ['entries.order', 'Entries and checkpoints appear in strictly increasing log order.'],
  ['entries.selection', 'The file holds exactly the entries its header says were selected; for a range of the log, every index and none twice.'],
  ['statements.format', 'Every entry is a Signed Statement with the RFC 9943 headers (algorithm, issuer, subject).'],
  ['statements.signature', 'Every statement verifies with the issuer key you supplied: it was signed by that issuer and is unchanged.'],
  ['receipts.inclusion', 'Every statement is in the log at its index, under a tree head the service signed (an RFC 9942 receipt).'],
  ['receipts.checkpoint', "Every receipt is against the checkpoint listed before it, which the consistency proof ties to the final tree head."],
  ['records.envelope', "Every AAT statement holds a valid AAT record, and its issuer and subject name the record's agent and session."],
  ['records.signature', "Every in-record signature verifies with the agent's record key you supplied."],
  ['sessions.chain', "Each session's records form one unbroken hash chain from its genesis: none edited, removed, reordered or inserted."],
  ['sessions.completeness', "Each session is closed by a session_end that commits to its record count and hash (AAT -06), so nothing is missing at its end."],
  ['delegation.links', 'Every delegated session names a successful delegation in the file, made by the agent it names, to this agent, with its log entry hash (and task hash when given).'],
  ['delegation.trust', 'No delegate uses or grants a trust level above the one it was given: trust never rises along a chain.'],
  ['delegation.time', 'Every delegated session begins after the delegation that created it, in the log and by the records\' clocks.'],
  ['delegation.graph', 'Delegations form trees: no cycles, and no delegation claimed by two sessions.'],
] as const;

export type CheckName = (typeof AUDIT_CHECKS)[number][0];

interface Tally {
  ok: number;
  fail: number;
  skip: number;
  findings: AuditFinding[];
  omitted: number;
  /** Why a check that never ran was skipped, or a note on the skips (e.g. "no issuer key"). */
  skipReason?: string;
  skipCode?: AtlogErrorCode;
  /** A custom pass detail (else counts). */
  note?: string;
}

/** Collects the outcomes of every check kind. */
export class CheckTally {
  private readonly t = new Map<CheckName, Tally>(AUDIT_CHECKS.map(([n]) => [n, { ok: 0, fail: 0, skip: 0, findings: [], omitted: 0 }]));
  /** The first failing finding overall (or the first undetermined one, kept apart). */
  first: { check: CheckName; finding: AuditFinding } | undefined;
  firstUndetermined: { check: CheckName; finding: AuditFinding } | undefined;

  private of(name: CheckName): Tally {
    return this.t.get(name)!;
  }

  ok(name: CheckName, n = 1): void {
    this.of(name).ok += n;
  }

  /** Record a failure (or, with `undetermined`, something that could not be evaluated). */
  fail(name: CheckName, where: string, code: AtlogErrorCode, detail: string, undetermined = false): AuditFinding {
    const t = this.of(name);
    t.fail++;
    const f: AuditFinding = undetermined ? { where, code, detail, undetermined: true } : { where, code, detail };
    if (t.findings.length < FINDINGS_LIMIT) t.findings.push(f);
    else t.omitted++;
    if (undetermined) this.firstUndetermined ??= { check: name, finding: f };
    else this.first ??= { check: name, finding: f };
    return f;
  }

  /** Count a place where the check did not run; `reason` describes such skips. */
  skip(name: CheckName, reason: string, code?: AtlogErrorCode, n = 1): void {
    const t = this.of(name);
    t.skip += n;
    t.skipReason ??= reason;
    if (code !== undefined) t.skipCode ??= code;
  }

  note(name: CheckName, note: string): void {
    this.of(name).note = note;
  }

  /** Every check in catalogue order. */
  result(): AuditCheck[] {
    return AUDIT_CHECKS.map(([name, proves]) => {
      const t = this.of(name);
      const counts = { ok: t.ok, fail: t.fail, skip: t.skip };
      const base = { name, proves, counts, findings: t.findings, omitted: t.omitted };
      if (t.fail > 0) {
        const f = t.findings[0]!;
        return { ...base, status: 'fail', code: f.code, detail: `${t.fail} of ${t.ok + t.fail} failed; first at ${f.where}: ${f.detail}` };
      }
      if (t.ok > 0) {
        const skipped = t.skip > 0 ? `; ${t.skip} not checked: ${t.skipReason ?? 'see findings'}` : '';
        return { ...base, status: 'ok', detail: `${t.note ?? `${t.ok} passed`}${skipped}` };
      }
      const skip: AuditCheck = { ...base, status: 'skip', detail: t.skipReason ?? 'nothing in the file to check' };
      if (t.skipCode !== undefined) skip.code = t.skipCode;
      return skip;
    });
  }
}
