import canonicalizeModule from 'canonicalize';
import { AtlogError } from '../errors.js';
import type { JsonValue } from './types.js';

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS) for AAT records, via the `canonicalize` package.
 * That package silently drops `undefined` members and turns functions into invalid text, so the input is
 * first checked to be I-JSON (RFC 7493, which RFC 8785 Section 3.1 requires): plain objects, arrays,
 * strings without lone surrogates, finite numbers, booleans and null only.
 */

// The package is CommonJS (module.exports = serialize) but its types declare an ES default export; under
// NodeNext TypeScript sees the namespace object. Take whichever callable is there.
type Serialize = (input: unknown) => string | undefined;
const canonicalize: Serialize =
  typeof canonicalizeModule === 'function'
    ? (canonicalizeModule as Serialize)
    : (canonicalizeModule as unknown as { default: Serialize }).default;

/** One reason a value is not JSON, with a JSON Pointer to it. */
export interface JsonProblem {
  path: string;
  message: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function pointer(base: string, key: string | number): string {
  return `${base}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function isPlainObject(x: object): boolean {
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Every place where `x` is not an I-JSON value (empty when it is). Cycles are reported, not followed. */
export function jsonProblems(x: unknown, path = '', seen: Set<object> = new Set()): JsonProblem[] {
  switch (typeof x) {
    case 'string':
      return LONE_SURROGATE.test(x) ? [{ path, message: 'string holds a lone surrogate (not I-JSON)' }] : [];
    case 'boolean':
      return [];
    case 'number':
      return Number.isFinite(x) ? [] : [{ path, message: `number ${String(x)} is not JSON` }];
    case 'object': {
      if (x === null) return [];
      if (seen.has(x)) return [{ path, message: 'cyclic structure' }];
      seen.add(x);
      const out: JsonProblem[] = [];
      if (Array.isArray(x)) {
        for (let i = 0; i < x.length; i++) out.push(...jsonProblems(x[i], pointer(path, i), seen));
      } else if (!isPlainObject(x)) {
        out.push({ path, message: `${x.constructor?.name ?? 'object'} is not a plain JSON object` });
      } else {
        for (const [k, v] of Object.entries(x)) {
          if (LONE_SURROGATE.test(k)) out.push({ path: pointer(path, k), message: 'member name holds a lone surrogate' });
          out.push(...jsonProblems(v, pointer(path, k), seen));
        }
        if (Object.getOwnPropertySymbols(x).length > 0) out.push({ path, message: 'symbol-keyed member is not JSON' });
      }
      seen.delete(x);
      return out;
    }
    default:
      return [{ path, message: `${typeof x} is not JSON` }];
  }
}

/**
 * Throw unless `x` is an I-JSON value.
 * @throws AtlogError `ERR_AAT_NOT_JSON` naming every offending path in `details.errors`.
 */
export function assertJson(x: unknown): asserts x is JsonValue {
  const errors = jsonProblems(x);
  if (errors.length > 0) {
    throw new AtlogError('ERR_AAT_NOT_JSON', `value is not JSON: ${errors[0]!.path || '(root)'} ${errors[0]!.message}`, {
      details: { errors },
    });
  }
}

/**
 * The RFC 8785 canonical text of a JSON value.
 * @throws AtlogError `ERR_AAT_NOT_JSON` for NaN, Infinity, undefined, functions, symbols, bigint, class
 *   instances (Date, Map...), cycles and lone surrogates.
 */
export function canonicalString(x: unknown): string {
  assertJson(x);
  const s = canonicalize(x);
  if (s === undefined) throw new AtlogError('ERR_AAT_NOT_JSON', 'value has no JSON form');
  return s;
}

const utf8 = new TextEncoder();

/**
 * The RFC 8785 canonical UTF-8 bytes of a JSON value (what the record hash and signature cover).
 * @throws AtlogError `ERR_AAT_NOT_JSON` when `x` is not I-JSON (see {@link canonicalString}).
 */
export function canonicalBytes(x: unknown): Uint8Array {
  return utf8.encode(canonicalString(x));
}
