import {
  genesisRecord,
  nextRecord,
  sessionEndRecord,
  signRecord,
  type AatRecord,
  type NextInput,
} from '../../src/aat/index.js';
import { H, ts, uuidN } from './fixtures.js';

export interface ChainSpec {
  /** Records between genesis and the end (default 3). */
  middle?: number;
  /** Close with session_end (default true). */
  close?: boolean;
  /** Sign every record with this 32-byte private key. */
  key?: Uint8Array;
  /** Salt for deterministic ids, so two chains differ. */
  salt?: number;
  agentId?: string;
  /** Revision to build for (default the builders' latest, 6; 0 builds -00 records without record_phase). */
  draft?: number;
}

const ACTIONS: NextInput[] = [
  { action_type: 'tool_call', action_detail: { tool_name: 'search', parameters_hash: H('1') }, record_phase: 'pre_execution' },
  { action_type: 'decision', action_detail: { decision_type: 'route' }, risk_score: 0.25 },
  { action_type: 'error', action_detail: { error_code: 'E1', error_message: 'x', error_category: 'io', recoverable: true }, outcome: 'failure' },
  { action_type: 'escalation', action_detail: { escalation_reason: 'r', escalation_target: 'urn:human:ops' }, outcome: 'escalated' },
];

/** A deterministic valid session: genesis, `middle` actions, optional session_end; optionally signed. */
export function buildChain(spec: ChainSpec = {}): AatRecord[] {
  const { middle = 3, close = true, key, salt = 0, agentId = 'urn:agent:example:bot-1' } = spec;
  const o = spec.draft === undefined ? {} : { draft: spec.draft };
  const sign = (r: AatRecord): AatRecord => (key ? signRecord(r, key, o) : r);
  const out: AatRecord[] = [
    sign(genesisRecord({ agentId, agentVersion: '1.0.0', trustLevel: 'L2', sessionId: uuidN(1000, salt), recordId: uuidN(0, salt), timestamp: ts(0) }, o)),
  ];
  for (let k = 1; k <= middle; k++) {
    out.push(sign(nextRecord(out[k - 1]!, { ...ACTIONS[(k - 1) % ACTIONS.length]!, record_id: uuidN(k, salt), timestamp: ts(k) }, o)));
  }
  if (close) out.push(sign(sessionEndRecord(out, { record_id: uuidN(middle + 1, salt), timestamp: ts(middle + 1) }, o)));
  return out;
}
