import { AtlogError, type AtlogErrorCode } from '../errors.js';
import { fromBase64, toBase64 } from '../util/bytes.js';

/**
 * Text and number encodings shared by the C2SP formats (signed-note, tlog-checkpoint, tlog-cosignature,
 * tlog-witness). Strict on purpose: each value has exactly one accepted spelling, so two parties that accept
 * the same bytes agree on what they mean. Pure and browser-safe.
 */

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8(s: string): Uint8Array {
  return ENCODER.encode(s);
}

/**
 * Decode UTF-8 strictly (no replacement characters, a BOM is kept as text).
 * @throws AtlogError `code` when `b` is not valid UTF-8.
 */
export function fromUtf8(b: Uint8Array, code: AtlogErrorCode, what: string): string {
  try {
    return DECODER.decode(b);
  } catch (cause) {
    throw new AtlogError(code, `${what} is not valid UTF-8`, { cause });
  }
}

/**
 * A string's UTF-8 bytes, refusing strings that hold lone surrogates (which TextEncoder would silently turn
 * into U+FFFD, so the signed bytes would differ from the text the caller holds).
 * @throws AtlogError `code` for such strings.
 */
export function strictUtf8(s: string, code: AtlogErrorCode, what: string): Uint8Array {
  const b = utf8(s);
  if (fromUtf8(b, code, what) !== s) throw new AtlogError(code, `${what} holds unpaired UTF-16 surrogates`);
  return b;
}

/**
 * Standard padded base64 (RFC 4648 section 4) in its one canonical spelling: the decoded bytes must encode
 * back to the same string, which rules out stray padding bits and missing padding.
 * @throws AtlogError `code` otherwise.
 */
export function fromCanonicalBase64(s: string, code: AtlogErrorCode, what: string): Uint8Array {
  let out: Uint8Array;
  try {
    out = fromBase64(s, what);
  } catch (cause) {
    throw new AtlogError(code, `${what} is not padded base64`, { cause });
  }
  if (toBase64(out) !== s) throw new AtlogError(code, `${what} is not canonical base64`);
  return out;
}

/**
 * An ASCII decimal with no leading zeroes ("0" for zero), as tree sizes and timestamps are written, up to
 * 2^53 - 1 (atlog's tree sizes are JavaScript safe integers; spec/tlog.md).
 * @throws AtlogError `code` otherwise.
 */
export function parseDecimal(s: string, code: AtlogErrorCode, what: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(s)) throw new AtlogError(code, `${what} is not a decimal without leading zeroes: ${JSON.stringify(s.slice(0, 40))}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new AtlogError(code, `${what} ${s} is above 2^53 - 1`);
  return n;
}

/** Big-endian uint32 at `at`. The caller checks the length. */
export function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;
}

export function writeU32(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/**
 * Big-endian uint64 at `at`, or undefined when it is above 2^53 - 1 (no timestamp or tree size atlog handles
 * is that large; callers treat it as invalid).
 */
export function readU64(b: Uint8Array, at: number): number | undefined {
  const hi = readU32(b, at);
  const lo = readU32(b, at + 4);
  if (hi >= 2 ** 21) return undefined;
  return hi * 2 ** 32 + lo;
}

/** Big-endian uint64 of a safe non-negative integer. */
export function writeU64(n: number): Uint8Array {
  return Uint8Array.of(...writeU32(Math.floor(n / 2 ** 32)), ...writeU32(n % 2 ** 32));
}

/** Lowercase 8-digit hex of a uint32, as key IDs appear in vkeys. */
export function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}
