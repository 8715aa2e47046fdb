import { canonicalBytes, genesisRecord, nextRecord, sessionEndRecord, type AatRecord, type DelegatedBy } from '../../src/aat/index.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { toHex } from '../../src/util/bytes.js';

/** Deterministic AAT sessions for the vectors: fixed UUIDs (v4 layout from a hash) and fixed timestamps. */

export function uuidOf(name: string): string {
  const h = toHex(sha256(new TextEncoder().encode(`atlog test-vectors v1 uuid ${name}`)));
  const variant = '89ab'[parseInt(h[16]!, 16) % 4]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function at(second: number): string {
  return new Date(Date.UTC(2026, 2, 29, 12, 0, second)).toISOString();
}

/** A session: genesis, tool_call, tool_response, decision, then optionally `extra` records, then session_end. */
export function session(agent: string, name: string, opts: { delegatedBy?: DelegatedBy; delegateTo?: string; end?: boolean; start?: number; draft?: number } = {}): AatRecord[] {
  const t0 = opts.start ?? 0; // delegates start after their delegation (src/aat checks the time order)
  const b = opts.draft === undefined ? {} : { draft: opts.draft }; // default: the builders' latest revision
  const sid = uuidOf(`${name} session`);
  const g = genesisRecord({
    agentId: agent,
    agentVersion: '1.0.0',
    trustLevel: 'L2',
    sessionId: sid,
    recordId: uuidOf(`${name} 0`),
    timestamp: at(t0),
    ...(opts.delegatedBy ? { delegatedBy: opts.delegatedBy } : {}),
  }, b);
  const recs: AatRecord[] = [g];
  const push = (f: Parameters<typeof nextRecord>[1]): AatRecord => {
    const r = nextRecord(recs[recs.length - 1]!, { ...f, record_id: uuidOf(`${name} ${recs.length}`), timestamp: at(t0 + recs.length) }, b);
    recs.push(r);
    return r;
  };
  push({ action_type: 'tool_call', action_detail: { tool_name: 'search', parameters_hash: toHex(sha256(new TextEncoder().encode(`${name} q`))) } });
  push({ action_type: 'tool_response', action_detail: { tool_name: 'search', response_hash: toHex(sha256(new TextEncoder().encode(`${name} r`))), parent_call_id: recs[1]!.record_id } });
  if (opts.delegateTo) {
    push({
      action_type: 'delegation',
      action_detail: { delegate_agent_id: opts.delegateTo, delegate_trust_level: 'L2', task_description_hash: toHex(sha256(new TextEncoder().encode(`${name} task`))) },
    });
  }
  push({ action_type: 'decision', action_detail: { decision_type: 'answer' } });
  if (opts.end !== false) recs.push(sessionEndRecord(recs, { record_id: uuidOf(`${name} ${recs.length}`), timestamp: at(t0 + recs.length) }, b));
  return recs;
}

export const jcs = (r: AatRecord): Uint8Array => canonicalBytes(r);
