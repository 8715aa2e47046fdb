import { ERROR_CODES, isAtlogErrorCode } from '../../error-codes.js';
import type { AuditCheck, AuditResult, AuditSession, AuditVerdict } from '../types.js';
import type { ReportDetails, SessionDetail } from './details.js';
import { frameworkSection, type Framework } from './frameworks.js';
import { plural, short, showAnchored, showCount, showRange, showTime } from './format.js';
import { delegationSvg } from './graph.js';
import { html, trusted, type Markup } from './html.js';
import { limitsSection } from './limits.js';
import { COLORS, STYLE } from './style.js';
import { timelineSvg } from './timeline.js';

/**
 * The compliance report (docs/auditor.md section 11): one self-contained HTML page from an audit result and,
 * when the evidence file's records were read, their details. Pure: a function from data to a string, no I/O,
 * no network (a Content-Security-Policy of `default-src 'none'` makes the browser refuse anything else), no
 * script. Pictures first (verdict, timeline, delegation graph), then the checks in plain words, the tables, the
 * regulation mapping and what the evidence cannot prove.
 */

export interface ReportInput {
  audit: AuditResult;
  /** Details read from the evidence file's records (RecordDigest); without them the timeline has no dots. */
  details?: ReportDetails;
  framework?: Framework;
  /** The evidence file's name, for the header. */
  file?: string;
  /** When the report was made (RFC 3339). */
  generatedAt: string;
}

const SESSIONS_TABLE_LIMIT = 500;
const NOTABLE_ROWS_LIMIT = 200;

const VERDICT_WORDS: Readonly<Record<AuditVerdict, string>> = { valid: 'valid', invalid: 'not valid', 'cannot-evaluate': 'cannot evaluate' };
const STATUS_WORDS: Readonly<Record<AuditCheck['status'], string>> = { ok: 'passed', fail: 'failed', skip: 'not run' };

function meaning(code: string): string {
  return isAtlogErrorCode(code) ? ERROR_CODES[code].meaning : '';
}

function checkTitle(name: string): string {
  const t = name.replace(/[._-]+/g, ' ').trim();
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** The service's name (its tree heads' issuer) and the URL it was exported from, once when they are the same. */
function serviceName(a: AuditResult): string {
  const { service, serviceUrl } = a.evidence;
  if (service === null) return serviceUrl ?? 'unknown';
  return serviceUrl === null || serviceUrl.replace(/\/+$/, '') === service.replace(/\/+$/, '') ? service : `${service} at ${serviceUrl}`;
}

function banner(a: AuditResult): Markup {
  const sessions = a.agents.reduce((n, g) => n + g.sessions.length, 0);
  const failed = a.checks.filter((c) => c.status === 'fail').length;
  if (a.verdict === 'valid') {
    return html`<div class="banner valid" id="verdict" data-verdict="valid"><div class="mark">✓</div><div><p class="title">Verified: the evidence is intact</p>
<p>All ${plural(a.checks.filter((c) => c.status === 'ok').length, 'check')} passed. The ${plural(a.entries.total, 'entry', 'entries')} of ${plural(a.agents.length, 'agent')} in ${plural(sessions, 'session')} are in the log exactly as they were signed, in the order they were written, and the log only grew.</p></div></div>`;
  }
  const f = a.failure;
  const why = f ? html`<strong>${checkTitle(f.check)}</strong>: ${meaning(f.code) || f.code} (<code>${f.code}</code>). ${f.detail}` : '';
  if (a.verdict === 'invalid') {
    return html`<div class="banner invalid" id="verdict" data-verdict="invalid"><div class="mark">✗</div><div><p class="title">Not valid: the evidence does not hold up</p>
<p>${plural(failed, 'check')} of ${showCount(a.checks.length)} failed. First failure: ${why}</p></div></div>`;
  }
  return html`<div class="banner cannot-evaluate" id="verdict" data-verdict="cannot-evaluate"><div class="mark">?</div><div><p class="title">Cannot be evaluated</p>
<p>Nothing failed, but something that decides validity could not be checked, so the evidence is not shown to be valid. ${why}</p></div></div>`;
}

