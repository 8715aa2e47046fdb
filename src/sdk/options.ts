import { TRUST_LEVELS, type AatRecord, type TrustLevel } from '../aat/types.js';
import type { ClientOptions } from '../client/index.js';
import { AtlogError } from '../errors.js';
import { isPrivateKey, type PrivateKey, type PublicKey } from '../keys/types.js';
import type { DelegationToken } from './delegation.js';
import type { RecordQueue } from './outbox.js';
import { LocalPolicy, type RuleSpec } from './policy.js';

/**
 * The options of a session and their defaults, filled in one place (`resolveSessionOptions`), so that the
 * defaults docs/agents.md states are the ones that run.
 */

/** Enforcement tiers (docs/agents.md "Tiers"): when a tool may run, relative to its record reaching the log. */
export const TIERS = ['detectable', 'bounded', 'strong'] as const;
export type Tier = (typeof TIERS)[number];

export interface SessionOptions {
  /** The transparency service (SCRAPI base URL). Optional only with a `queue`: then records wait for `atlog sync`. */
  url?: string | URL;
  /** Client settings besides the URL (time limits, retries, fetch, headers): see `createClient`. */
  client?: Omit<ClientOptions, 'url'>;
  /** The agent's id, a URI: `agent_id` of every record and `iss` of every Signed Statement. */
  agentId: string;
  /** The agent's signing key (`loadKey(file)`); its public half must be registered with the service as `agentId`'s. */
  key: PrivateKey;
  /** SemVer of the agent. Default `0.0.0`. */
  agentVersion?: string;
  /** Trust level of every record. Default `L1`; a delegate's default is the level it was given. */
  trustLevel?: TrustLevel;
  /** Default: a fresh UUIDv4. */
  sessionId?: string;
  /** Default `detectable`. */
  tier?: Tier;
  /** Local policy: `{ rules: [{ name, rule }] }` or a LocalPolicy (openSession also takes a policy file path). */
  policy?: LocalPolicy | { rules: readonly RuleSpec[] };
  /** A durable queue (openSession makes a file queue from `queueDir`). */
  queue?: RecordQueue;
  /** The token of the delegation that created this session (`session.delegate` of the delegator). */
  delegatedBy?: DelegationToken;
  /** The service's public keys, pinned: the strong tier verifies every receipt it waits for with them. */
  serviceKeys?: readonly PublicKey[];
  /**
   * Also sign every record in-band, as draft -06 does (spec/aat.md section 3): `sig_alg` ES256, `signer_kid` the
   * key's RFC 7638 thumbprint, so the records verify on their own (`atlog verify --aat --record-key`). P-256 keys
   * only. Default false: the Signed Statement's signature already covers every record.
   */
  signRecords?: boolean;
  /** First pause before the background sender retries an unreachable service, in ms. Default 500. */
  retryMs?: number;
  /** Longest pause between retries, in ms. Default 30,000. */
  maxRetryMs?: number;
  /** Told about every record as it joins the chain (genesis included), e.g. to export it elsewhere; must not throw. */
  onRecord?: (record: AatRecord) => void;
  /** Told about background trouble: the service became unreachable, or refused a record (the session broke). */
  onError?: (error: AtlogError) => void;
  /**
   * Continue a session an earlier process began (the `atlog session` command uses it): its records so far,
   * genesis first. No genesis is written; records the queue holds beyond these join the chain first.
   */
  resume?: { records: readonly AatRecord[] };
}

/** SessionOptions with every default filled in. */
export interface ResolvedSessionOptions {
  url: URL | undefined;
  client: Omit<ClientOptions, 'url'>;
  agentId: string;
  key: PrivateKey;
  agentVersion: string;
  trustLevel: TrustLevel | undefined;
  sessionId: string;
  tier: Tier;
  policy: LocalPolicy;
  queue: RecordQueue | undefined;
  delegatedBy: DelegationToken | undefined;
  serviceKeys: readonly PublicKey[];
  signRecords: boolean;
  retryMs: number;
  maxRetryMs: number;
  onError: (error: AtlogError) => void;
  onRecord: ((record: AatRecord) => void) | undefined;
  resume: { records: readonly AatRecord[] } | undefined;
}

