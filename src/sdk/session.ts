import type { NextInput } from '../aat/build.js';
import { trustRank, TRUST_LEVELS, type AatRecord, type ActionType, type JsonObject, type JsonValue, type Outcome, type RecordPhase, type TrustLevel } from '../aat/types.js';
import { jwkThumbprint, recordPublicKey, signRecord } from '../aat/signature.js';
import { validateRecord } from '../aat/validate.js';
import { createClient, type TransparencyClient } from '../client/index.js';
import { AtlogError } from '../errors.js';
import { buildRecordStatement } from '../statements/record.js';
import { parseStatement } from '../statements/parse.js';
import { verifyTransparentStatement } from '../verify/statement.js';
import { callDetail, ToolCall, type CallHost, type ToolOptions } from './call.js';
import { SessionChain, type Seal } from './chain.js';
import { KEY_D } from '../cose/labels.js';
import { delegateTrust, genesisTimeAfter, resolveGrant, type DelegationToken } from './delegation.js';
import { valueHash } from './hashing.js';
import { resolveSessionOptions, type ResolvedSessionOptions, type SessionOptions, type Tier } from './options.js';
import { entryIdOf, Outbox, type Need, type SessionQueue } from './outbox.js';
import { policyDenied } from './policy.js';
import { wrapFunction, type WrapOptions, type Wrapped } from './wrap.js';

/**
 * An agent session (docs/agents.md): the genesis record, then one chained record per action, each signed as a
 * Signed Statement and registered in order, closed by `session_end`. `createSession` is the pure core: the
 * queue, if any, is injected; `openSession` (src/sdk/open.ts) adds files (key, policy, queue directory).
 *
 * Length (~400 lines): the session is the SDK's one stateful object (chain, tiers, delegation, close); its parts
 * that stand alone already live beside it (chain.ts, call.ts, outbox.ts, delegation.ts, options.ts).
 */

/** A record the caller adds with `session.record`. */
export interface RecordInput {
  action_type: ActionType;
  action_detail: JsonObject;
  /** Default success. */
  outcome?: Outcome;
  /** Default (spec/aat.md 1.2): pre_execution for tool calls and for denied or escalated actions, post_execution otherwise. */
  record_phase?: RecordPhase;
  /** Optional draft fields (risk_score, model_id, latency_ms, ...) and extensions. */
  [extra: string]: JsonValue | undefined;
}

/** What a session did, when it closed. */
export interface SessionSummary {
  sessionId: string;
  agentId: string;
  /** Records of the session, genesis and session_end included. */
  records: number;
  /** Records this process saw registered. */
  registered: number;
  /** Records left in the queue for later (the service was unreachable): `atlog sync` sends them. */
  queued: number;
  /** Entry id (hex) of the session_end statement. */
  endEntry: string;
}

/** Members a caller may not set: the session writes them. */
const MANAGED = ['record_id', 'timestamp', 'agent_id', 'agent_version', 'session_id', 'trust_level', 'parent_record_id', 'prev_hash', 'signature', 'signature_classical', 'sig_alg', 'signer_kid'];

/** The in-band signer of `signRecords` (spec/aat.md section 3), or none. */
function sealFor(o: ResolvedSessionOptions): Seal | undefined {
  if (!o.signRecords) return undefined;
  const d = o.key.toCoseKey().get(KEY_D) as Uint8Array;
  const kid = jwkThumbprint(recordPublicKey(d));
  return (r) => signRecord(r, d, { kid });
}

/** The record inside a queued Signed Statement. */
function recordOf(statement: Uint8Array): AatRecord {
  const p = parseStatement(statement).sign1.payload;
  return validateRecord(JSON.parse(new TextDecoder().decode(p ?? new Uint8Array())));
}

export class Session<T extends Tier = Tier> implements CallHost {
  private endSeq: number | undefined;
  private closing: Promise<SessionSummary> | undefined;
  private isClosed = false;