function tiles(a: AuditResult): Markup {
  const sessions = a.agents.flatMap((g) => g.sessions);
  const first = sessions.map((s) => s.firstTimestamp).filter((t): t is string => t !== null).sort()[0];
  const last = sessions.map((s) => s.lastTimestamp).filter((t): t is string => t !== null).sort().at(-1);
  const anchored = sessions.filter((s) => s.anchored !== null).length;
  const tile = (n: string | number, l: string): Markup => html`<div class="tile"><span class="n">${typeof n === 'number' ? showCount(n) : n}</span><span class="l">${l}</span></div>`;
  return html`<div class="tiles">
${tile(a.agents.length, 'agents')}${tile(sessions.length, 'sessions')}${tile(a.entries.total, 'log entries')}${tile(a.delegation.edges.length, 'delegations')}
${tile(`${anchored}/${sessions.length}`, 'sessions anchored in time')}${tile(a.treeHeads.count, 'tree heads checked')}
</div>
<p class="meta"><span>records from ${showRange(first, last)}</span><span>final tree size ${showCount(a.evidence.finalTreeSize ?? 0)}</span></p>`;
}

function legend(): Markup {
  const dot = (c: string, l: string): Markup => html`<span><i style="background:${c}"></i>${l}</span>`;
  return html`<div class="legend">
<span><i class="bar" style="background:${COLORS.valid};opacity:.5"></i>span the records claim (colour: session verdict)</span>
<span><i class="bar" style="background:${COLORS.anchored}"></i>anchored by RFC 3161 timestamps</span>
${Object.entries(COLORS.outcome).map(([k, c]) => dot(c, k))}
<span><i style="background:${COLORS.anchored};border-radius:0;transform:rotate(45deg)"></i>delegation</span>
</div>`;
}

function checkCard(c: AuditCheck): Markup {
  const counts = `${showCount(c.counts.ok)} passed, ${showCount(c.counts.fail)} failed, ${showCount(c.counts.skip)} not run`;
  const findings = c.findings.length === 0
    ? ''
    : html`<table><thead><tr><th>Where</th><th>Code</th><th>What it means</th><th>Detail</th></tr></thead><tbody>
${c.findings.map((f) => html`<tr><td>${f.where}</td><td><code>${f.code}</code>${f.undetermined ? ' (not evaluated)' : ''}</td><td>${meaning(f.code)}</td><td>${f.detail}</td></tr>`)}
</tbody></table>${c.omitted > 0 ? html`<p class="meta">${plural(c.omitted, 'more finding')} not listed.</p>` : ''}`;
  return html`<div class="check ${c.status}" data-check="${c.name}" data-status="${c.status}">
<div class="head"><span class="pill ${c.status}">${STATUS_WORDS[c.status]}</span><span class="name">${checkTitle(c.name)}</span><span class="proves">${c.status === 'ok' ? 'What it proves' : 'What it would prove'}: ${c.proves}</span></div>
<p class="meta"><span>${c.detail}</span><span>${counts}</span><span><code>${c.name}</code></span>${c.code ? html`<span><code>${c.code}</code> ${meaning(c.code)}</span>` : ''}</p>
${findings}
</div>`;
}

function sessionRow(s: AuditSession): Markup {
  const delegated = s.delegatedBy ? html`${s.delegatedBy.agent}<br><span class="mono" title="${s.delegatedBy.record}">record ${short(s.delegatedBy.record)}</span>` : '—';
  return html`<tr data-session="${s.session}"><td><strong>${s.agent}</strong><br><span class="mono">${s.session}</span></td><td class="num">${showCount(s.records)}</td>
<td>${showRange(s.firstTimestamp, s.lastTimestamp)}</td><td>${showAnchored(s.anchored)}</td>
<td><span class="pill ${s.completeness.state}" title="${s.completeness.detail}">${s.completeness.state}</span></td><td>${s.maxTrustLevel ?? '—'}</td><td>${delegated}</td>
<td><span class="pill ${s.verdict}">${VERDICT_WORDS[s.verdict]}</span>${s.findings.length > 0 ? html`<br><code>${s.findings[0]!.code}</code>` : ''}</td></tr>`;
}

function notableTable(details: readonly SessionDetail[]): Markup {
  const rows = details.flatMap((s) => s.events.filter((e) => e.notable && e.action !== 'lifecycle').map((e) => ({ s, e }))).sort((x, y) => x.e.index - y.e.index);
  if (rows.length === 0) return html`<p>No failures, denials, escalations, delegations or human overrides were recorded.</p>`;
  return html`<table id="notable"><thead><tr><th class="num">Entry</th><th>Time (claimed)</th><th>Agent / session</th><th>Action</th><th>Outcome</th><th>About</th></tr></thead><tbody>
${rows.slice(0, NOTABLE_ROWS_LIMIT).map(({ s, e }) => html`<tr><td class="num">${e.index}</td><td>${showTime(e.at)}</td><td>${s.agent}<br><span class="mono">${short(s.session)}</span></td><td>${e.action}</td><td>${e.outcome}</td><td class="detail">${e.note}</td></tr>`)}
</tbody></table>${rows.length > NOTABLE_ROWS_LIMIT ? html`<p class="meta">${plural(rows.length - NOTABLE_ROWS_LIMIT, 'more event')} not listed.</p>` : ''}`;
}

