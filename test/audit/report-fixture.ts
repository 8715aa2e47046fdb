import { RecordDigest, type ReportDetails } from '../../src/audit/report/index.js';
import { AUDIT_RESULT_VERSION, type AuditCheck, type AuditResult, type AuditSession } from '../../src/audit/types.js';

/**
 * A hand-made audit result (the AuditResult type, version 1) of three agents in a delegation chain
 * A -> B -> C, and the records behind it, for the report tests while they do not run the audit itself. One of
 * C's records is hostile: markup in action_detail, which the report must show as text.
 */

export const HOSTILE_TOOL = '<script>document.title="pwned"</script>';
export const HOSTILE_ERROR = '<img src=x onerror="document.title=\'pwned\'">';

const A = { agent: 'urn:agent:acme:planner', session: '5a1f2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b' };
const B = { agent: 'urn:agent:acme:researcher', session: '6b2a3c4d-5e6f-4a71-9b8c-0d1e2f3a4b5c' };
const C = { agent: 'urn:agent:acme:executor', session: '7c3b4d5e-6f70-4b82-8c9d-1e2f3a4b5c6d' };

const T0 = Date.parse('2026-11-30T09:00:00Z');
const iso = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

function check(name: string, proves: string, ok: number, extra: Partial<AuditCheck> = {}): AuditCheck {
  return { name, status: 'ok', detail: `${ok} checked, all passed`, proves, counts: { ok, fail: 0, skip: 0 }, findings: [], omitted: 0, ...extra };
}

function session(who: { agent: string; session: string }, first: number, records: number, start: number, trust: 'L1' | 'L2' | 'L3', delegatedBy: AuditSession['delegatedBy'], delegations: string[]): AuditSession {
  return {
    agent: who.agent,
    session: who.session,
    records,
    firstIndex: first,
    lastIndex: first + records * 3 - 3,
    firstTimestamp: iso(start),
    lastTimestamp: iso(start + records - 1),
    anchored: { from: iso(start + 0.05), to: iso(start + records - 0.9) },
    completeness: { state: 'complete', detail: 'closed by session_end with the right record count and session hash' },
    verdict: 'valid',
    maxTrustLevel: trust,
    findings: [],
    delegatedBy,
    delegations,
  };
}

/** Record ids of the two delegation records. */
export const DELEGATION_AB = '11111111-1111-4111-8111-111111111111';
export const DELEGATION_BC = '22222222-2222-4222-8222-222222222222';

