/**
 * Recognising an AAT record that arrives without its content type: the service refuses such a statement
 * (spec/policy.md, `aat_wrong_content_type`) rather than logging an untracked entry, and the CLI names the
 * content type the record needs. A heuristic on purpose, not validation: three members every draft requires.
 */

/** True for a JSON object with text `agent_id`, `session_id` and `action_type`: what no other payload has. */
export function looksLikeAatRecord(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.agent_id === 'string' && typeof o.session_id === 'string' && typeof o.action_type === 'string';
}

const AGENT_ID = new TextEncoder().encode('"agent_id"');

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * The record, when `payload` is UTF-8 JSON that looks like an AAT record (see looksLikeAatRecord); otherwise
 * undefined. Payloads that do not start with `{` or lack the text `"agent_id"` are dismissed without parsing.
 */
export function aatRecordIn(payload: Uint8Array): Record<string, unknown> | undefined {
  let i = 0;
  while (i < payload.length && (payload[i] === 0x20 || payload[i] === 0x09 || payload[i] === 0x0a || payload[i] === 0x0d)) i++;
  if (payload[i] !== 0x7b || !contains(payload, AGENT_ID)) return undefined;
  try {
    const v: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
    return looksLikeAatRecord(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
