import { parseTimestamp, trustRank, TRUST_LEVELS, type TrustLevel } from '../aat/index.js';
import type { AtlogErrorCode } from '../errors.js';
import type { CheckName, CheckTally } from './checks.js';
import { nodeKey, type DelegationSeen, type SessionState, type SessionTracker } from './sessions.js';
import type { AuditGraph, AuditGraphEdge, AuditGraphNode } from './types.js';

/**
 * The delegation graph across every session of the file (STANDARDS.md "Decision (delegation)", spec/bundle.md
 * section 5): nodes are sessions, edges are delegation records and the sessions whose genesis names them in
 * `delegated_by`. The rules of src/aat verifyDelegationChain, over summaries instead of whole sessions, and for a
 * forest rather than one chain: several roots are fine (unrelated agents), cycles and reused delegations are not.
 */

type Level = TrustLevel;

interface Problem {
  check: CheckName;
  code: AtlogErrorCode;
  detail: string;
  undetermined?: boolean;
}

const level = (v: unknown): Level | null => (typeof v === 'string' && (TRUST_LEVELS as readonly string[]).includes(v) ? (v as Level) : null);

/** Checks of one delegated session against the delegation it names (links, trust, time). */
function problemsOf(st: SessionState, d: DelegationSeen): Problem[] {
  const by = st.delegatedBy!;
  const detail = d.record.action_detail;
  const out: Problem[] = [];
  const link = (code: AtlogErrorCode, text: string): void => void out.push({ check: 'delegation.links', code, detail: text });
  if (d.record.outcome !== 'success') link('ERR_DELEGATION_DELEGATION_FAILED', `delegation ${d.record.record_id} has outcome ${d.record.outcome}`);
  else if (d.agent !== by.agent_id) link('ERR_DELEGATION_DELEGATOR_MISMATCH', `the delegation is by ${d.agent}, delegated_by says ${String(by.agent_id)}`);
  else if (detail['delegate_agent_id'] !== st.agent) link('ERR_DELEGATION_DELEGATE_MISMATCH', `the delegation names ${String(detail['delegate_agent_id'])}, not ${st.agent}`);
  else if (d.entry !== by.entry) link('ERR_DELEGATION_ENTRY_MISMATCH', `delegated_by.entry ${String(by.entry)} is not the delegation's log entry ${d.entry}`);
  else if (by.task_description_hash !== undefined && by.task_description_hash !== detail['task_description_hash']) {
    link('ERR_DELEGATION_TASK_MISMATCH', `delegated_by.task_description_hash ${String(by.task_description_hash)} is not the delegation's ${String(detail['task_description_hash'])}`);
  }
  const granted = level(detail['delegate_trust_level']);
  if (granted !== null && st.maxTrust > trustRank(granted)) {
    out.push({ check: 'delegation.trust', code: 'ERR_DELEGATION_TRUST_ESCALATION', detail: `the session uses ${TRUST_LEVELS[st.maxTrust]!}, the delegation allows ${granted}` });
  }
  // A delegated session begins after its delegation: in the log (proven by the receipts) and by the records' clocks.
  if (st.genesisIndex !== null && st.genesisTimestamp !== null) {
    const td = parseTimestamp(d.record.timestamp);
    const tg = parseTimestamp(st.genesisTimestamp);
    if (!(d.index < st.genesisIndex)) out.push({ check: 'delegation.time', code: 'ERR_DELEGATION_TIME_ORDER', detail: `the delegation (entry ${d.index}) is not registered before the genesis (entry ${st.genesisIndex})` });
    else if (td === undefined || tg === undefined || !(td < tg)) out.push({ check: 'delegation.time', code: 'ERR_DELEGATION_TIME_ORDER', detail: `the delegation at ${d.record.timestamp} does not precede the genesis at ${st.genesisTimestamp}` });
  }
  return out;
}

/**
 * Build and check the delegation graph. `covers(agent)`: whether the selection holds every record of that agent,
 * so that a delegation missing from the file is missing from the log (a failure) rather than not exported
 * (undetermined).
 */
