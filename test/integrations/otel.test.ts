import { context, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AatRecord } from '../../src/aat/index.js';
import type { AtlogError } from '../../src/errors.js';
import { AatSpanExporter } from '../../src/integrations/otel/index.js';
import { makeAgent } from '../http/helpers.js';
import { sessionInLog, startService, type TestService, useService } from '../sdk/helpers.js';
import { sha } from './helpers.js';

/**
 * The OpenTelemetry exporter: real spans from a BasicTracerProvider (SimpleSpanProcessor, so each span is
 * exported as it ends, children before their agent) following the GenAI semantic conventions, turned into
 * records of one session per agent and conversation on a real service; every bundle verifies offline.
 */

/** A child span of `parent` (or a root span), with attributes. */
function child(tracer: Tracer, name: string, attributes: Record<string, string>, parent?: Span): Span {
  const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
  return tracer.startSpan(name, { attributes }, ctx);
}

function toolSpan(tracer: Tracer, parent: Span | undefined, name: string, id: string, extra: Record<string, string> = {}): Span {
  return child(tracer, `execute_tool ${name}`, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.call.id': id, 'gen_ai.tool.type': 'function', ...extra }, parent);
}

describe('atlog/otel: AatSpanExporter', () => {
  const weather = makeAgent('ESP256');
  const billing = makeAgent('ML-DSA-44');
  let svc: TestService;
  const records: AatRecord[] = [];
  const errors: AtlogError[] = [];

  beforeAll(async () => {
    svc = await startService([weather, billing]);
    const exporter = new AatSpanExporter({
      url: svc.url,
      agents: { asst_weather: { agentId: weather.agentId, key: weather.key, agentVersion: '2.1.0' }, asst_billing: { agentId: billing.agentId, key: billing.key } },
      recordArgs: true,
      onRecord: (r) => records.push(r),
      onError: (e) => errors.push(e),
    });
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('agent-app');

    // Conversation conv-1 of the weather agent: the tools name neither agent nor conversation; the agent span does.
    const agentSpan = child(tracer, 'invoke_agent weather', { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.id': 'asst_weather', 'gen_ai.agent.name': 'weather', 'gen_ai.conversation.id': 'conv-1', 'gen_ai.request.model': 'gpt-test' });
    const chat = child(tracer, 'chat gpt-test', { 'gen_ai.operation.name': 'chat' }, agentSpan);
    chat.end();
    const step = child(tracer, 'step', {}, agentSpan); // a span of the app between agent and tools
    const t1 = toolSpan(tracer, step, 'get_weather', 'call-1', { 'gen_ai.tool.call.arguments': '{"city":"Paris"}', 'gen_ai.tool.call.result': '{"celsius":21}' });
    t1.end();
    const t2 = toolSpan(tracer, step, 'get_forecast', 'call-2');
    t2.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout after 30s' });
    t2.setAttribute('error.type', 'TimeoutError');
    t2.end();
    step.end();
    agentSpan.end();
    // Conversation conv-2 of the same agent: a session of its own.
    const again = child(tracer, 'invoke_agent weather', { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.id': 'asst_weather', 'gen_ai.conversation.id': 'conv-2' });
    toolSpan(tracer, again, 'get_weather', 'call-3', { 'gen_ai.tool.call.arguments': '{"city":"Oslo"}' }).end();
    again.end();
    // The billing agent's tool span names its agent and conversation itself, with no parent at all.
    toolSpan(tracer, undefined, 'charge', 'call-4', { 'gen_ai.agent.id': 'asst_billing', 'gen_ai.conversation.id': 'conv-9' }).end();
    // An agent with no identity: not recorded, onError told.
    const stranger = child(tracer, 'invoke_agent stranger', { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.id': 'asst_unknown', 'gen_ai.conversation.id': 'conv-x' });
    toolSpan(tracer, stranger, 'anything', 'call-5').end();
    stranger.end();
    // A tool whose agent span never ends: recorded at shutdown with what its chain says (no agent: dropped).
    const open = child(tracer, 'invoke_agent weather', { 'gen_ai.operation.name': 'invoke_agent' });
    toolSpan(tracer, open, 'orphan', 'call-6').end();
    await provider.forceFlush();
    await provider.shutdown();
  });
  afterAll(async () => {
    await svc.destroy();
  });

  const sessionOf = (agentId: string, conversation: string): AatRecord[] =>
    records.filter((r) => r.agent_id === agentId && r.session_id === records.find((x) => x.agent_id === agentId && x.action_detail['conversation_id'] === conversation)?.session_id);

  it('one session per agent and conversation, each a verifying bundle on the service', async () => {
    const sessions = new Set(records.map((r) => `${r.agent_id} ${r.session_id}`));
    expect(sessions.size).toBe(3);
    for (const key of sessions) {
      const [agentId, sessionId] = key.split(' ') as [string, string];
      const { report, records: logged } = await sessionInLog(svc, agentId, sessionId);
      expect(report.valid, JSON.stringify(report.failure)).toBe(true);
      expect(logged).toEqual(records.filter((r) => r.session_id === sessionId));
    }
  });

  it('tool spans become tool_call + tool_response (or error), the agent span a decision, in the order spans ended', () => {
    const conv1 = sessionOf(weather.agentId, 'conv-1');
    expect(conv1.map((r) => [r.action_type, r.outcome, r.action_detail['tool_name'] ?? r.action_detail['decision_type'] ?? r.action_detail['event']])).toEqual([
      ['lifecycle', 'success', 'session_start'],
      ['tool_call', 'success', 'get_weather'],
      ['tool_response', 'success', 'get_weather'],
      ['tool_call', 'success', 'get_forecast'],
      ['error', 'failure', 'get_forecast'],
      ['decision', 'success', 'invoke_agent'],
      ['lifecycle', 'success', 'session_end'],
    ]);
    const [, call, response, , error, decision] = conv1 as [AatRecord, AatRecord, AatRecord, AatRecord, AatRecord, AatRecord];
    expect(conv1[0]!.agent_version).toBe('2.1.0');
    expect(call).toMatchObject({ record_phase: 'post_execution', action_detail: { tool_call_id: 'call-1', tool_type: 'function', conversation_id: 'conv-1', parameters_hash: sha({ city: 'Paris' }), parameters: { city: 'Paris' }, arguments_in_span: true } });
    expect(call.action_detail['otel']).toMatchObject({ trace_id: expect.stringMatching(/^[0-9a-f]{32}$/), span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(response).toMatchObject({ action_detail: { parent_call_id: call.record_id, response_hash: sha({ celsius: 21 }), result_in_span: true } });
    expect(response.action_detail).not.toHaveProperty('response'); // recordResult is off
    expect(error).toMatchObject({ action_detail: { error_code: 'TimeoutError', error_message: 'TimeoutError', error_category: 'tool_error' } }); // recordErrors is off
    expect(conv1[3]!.action_detail).toMatchObject({ parameters_hash: sha(null), arguments_in_span: false });
    expect(decision).toMatchObject({ model_id: 'gpt-test', action_detail: { gen_ai_agent_id: 'asst_weather', agent_name: 'weather', conversation_id: 'conv-1' } });
    expect(sessionOf(weather.agentId, 'conv-2').map((r) => r.action_type)).toEqual(['lifecycle', 'tool_call', 'tool_response', 'decision', 'lifecycle']);
    expect(sessionOf(billing.agentId, 'conv-9').map((r) => r.action_type)).toEqual(['lifecycle', 'tool_call', 'tool_response', 'lifecycle']);
  });

  it('spans of an agent without an identity, or of no agent, are reported and not recorded', () => {
    expect(errors.map((e) => [e.code, (e.details as { agent_id: string | null }).agent_id])).toEqual([
      ['ERR_OTEL_UNMAPPED', 'asst_unknown'],
      ['ERR_OTEL_UNMAPPED', 'asst_unknown'],
      ['ERR_OTEL_UNMAPPED', null],
    ]);
    expect(records.some((r) => r.action_detail['tool_name'] === 'anything' || r.action_detail['tool_name'] === 'orphan')).toBe(false);
  });

  it('needs agents', () => {
    expect(() => new AatSpanExporter({} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => new AatSpanExporter({ agents: {}, url: 'http://127.0.0.1:1', idleMs: -1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('atlog/otel: sessions that end or fail', () => {
  const agent = makeAgent('ESP256');
  const untrusted = makeAgent('ESP256');
  const svc = useService([agent]);

  /** Finished spans of one tool call by agent `id` in `conversation`, as a span processor hands them over. */
  function spansOf(id: string, conversation: string): ReadableSpan[] {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
    toolSpan(provider.getTracer('t'), undefined, 'lookup', 'c-1', { 'gen_ai.agent.id': id, 'gen_ai.conversation.id': conversation }).end();
    return memory.getFinishedSpans();
  }

  const exported = (exporter: AatSpanExporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error }> => new Promise((resolve) => exporter.export(spans, resolve));

  it('idleMs closes a quiet conversation; a later span of it opens a new session', async () => {
    const records: AatRecord[] = [];
    const exporter = new AatSpanExporter({ url: svc.url, agents: () => ({ agentId: agent.agentId, key: agent.key }), idleMs: 50, onRecord: (r) => records.push(r) });
    expect((await exported(exporter, spansOf('any', 'conv-a'))).code).toBe(0);
    await vi.waitFor(() => expect(records.at(-1)?.action_detail['event']).toBe('session_end'), { timeout: 10_000 });
    expect((await exported(exporter, spansOf('any', 'conv-a'))).code).toBe(0);
    await exporter.shutdown();
    const ids = [...new Set(records.map((r) => r.session_id))];
    expect(ids).toHaveLength(2);
    for (const id of ids) expect((await sessionInLog(svc, agent.agentId, id)).report.valid).toBe(true);
    expect((await exported(exporter, spansOf('any', 'conv-a'))).error).toMatchObject({ code: 'ERR_SDK_CLOSED' });
  });

  it('an export whose session the service refuses fails, and onError is told', async () => {
    const errors: AtlogError[] = [];
    const exporter = new AatSpanExporter({ url: svc.url, agents: { bot: { agentId: untrusted.agentId, key: untrusted.key } }, onError: (e) => errors.push(e) });
    const result = await exported(exporter, spansOf('bot', 'conv-b'));
    expect(result.code).toBe(1);
    expect(result.error).toMatchObject({ code: 'ERR_SDK_BROKEN' });
    expect(errors.map((e) => e.code)).toContain('ERR_SDK_BROKEN');
    await exporter.shutdown();
  });
});
