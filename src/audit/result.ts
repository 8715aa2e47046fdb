import type { Run } from './audit.js';
import { sessionSummary } from './sessions.js';
import { AUDIT_RESULT_VERSION, type AuditAgent, type AuditCheck, type AuditResult, type AuditSession, type AuditTimeRange, type AuditVerdict } from './types.js';

/** The audit result (types.ts) from a finished run: verdicts, agents and sessions, caveats. */

const RANK: Record<AuditVerdict, number> = { valid: 0, 'cannot-evaluate': 1, invalid: 2 };
const worst = (a: AuditVerdict, b: AuditVerdict): AuditVerdict => (RANK[b] > RANK[a] ? b : a);

function minMax(values: Array<string | null>, pick: 'min' | 'max'): string | null {
  const v = values.filter((x): x is string => x !== null).sort();
  return (pick === 'min' ? v[0] : v[v.length - 1]) ?? null;
}

function agentsOf(sessions: AuditSession[]): AuditAgent[] {
  const by = new Map<string, AuditSession[]>();
  for (const s of sessions) by.set(s.agent, [...(by.get(s.agent) ?? []), s]);
  return [...by.entries()].map(([agent, list]) => {
    const ranges = list.map((s) => s.anchored).filter((r): r is AuditTimeRange => r !== null);
    return {
      agent,
      sessions: list,
      records: list.reduce((n, s) => n + s.records, 0),
      firstTimestamp: minMax(list.map((s) => s.firstTimestamp), 'min'),
      lastTimestamp: minMax(list.map((s) => s.lastTimestamp), 'max'),
      anchored: ranges.length > 0 ? { from: minMax(ranges.map((r) => r.from), 'min')!, to: minMax(ranges.map((r) => r.to), 'max')! } : null,
      verdict: list.reduce<AuditVerdict>((v, s) => worst(v, s.verdict), 'valid'),
    };
  });
}

/** invalid when anything failed; cannot-evaluate when something could not be evaluated, or nothing was checked. */
function verdictOf(run: Run, checks: AuditCheck[]): AuditVerdict {
  if (run.tally.first) return 'invalid';
  if (run.tally.firstUndetermined) return 'cannot-evaluate';
  return checks.some((c) => c.status === 'ok') ? 'valid' : 'cannot-evaluate';
}

/** Plain sentences on what this audit does not prove (the compliance report lists them). */
function caveatsOf(run: Run, sessions: AuditSession[]): string[] {
  const out: string[] = [];
  const t = run.trust;
  if (t.serviceKeys !== 'pinned') out.push('The service keys were not pinned: the file was checked against the keys it carries, which anyone could have made. Pin the service keys (--keys) to prove it came from the service.');
  if (t.tsaRoots !== 'pinned') out.push('No TSA root was pinned: no time is anchored, so the evidence does not show when entries were registered.');
  if (t.issuerKeys === 0) out.push("Statement signatures were not re-checked (no --issuer-key): the service checked them at registration, and the receipts show the bytes are unchanged since.");
  const sel = run.header?.selection;
  if (sel?.kind === 'agents') out.push('The file holds the sessions the service listed for the selected agents; a session the service left out would not show here (within a session, a missing record does).');
  if (sel && sel.kind !== 'agents' && sel.from > 0) out.push(`The file starts at log index ${sel.from}: sessions that began earlier are checked from their first record in the file only.`);
  const incomplete = sessions.filter((s) => s.completeness.state !== 'complete').length;
  if (incomplete > 0) out.push(`${incomplete} session(s) are not proven complete (no session_end committing to their records): records after the last one shown may exist or may have been removed.`);
  out.push('No log can show an action an agent never recorded, or records made with a stolen or misused agent key; the evidence proves what was recorded and registered, unchanged and in order.');
  return out;
}

export function resultOf(run: Run): AuditResult {
  const checks = run.tally.result();
  const allow = run.o.allowIncomplete === true;
  const sessions = run.sessions ? [...run.sessions.all].map((s) => sessionSummary(s, allow)) : [];
  const verdict = verdictOf(run, checks);
  const h = run.header;
  const result: AuditResult = {
    version: AUDIT_RESULT_VERSION,
    verdict,
    exitCode: verdict === 'valid' ? 0 : verdict === 'invalid' ? 1 : 2,
    evidence: {
      formatVersion: h?.version ?? null,
      selection: h ? { ...h.selection } : null,
      service: run.checkpoints?.issuer ?? null,
      serviceUrl: h?.service ?? null,
      exportedAt: h?.exportedAt ?? null,
      finalTreeSize: h?.checkpoint.treeSize ?? null,
      bytes: run.o.bytes ?? null,
    },
    trust: run.trust,
    checks,
    entries: run.counts,
    treeHeads: run.checkpoints?.treeHeads() ?? { count: 0, list: [], omitted: 0 },
    agents: agentsOf(sessions),
    delegation: run.graph,
    caveats: caveatsOf(run, sessions),
  };
  const first = verdict === 'invalid' ? run.tally.first : run.tally.firstUndetermined;
  if (first) result.failure = { check: first.check, code: first.finding.code, detail: `${first.finding.where}: ${first.finding.detail}` };
  else if (verdict !== 'valid') result.failure = { check: 'evidence.format', code: 'ERR_VERIFY_NOTHING_CHECKED', detail: 'nothing in the file could be checked' };
  return result;
}