const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

function arg(message: string): AtlogError {
  return new AtlogError('ERR_INVALID_ARGUMENT', message);
}

function ms(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < 1 || v > 86_400_000) throw arg(`${name} must be a number of ms from 1 to 86400000`);
  return v;
}

/**
 * Checks the options and fills every default.
 * @throws AtlogError ERR_INVALID_ARGUMENT naming the option; the policy's ERR_POLICY_* codes.
 */
export function resolveSessionOptions(o: SessionOptions): ResolvedSessionOptions {
  if (typeof o !== 'object' || o === null) throw arg('openSession needs an options object');
  if (typeof o.agentId !== 'string' || !URI.test(o.agentId)) throw arg('agentId must be a URI, e.g. urn:agent:example:bot-1');
  if (!o.key || typeof o.key !== 'object' || !isPrivateKey(o.key)) throw arg('key must be a private key (loadKey(file) or generateKey(alg))');
  const agentVersion = o.agentVersion ?? '0.0.0';
  if (typeof agentVersion !== 'string' || !SEMVER.test(agentVersion)) throw arg('agentVersion must be a SemVer version such as 1.4.0');
  if (o.trustLevel !== undefined && !TRUST_LEVELS.includes(o.trustLevel)) throw arg('trustLevel must be one of L0..L4');
  const sessionId = o.sessionId ?? o.resume?.records[0]?.session_id ?? globalThis.crypto.randomUUID();
  if (typeof sessionId !== 'string' || !UUID.test(sessionId)) throw arg('sessionId must be a lowercase UUIDv4');
  const tier = o.tier ?? 'detectable';
  if (!TIERS.includes(tier)) throw arg(`tier must be one of ${TIERS.join(', ')}`);
  let url: URL | undefined;
  if (o.url !== undefined) {
    try {
      url = new URL(String(o.url));
    } catch {
      throw arg(`url "${String(o.url)}" is not a URL`);
    }
  }
  if (url === undefined && o.queue === undefined) throw arg('a session needs a url (the transparency service), a queue, or both');
  if (url === undefined && tier !== 'detectable') throw arg(`the ${tier} tier registers before a tool runs: it needs a url`);
  const serviceKeys = o.serviceKeys ?? [];
  if (tier === 'strong' && serviceKeys.length === 0) throw arg('the strong tier verifies receipts offline: give serviceKeys (the service keys, pinned)');
  let policy = LocalPolicy.none;
  if (o.policy instanceof LocalPolicy) policy = o.policy;
  else if (o.policy !== undefined) policy = LocalPolicy.fromRules((o.policy as { rules: readonly RuleSpec[] }).rules);
  if (o.signRecords && o.key.family !== 'P-256') throw arg(`signRecords signs in-band with ES256: it needs a P-256 key, not ${o.key.family}`);
  if (o.resume !== undefined && (!Array.isArray(o.resume.records) || o.resume.records.length === 0)) throw arg('resume.records must hold the session from its genesis');
  return {
    url,
    client: { ...o.client },
    agentId: o.agentId,
    key: o.key,
    agentVersion,
    trustLevel: o.trustLevel,
    sessionId,
    tier,
    policy,
    queue: o.queue,
    delegatedBy: o.delegatedBy,
    serviceKeys,
    signRecords: o.signRecords === true,
    retryMs: ms('retryMs', o.retryMs, 500),
    maxRetryMs: ms('maxRetryMs', o.maxRetryMs, 30_000),
    onError: o.onError ?? (() => undefined),
    onRecord: o.onRecord,
    resume: o.resume,
  };
}
