import { AtlogError } from '../errors.js';
import { concatBytes } from '../util/bytes.js';

/**
 * A minimal, strict DER reader and writer (ITU-T X.690 section 10) for the parts of RFC 3161 and CMS whose
 * original bytes matter: signatures cover exact bytes, so this module slices them out instead of re-encoding.
 * Pure, browser-safe. Reading rejects indefinite lengths, non-minimal lengths and truncated input with
 * `ERR_TSA_MALFORMED`.
 */

/** One decoded tag-length-value element; `bytes` is the whole element, `value` its contents. */
export interface Tlv {
  readonly tag: number;
  readonly bytes: Uint8Array;
  readonly value: Uint8Array;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  GENERALIZED_TIME: 0x18,
} as const;

/** Context-specific constructed tag `[n]` (0xA0 + n). */
export const ctx = (n: number): number => 0xa0 + n;

function malformed(what: string): AtlogError {
  return new AtlogError('ERR_TSA_MALFORMED', `malformed DER: ${what}`);
}

/**
 * Read one element at `offset`.
 * @throws AtlogError `ERR_TSA_MALFORMED` on high tag numbers, bad lengths or truncation.
 */
export function readTlv(buf: Uint8Array, offset = 0): Tlv {
  if (offset + 2 > buf.length) throw malformed('truncated header');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw malformed('high tag numbers are not used here');
  let len = buf[offset + 1]!;
  let hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    // X.690 10.1: definite form only; at most 4 length bytes is plenty for a token.
    if (n === 0 || n > 4) throw malformed('indefinite or oversized length');
    if (offset + 2 + n > buf.length) throw malformed('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i]!;
    if (buf[offset + 2] === 0 || len < 0x80) throw malformed('non-minimal length');
    hdr += n;
  }
  const end = offset + hdr + len;
  if (end > buf.length) throw malformed('truncated value');
  return { tag, bytes: buf.subarray(offset, end), value: buf.subarray(offset + hdr, end) };
}

/**
 * Read exactly one element filling `buf`, optionally of an expected tag.
 * @throws AtlogError `ERR_TSA_MALFORMED` on trailing bytes or an unexpected tag.
 */
export function readOne(buf: Uint8Array, tag?: number, name = 'element'): Tlv {
  const t = readTlv(buf, 0);
  if (t.bytes.length !== buf.length) throw malformed(`trailing bytes after ${name}`);
  if (tag !== undefined && t.tag !== tag) throw malformed(`${name}: expected tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)}`);
  return t;
}

/**
 * The children of a constructed element (its contents read as a sequence of elements).
 * @throws AtlogError `ERR_TSA_MALFORMED` when the contents do not parse exactly.
 */
export function children(t: Tlv | Uint8Array): Tlv[] {
  const v = t instanceof Uint8Array ? t : t.value;
  const out: Tlv[] = [];
  let o = 0;
  while (o < v.length) {
    const c = readTlv(v, o);
    out.push(c);
    o += c.bytes.length;
  }
  return out;
}

/** Decode an OBJECT IDENTIFIER's contents to dotted form. @throws AtlogError `ERR_TSA_MALFORMED` */
export function decodeOid(t: Tlv | undefined): string {
  if (!t || t.tag !== TAG.OID || t.value.length === 0) throw malformed('expected an OBJECT IDENTIFIER');
  // Arcs may exceed 2^53 (UUID-derived OIDs under 2.25, X.667): numbers while safe, bigint beyond.
  const parts: Array<number | bigint> = [];
  let acc: number | bigint = 0;
  for (let i = 0; i < t.value.length; i++) {
    const b = t.value[i]!;
    if (acc === 0 && b === 0x80) throw malformed('non-minimal OID arc');
    if (typeof acc === 'number' && acc >= 2 ** 45) acc = BigInt(acc);
    acc = typeof acc === 'number' ? acc * 128 + (b & 0x7f) : (acc << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(acc);
      acc = 0;
    } else if (i === t.value.length - 1) throw malformed('truncated OID arc');
  }
  const first = BigInt(parts.shift()!);
  const a = first < 80n ? first / 40n : 2n;
  return [a, first - a * 40n, ...parts].join('.');
}

