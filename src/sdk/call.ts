import type { NextInput } from '../aat/build.js';
import type { AatRecord, JsonObject } from '../aat/types.js';
import { AtlogError, isAtlogError } from '../errors.js';
import { valueHash } from './hashing.js';
import type { Need } from './outbox.js';

/**
 * One tool call in three phases (docs/agents.md "Three phases"): the policy `decision` and the `tool_call`
 * (both pre_execution) when it begins, then the `tool_response` or the `error` (post_execution) when it ends.
 * `session.wrap` drives one per call of the wrapped function; a proxy or framework adapter drives it from the
 * outside with `session.beginCall`, `await call.ready()`, then `call.end(result)` or `call.fail(error)`.
 */

/** Per-tool choices: what is recorded besides hashes, and extra action_detail members. */
export interface ToolOptions {
  /** Record the arguments' JSON form as `action_detail.parameters`, not only their hash. Default false. */
  recordArgs?: boolean;
  /** Record the result's JSON form as `action_detail.response`, not only its hash. Default false. */
  recordResult?: boolean;
  /** Record an error's message; otherwise only its name (and its `code` when it has one). Default false. */
  recordErrors?: boolean;
  /** Further action_detail members of every record of this tool (JSON), e.g. `{ server: 'github' }`; local rules see them. */
  detail?: JsonObject;
}

/** What a call needs from its session. */
export interface CallHost {
  readonly tier: 'detectable' | 'bounded' | 'strong';
  /** Builds, checks against the local policy, chains and queues a record. @throws ERR_POLICY_DENIED, ... */
  append(fields: NextInput, keep?: boolean): { record: AatRecord; seq: number };
  wait(seq: number, need: Need): Promise<void>;
  /** Strong tier: the receipt of record `seq` verifies offline with the service keys. @throws ERR_SDK_RECEIPT_INVALID */
  verifyReceipt(seq: number): Promise<void>;
  release(seq: number): void;
  /** Reports a failure that must not reach the tool's caller (a record that could not be written after it ran). */
  report(e: unknown): void;
}

type State = 'open' | 'ended' | 'denied' | 'not_run';

/** Rounded to µs: JSON numbers in the log stay short. */
const ms = (from: number): number => Math.round((performance.now() - from) * 1000) / 1000;

export class ToolCall {
  private state: State;
  private readiness: Promise<void> | undefined;
  private startedAt = performance.now();
  private readonly callSeq: number | undefined;

  /** @internal Made by `Session.beginCall`. */
  constructor(
    private readonly host: CallHost,
    /** The tool's name (action_detail.tool_name). */
    readonly name: string,
    private readonly options: ToolOptions,
    /** The `decision` record (outcome `denied` when a rule refused the call). */
    readonly decision: { record: AatRecord; seq: number },
    /** The `tool_call` record; undefined when the call was denied. */
    private readonly callRec: { record: AatRecord; seq: number } | undefined,
    /** ERR_POLICY_DENIED with the rule, when a rule refused the call: the tool must not run. */
    readonly denial: AtlogError | undefined,
  ) {
    this.state = denial ? 'denied' : 'open';
    this.callSeq = callRec?.seq;
  }

  /** The `tool_call` record (undefined when denied): its record_id is what the response names as parent_call_id. */
  get call(): AatRecord | undefined {
    return this.callRec?.record;
  }

  /**
   * Resolves when the tool may run under the session's tier: at once (detectable); once the pre-execution records
   * are registered, or durably queued while the service is unreachable (bounded); once the tool_call's receipt is
   * registered and verifies against the service keys (strong). When the tool may not run, an `error` record says
   * so (outcome failure) and the promise rejects.
   * @throws AtlogError ERR_POLICY_DENIED (denied), ERR_SDK_UNREACHABLE, ERR_SDK_RECEIPT_INVALID, ERR_SDK_BROKEN.
   */
  ready(): Promise<void> {
    this.readiness ??= this.becomeReady();
    return this.readiness;
  }

