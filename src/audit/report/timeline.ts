import type { AuditSession } from '../types.js';
import type { SessionDetail, TimelineEvent } from './details.js';
import { plural, showTime, short, timeOf } from './format.js';
import { clip, html, type Markup } from './html.js';
import { COLORS } from './style.js';

/**
 * The sessions on one time axis (SVG): a lane per session with the span its records claim (a bar in the colour
 * of its verdict), the range its RFC 3161 tokens anchor (a blue band above it), and its records as dots coloured
 * by outcome (notable ones larger, delegations as diamonds). Every mark has a <title> with the full text.
 */

export const LANES_LIMIT = 40;

const W = 1000;
const LABEL = 250;
const RIGHT = 20;
const LANE = 38;
const TOP = 16;
const AXIS = 34;
/** Shortest time axis drawn (ms). */
const MIN_SPAN = 4_000;

const verdictColor = (v: string): string => (v === 'valid' ? COLORS.valid : v === 'invalid' ? COLORS.invalid : COLORS.undetermined);

interface Domain {
  t0: number;
  t1: number;
}

function domainOf(sessions: readonly AuditSession[], details: ReadonlyMap<string, SessionDetail>): Domain | undefined {
  let t0 = Infinity;
  let t1 = -Infinity;
  const see = (s: string | null | undefined): void => {
    const t = timeOf(s);
    if (t === undefined) return;
    t0 = Math.min(t0, t);
    t1 = Math.max(t1, t);
  };
  for (const s of sessions) {
    see(s.firstTimestamp);
    see(s.lastTimestamp);
    see(s.anchored?.from);
    see(s.anchored?.to);
    for (const e of details.get(`${s.agent} ${s.session}`)?.events ?? []) see(e.at);
  }
  if (!Number.isFinite(t0)) return undefined;
  // a few seconds of records still fill the picture (a short test run, one quick session)
  if (t1 - t0 < MIN_SPAN) {
    const mid = (t0 + t1) / 2;
    return { t0: mid - MIN_SPAN / 2, t1: mid + MIN_SPAN / 2 };
  }
  const pad = (t1 - t0) * 0.03;
  return { t0: t0 - pad, t1: t1 + pad };
}

function ticks(d: Domain): Array<{ t: number; label: string }> {
  const span = d.t1 - d.t0;
  const fmt = (t: number): string => {
    const iso = new Date(t).toISOString();
    if (span < 60_000) return iso.slice(11, 21);
    if (span < 2 * 3600_000) return iso.slice(11, 19);
    if (span < 3 * 86_400_000) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
    return iso.slice(0, 10);
  };
  return [0, 0.25, 0.5, 0.75, 1].map((f) => ({ t: d.t0 + f * span, label: fmt(d.t0 + f * span) }));
}

function eventMark(e: TimelineEvent, x: number, y: number): Markup {
  const color = COLORS.outcome[e.outcome] ?? COLORS.outcome.other!;
  const title = html`<title>#${e.index} ${showTime(e.at)} · ${e.action} · ${e.outcome}${e.note ? ` · ${e.note}` : ''}</title>`;
  if (e.action === 'delegation') {
    const r = 6;
    return html`<path class="ev delegation" d="M${x} ${y - r} L${x + r} ${y} L${x} ${y + r} L${x - r} ${y} Z" fill="${COLORS.anchored}" stroke="#fff" stroke-width="1">${title}</path>`;
  }
  const r = e.notable ? 4.5 : 2.6;
  return html`<circle class="ev" cx="${x}" cy="${y}" r="${r}" fill="${color}"${e.notable ? html` stroke="#fff" stroke-width="1"` : ''}>${title}</circle>`;
}

/**
 * The timeline picture, or a sentence saying why there is none.
 * @param sessions every session of the audit, drawn in order of their first record (at most LANES_LIMIT).
 */
