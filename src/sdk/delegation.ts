import { parseTimestamp } from '../aat/time.js';
import { TRUST_LEVELS, trustRank, type AatRecord, type DelegatedBy, type TrustLevel } from '../aat/types.js';
import { validateRecord } from '../aat/validate.js';
import type { TransparencyClient } from '../client/index.js';
import { AtlogError, isAtlogError } from '../errors.js';
import { parseStatement } from '../statements/parse.js';

/**
 * Delegation between sessions (spec/aat.md section 4): the delegator's `delegation` record, the token it hands
 * to the delegate, and the delegate's checks before its genesis names that record in `delegated_by`.
 */

/**
 * What `session.delegate` returns and `openSession({ delegatedBy })` takes. `agent_id`, `record_id` and `entry`
 * are what the delegate's genesis carries (`delegated_by`); the other members let the delegate check locally
 * what it was given. A token with only the first three is completed from the log: the delegate reads the
 * delegation record from the service.
 */
export interface DelegationToken extends DelegatedBy {
  /** The agent the delegation names. */
  delegate_agent_id?: string;
  /** The highest trust level the delegate's records may carry. */
  trust_level?: TrustLevel;
  /** The delegation record's timestamp: the delegate's genesis must come strictly after it. */
  timestamp?: string;
}

/** What the delegate may do, checked against the delegation record. */
export interface Grant {
  delegatedBy: DelegatedBy;
  delegate: string;
  trustLevel: TrustLevel;
  /** The delegation record's time in whole ms since the epoch (rounded down). */
  at: number | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

function bad(reason: string, message: string): AtlogError {
  return new AtlogError('ERR_SDK_DELEGATION', message, { details: { reason } });
}

/** The token's three link members, checked. @throws AtlogError ERR_SDK_DELEGATION (reason malformed). */
function linkOf(token: unknown): DelegatedBy {
  const t = token as Partial<DelegationToken> | null;
  if (typeof t !== 'object' || t === null) throw bad('malformed', 'delegatedBy must be the token session.delegate returned');
  if (typeof t.agent_id !== 'string' || !URI.test(t.agent_id)) throw bad('malformed', 'delegatedBy.agent_id must be the delegator agent id (a URI)');
  if (typeof t.record_id !== 'string' || !UUID.test(t.record_id)) throw bad('malformed', 'delegatedBy.record_id must be a UUIDv4');
  if (typeof t.entry !== 'string' || !HEX64.test(t.entry)) throw bad('malformed', 'delegatedBy.entry must be 64 lowercase hex digits');
  return { agent_id: t.agent_id, record_id: t.record_id, entry: t.entry };
}

/** The delegation record registered under `entry`, read from the service. */
async function delegationFromLog(client: TransparencyClient | undefined, link: DelegatedBy): Promise<AatRecord> {
  if (!client) throw bad('unverifiable', 'the token carries no trust level and there is no service to read the delegation from');
  let statement: Uint8Array;
  try {
    statement = await client.transparentStatement(link.entry);
  } catch (e) {
    if (isAtlogError(e, 'ERR_CLIENT_NOT_FOUND')) throw bad('not_found', `no entry ${link.entry} in the log`);
    throw new AtlogError('ERR_SDK_UNREACHABLE', `cannot read the delegation from the service: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  try {
    const st = parseStatement(statement);
    return validateRecord(JSON.parse(new TextDecoder().decode(st.sign1.payload ?? new Uint8Array())));
  } catch {
    throw bad('not_delegation', `entry ${link.entry} is not an AAT record`);
  }
}

/**
 * Checks a delegation token for the agent `agentId` and resolves the trust it grants: from the token when it
 * carries it, otherwise from the delegation record in the log.
 * @throws AtlogError ERR_SDK_DELEGATION (reason malformed, not_found, not_delegation, delegator_mismatch,
 *   delegate_mismatch, unverifiable), ERR_SDK_UNREACHABLE (the log could not be read).
 */
export async function resolveGrant(token: unknown, agentId: string, client: TransparencyClient | undefined): Promise<Grant> {
  const link = linkOf(token);
  const t = token as DelegationToken;
  let delegate = t.delegate_agent_id;
  let level = t.trust_level;
  let ts = t.timestamp;
  if (delegate === undefined || level === undefined) {
    const r = await delegationFromLog(client, link);
    if (r.action_type !== 'delegation' || r.record_id !== link.record_id) throw bad('not_delegation', `entry ${link.entry} is not delegation record ${link.record_id}`);
    if (r.agent_id !== link.agent_id) throw bad('delegator_mismatch', `the delegation was made by ${r.agent_id}, not ${link.agent_id}`);
    delegate = String(r.action_detail['delegate_agent_id']);
    level = r.action_detail['delegate_trust_level'] as TrustLevel;
    ts = r.timestamp;
  }
  if (!TRUST_LEVELS.includes(level)) throw bad('malformed', 'delegatedBy.trust_level must be L0..L4');
  if (delegate !== agentId) throw bad('delegate_mismatch', `the delegation names ${delegate}, not ${agentId}`);
  const ns = ts === undefined ? undefined : parseTimestamp(ts);
  return { delegatedBy: link, delegate, trustLevel: level, at: ns === undefined ? undefined : Number(ns / 1_000_000n) };
}

/**
 * The trust level a delegate runs at: the one asked for, which must not exceed the grant, or the grant.
 * @throws AtlogError ERR_SDK_TRUST_ESCALATION when `asked` is above `grant.trustLevel`.
 */
export function delegateTrust(grant: Grant, asked: TrustLevel | undefined): TrustLevel {
  if (asked === undefined) return grant.trustLevel;
  if (trustRank(asked) > trustRank(grant.trustLevel)) {
    throw new AtlogError('ERR_SDK_TRUST_ESCALATION', `trust level ${asked} is above the ${grant.trustLevel} that ${grant.delegatedBy.agent_id} delegated`, {
      details: { asked, granted: grant.trustLevel },
    });
  }
  return asked;
}

/** A genesis timestamp strictly after the delegation (spec/aat.md section 4, rule 5), never before now. */
export function genesisTimeAfter(at: number | undefined): string {
  const now = Date.now();
  return new Date(at === undefined || now > at ? now : at + 1).toISOString();
}