  /** @internal Made by `createSession`. */
  constructor(
    private readonly o: ResolvedSessionOptions,
    private readonly chain: SessionChain,
    private readonly outbox: Outbox,
    private readonly queue: SessionQueue | undefined,
    /** The trust level of every record of the session. */
    readonly trustLevel: TrustLevel,
  ) {}

  get sessionId(): string {
    return this.o.sessionId;
  }

  get agentId(): string {
    return this.o.agentId;
  }

  get tier(): T {
    return this.o.tier as T;
  }

  /** The last record of the chain. */
  get lastRecord(): AatRecord {
    return this.chain.tip;
  }

  /** Records so far, genesis included. */
  get recordCount(): number {
    return this.chain.count;
  }

  /** True once close() has finished (or stop() was called). */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Records registered, and records durably queued, so far (this process). */
  get progress(): { records: number; registered: number; queued: number; offline: boolean } {
    return { records: this.outbox.size, registered: this.outbox.registered, queued: this.outbox.queued, offline: this.outbox.offline };
  }

  private assertOpen(): void {
    if (this.outbox.broken) throw this.outbox.broken;
    if (this.endSeq !== undefined || this.isClosed) throw new AtlogError('ERR_SDK_CLOSED', `session ${this.sessionId} is closed`);
  }

  /** @internal CallHost: build, check, chain, queue. */
  append(fields: NextInput, keep = false): { record: AatRecord; seq: number } {
    this.assertOpen();
    const record = this.chain.build(fields);
    const denial = this.o.policy.check(record);
    if (denial) throw policyDenied(denial, `${record.action_type} refused by the local policy`);
    this.chain.commit(record);
    const seq = this.outbox.push(record, keep);
    this.o.onRecord?.(record);
    return { record, seq };
  }

  /** @internal CallHost */
  wait(seq: number, need: Need): Promise<void> {
    return this.outbox.wait(seq, need);
  }

  /** @internal CallHost */
  release(seq: number): void {
    this.outbox.release(seq);
  }

  /** @internal CallHost */
  report(e: unknown): void {
    this.o.onError(e instanceof AtlogError ? e : new AtlogError('ERR_INTERNAL', String(e), { cause: e }));
  }

  /** @internal CallHost: the receipt of kept record `seq`, checked offline with the pinned service keys. */
  async verifyReceipt(seq: number): Promise<void> {
    const it = this.outbox.item(seq);
    if (!it?.statement || !it.receipt) throw new AtlogError('ERR_INTERNAL', `no receipt kept for record ${seq}`);
    const report = await verifyTransparentStatement({
      statement: it.statement,
      receipts: [it.receipt],
      serviceKeys: this.o.serviceKeys,
      issuerKeys: [this.o.key.publicKey],
      requireIssuerSignature: true,
    });
    if (!report.valid) {
      throw new AtlogError('ERR_SDK_RECEIPT_INVALID', `the receipt of record ${it.record.record_id} does not verify: ${report.failure?.code} ${report.failure?.detail ?? ''}`.trim(), {
        details: { failure: report.failure, entry: it.entryId },
      });
    }
  }

  /**
   * Adds a record after the last one (same agent, session and trust level; timestamp now, never before the last).
   * @returns the record as chained and queued for registration.
   * @throws AtlogError ERR_INVALID_ARGUMENT (a member the session writes itself, a session_start/session_end),
   *   ERR_AAT_INVALID (the record fails the AAT schema), ERR_POLICY_DENIED (a local rule refuses it: nothing is
   *   recorded), ERR_SDK_CLOSED, ERR_SDK_BROKEN.
   */
  record(input: RecordInput): AatRecord {
    if (typeof input !== 'object' || input === null) throw new AtlogError('ERR_INVALID_ARGUMENT', 'record() takes { action_type, action_detail, ... }');
    const managed = MANAGED.filter((k) => k in input);
    if (managed.length > 0) throw new AtlogError('ERR_INVALID_ARGUMENT', `the session writes ${managed.join(', ')} itself`);
    const event = (input.action_detail as Record<string, unknown> | undefined)?.['event'];
    if (input.action_type === 'lifecycle' && (event === 'session_start' || event === 'session_end')) {
      throw new AtlogError('ERR_INVALID_ARGUMENT', 'the session writes session_start and session_end itself (session_end: close())');
    }
    return this.append(input).record;
  }