/** The valid audit of the three sessions. */
export function validAudit(): AuditResult {
  const sa = session(A, 0, 40, 0, 'L3', null, [DELEGATION_AB]);
  const sb = session(B, 1, 35, 10, 'L2', { agent: A.agent, record: DELEGATION_AB, entry: 'ab'.repeat(32) }, [DELEGATION_BC]);
  const sc = session(C, 2, 30, 20, 'L1', { agent: B.agent, record: DELEGATION_BC, entry: 'bc'.repeat(32) }, []);
  const agent = (s: AuditSession) => ({ agent: s.agent, sessions: [s], records: s.records, firstTimestamp: s.firstTimestamp, lastTimestamp: s.lastTimestamp, anchored: s.anchored, verdict: s.verdict });
  return {
    version: AUDIT_RESULT_VERSION,
    verdict: 'valid',
    exitCode: 0,
    evidence: { formatVersion: 1, selection: { kind: 'all', from: 0, to: 105 }, service: 'log.example', serviceUrl: 'https://log.example', exportedAt: iso(60), finalTreeSize: 105, bytes: 812_345 },
    trust: { serviceKeys: 'pinned', tsaRoots: 'pinned', issuerKeys: 3, recordKeys: 0, at: iso(90) },
    checks: [
      check('evidence.format', 'The file is a whole atlog evidence file: a header, checkpoints and entries, and an end item whose counts match, so nothing was cut off.', 1),
      check('trust.keys', 'The service keys used are the ones you pinned, not keys the file brought along.', 1),
      check('checkpoint.final', 'The service signed the final tree head (its size and root) with a key you trust.', 1),
      check('checkpoints.consistency', 'Every earlier tree head is a prefix of the final one (RFC 9162 consistency): between them the log only grew; nothing was rewritten or removed.', 14),
      check('checkpoints.timestamps', 'An independent timestamp authority (RFC 3161) saw each tree head no later than its genTime, so the entries under it were in the log by then.', 14),
      check('statements.signature', 'Every statement verifies with the issuer key you supplied: it was signed by that issuer and is unchanged.', 105),
      check('receipts.inclusion', 'Every statement is in the log at its index, under a tree head the service signed (an RFC 9942 receipt).', 105),
      check('sessions.chain', "Each session's records form one unbroken hash chain from its genesis: none edited, removed, reordered or inserted.", 105),
      check('sessions.completeness', 'Each session is closed by a session_end that commits to its record count and hash (AAT -06), so nothing is missing at its end.', 3),
      check('delegation.links', 'Every delegated session names a successful delegation in the file, made by the agent it names, to this agent, with its log entry hash.', 2),
      check('delegation.trust', 'No delegate uses or grants a trust level above the one it was given: trust never rises along a chain.', 2),
      check('records.signature', "Every in-record signature verifies with the agent's record key you supplied.", 0, { status: 'skip', detail: 'no record key was given', counts: { ok: 0, fail: 0, skip: 105 } }),
    ],
    entries: { total: 105, aat: 105, hashEnvelope: 0, other: 0, firstIndex: 0, lastIndex: 104 },
    treeHeads: {
      count: 14,
      list: Array.from({ length: 14 }, (_, i) => ({ treeSize: (i + 1) * 7 + (i === 13 ? 7 : 0), root: (i + 10).toString(16).padStart(2, '0').repeat(32), final: i === 13, signature: 'ok' as const, consistent: 'ok' as const, anchoredAt: iso(i * 4), entries: 7 })),
      omitted: 0,
    },
    agents: [agent(sa), agent(sb), agent(sc)],
    delegation: {
      nodes: [sa, sb, sc].map((s) => ({ id: `${s.agent} ${s.session}`, agent: s.agent, session: s.session, root: s.delegatedBy === null, maxTrustLevel: s.maxTrustLevel })),
      edges: [
        { id: DELEGATION_AB, from: `${A.agent} ${A.session}`, to: `${B.agent} ${B.session}`, delegator: A.agent, delegate: B.agent, trustLevel: 'L2', delegatorTrustLevel: 'L3', taskHash: 'aa'.repeat(32), entry: 'ab'.repeat(32), at: iso(9), status: 'ok', detail: 'delegation found, task hash matches, trust L2 <= L3' },
        { id: DELEGATION_BC, from: `${B.agent} ${B.session}`, to: `${C.agent} ${C.session}`, delegator: B.agent, delegate: C.agent, trustLevel: 'L1', delegatorTrustLevel: 'L2', taskHash: 'bb'.repeat(32), entry: 'bc'.repeat(32), at: iso(19), status: 'ok', detail: 'delegation found, task hash matches, trust L1 <= L2' },
      ],
    },
    caveats: [],
  };
}

