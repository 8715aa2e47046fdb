import { Tag } from 'cbor-x';
import { AtlogError, type AtlogErrorCode } from '../errors.js';

/** Limits for the strict decoder. */
export interface CborDecodeOptions {
  /** Largest accepted input in bytes (default 16 MiB). */
  maxBytes?: number;
  /** Deepest accepted nesting of arrays, maps and tags (default 64). */
  maxDepth?: number;
}

const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 64;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function fail(code: Extract<AtlogErrorCode, `ERR_CBOR_${string}`>, message: string, offset: number): never {
  throw new AtlogError(code, `${message} at byte ${offset}`, { details: { offset } });
}

/**
 * A single-pass strict CBOR decoder (RFC 8949 section 3, plus the 4.2.1 rule that heads are minimal).
 * It never allocates from a length head before checking that the input holds that many bytes, so a hostile
 * head such as `0x9b ffffffffffffffff` fails fast instead of allocating.
 */
class Reader {
  pos = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly maxDepth: number,
  ) {}

  private byte(): number {
    if (this.pos >= this.buf.length) fail('ERR_CBOR_TRUNCATED', 'unexpected end of input', this.pos);
    return this.buf[this.pos++]!;
  }

  private remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Reads the argument of a head with additional info `ai`; enforces the shortest form. */
  private argument(ai: number, start: number): number | bigint {
    if (ai < 24) return ai;
    const need = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : 8;
    if (this.remaining() < need) fail('ERR_CBOR_TRUNCATED', 'head runs past the end of input', start);
    let v: number | bigint;
    if (need === 8) {
      let b = 0n;
      for (let i = 0; i < 8; i++) b = (b << 8n) | BigInt(this.buf[this.pos++]!);
      if (b < 0x1_0000_0000n) fail('ERR_CBOR_NON_MINIMAL', 'integer head is not in its shortest form', start);
      v = b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
    } else {
      let n = 0;
      for (let i = 0; i < need; i++) n = n * 256 + this.buf[this.pos++]!;
      const min = need === 1 ? 24 : need === 2 ? 0x100 : 0x1_0000;
      if (n < min) fail('ERR_CBOR_NON_MINIMAL', 'integer head is not in its shortest form', start);
      v = n;
    }
    return v;
  }

  /** A length or count that must fit in the rest of the input (each item takes at least one byte). */
  private length(ai: number, start: number): number {
    const n = this.argument(ai, start);
    if (typeof n === 'bigint' || n > this.remaining()) {
      fail('ERR_CBOR_TRUNCATED', 'length head is larger than the remaining input', start);
    }
    return n;
  }

  item(depth: number): unknown {
    const start = this.pos;
    const ib = this.byte();
    const major = ib >> 5;
    const ai = ib & 0x1f;
    if (ai === 31) {
      if (major === 7) fail('ERR_CBOR_MALFORMED', 'unexpected break code', start);
      if (major >= 2 && major <= 5) fail('ERR_CBOR_INDEFINITE_LENGTH', 'indefinite-length item', start);
      fail('ERR_CBOR_MALFORMED', 'additional information 31 is not valid for this major type', start);
    }
    if (ai >= 28) fail('ERR_CBOR_MALFORMED', 'reserved additional information 28-30', start);
    if (major >= 4 && major <= 6 && depth >= this.maxDepth) {
      fail('ERR_CBOR_TOO_DEEP', `nesting deeper than ${this.maxDepth}`, start);
    }
    switch (major) {
      case 0:
        return this.argument(ai, start);
      case 1: {
        const n = this.argument(ai, start);
        if (typeof n === 'bigint') return -1n - n;
        return n >= Number.MAX_SAFE_INTEGER ? -1n - BigInt(n) : -1 - n;
      }
      case 2: {
        const len = this.length(ai, start);
        const out = this.buf.slice(this.pos, this.pos + len);
        this.pos += len;
        return out;
      }
      case 3: {
        const len = this.length(ai, start);
        const raw = this.buf.subarray(this.pos, this.pos + len);
        this.pos += len;
        try {
          return utf8.decode(raw);
        } catch {
          return fail('ERR_CBOR_INVALID_UTF8', 'text string is not valid UTF-8', start);
        }
      }
      case 4: {
        const count = this.length(ai, start);
        const arr: unknown[] = [];
        for (let i = 0; i < count; i++) arr.push(this.item(depth + 1));
        return arr;
      }
      case 5: {
        const count = this.length(ai, start);
        const map = new Map<unknown, unknown>();
        const seen = new Set<string>();
        for (let i = 0; i < count; i++) {
          const keyStart = this.pos;
          const key = this.item(depth + 1);
          // Heads are minimal, so equal keys have equal encodings: compare the raw key bytes.
          const raw = this.buf.subarray(keyStart, this.pos);
          let id = '';
          for (const b of raw) id += String.fromCharCode(b);
          if (seen.has(id)) fail('ERR_CBOR_DUPLICATE_KEY', 'duplicate map key', keyStart);
          seen.add(id);
          map.set(key, this.item(depth + 1));
        }
        return map;
      }
      case 6: {
        const tag = this.argument(ai, start);
        if (typeof tag === 'bigint') fail('ERR_CBOR_RESERVED', 'tag number beyond 2^53', start);
        return new Tag(this.item(depth + 1), tag);
      }
      default:
        return this.simple(ai, start);
    }
  }

  private simple(ai: number, start: number): unknown {
    switch (ai) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 24: {
        const v = this.byte();
        if (v < 32) fail('ERR_CBOR_MALFORMED', 'two-byte simple value below 32', start);
        return fail('ERR_CBOR_RESERVED', 'unassigned simple value', start);
      }
      case 25:
      case 26:
      case 27: {
        const need = ai === 25 ? 2 : ai === 26 ? 4 : 8;
        if (this.remaining() < need) fail('ERR_CBOR_TRUNCATED', 'float runs past the end of input', start);
        const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, need);
        this.pos += need;
        if (need === 4) return view.getFloat32(0);
        if (need === 8) return view.getFloat64(0);
        return halfToNumber(view.getUint16(0));
      }
      default:
        return fail('ERR_CBOR_RESERVED', 'unassigned simple value', start);
    }
  }
}

/** IEEE 754 binary16 to a JS number (RFC 8949 Appendix D). */
function halfToNumber(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  let val: number;
  if (exp === 0) val = mant * 2 ** -24;
  else if (exp !== 31) val = (mant + 1024) * 2 ** (exp - 25);
  else val = mant === 0 ? Infinity : NaN;
  return h & 0x8000 ? -val : val;
}

/**
 * Decodes exactly one item from `bytes` with every strictness rule on. See `cborDecode` in cbor.ts.
 * @throws AtlogError ERR_CBOR_* (see cborDecode), ERR_INVALID_ARGUMENT when `bytes` is not a Uint8Array.
 */
export function decodeStrict(bytes: Uint8Array, options: CborDecodeOptions = {}): unknown {
  if (!(bytes instanceof Uint8Array)) throw new AtlogError('ERR_INVALID_ARGUMENT', 'CBOR input must be bytes');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > maxBytes) {
    throw new AtlogError('ERR_CBOR_TOO_LARGE', `CBOR input of ${bytes.length} bytes exceeds ${maxBytes}`);
  }
  if (bytes.length === 0) throw new AtlogError('ERR_CBOR_EMPTY', 'CBOR input is empty');
  const r = new Reader(bytes, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  const value = r.item(0);
  if (r.pos !== bytes.length) fail('ERR_CBOR_TRAILING_BYTES', `${bytes.length - r.pos} bytes after the item`, r.pos);
  return value;
}