export function auditDelegations(tracker: SessionTracker, tally: CheckTally, covers: (agent: string) => boolean): AuditGraph {
  const byRecord = new Map<string, DelegationSeen>();
  for (const d of tracker.delegations) if (!byRecord.has(d.record.record_id)) byRecord.set(d.record.record_id, d);
  const nodes: AuditGraphNode[] = [];
  const edges = new Map<string, AuditGraphEdge>();
  const parent = new Map<string, string>();
  const claimed = new Map<string, string>();
  const report = (st: SessionState, p: Problem): void => {
    tracker.attach(st.agent, st.session, tally.fail(p.check, `session ${st.agent} ${st.session}`, p.code, p.detail, p.undetermined));
  };

  for (const d of byRecord.values()) {
    const detail = d.record.action_detail;
    const granted = level(detail['delegate_trust_level']);
    const edge: AuditGraphEdge = {
      id: d.record.record_id, from: nodeKey(d.agent, d.session), to: null, delegator: d.agent, delegate: String(detail['delegate_agent_id']),
      trustLevel: granted, delegatorTrustLevel: d.record.trust_level, taskHash: typeof detail['task_description_hash'] === 'string' ? detail['task_description_hash'] : null,
      entry: d.entry, at: d.record.timestamp, status: 'ok', detail: 'not used by a session in the file',
    };
    // Trust never rises: a delegation grants at most the level its delegator holds when it delegates.
    if (granted !== null && trustRank(granted) > trustRank(d.record.trust_level)) {
      const p: Problem = { check: 'delegation.trust', code: 'ERR_DELEGATION_TRUST_ESCALATION', detail: `delegation ${edge.id} grants ${granted} while its delegator holds ${d.record.trust_level}` };
      Object.assign(edge, { status: 'fail', code: p.code, detail: p.detail });
      const st = tracker.get(d.agent, d.session);
      if (st) report(st, p);
    } else tally.ok('delegation.trust');
    edges.set(edge.id, edge);
  }

  const stateOf = new Map<string, SessionState>();
  for (const st of tracker.all) {
    const id = nodeKey(st.agent, st.session);
    stateOf.set(id, st);
    nodes.push({ id, agent: st.agent, session: st.session, root: st.delegatedBy === null, maxTrustLevel: st.maxTrust >= 0 ? TRUST_LEVELS[st.maxTrust]! : null });
    const by = st.delegatedBy;
    if (by === null) continue;
    const d = byRecord.get(String(by.record_id));
    if (!d) {
      const undetermined = !covers(String(by.agent_id));
      const p: Problem = {
        check: 'delegation.links',
        code: undetermined ? 'ERR_AUDIT_UNDETERMINED' : 'ERR_DELEGATION_MISSING_DELEGATION',
        detail: undetermined
          ? `delegated_by names record ${String(by.record_id)} of ${String(by.agent_id)}, whose records were not exported (export that agent too)`
          : `delegated_by names record ${String(by.record_id)} of ${String(by.agent_id)}, which is no delegation in the file although every record of that agent is`,
        undetermined,
      };
      report(st, p);
      edges.set(`${String(by.record_id)} ${id}`, {
        id: String(by.record_id), from: null, to: id, delegator: String(by.agent_id), delegate: st.agent, trustLevel: null, delegatorTrustLevel: null,
        taskHash: null, entry: String(by.entry), at: null, status: 'fail', code: p.code, detail: p.detail,
      });
      continue;
    }
    const edge = edges.get(d.record.record_id)!;
    const problems = problemsOf(st, d);
    const other = claimed.get(d.record.record_id);
    if (other !== undefined) problems.push({ check: 'delegation.graph', code: 'ERR_DELEGATION_DELEGATION_REUSED', detail: `session ${other} already claims delegation ${d.record.record_id}` });
    else {
      claimed.set(d.record.record_id, id);
      edge.to = id;
      edge.detail = `${d.agent} delegated to ${st.agent}`;
      parent.set(id, edge.from!);
    }
    for (const p of problems) report(st, p);
    for (const check of ['delegation.links', 'delegation.trust', 'delegation.time'] as const) if (!problems.some((p) => p.check === check)) tally.ok(check);
    const first = problems[0];
    if (first && edge.status === 'ok') Object.assign(edge, { status: 'fail', code: first.code, detail: first.detail });
  }

  // Cycles: walking delegated_by up from any session must reach a root. Time order already rules them out;
  // this is the second line of defence (as in src/aat verifyDelegationChain).
  const acyclic = new Set<string>();
  for (const start of parent.keys()) {
    const path: string[] = [];
    let cycle = false;
    for (let n: string | undefined = start; n !== undefined && !acyclic.has(n); n = parent.get(n)) {
      if (path.includes(n)) {
        cycle = true;
        break;
      }
      path.push(n);
    }
    for (const n of path) acyclic.add(n);
    if (cycle) {
      report(stateOf.get(start)!, { check: 'delegation.graph', code: 'ERR_DELEGATION_CYCLE', detail: `delegated_by links from ${start} come back to a session already visited` });
    } else tally.ok('delegation.graph');
  }
  if (byRecord.size === 0 && edges.size === 0) {
    for (const c of ['delegation.links', 'delegation.trust', 'delegation.time', 'delegation.graph'] as const) tally.skip(c, 'no delegation in the file');
  }
  return { nodes, edges: [...edges.values()] };
}
