import { canonicalBytes } from '../aat/jcs.js';
import type { JsonValue } from '../aat/types.js';
import { sha256 } from '../crypto/sha256.js';
import { toHex } from '../util/bytes.js';

/**
 * The hashes a tool call leaves in the log instead of its data (docs/agents.md "What is recorded"):
 * `parameters_hash`, `response_hash` and `task_description_hash` are `hex(SHA-256(JCS(v)))`, where `v` is the
 * JSON form of the value: what `JSON.stringify` makes of it (`toJSON` honoured, functions, symbols and
 * `undefined` members dropped, `undefined` alone and in arrays becoming `null`), so that anyone holding the
 * arguments recomputes the hash with any JCS implementation. A value with no JSON form (a BigInt, a cycle, a
 * lone surrogate) is hashed as the JSON string {@link UNHASHABLE} and flagged, never refused: the tool call
 * goes on.
 */

/** What a value without a JSON form is hashed as. */
export const UNHASHABLE = '[atlog: value has no JSON form]';

/** A value's hash and, when it has one, its JSON form (recorded only when the caller opts in). */
export interface ValueHash {
  /** 64 lowercase hex digits. */
  hash: string;
  /** The JSON form; undefined when the value has none. */
  json: JsonValue | undefined;
}

/** The JSON form of `value` (see above), or undefined when it has none. */
export function jsonForm(value: unknown): JsonValue | undefined {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? null : (JSON.parse(text) as JsonValue);
  } catch {
    return undefined; // BigInt, a cycle, a throwing toJSON
  }
}

/** `hex(SHA-256(JCS(jsonForm(value))))`, or of {@link UNHASHABLE} when the value has no JSON form. */
export function valueHash(value: unknown): ValueHash {
  const json = jsonForm(value);
  if (json !== undefined) {
    try {
      return { hash: toHex(sha256(canonicalBytes(json))), json };
    } catch {
      // not I-JSON (a lone surrogate survives JSON.stringify): fall through
    }
  }
  return { hash: toHex(sha256(canonicalBytes(UNHASHABLE))), json: undefined };
}