/** Decode a non-negative INTEGER to bigint. @throws AtlogError `ERR_TSA_MALFORMED` */
export function decodeUint(t: Tlv | undefined): bigint {
  if (!t || t.tag !== TAG.INTEGER || t.value.length === 0) throw malformed('expected an INTEGER');
  if (t.value[0]! & 0x80) throw malformed('negative INTEGER where a positive one is required');
  let n = 0n;
  for (const b of t.value) n = (n << 8n) | BigInt(b);
  return n;
}

// ---- writer ----

function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** Encode one element from a tag and its contents. */
export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const v = concatBytes(...contents);
  return concatBytes(Uint8Array.of(tag), encodeLength(v.length), v);
}

export const seq = (...items: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, ...items);

/** A DER SET OF: X.690 11.6 wants the elements sorted by their encodings. */
export function setOf(tag: number, items: Uint8Array[]): Uint8Array {
  const sorted = [...items].sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return a.length - b.length;
  });
  return tlv(tag, ...sorted);
}

const OIDS = new Map<string, Uint8Array>();

/**
 * Encode a dotted OID (memoised: the same few OIDs are written into every token).
 * @throws AtlogError `ERR_INVALID_ARGUMENT` when `dotted` is not a dotted OID.
 */
export function oid(dotted: string): Uint8Array {
  const hit = OIDS.get(dotted);
  if (hit) return hit.slice();
  const enc = encodeOid(dotted);
  if (OIDS.size < 256) OIDS.set(dotted, enc);
  return enc.slice();
}

function encodeOid(dotted: string): Uint8Array {
  if (!/^[0-2](\.\d+)+$/.test(dotted)) throw new AtlogError('ERR_INVALID_ARGUMENT', `not a dotted OID: ${dotted}`);
  const arcs = dotted.split('.').map((s) => BigInt(s));
  const body: number[] = [];
  const push = (n: bigint): void => {
    const g: number[] = [Number(n & 0x7fn)];
    for (let x = n >> 7n; x > 0n; x >>= 7n) g.unshift(0x80 | Number(x & 0x7fn));
    body.push(...g);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return tlv(TAG.OID, Uint8Array.from(body));
}

/**
 * Encode a non-negative bigint as a DER INTEGER (leading 0x00 when the high bit is set).
 * @throws AtlogError `ERR_INVALID_ARGUMENT` for a negative value.
 */
export function uint(n: bigint): Uint8Array {
  if (n < 0n) throw new AtlogError('ERR_INVALID_ARGUMENT', 'negative INTEGER');
  const bytes: number[] = [];
  for (let x = n; x > 0n; x >>= 8n) bytes.unshift(Number(x & 0xffn));
  if (bytes.length === 0 || bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(TAG.INTEGER, Uint8Array.from(bytes));
}

export const octets = (b: Uint8Array): Uint8Array => tlv(TAG.OCTET_STRING, b);
export const derNull = (): Uint8Array => Uint8Array.of(0x05, 0x00);
export const bool = (b: boolean): Uint8Array => Uint8Array.of(0x01, 0x01, b ? 0xff : 0x00);

/** GeneralizedTime with millisecond precision when non-zero (RFC 3161 2.4.2: "Z", no trailing zeros). */
export function generalizedTime(d: Date): Uint8Array {
  const iso = d.toISOString(); // 2026-11-21T12:00:00.123Z
  let s = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19);
  const ms = iso.slice(20, 23).replace(/0+$/, '');
  if (ms) s += '.' + ms;
  return tlv(TAG.GENERALIZED_TIME, new TextEncoder().encode(s + 'Z'));
}
