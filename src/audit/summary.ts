import type { AuditResult, AuditSession, AuditTimeRange } from './types.js';

/**
 * The human summary `atlog audit` prints without --json: the evidence, every check (one line each), a line per
 * agent and session (records, time span, anchored time range, completeness, verdict), the delegations, the
 * caveats, and the verdict last.
 */

const range = (from: string | null, to: string | null): string => (from === null ? '-' : from === to ? from : `${from} .. ${to ?? '?'}`);
const anchoredText = (a: AuditTimeRange | null): string => (a === null ? 'not anchored' : `anchored ${range(a.from, a.to)}`);
const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function sessionLine(s: AuditSession): string {
  const by = s.delegatedBy ? `, delegated by ${s.delegatedBy.agent}` : '';
  return `    session ${s.session}: ${s.records} record(s), ${range(s.firstTimestamp, s.lastTimestamp)}, ${anchoredText(s.anchored)}, ${s.completeness.state}${by}: ${s.verdict.toUpperCase()}`;
}

export function formatSummary(r: AuditResult, file?: string): string {
  const e = r.evidence;
  const lines: string[] = [];
  const sel = e.selection ? JSON.stringify(e.selection) : 'unknown';
  lines.push(`evidence ${file ?? ''}${e.bytes !== null ? ` (${e.bytes} bytes)` : ''}: format ${e.formatVersion ?? '?'}, service ${e.service ?? e.serviceUrl ?? '?'}, exported ${e.exportedAt ?? '?'}, selection ${sel}`);
  lines.push(`entries: ${r.entries.total} (${r.entries.aat} AAT records, ${r.entries.hashEnvelope} private (Hash Envelope), ${r.entries.other} other); ${r.treeHeads.count} checkpoint(s), final size ${e.finalTreeSize ?? '?'}`);
  lines.push('checks:');
  for (const c of r.checks) lines.push(`  ${pad(c.status === 'fail' ? 'FAIL' : c.status, 5)} ${pad(c.name, 24)} ${c.code && c.status === 'fail' ? `${c.code}: ` : ''}${c.detail}`);
  lines.push(r.agents.length > 0 ? 'agents:' : 'agents: none (no AAT records)');
  for (const a of r.agents) {
    lines.push(`  ${a.agent}: ${a.sessions.length} session(s), ${a.records} record(s), ${range(a.firstTimestamp, a.lastTimestamp)}, ${anchoredText(a.anchored)}: ${a.verdict.toUpperCase()}`);
    for (const s of a.sessions) {
      lines.push(sessionLine(s));
      for (const f of s.findings.slice(0, 3)) lines.push(`      ${f.undetermined ? 'undetermined' : 'failed'}: ${f.code} at ${f.where}: ${f.detail}`);
    }
  }
  const used = r.delegation.edges.filter((d) => d.to !== null || d.from === null);
  if (used.length > 0) {
    lines.push('delegations:');
    for (const d of used) {
      const grant = d.trustLevel ? ` at ${d.trustLevel}` : '';
      const task = d.taskHash ? `, task ${d.taskHash.slice(0, 12)}…` : '';
      lines.push(`  ${d.delegator} -> ${d.delegate}${grant}${task}: ${d.status === 'ok' ? 'ok' : `${d.status.toUpperCase()} ${d.code ?? ''} ${d.detail}`}`);
    }
  }
  if (r.caveats.length > 0) {
    lines.push('what this does not prove:');
    for (const c of r.caveats) lines.push(`  - ${c}`);
  }
  if (r.verdict === 'valid') lines.push('VALID');
  else lines.push(`${r.verdict === 'invalid' ? 'NOT VALID' : 'CANNOT EVALUATE'}: ${r.failure?.code ?? ''} ${r.failure ? `${r.failure.check}: ${r.failure.detail}` : ''}`);
  return `${lines.join('\n')}\n`;
}
