import type { AuditResult } from '../types.js';
import type { ReportDetails } from './details.js';
import { plural, showCount, showDuration, showRange, timeOf } from './format.js';
import { html, type Markup, type Value } from './html.js';

/**
 * How the evidence maps onto a regulation's record-keeping articles: EU AI Act (Regulation (EU) 2024/1689)
 * Articles 12 and 19, or DORA (Regulation (EU) 2022/2554) Article 17. Each row says what the article asks, what
 * this evidence shows towards it, and how far it goes: `supported` (the verified evidence shows it),
 * `partly` (it shows some of it, or only where the agents recorded it), `not-shown` (the records do not carry
 * it), `undermined` (the audit failed, so the evidence cannot be relied on for it). A reading aid, not legal
 * advice: the report says so.
 */

export type Framework = 'eu-ai-act' | 'dora';
export const FRAMEWORKS: readonly Framework[] = ['eu-ai-act', 'dora'];

type Support = 'supported' | 'partly' | 'not-shown' | 'undermined';

interface Row {
  article: string;
  asks: string;
  shows: Value;
  support: Support;
}

const SUPPORT_WORDS: Readonly<Record<Support, string>> = { supported: 'shown', partly: 'partly shown', 'not-shown': 'not shown', undermined: 'undermined' };

/** Facts both mappings use. */
function facts(a: AuditResult, d: ReportDetails | undefined) {
  const sessions = a.agents.flatMap((g) => g.sessions);
  const first = sessions.map((s) => s.firstTimestamp).filter((t): t is string => timeOf(t) !== undefined).sort()[0] ?? null;
  const last = sessions.map((s) => s.lastTimestamp).filter((t): t is string => timeOf(t) !== undefined).sort().at(-1) ?? null;
  const anchoredFrom = sessions.map((s) => s.anchored?.from).filter((t): t is string => timeOf(t) !== undefined).sort()[0] ?? null;
  const anchoredTo = sessions.map((s) => s.anchored?.to).filter((t): t is string => timeOf(t) !== undefined).sort().at(-1) ?? null;
  const complete = sessions.filter((s) => s.completeness.state === 'complete').length;
  const check = (prefix: string): 'ok' | 'fail' | 'skip' | undefined => {
    const cs = a.checks.filter((c) => c.name === prefix || c.name.startsWith(`${prefix}.`));
    if (cs.length === 0) return undefined;
    if (cs.some((c) => c.status === 'fail')) return 'fail';
    return cs.every((c) => c.status === 'ok') ? 'ok' : 'skip';
  };
  const spanMs = timeOf(last) !== undefined && timeOf(first) !== undefined ? timeOf(last)! - timeOf(first)! : undefined;
  return { sessions, first, last, anchoredFrom, anchoredTo, complete, check, spanMs, valid: a.verdict === 'valid', records: d?.fields.records ?? a.entries.aat };
}

/** `supported` when the audit is valid, else `undermined`. */
const ifValid = (valid: boolean, s: Support = 'supported'): Support => (valid ? s : 'undermined');

const share = (n: number, of: number): string => `${showCount(n)} of ${showCount(of)} records`;

