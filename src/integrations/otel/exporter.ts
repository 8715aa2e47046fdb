import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TrustLevel } from '../../aat/types.js';
import { AtlogError } from '../../errors.js';
import type { PrivateKey } from '../../keys/types.js';
import { openSession, type OpenSessionOptions } from '../../sdk/open.js';
import type { Session } from '../../sdk/session.js';
import { recordsOf, type SpanAgent, type SpanContextOf as Context } from './records.js';
import { readSpan, type GenAiSpan } from './spans.js';

/**
 * `AatSpanExporter` (docs/integrations.md "OpenTelemetry"): an OpenTelemetry SpanExporter that turns the
 * `execute_tool` and `invoke_agent` spans of the GenAI semantic conventions into AAT records, one atlog session
 * per agent and conversation. A tool span rarely names its agent: the agent and the conversation are read up the
 * span's parent chain, so a tool span waits until the ancestor that names them has ended and been exported
 * (children end first). Records follow the order in which the exporter received the spans (the order they
 * ended), except that a span waiting for its agent is recorded when the agent's span arrives.
 */

type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];

/** Who signs the records of an agent the spans name. */
export interface AgentIdentity {
  /** The AAT agent_id (a URI) registered with the service. */
  agentId: string;
  key: PrivateKey;
  agentVersion?: string;
  trustLevel?: TrustLevel;
}

export interface AatSpanExporterOptions extends Omit<OpenSessionOptions, 'agentId' | 'key' | 'agentVersion' | 'trustLevel' | 'sessionId' | 'tier' | 'policy' | 'resume' | 'delegatedBy'> {
  /**
   * The identity of each agent: a map from `gen_ai.agent.id`, or a function of the agent's id and name.
   * Spans of an agent without an identity are not recorded (onError is told, ERR_OTEL_UNMAPPED).
   */
  agents: Readonly<Record<string, AgentIdentity>> | ((agent: SpanAgent) => AgentIdentity | undefined);
  /** Also record `gen_ai.tool.call.arguments` as `action_detail.parameters` (JSON), when the span has it. Default false. */
  recordArgs?: boolean;
  /** Also record `gen_ai.tool.call.result` as `action_detail.response`. Default false. */
  recordResult?: boolean;
  /** Record a failed span's status message as `error_message`; otherwise its error type. Default false. */
  recordErrors?: boolean;
  /** Close a session after this many ms without a span (a later span opens a new one). Default: at shutdown only. */
  idleMs?: number;
}

interface Link {
  parent: string | undefined;
  agentId: string | undefined;
  agentName: string | undefined;
  conversationId: string | undefined;
}

interface OpenConversation {
  session: Promise<Session>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Spans remembered as links of parent chains; the oldest are forgotten beyond this. */
const MAX_LINKS = 100_000;
/** Spans waiting for an ancestor; beyond this the oldest are recorded with what their chain says. */
const MAX_PENDING = 10_000;

const SUCCESS: ExportResult = { code: 0 };
const failed = (error: Error): ExportResult => ({ code: 1, error });

export class AatSpanExporter implements SpanExporter {
  private readonly links = new Map<string, Link>();
  private pending: GenAiSpan[] = [];
  private readonly sessions = new Map<string, OpenConversation>();
  private tail: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly report: (e: AtlogError) => void;

  /** @throws AtlogError ERR_INVALID_ARGUMENT for options without `agents`, or a bad `idleMs`. */
  constructor(private readonly options: AatSpanExporterOptions) {
    if (typeof options !== 'object' || options === null || (typeof options.agents !== 'function' && (typeof options.agents !== 'object' || options.agents === null))) {
      throw new AtlogError('ERR_INVALID_ARGUMENT', 'AatSpanExporter needs { agents, url | queueDir, ... }');
    }
    if (options.idleMs !== undefined && !(Number.isFinite(options.idleMs) && options.idleMs >= 1)) throw new AtlogError('ERR_INVALID_ARGUMENT', 'idleMs must be a number of ms >= 1');
    this.report = options.onError ?? (() => undefined);
  }