export function timelineSvg(sessions: readonly AuditSession[], details: ReadonlyMap<string, SessionDetail>): Markup {
  const drawn = [...sessions].sort((a, b) => (timeOf(a.firstTimestamp) ?? Infinity) - (timeOf(b.firstTimestamp) ?? Infinity) || a.firstIndex - b.firstIndex).slice(0, LANES_LIMIT);
  const d = domainOf(drawn, details);
  if (drawn.length === 0 || d === undefined) return html`<p class="note">No session carries a readable time, so there is no timeline to draw.</p>`;
  const plot = W - LABEL - RIGHT;
  const x = (t: number): number => Math.round((LABEL + ((t - d.t0) / (d.t1 - d.t0)) * plot) * 10) / 10;
  const H = TOP + drawn.length * LANE + AXIS;
  const lanes = drawn.map((s, i) => {
    const y = TOP + i * LANE;
    const mid = y + LANE / 2 + 4;
    const a = timeOf(s.firstTimestamp);
    const b = timeOf(s.lastTimestamp) ?? a;
    const color = verdictColor(s.verdict);
    const bar = a === undefined || b === undefined
      ? html`<text x="${LABEL + 6}" y="${mid + 4}" font-size="11" fill="${COLORS.muted}">no readable timestamps</text>`
      : html`<rect class="span" x="${x(a)}" y="${mid - 4}" width="${Math.max(2, x(b) - x(a))}" height="8" rx="2" fill="${color}" fill-opacity="0.3" stroke="${color}"><title>${s.agent} ${s.session}: records claim ${showTime(s.firstTimestamp)} to ${showTime(s.lastTimestamp)} (${s.verdict})</title></rect>`;
    const fa = timeOf(s.anchored?.from);
    const ta = timeOf(s.anchored?.to);
    const band = fa === undefined || ta === undefined
      ? ''
      : html`<rect class="anchored" x="${x(fa)}" y="${mid - 11}" width="${Math.max(2, x(ta) - x(fa))}" height="4" rx="1" fill="${COLORS.anchored}"><title>anchored by RFC 3161 timestamps: in the log between ${showTime(s.anchored!.from)} and ${showTime(s.anchored!.to)}</title></rect>`;
    const events = (details.get(`${s.agent} ${s.session}`)?.events ?? []).flatMap((e) => {
      const t = timeOf(e.at);
      return t === undefined ? [] : [eventMark(e, x(t), mid)];
    });
    return html`<g class="lane" data-session="${s.session}">
<rect x="0" y="${y}" width="5" height="${LANE}" fill="${color}"/>
<text x="12" y="${y + 16}" font-size="12" font-weight="600" fill="${COLORS.ink}">${clip(s.agent, 34)}<title>${s.agent}</title></text>
<text x="12" y="${y + 30}" font-size="11" fill="${COLORS.muted}">session ${short(s.session)} · ${s.records} records<title>${s.session}</title></text>
${band}${bar}${events}
</g>`;
  });
  const stripes = drawn.map((_s, i) => html`<rect x="0" y="${TOP + i * LANE}" width="${W}" height="${LANE}" fill="${i % 2 === 0 ? COLORS.lane : '#fff'}"/>`);
  const axisY = TOP + drawn.length * LANE;
  const axis = ticks(d).map(
    (t, i, all) =>
      html`<line x1="${x(t.t)}" y1="${TOP}" x2="${x(t.t)}" y2="${axisY + 4}" stroke="${COLORS.grid}" stroke-dasharray="3 3"/><text x="${x(t.t)}" y="${axisY + 18}" font-size="11" text-anchor="${i === 0 ? 'start' : i === all.length - 1 ? 'end' : 'middle'}" fill="${COLORS.muted}">${t.label}</text>`,
  );
  return html`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="Timeline of ${drawn.length} sessions" font-family="system-ui, sans-serif">
${stripes}${axis}${lanes}
<text x="${LABEL - 8}" y="${axisY + 18}" font-size="11" text-anchor="end" fill="${COLORS.muted}">UTC</text>
</svg>${sessions.length > drawn.length ? html`<p class="meta">${plural(sessions.length - drawn.length, 'later session')} not drawn; the sessions table lists them.</p>` : ''}`;
}
