import type { AatRecord, JsonObject } from '../../aat/types.js';
import { valueHash } from '../../sdk/hashing.js';
import type { RecordInput } from '../../sdk/session.js';
import { parsedAttribute, type GenAiSpan } from './spans.js';

/**
 * The records of one GenAI span (docs/integrations.md "OpenTelemetry", the mapping table): `invoke_agent` gives
 * a `decision`, `execute_tool` a `tool_call` then a `tool_response` or an `error`. All are post_execution: the
 * span was exported after the work it describes was done.
 */

/** The names a span chain gives its agent. */
export interface SpanAgent {
  /** `gen_ai.agent.id`, when some span of the chain has it. */
  id: string | undefined;
  /** `gen_ai.agent.name`. */
  name: string | undefined;
}

/** The agent and conversation a span belongs to (read up its parent chain). */
export interface SpanContextOf {
  agent: SpanAgent;
  conversationId: string | undefined;
}

/** What the exporter's options say to record besides hashes. */
export interface RecordChoices {
  recordArgs?: boolean;
  recordResult?: boolean;
  recordErrors?: boolean;
}

/** The records of `span`, in order; a function builds its record from the one before it (a response names its call). */
export function recordsOf(span: GenAiSpan, ctx: SpanContextOf, o: RecordChoices): Array<RecordInput | ((prev: AatRecord) => RecordInput)> {
const common: JsonObject = {
  ...(ctx.conversationId !== undefined ? { conversation_id: ctx.conversationId } : {}),
  otel: {
    trace_id: span.traceId,
    span_id: span.spanId,
    ...(span.parentSpanId !== undefined ? { parent_span_id: span.parentSpanId } : {}),
    start: span.start,
    end: span.end,
  },
};
  if (span.operation === 'invoke_agent') {
    return [{
      action_type: 'decision',
      action_detail: {
        decision_type: 'invoke_agent',
        ...(ctx.agent.id !== undefined ? { gen_ai_agent_id: ctx.agent.id } : {}),
        ...(ctx.agent.name !== undefined ? { agent_name: ctx.agent.name } : {}),
        ...(span.error ? { error_type: span.error.type } : {}),
        ...common,
      },
      outcome: span.error ? 'failure' : 'success',
      record_phase: 'post_execution',
      latency_ms: span.durationMs,
      ...(span.model !== undefined ? { model_id: span.model } : {}),
    }];
  }
  const name = span.toolName ?? 'unknown_tool';
  const args = span.arguments === undefined ? undefined : parsedAttribute(span.arguments);
  const res = span.result === undefined ? undefined : parsedAttribute(span.result);
  const a = valueHash(args ?? null);
  const r = valueHash(res ?? null);
  const tool: JsonObject = {
    tool_name: name,
    ...(span.toolCallId !== undefined ? { tool_call_id: span.toolCallId } : {}),
    ...(span.toolType !== undefined ? { tool_type: span.toolType } : {}),
    ...common,
  };
  const call: RecordInput = {
    action_type: 'tool_call',
    // The span was exported after the tool ran: both records are post_execution, whatever the tool did.
    action_detail: { ...tool, parameters_hash: a.hash, arguments_in_span: args !== undefined, ...(o.recordArgs && args !== undefined && a.json !== undefined ? { parameters: a.json } : {}) },
    record_phase: 'post_execution',
  };
  const end = (prev: AatRecord): RecordInput => span.error
    ? {
        action_type: 'error',
        action_detail: {
          ...tool,
          parent_call_id: prev.record_id,
          error_code: span.error.type,
          error_message: o.recordErrors && span.error.message ? span.error.message.slice(0, 2000) : span.error.type,
          error_category: 'tool_error',
          recoverable: false,
        },
        outcome: 'failure',
        record_phase: 'post_execution',
        latency_ms: span.durationMs,
      }
    : {
        action_type: 'tool_response',
        action_detail: { ...tool, parent_call_id: prev.record_id, response_hash: r.hash, result_in_span: res !== undefined, ...(o.recordResult && res !== undefined && r.json !== undefined ? { response: r.json } : {}) },
        record_phase: 'post_execution',
        latency_ms: span.durationMs,
      };
  return [call, end];
}