  /** SpanExporter: records the batch's GenAI spans whose agent is known; the rest wait for their ancestors. */
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback(failed(new AtlogError('ERR_SDK_CLOSED', 'the exporter is shut down')));
      return;
    }
    const run = this.tail.then(() => this.take(spans.map(readSpan), false));
    this.tail = run.catch(() => undefined);
    run.then(() => resultCallback(SUCCESS), (e: unknown) => resultCallback(failed(e instanceof Error ? e : new Error(String(e)))));
  }

  /** SpanExporter: resolves once every record so far is registered (or durably queued). */
  async forceFlush(): Promise<void> {
    await this.tail;
    for (const c of this.sessions.values()) await (await c.session).flush();
  }

  /**
   * SpanExporter: records the spans still waiting with what their chain says (a span whose agent is still
   * unknown is dropped, ERR_OTEL_UNMAPPED to onError), then closes every session (`session_end`).
   */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.tail;
    await this.take([], true).catch(() => undefined); // take() told onError already
    for (const key of [...this.sessions.keys()]) await this.closeConversation(key);
  }

  private remember(s: GenAiSpan): void {
    if (this.links.size >= MAX_LINKS) this.links.delete(this.links.keys().next().value!);
    this.links.set(s.spanId, { parent: s.parentSpanId, agentId: s.agentId, agentName: s.agentName, conversationId: s.conversationId });
  }

  /**
   * The agent and conversation of span `s`: its own attributes first, then each ancestor's. Known once both are
   * found, or once the chain reaches its root; undefined while an ancestor has not been exported (unless `force`).
   */
  private contextOf(s: GenAiSpan, force: boolean): Context | undefined {
    let agentId: string | undefined;
    let agentName: string | undefined;
    let conversationId: string | undefined;
    let id: string | undefined = s.spanId;
    for (let depth = 0; id !== undefined && depth < 1000; depth++) {
      const link = this.links.get(id);
      if (!link) {
        if (!force) return undefined;
        break;
      }
      agentId ??= link.agentId;
      agentName ??= link.agentName;
      conversationId ??= link.conversationId;
      if (agentId !== undefined && conversationId !== undefined) break;
      id = link.parent;
    }
    return { agent: { id: agentId, name: agentName }, conversationId };
  }

  private async take(spans: GenAiSpan[], force: boolean): Promise<void> {
    for (const s of spans) this.remember(s);
    const waiting = [...this.pending, ...spans.filter((s) => s.operation !== undefined)];
    const ready: Array<{ span: GenAiSpan; ctx: Context }> = [];
    this.pending = [];
    for (const span of waiting) {
      const ctx = this.contextOf(span, force);
      if (ctx) ready.push({ span, ctx });
      else this.pending.push(span);
    }
    // A span whose ancestors never arrive must not wait for ever: past MAX_PENDING, the oldest go with what they have.
    ready.unshift(...this.pending.splice(0, Math.max(0, this.pending.length - MAX_PENDING)).map((span) => ({ span, ctx: this.contextOf(span, true)! })));
    // Waiting spans came before this batch, and a batch is in the order its spans ended: `ready` is in that order.
    // (End times are not compared: spans of one trace may read different clocks, a millisecond apart.)
    let first: unknown;
    for (const { span, ctx } of ready) {
      try {
        await this.recordSpan(span, ctx);
      } catch (e) {
        this.report(asAtlog(e));
        // A span with no identity is left out on purpose (configuration): the export itself succeeded.
        if (!(e instanceof AtlogError && e.code === 'ERR_OTEL_UNMAPPED')) first ??= e;
      }
    }
    if (first !== undefined) throw first;
  }

  private identity(agent: SpanAgent): AgentIdentity | undefined {
    const a = this.options.agents;
    if (typeof a === 'function') return a(agent);
    return agent.id !== undefined && Object.hasOwn(a, agent.id) ? a[agent.id] : undefined;
  }

  private async recordSpan(span: GenAiSpan, ctx: Context): Promise<void> {
    const who = this.identity(ctx.agent);
    if (!who) {
      throw new AtlogError('ERR_OTEL_UNMAPPED', `span ${span.spanId} (${span.operation}) belongs to no agent with an identity (gen_ai.agent.id ${ctx.agent.id ?? 'absent'})`, {
        details: { span_id: span.spanId, trace_id: span.traceId, agent_id: ctx.agent.id ?? null },
      });
    }
    const key = `${who.agentId}\n${ctx.conversationId ?? ''}`;
    let session: Session;
    try {
      session = await this.conversation(key, who);
    } catch (e) {
      this.sessions.delete(key);
      throw e;
    }
    try {
      for (const r of recordsOf(span, ctx, this.options)) session.record(typeof r === 'function' ? r(session.lastRecord) : r);
    } catch (e) {
      if (e instanceof AtlogError && (e.code === 'ERR_SDK_BROKEN' || e.code === 'ERR_SDK_CLOSED')) this.sessions.delete(key);
      throw e;
    }
    this.touch(key);
  }

  private conversation(key: string, who: AgentIdentity): Promise<Session> {
    let c = this.sessions.get(key);
    if (!c) {
      const { agents: _agents, recordArgs: _a, recordResult: _r, recordErrors: _e, idleMs: _i, ...base } = this.options;
      c = {
        session: openSession({ ...base, agentId: who.agentId, key: who.key, agentVersion: who.agentVersion, trustLevel: who.trustLevel }),
        timer: undefined,
      };
      this.sessions.set(key, c);
    }
    return c.session;
  }

  private touch(key: string): void {
    const c = this.sessions.get(key);
    if (!c || this.options.idleMs === undefined) return;
    if (c.timer) clearTimeout(c.timer);
    c.timer = setTimeout(() => {
      this.tail = this.tail.then(() => this.closeConversation(key));
    }, this.options.idleMs);
    c.timer.unref?.();
  }

  private async closeConversation(key: string): Promise<void> {
    const c = this.sessions.get(key);
    if (!c) return;
    this.sessions.delete(key);
    if (c.timer) clearTimeout(c.timer);
    try {
      await (await c.session).close();
    } catch (e) {
      this.report(asAtlog(e));
    }
  }
}

function asAtlog(e: unknown): AtlogError {
  return e instanceof AtlogError ? e : new AtlogError('ERR_INTERNAL', String(e), { cause: e });
}