  private async becomeReady(): Promise<void> {
    const tier = this.host.tier;
    if (this.denial) {
      // The denial itself is registered before the refusal is reported, where the tier registers first.
      if (tier !== 'detectable') await this.host.wait(this.decision.seq, 'settled').catch(() => undefined);
      throw this.denial;
    }
    const seq = this.callSeq!;
    try {
      if (tier === 'bounded') await this.host.wait(seq, 'settled');
      if (tier === 'strong') {
        await this.host.wait(seq, 'registered');
        await this.host.verifyReceipt(seq);
      }
    } catch (e) {
      this.notRun(e);
      throw e;
    } finally {
      if (tier === 'strong') this.host.release(seq);
    }
    this.startedAt = performance.now();
  }

  /** The chain says the tool did not run (the tier's condition failed). */
  private notRun(e: unknown): void {
    if (this.state !== 'open') return;
    this.state = 'not_run';
    const err = e instanceof AtlogError ? e : new AtlogError('ERR_INTERNAL', String(e));
    if (err.code === 'ERR_SDK_BROKEN') return; // nothing more can be recorded
    try {
      this.host.append({
        action_type: 'error',
        action_detail: {
          ...this.options.detail,
          tool_name: this.name,
          parent_call_id: this.callRec!.record.record_id,
          error_code: err.code,
          error_message: `not run: ${err.message}`,
          error_category: 'enforcement',
          recoverable: err.code === 'ERR_SDK_UNREACHABLE',
        },
        outcome: 'failure',
        record_phase: 'post_execution',
      });
    } catch (x) {
      this.host.report(x);
    }
  }

  private finish(): { parent: AatRecord } {
    if (this.state !== 'open') {
      throw new AtlogError('ERR_SDK_CALL_STATE', `tool call ${this.name} is ${this.state === 'ended' ? 'already ended' : this.state === 'denied' ? 'denied' : 'not run'}`);
    }
    this.state = 'ended';
    return { parent: this.callRec!.record };
  }

  /**
   * Records the `tool_response`: `response_hash` of the result, `parent_call_id`, `latency_ms` since the tool
   * could start.
   * @throws AtlogError ERR_SDK_CALL_STATE (ended twice, denied, not run), and the session's recording errors.
   */
  end(result: unknown): AatRecord {
    const { parent } = this.finish();
    const r = valueHash(result);
    return this.host.append({
      action_type: 'tool_response',
      action_detail: {
        ...this.options.detail,
        tool_name: this.name,
        response_hash: r.hash,
        parent_call_id: parent.record_id,
        ...(this.options.recordResult && r.json !== undefined ? { response: r.json } : {}),
      },
      latency_ms: ms(this.startedAt),
      record_phase: 'post_execution',
    }).record;
  }

  /**
   * Records an `error` for a tool that threw: `error_code` (the error's `code`, else its name), `error_message`
   * (its message with `recordErrors`, else its name), category `tool_error`, `latency_ms`.
   * @throws AtlogError ERR_SDK_CALL_STATE, and the session's recording errors.
   */
  fail(error: unknown): AatRecord {
    const { parent } = this.finish();
    const e = error as { name?: unknown; message?: unknown; code?: unknown } | null;
    const name = typeof e?.name === 'string' && e.name !== '' ? e.name : typeof error;
    const code = isAtlogError(error) || typeof e?.code === 'string' ? String(e!.code) : name;
    const message = this.options.recordErrors && typeof e?.message === 'string' ? e.message.slice(0, 2000) : name;
    return this.host.append({
      action_type: 'error',
      action_detail: {
        ...this.options.detail,
        tool_name: this.name,
        parent_call_id: parent.record_id,
        error_code: code,
        error_message: message,
        error_category: 'tool_error',
        recoverable: false,
      },
      outcome: 'failure',
      latency_ms: ms(this.startedAt),
      record_phase: 'post_execution',
    }).record;
  }
}

/** The JSON form and hash of a call's parameters, and the action_detail of its tool_call record. */
export function callDetail(name: string, params: unknown, options: ToolOptions): JsonObject {
  const p = valueHash(params);
  return {
    ...options.detail,
    tool_name: name,
    parameters_hash: p.hash,
    ...(options.recordArgs && p.json !== undefined ? { parameters: p.json } : {}),
  };
}