  /**
   * Begins a tool call: evaluates the local policy on the tool_call it would record and records the `decision`
   * (outcome `denied` with the rule when refused), then, when allowed, the `tool_call` with `parameters_hash` =
   * SHA-256 of the JCS form of `params`. The tool may run once `call.ready()` resolves; end it with
   * `call.end(result)` or `call.fail(error)`.
   * @throws AtlogError ERR_SDK_CLOSED, ERR_SDK_BROKEN, ERR_POLICY_DENIED when a rule refuses even the decision
   *   record; a denied call does not throw here: `call.denial` is set and `ready()` rejects with it.
   */
  beginCall(name: string, params: unknown, options: ToolOptions = {}): ToolCall {
    if (typeof name !== 'string' || name === '') throw new AtlogError('ERR_INVALID_ARGUMENT', 'a tool name must be non-empty text');
    this.assertOpen();
    const detail = callDetail(name, params, options);
    const tip = this.chain.tip;
    // What the rules see: the tool_call as it would be recorded (its links do not matter to a rule).
    const candidate = {
      agent_id: tip.agent_id, agent_version: tip.agent_version, session_id: tip.session_id, trust_level: tip.trust_level,
      action_type: 'tool_call', action_detail: detail, outcome: 'success', record_phase: 'pre_execution',
    };
    const denial = this.o.policy.check(candidate);
    const decision = this.append({
      action_type: 'decision',
      action_detail: {
        ...options.detail,
        decision_type: 'policy_check',
        tool_name: name,
        parameters_hash: detail['parameters_hash'] as string,
        result: denial ? 'deny' : 'allow',
        ...(denial ? { rule: denial.rule, reason: denial.reason } : {}),
      },
      outcome: denial ? 'denied' : 'success',
      record_phase: 'pre_execution',
    });
    if (denial) return new ToolCall(this, name, options, decision, undefined, policyDenied(denial, `tool ${name} denied`));
    const call = this.append({ action_type: 'tool_call', action_detail: detail, record_phase: 'pre_execution' }, this.tier === 'strong');
    return new ToolCall(this, name, options, decision, call, undefined);
  }

  /**
   * Wraps a tool: the returned function has `fn`'s parameters and records each call in three phases
   * (docs/agents.md). In the detectable tier it returns what `fn` returns (a sync tool stays sync); in the
   * bounded and strong tiers it returns a promise, because the tool waits for the log. The value or exception
   * of `fn` passes through untouched; a denied call throws ERR_POLICY_DENIED and `fn` never runs.
   */
  wrap<A extends unknown[], R>(name: string, fn: (...args: A) => R, options: WrapOptions<A> = {}): Wrapped<T, A, R> {
    return wrapFunction(this, name, fn, options) as Wrapped<T, A, R>;
  }