function treeHeadTable(a: AuditResult): Markup {
  const list = a.treeHeads.list.length > 12 ? [...a.treeHeads.list.slice(0, 11), a.treeHeads.list.at(-1)!] : a.treeHeads.list;
  return html`<p>${plural(a.treeHeads.count, 'tree head')} in the file; each must be signed by the service and consistent with the final one (the log only grew).</p>
<table><thead><tr><th class="num">Tree size</th><th>Root</th><th>Signature</th><th>Consistent with final</th><th>Anchored at</th><th class="num">Entries</th></tr></thead><tbody>
${list.map((t) => html`<tr><td class="num">${showCount(t.treeSize)}${t.final ? ' (final)' : ''}</td><td class="mono">${short(t.root)}</td><td><span class="pill ${t.signature}">${STATUS_WORDS[t.signature]}</span></td><td><span class="pill ${t.consistent}">${STATUS_WORDS[t.consistent]}</span></td><td>${t.anchoredAt ? showTime(t.anchoredAt) : 'not anchored'}</td><td class="num">${showCount(t.entries)}</td></tr>`)}
</tbody></table>${a.treeHeads.count > list.length ? html`<p class="meta">${plural(a.treeHeads.count - list.length, 'more tree head')} not listed.</p>` : ''}`;
}

/** Renders the report page. Every string from the audit or the records is escaped (src/audit/report/html.ts). */
export function renderReport(input: ReportInput): string {
  const a = input.audit;
  const framework = input.framework ?? 'eu-ai-act';
  const sessions = a.agents.flatMap((g) => g.sessions);
  const details = new Map((input.details?.sessions ?? []).map((s) => [`${s.agent} ${s.session}`, s]));
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Agent audit report: ${VERDICT_WORDS[a.verdict]}</title>
<style>${trusted(STYLE)}</style>
</head>
<body>
<main>
<h1>Agent audit report</h1>
<p class="meta"><span>${input.file ? `evidence ${input.file}` : 'evidence file'}</span><span>service ${serviceName(a)}</span><span>exported ${showTime(a.evidence.exportedAt)}</span><span>report made ${showTime(input.generatedAt)}</span></p>
${banner(a)}
${tiles(a)}
<section id="timeline">
<h2>Timeline</h2>
<figure>${timelineSvg(sessions, details)}
<figcaption>One lane per session. The bar is the time its records claim; the blue band above it is the time RFC 3161 timestamps prove they were in the log. Hover a mark for its entry.</figcaption></figure>
${legend()}
</section>
<section id="delegation">
<h2>Who delegated to whom</h2>
<figure>${delegationSvg(a.delegation, sessions)}
<figcaption>Sessions started on behalf of another agent are to the right of the session that delegated to them; each arrow is a delegation record with the trust level it grants. Trust may not rise along a chain.</figcaption></figure>
</section>
<section id="checks">
<h2>Every check, in plain words</h2>
${a.checks.map(checkCard)}
</section>
<section id="sessions">
<h2>Sessions</h2>
<table><thead><tr><th>Agent and session</th><th class="num">Records</th><th>Time (claimed)</th><th>Anchored</th><th>Complete?</th><th>Trust</th><th>Delegated by</th><th>Verdict</th></tr></thead><tbody>
${sessions.slice(0, SESSIONS_TABLE_LIMIT).map(sessionRow)}
</tbody></table>
${sessions.length > SESSIONS_TABLE_LIMIT ? html`<p class="meta">${plural(sessions.length - SESSIONS_TABLE_LIMIT, 'more session')} not listed; atlog audit --json lists them all.</p>` : ''}
<h3>Notable events</h3>
${input.details ? notableTable(input.details.sessions) : html`<p>The records were not read for this report.</p>`}
</section>
<section id="tree-heads">
<h2>The log's tree heads</h2>
${treeHeadTable(a)}
</section>
${frameworkSection(framework, a, input.details)}
${limitsSection(a, input.details)}
<footer>
<p>Made by atlog from an audit (result version ${a.version}) of ${input.file ?? 'an evidence file'}. Service keys: ${a.trust.serviceKeys}; TSA roots: ${a.trust.tsaRoots}; verified at ${showTime(a.trust.at)}. Anyone holding the evidence file and the service's public keys can repeat every check with <code>atlog audit</code>, offline.</p>
</footer>
</main>
</body>
</html>
`;
  return page.value;
}
