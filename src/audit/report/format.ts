import type { AuditTimeRange } from '../types.js';

/** Formatting of numbers, times and ids for the report: plain text, escaped later by the `html` tag. */

/** Milliseconds since the epoch of an RFC 3339 time, or undefined when it is not one. */
export function timeOf(s: string | null | undefined): number | undefined {
  if (typeof s !== 'string' || s === '') return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

/** `2026-12-03 08:00:01 UTC`; the text as given when it is not a time. */
export function showTime(s: string | null | undefined): string {
  const t = timeOf(s);
  if (t === undefined) return s ? String(s) : '—';
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A range of two times, shortened when both fall on one day. */
export function showRange(from: string | null | undefined, to: string | null | undefined): string {
  const a = showTime(from);
  const b = showTime(to);
  if (a === '—' && b === '—') return '—';
  if (a.slice(0, 10) === b.slice(0, 10) && a.endsWith('UTC') && b.endsWith('UTC')) return `${a.slice(0, 19)} – ${b.slice(11)}`;
  return `${a} – ${b}`;
}

/** An anchored range, or a dash. */
export function showAnchored(r: AuditTimeRange | null): string {
  return r === null ? 'not anchored' : showRange(r.from, r.to);
}

/** 12,345 */
export function showCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A duration in the largest sensible unit: `3 d 4 h`, `5 min`, `12 s`. */
export function showDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return `${d} d ${h % 24} h`;
}

/** The first 8 characters of a session id or hash, for labels (the full id goes in titles and tables). */
export function short(id: string): string {
  return id.length > 10 ? `${id.slice(0, 8)}…` : id;
}

/** `n thing` or `n things`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${showCount(n)} ${n === 1 ? one : many}`;
}