function euAiAct(a: AuditResult, d: ReportDetails | undefined): Row[] {
  const f = facts(a, d);
  const fc = d?.fields;
  const noDetails = 'the records were not read for this report';
  return [
    {
      article: 'Art. 12(1)',
      asks: 'High-risk AI systems technically allow the automatic recording of events (logs) over the lifetime of the system.',
      shows: html`${plural(a.entries.total, 'entry', 'entries')} (${plural(a.entries.aat, 'AAT record')}) by ${plural(a.agents.length, 'agent')} in ${plural(f.sessions.length, 'session')}, recorded by the agents as they acted, from ${showRange(f.first, f.last)}. Each is in an append-only transparency log; ${plural(a.treeHeads.count, 'tree head')} checked for consistency show that nothing was removed or rewritten between them. The export covers ${selectionWords(a)}: the lifetime of the system is covered only as far as that selection reaches.`,
      support: ifValid(f.valid),
    },
    {
      article: 'Art. 12(2)',
      asks: 'Logging enables the recording of events relevant for (a) identifying situations that may present a risk or a substantial modification, (b) post-market monitoring, (c) monitoring the operation of the system.',
      shows: html`Every record is linked to the one before it by hash, so each session can be replayed in order (${plural(f.complete, 'session')} closed and complete). Delegations between agents are traced (${plural(a.delegation.edges.length, 'delegation')}), so who authorised an action can be followed. ${fc ? html`Outcomes: ${outcomeWords(d!)}; ${plural(fc.error, 'error record')}, ${plural(fc.escalation, 'escalation')}, ${showCount(fc.riskScore)} with a risk score.` : noDetails}`,
      support: ifValid(f.valid, f.check('sessions.chain') === 'fail' || f.check('delegation') === 'fail' ? 'undermined' : 'supported'),
    },
    {
      article: 'Art. 12(3)(a)',
      asks: 'Recording of the period of each use of the system (start date and time and end date and time of each use).',
      shows: fc
        ? html`${plural(fc.sessionStart, 'session start')} and ${plural(fc.sessionEnd, 'session end')} recorded; ${plural(f.complete, 'session')} of ${showCount(f.sessions.length)} closed and complete. The start and end times are the agents' own; RFC 3161 timestamps anchor them between ${showRange(f.anchoredFrom, f.anchoredTo)}.`
        : html`${plural(f.complete, 'session')} of ${showCount(f.sessions.length)} closed and complete; ${noDetails}.`,
      support: ifValid(f.valid, f.sessions.length > 0 && f.complete === f.sessions.length ? 'supported' : 'partly'),
    },
    {
      article: 'Art. 12(3)(b)',
      asks: 'The reference database against which input data has been checked by the system.',
      shows: fc
        ? html`AAT records have no field for it. ${plural(fc.toolCall, 'tool call')} name the tool used (${plural(d!.tools.distinct, 'distinct tool')}${d!.tools.names.length > 0 ? html`: ${d!.tools.names.slice(0, 8).join(', ')}${d!.tools.distinct > 8 ? ', …' : ''}` : ''}); a database consulted through a tool appears only as that tool's name and parameters hash.`
        : html`AAT records have no field for it; ${noDetails}.`,
      support: ifValid(f.valid, fc && fc.toolCall > 0 ? 'partly' : 'not-shown'),
    },
    {
      article: 'Art. 12(3)(c)',
      asks: 'The input data for which the search has led to a match.',
      shows: fc
        ? html`An input_hash in ${share(fc.inputHash, fc.records)}: the hash identifies the input exactly; the input itself is kept elsewhere and can be checked against it.`
        : noDetails,
      support: ifValid(f.valid, fc && fc.inputHash > 0 ? 'partly' : 'not-shown'),
    },
    {
      article: 'Art. 12(3)(d)',
      asks: 'The identification of the natural persons involved in the verification of the results (Art. 14(5)).',
      shows: fc
        ? html`A human_override in ${share(fc.humanOverride, fc.records)}; escalations to a named person or role: ${showCount(fc.escalation)}. Who a person was is only as precise as the agent wrote it.`
        : noDetails,
      support: ifValid(f.valid, fc && fc.humanOverride + fc.escalation > 0 ? 'partly' : 'not-shown'),
    },
    {
      article: 'Art. 19(1)',
      asks: 'Providers keep the automatically generated logs for a period appropriate to the intended purpose, at least six months.',
      shows: html`This evidence spans ${f.spanMs === undefined ? 'an unknown period' : showDuration(f.spanMs)} of records (${showRange(f.first, f.last)}). The log is append-only: the consistency proofs show that every entry up to the final tree head (size ${showCount(a.evidence.finalTreeSize ?? 0)}) is still there. How long the operator keeps the log is not something the evidence can show.`,
      support: ifValid(f.valid, f.spanMs !== undefined && f.spanMs >= 182 * 86_400_000 ? 'supported' : 'partly'),
    },
  ];
}