/** The same audit after C's chain was edited and the B -> C delegation exceeded B's trust. */
export function invalidAudit(): AuditResult {
  const a = validAudit();
  const c = a.agents[2]!.sessions[0]!;
  const finding = { where: `session ${c.agent}/${c.session}`, code: 'ERR_AAT_CHAIN_EDITED' as const, detail: 'record 7 does not hash to the next record\'s prev_hash' };
  c.verdict = 'invalid';
  c.findings = [finding];
  a.agents[2]!.verdict = 'invalid';
  a.verdict = 'invalid';
  a.exitCode = 1;
  a.failure = { check: 'sessions.chain', ...finding };
  const links = a.checks.find((k) => k.name === 'sessions.chain')!;
  Object.assign(links, { status: 'fail', code: finding.code, detail: '104 passed, 1 failed', counts: { ok: 104, fail: 1, skip: 0 }, findings: [finding] });
  const trust = a.checks.find((k) => k.name === 'delegation.trust')!;
  const esc = { where: `delegation ${DELEGATION_BC}`, code: 'ERR_DELEGATION_TRUST_ESCALATION' as const, detail: 'grants L3 but the delegator held L2' };
  Object.assign(trust, { status: 'fail', code: esc.code, detail: '1 passed, 1 failed', counts: { ok: 1, fail: 1, skip: 0 }, findings: [esc] });
  Object.assign(a.delegation.edges[1]!, { status: 'fail', code: esc.code, trustLevel: 'L3', detail: esc.detail });
  a.caveats = ['One session was not anchored by a timestamp authority the auditor trusts.'];
  return a;
}

/** The records behind the audit, in log order (interleaved as three agents would write them). */
export function records(): Array<{ index: number; record: Record<string, unknown> }> {
  const sessions = [
    { who: A, n: 40, start: 0, trust: 'L3', delegate: { at: 9, to: B.agent, id: DELEGATION_AB, level: 'L2' } },
    { who: B, n: 35, start: 10, trust: 'L2', delegate: { at: 9, to: C.agent, id: DELEGATION_BC, level: 'L1' } },
    { who: C, n: 30, start: 20, trust: 'L1', delegate: undefined },
  ];
  const out: Array<{ index: number; record: Record<string, unknown> }> = [];
  sessions.forEach((s, k) => {
    for (let i = 0; i < s.n; i++) {
      const base = { agent_id: s.who.agent, session_id: s.who.session, timestamp: iso(s.start + i), trust_level: s.trust, outcome: 'success' };
      let r: Record<string, unknown>;
      if (i === 0) r = { ...base, action_type: 'lifecycle', action_detail: { event: 'session_start' } };
      else if (i === s.n - 1) r = { ...base, action_type: 'lifecycle', action_detail: { event: 'session_end', record_count: s.n } };
      else if (s.delegate && i === s.delegate.at) r = { ...base, action_type: 'delegation', action_detail: { delegate_agent_id: s.delegate.to, delegate_trust_level: s.delegate.level, task_description_hash: 'aa'.repeat(32) } };
      else if (k === 2 && i === 12) r = { ...base, outcome: 'failure', action_type: 'tool_call', action_detail: { tool_name: HOSTILE_TOOL, parameters_hash: 'cc'.repeat(32) } };
      else if (k === 2 && i === 13) r = { ...base, outcome: 'failure', action_type: 'error', action_detail: { error_code: 'E_TOOL', error_message: HOSTILE_ERROR, error_category: 'tool', recoverable: true } };
      else if (k === 1 && i === 20) r = { ...base, outcome: 'escalated', action_type: 'escalation', action_detail: { escalation_reason: 'amount above limit', escalation_target: 'human:cfo@acme.example' } };
      else if (k === 0 && i === 25) r = { ...base, outcome: 'denied', action_type: 'decision', action_detail: { decision_type: 'payment' }, human_override: { by: 'human:ops@acme.example', action: 'deny' } };
      else r = { ...base, action_type: 'tool_call', action_detail: { tool_name: ['search', 'crm.lookup', 'ledger.read'][i % 3], parameters_hash: 'dd'.repeat(32) }, input_hash: 'ee'.repeat(32), model_id: 'model-x' };
      out.push({ index: k + i * 3, record: r });
    }
  });
  return out.sort((x, y) => x.index - y.index);
}

/** The details the report draws, gathered from `records()` as the CLI gathers them from an evidence file. */
export function details(): ReportDetails {
  const d = new RecordDigest();
  for (const { index, record } of records()) d.add(record, index);
  return d.result();
}