  /**
   * Delegates a task to another agent: records a `delegation` (delegate, trust level, `task_description_hash` =
   * SHA-256 of the JCS form of `task`), waits until it is registered (or durably queued, when the service is
   * unreachable) and returns the token the delegate passes as `openSession({ delegatedBy })`.
   * @throws AtlogError ERR_INVALID_ARGUMENT, ERR_SDK_TRUST_ESCALATION (more trust than this session has),
   *   ERR_POLICY_DENIED, ERR_SDK_UNREACHABLE, ERR_SDK_RECEIPT_INVALID (strong), ERR_SDK_CLOSED, ERR_SDK_BROKEN.
   */
  async delegate(agentId: string, options: { trustLevel: TrustLevel; task: unknown; detail?: JsonObject }): Promise<DelegationToken> {
    if (typeof agentId !== 'string' || !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(agentId)) throw new AtlogError('ERR_INVALID_ARGUMENT', 'the delegate must be an agent id (a URI)');
    const level = options?.trustLevel;
    if (!TRUST_LEVELS.includes(level)) throw new AtlogError('ERR_INVALID_ARGUMENT', 'trustLevel must be one of L0..L4');
    if (trustRank(level) > trustRank(this.trustLevel)) {
      throw new AtlogError('ERR_SDK_TRUST_ESCALATION', `a session at ${this.trustLevel} cannot delegate ${level}`, { details: { asked: level, granted: this.trustLevel } });
    }
    const { record, seq } = this.append({
      action_type: 'delegation',
      action_detail: { ...options.detail, delegate_agent_id: agentId, delegate_trust_level: level, task_description_hash: valueHash(options.task).hash },
      record_phase: 'pre_execution',
    }, true);
    try {
      await this.outbox.wait(seq, this.tier === 'strong' ? 'registered' : 'settled');
      if (this.tier === 'strong') await this.verifyReceipt(seq);
      const it = this.outbox.item(seq)!;
      return {
        agent_id: this.agentId,
        record_id: record.record_id,
        entry: it.entryId ?? entryIdOf(it.statement!),
        delegate_agent_id: agentId,
        trust_level: level,
        timestamp: record.timestamp,
      };
    } finally {
      this.outbox.release(seq);
    }
  }

  /**
   * Resolves when every record so far is registered, or durably queued while the service cannot be reached.
   * @throws AtlogError ERR_SDK_UNREACHABLE (no queue, service unreachable: the records stay in memory and are
   *   retried), ERR_SDK_BROKEN.
   */
  async flush(): Promise<void> {
    if (this.outbox.size > 0) await this.outbox.wait(this.outbox.size - 1, 'settled');
  }

  /**
   * Closes the session: records `lifecycle/session_end` with `session_hash` and `record_count` (outcome
   * default success) and resolves once every record is registered or durably queued. Calling it again after a
   * failure waits again (the session_end is written once).
   * @throws AtlogError ERR_SDK_UNREACHABLE (no queue and the service unreachable: call close() again later),
   *   ERR_SDK_BROKEN, ERR_POLICY_DENIED (a local rule refuses the session_end).
   */
  close(options: { outcome?: Outcome } = {}): Promise<SessionSummary> {
    this.closing ??= this.finish(options).finally(() => {
      if (!this.isClosed) this.closing = undefined;
    });
    return this.closing;
  }

  /**
   * Stops the session without closing it: no more records, background sending ends, the queue is released with
   * what it still holds (for `atlog sync`, or a later process that resumes the session as `atlog session` does).
   * The session stays open in the log: a verifier reports it as not complete.
   */
  async stop(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.outbox.stop();
    await this.queue?.close(false);
  }

  private async finish(options: { outcome?: Outcome }): Promise<SessionSummary> {
    if (this.endSeq === undefined) {
      if (this.outbox.broken) {
        await this.outbox.stop();
        await this.queue?.close(false);
        this.isClosed = true;
        throw this.outbox.broken;
      }
      const end = this.chain.end({ outcome: options.outcome ?? 'success' });
      const denial = this.o.policy.check(end);
      if (denial) throw policyDenied(denial, 'session_end refused by the local policy');
      this.chain.commit(end);
      this.endSeq = this.outbox.push(end, true);
      this.o.onRecord?.(end);
    }
    await this.outbox.wait(this.endSeq, 'settled');
    const all = this.outbox.registered === this.outbox.size;
    await this.outbox.stop();
    await this.queue?.close(all);
    this.isClosed = true;
    const it = this.outbox.item(this.endSeq)!;
    return {
      sessionId: this.sessionId,
      agentId: this.agentId,
      records: this.chain.count,
      registered: this.outbox.registered,
      queued: this.outbox.size - this.outbox.registered,
      endEntry: it.entryId ?? entryIdOf(it.statement!),
    };
  }
}

