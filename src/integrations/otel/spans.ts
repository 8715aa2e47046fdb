import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * What the exporter reads from a span: the OpenTelemetry semantic conventions for generative AI (the `gen_ai.*`
 * attributes of `execute_tool` and `invoke_agent` spans). Only attribute names and span fields are read here;
 * nothing of OpenTelemetry is loaded at run time.
 */

/** The operations the exporter turns into records (`gen_ai.operation.name`, or the first word of the span name). */
export const OPERATIONS = ['execute_tool', 'invoke_agent'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** A span reduced to what becomes a record, or to a link in the parent chain. */
export interface GenAiSpan {
  /** The operation, or undefined for any other span (kept only as a link between a tool and its agent). */
  operation: Operation | undefined;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  /** `gen_ai.agent.id`, `gen_ai.agent.name`, `gen_ai.conversation.id` of this span itself. */
  agentId: string | undefined;
  agentName: string | undefined;
  conversationId: string | undefined;
  toolName: string | undefined;
  toolCallId: string | undefined;
  toolType: string | undefined;
  /** `gen_ai.tool.call.arguments` / `gen_ai.tool.call.result` (opt-in attributes, often absent). */
  arguments: string | undefined;
  result: string | undefined;
  /** `gen_ai.request.model`. */
  model: string | undefined;
  /** Span times (RFC 3339) and duration in ms. */
  start: string;
  end: string;
  durationMs: number;
  /** Set when the span's status is ERROR or it carries `error.type`. */
  error: { type: string; message: string | undefined } | undefined;
}

/** OpenTelemetry's SpanStatusCode.ERROR. */
const STATUS_ERROR = 2;

function text(span: ReadableSpan, name: string): string | undefined {
  const v = span.attributes[name];
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function ns(t: readonly [number, number]): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}

function iso(t: readonly [number, number]): string {
  return new Date(t[0] * 1000 + Math.floor(t[1] / 1_000_000)).toISOString();
}

/** The operation of a span: `gen_ai.operation.name`, else the first word of its name (`execute_tool get_weather`). */
function operationOf(span: ReadableSpan): Operation | undefined {
  const op = text(span, 'gen_ai.operation.name') ?? span.name.split(' ')[0];
  return (OPERATIONS as readonly string[]).includes(op ?? '') ? (op as Operation) : undefined;
}

/** Reads one span. */
export function readSpan(span: ReadableSpan): GenAiSpan {
  const ctx = span.spanContext();
  const operation = operationOf(span);
  const errorType = text(span, 'error.type');
  const failed = span.status.code === STATUS_ERROR || errorType !== undefined;
  const duration = ns(span.endTime) - ns(span.startTime);
  return {
    operation,
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    agentId: text(span, 'gen_ai.agent.id'),
    agentName: text(span, 'gen_ai.agent.name'),
    conversationId: text(span, 'gen_ai.conversation.id'),
    toolName: text(span, 'gen_ai.tool.name') ?? (operation === 'execute_tool' ? span.name.split(' ')[1] : undefined),
    toolCallId: text(span, 'gen_ai.tool.call.id'),
    toolType: text(span, 'gen_ai.tool.type'),
    arguments: text(span, 'gen_ai.tool.call.arguments'),
    result: text(span, 'gen_ai.tool.call.result'),
    model: text(span, 'gen_ai.request.model'),
    start: iso(span.startTime),
    end: iso(span.endTime),
    durationMs: duration > 0n ? Number(duration / 1000n) / 1000 : 0,
    error: failed ? { type: errorType ?? 'span_status_error', message: span.status.message } : undefined,
  };
}

/** A JSON text attribute as its value (what the tool was given or returned), else the text itself. */
export function parsedAttribute(v: string): unknown {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}
