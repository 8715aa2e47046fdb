import { Encoder, Tag } from 'cbor-x';
import { AtlogError } from '../errors.js';
import { decodeStrict, type CborDecodeOptions } from './cbor-decode.js';

/**
 * The one CBOR codec of atlog.
 *
 * Encoding goes through a single configured cbor-x Encoder, after a preparation pass that makes the output
 * RFC 8949 section 4.2.1 "core deterministic": map keys sorted by the bytewise order of their encodings,
 * integers always as integers in their shortest form (cbor-x would write integers of 2^32 and above as
 * float64), definite lengths only, no cbor-x extensions (records, typed-array tags, shared references).
 *
 * Decoding uses atlog's own strict decoder (cbor-decode.ts) because cbor-x accepts duplicate map keys,
 * indefinite lengths and non-minimal heads, and maps tags 1 and 258 to Date and Set: what a signature covers
 * must not depend on such leniency.
 */

export { Tag };
export type { CborDecodeOptions };

/** A CBOR map as the pure core sees it. */
export type CborMap = Map<unknown, unknown>;

const encoder = new Encoder({
  useRecords: false,
  mapsAsObjects: false,
  variableMapSize: true, // shortest map heads (otherwise cbor-x may write a 16-bit count)
  tagUint8Array: false, // Uint8Array is a plain bstr, never tag 64
  pack: false,
  structuredClone: false,
  bundleStrings: false,
  useFloat32: 0,
  largeBigIntToFloat: false,
  useSelfDescribedHeader: false,
  useToJSON: false,
});

const TWO_32 = 2 ** 32;
const U64_MAX = (1n << 64n) - 1n;

function unsupported(what: string): AtlogError {
  return new AtlogError('ERR_CBOR_UNSUPPORTED_TYPE', `cannot encode ${what} as deterministic CBOR`);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Rewrites `v` into a shape cbor-x encodes deterministically; rejects what has no single encoding here. */
function prepare(v: unknown, depth: number): unknown {
  if (depth > 64) throw new AtlogError('ERR_CBOR_TOO_DEEP', 'value nests deeper than 64 levels');
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return v;
    case 'number':
      if (Number.isInteger(v)) {
        if (!Number.isSafeInteger(v)) throw unsupported('an integer beyond 2^53 held as a number (use bigint)');
        // cbor-x writes integers >= 2^32 as float64; bigint makes it write a major-type 0/1 integer.
        return Math.abs(v) >= TWO_32 ? BigInt(v) : Object.is(v, -0) ? 0 : v;
      }
      if (Number.isNaN(v) || !Number.isFinite(v)) throw unsupported('NaN or Infinity');
      return v;
    case 'bigint':
      if (v > U64_MAX || v < -1n - U64_MAX) throw unsupported('an integer outside the 64-bit CBOR range');
      // Shortest form: small bigints become numbers so cbor-x picks the minimal head.
      if (v >= BigInt(-TWO_32) && v < BigInt(TWO_32)) return Number(v);
      return v;
    case 'object':
      break;
    default:
      throw unsupported(typeof v);
  }
  if (v === null) return null;
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x) => prepare(x, depth + 1));
  if (v instanceof Tag) {
    if (!Number.isSafeInteger(v.tag) || v.tag < 0) throw unsupported('a tag with an invalid number');
    return new Tag(prepare(v.value, depth + 1), v.tag);
  }
  if (v instanceof Map) {
    const entries = [...v.entries()].map(([k, val]) => {
      const key = prepare(k, depth + 1);
      return { key, keyBytes: new Uint8Array(encoder.encode(key)), val: prepare(val, depth + 1) };
    });
    // RFC 8949 4.2.1: keys sorted in the bytewise lexicographic order of their deterministic encodings.
    entries.sort((a, b) => compareBytes(a.keyBytes, b.keyBytes));
    for (let i = 1; i < entries.length; i++) {
      if (compareBytes(entries[i - 1]!.keyBytes, entries[i]!.keyBytes) === 0) {
        throw new AtlogError('ERR_CBOR_DUPLICATE_KEY', 'two map keys have the same encoding');
      }
    }
    return new Map(entries.map((e) => [e.key, e.val]));
  }
  // Plain objects are refused on purpose: `{ -1: x }` in JS has the text key "-1", a silent COSE label bug.
  throw unsupported('a plain object or class instance (use Map, Array, Uint8Array or Tag)');
}

/**
 * Encodes `value` as deterministic CBOR (RFC 8949 4.2.1).
 * Supported: Map, Array, Uint8Array (bstr), string, integer number / bigint (64-bit range), finite float,
 * boolean, null, undefined, and cbor-x `Tag`.
 * @throws AtlogError ERR_CBOR_UNSUPPORTED_TYPE for other values, ERR_CBOR_DUPLICATE_KEY when two keys of a
 *   map encode identically, ERR_CBOR_TOO_DEEP beyond 64 levels.
 */
export function cborEncode(value: unknown): Uint8Array {
  const prepared = prepare(value, 0);
  // Copy out of cbor-x's Buffer so callers get a plain Uint8Array that owns its memory.
  return new Uint8Array(encoder.encode(prepared));
}

/**
 * Decodes exactly one strict, well-formed CBOR item. Maps decode as `Map`, byte strings as `Uint8Array`,
 * integers as `number` when safe and `bigint` otherwise, tags as cbor-x `Tag` (tag 1 is not turned into a
 * Date). Default limits: 16 MiB input, nesting depth 64.
 * @throws AtlogError ERR_CBOR_EMPTY, ERR_CBOR_TRUNCATED (also for length heads larger than the input),
 *   ERR_CBOR_TRAILING_BYTES, ERR_CBOR_INDEFINITE_LENGTH, ERR_CBOR_DUPLICATE_KEY, ERR_CBOR_NON_MINIMAL,
 *   ERR_CBOR_INVALID_UTF8, ERR_CBOR_RESERVED, ERR_CBOR_TOO_LARGE, ERR_CBOR_TOO_DEEP, ERR_INVALID_ARGUMENT.
 */
export function cborDecode(bytes: Uint8Array, options: CborDecodeOptions = {}): unknown {
  return decodeStrict(bytes, options);
}

/** True when `v` is a cbor-x Tag with number `tag`. */
export function isTag(v: unknown, tag: number): v is Tag {
  return v instanceof Tag && v.tag === tag;
}
