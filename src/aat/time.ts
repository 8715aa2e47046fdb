/**
 * RFC 3339 timestamps as the AAT draft uses them (Section 3.1: RFC 3339 with an offset). Parsed to exact
 * nanoseconds since the epoch (BigInt), so ordering never loses sub-millisecond digits.
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Epoch milliseconds of a UTC calendar time; setUTCFullYear because Date.UTC maps years 0..99 to 19xx. */
function utcMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, s, 0);
  return t.getTime();
}

function daysInMonth(y: number, m: number): number {
  return new Date(utcMs(y, m + 1, 0)).getUTCDate();
}

/**
 * Exact instant of an RFC 3339 timestamp in nanoseconds since 1970, or undefined when `s` is not a valid
 * `date-time` with an explicit offset (upper-case `T` and `Z`; up to 9 fraction digits; leap seconds rejected).
 */
export function parseTimestamp(s: string): bigint | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || se > 59) return undefined;
  let offsetMin = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = utcMs(y, mo, d, h, mi, se) - offsetMin * 60_000;
  const frac = BigInt((m[7] ?? '').padEnd(9, '0'));
  return BigInt(ms) * 1_000_000n + frac;
}

/** True when `s` is a valid RFC 3339 timestamp with an offset. */
export function isTimestamp(s: string): boolean {
  return parseTimestamp(s) !== undefined;
}