function dora(a: AuditResult, d: ReportDetails | undefined): Row[] {
  const f = facts(a, d);
  const fc = d?.fields;
  const noDetails = 'the records were not read for this report';
  return [
    {
      article: 'Art. 17(1)',
      asks: 'An ICT-related incident management process to detect, manage and notify ICT-related incidents.',
      shows: 'The process is the financial entity’s own. This evidence is a tamper-evident input to it: what each agent did, in order, with trusted time.',
      support: ifValid(f.valid, 'partly'),
    },
    {
      article: 'Art. 17(2)',
      asks: 'Record all ICT-related incidents and significant cyber threats; monitor, handle and follow up incidents so that root causes are identified, documented and addressed.',
      shows: fc
        ? html`${plural(fc.error, 'error record')}; outcomes: ${outcomeWords(d!)}. Hash chains and the delegation graph trace each action back through the session and the agent that authorised it, which is what a root-cause analysis follows.`
        : html`Hash chains and the delegation graph trace each action to its session and authorising agent; ${noDetails}.`,
      support: ifValid(f.valid, 'partly'),
    },
    {
      article: 'Art. 17(3)(b)',
      asks: 'Procedures to identify, track, log, categorise and classify ICT-related incidents by priority, severity and criticality of the services impacted.',
      shows: fc
        ? html`Records carry an outcome and, for errors, error_code and error_category; a risk_score is in ${share(fc.riskScore, fc.records)}. Classification by the criteria of Art. 18 is not in the records.`
        : noDetails,
      support: ifValid(f.valid, 'partly'),
    },
    {
      article: 'Art. 17(3)(e)',
      asks: 'Ensure that at least major ICT-related incidents are reported to relevant senior management and the management body.',
      shows: html`This report: a verified summary of ${plural(a.entries.total, 'entry', 'entries')} from ${showRange(f.first, f.last)} that a reader can check independently with atlog audit.`,
      support: ifValid(f.valid, 'partly'),
    },
  ];
}

function selectionWords(a: AuditResult): string {
  const s = a.evidence.selection;
  const kind = s && typeof s.kind === 'string' ? s.kind : undefined;
  if (kind === 'all') return 'the whole log';
  if (kind === 'since') return `every entry since ${typeof s!.since === 'string' ? s!.since : 'a point in time'}`;
  if (kind === 'range') return 'a range of log entries';
  if (kind === 'agents') return 'the entries of selected agents';
  return 'a selection the file does not describe';
}

function outcomeWords(d: ReportDetails): string {
  return Object.entries(d.outcomes)
    .sort((x, y) => y[1] - x[1])
    .map(([k, n]) => `${showCount(n)} ${k}`)
    .join(', ');
}

/** The mapping section for one framework. */
export function frameworkSection(framework: Framework, a: AuditResult, d: ReportDetails | undefined): Markup {
  const rows = framework === 'dora' ? dora(a, d) : euAiAct(a, d);
  const title = framework === 'dora' ? 'DORA (Regulation (EU) 2022/2554), Article 17' : 'EU AI Act (Regulation (EU) 2024/1689), Articles 12 and 19';
  return html`<section id="framework" data-framework="${framework}">
<h2>How this evidence maps to the ${title}</h2>
<p class="note">A reading aid for auditors, not legal advice. “Shown” means the verified evidence demonstrates it; “partly shown” that it shows some of it or only where the agents recorded it; “undermined” that the audit failed, so the evidence cannot be relied on for it.</p>
<table><thead><tr><th>Article</th><th>What it asks</th><th>What this evidence shows</th><th>Status</th></tr></thead><tbody>
${rows.map((r) => html`<tr><td><strong>${r.article}</strong></td><td>${r.asks}</td><td>${r.shows}</td><td><span class="pill ${r.support}">${SUPPORT_WORDS[r.support]}</span></td></tr>`)}
</tbody></table>
</section>`;
}