/**
 * Opens a session with an injected queue (pure: no files): resolves the options, checks a delegation, writes
 * the genesis record (or resumes) and waits until the genesis is registered or durably queued (strong: its
 * receipt verified), so that a wrong key, issuer or service shows at once.
 * @throws AtlogError ERR_INVALID_ARGUMENT, ERR_POLICY_*, ERR_SDK_DELEGATION, ERR_SDK_TRUST_ESCALATION,
 *   ERR_QUEUE_LOCKED, ERR_SDK_BROKEN (the service refused the genesis), ERR_SDK_UNREACHABLE (bounded without a
 *   queue, or strong, and the service cannot be reached), ERR_SDK_RECEIPT_INVALID (strong).
 */
export async function createSession<T extends Tier = 'detectable'>(options: SessionOptions & { tier?: T }): Promise<Session<T>> {
  const o = resolveSessionOptions(options);
  const client: TransparencyClient | undefined = o.url ? createClient({ ...o.client, url: o.url }) : undefined;
  const grant = o.delegatedBy !== undefined ? await resolveGrant(o.delegatedBy, o.agentId, client) : undefined;
  const trustLevel = grant ? delegateTrust(grant, o.trustLevel) : (o.trustLevel ?? 'L1');
  const queue = o.queue ? await o.queue.open(o.sessionId) : undefined;
  try {
    let chain: SessionChain;
    let leftovers: Array<{ record: AatRecord; statement: Uint8Array }> = [];
    let genesis: AatRecord | undefined;
    if (o.resume) {
      chain = SessionChain.resume(o.resume.records, sealFor(o));
      const known = new Set(o.resume.records.map((r) => r.record_id));
      leftovers = (queue?.unsent ?? []).map((statement) => ({ statement, record: recordOf(statement) }));
      // Records an earlier process queued after it last saved its state join the chain first.
      for (const l of leftovers) if (!known.has(l.record.record_id)) chain.commit(l.record);
    } else {
      if (queue && queue.unsent.length > 0) {
        throw new AtlogError('ERR_INVALID_ARGUMENT', `session ${o.sessionId} has queued records: send them with atlog sync, or resume it`);
      }
      ({ chain, genesis } = SessionChain.genesis({
        agentId: o.agentId,
        agentVersion: o.agentVersion,
        trustLevel,
        sessionId: o.sessionId,
        ...(grant ? { delegatedBy: grant.delegatedBy, timestamp: genesisTimeAfter(grant.at) } : {}),
        detail: { enforcement_tier: o.tier, local_policy_hash: o.policy.hash },
      }, sealFor(o)));
      const denial = o.policy.check(genesis);
      if (denial) throw policyDenied(denial, 'session_start refused by the local policy');
    }
    const outbox = new Outbox(
      { client, queue, sign: (r) => buildRecordStatement(r, o.key), retryMs: o.retryMs, maxRetryMs: o.maxRetryMs, onError: o.onError },
      leftovers,
      queue !== undefined,
    );
    const session = new Session<T>(o, chain, outbox, queue, trustLevel);
    if (genesis) {
      const seq = outbox.push(genesis, o.tier === 'strong');
      o.onRecord?.(genesis);
      try {
        await outbox.wait(seq, o.tier === 'strong' ? 'registered' : 'settled');
        if (o.tier === 'strong') await session.verifyReceipt(seq);
      } catch (e) {
        // Detectable without a queue: the records wait in memory until the service is back.
        if (!(o.tier === 'detectable' && !queue && e instanceof AtlogError && e.code === 'ERR_SDK_UNREACHABLE')) {
          await outbox.stop();
          throw e;
        }
      } finally {
        outbox.release(seq);
      }
    }
    return session;
  } catch (e) {
    await queue?.close(false);
    throw e;
  }
}
