// docs/integrations.md "OpenTelemetry": an agent already traced with the GenAI semantic conventions gets an
// audit trail by adding one exporter.
// Run: ATLOG_URL=http://127.0.0.1:8080 ATLOG_AGENT_ID=urn:agent:example:travel ATLOG_KEY=agent.key \
//        node --import tsx docs/examples/otel.ts
// The spans are made here by hand, as an instrumented framework would make them.
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { loadKey } from 'atlog';
import { AatSpanExporter } from 'atlog/otel';

const env = (name: string): string => process.env[name] ?? (console.error(`set ${name}`), process.exit(2));

// 1. The exporter: which atlog identity signs for which gen_ai.agent.id.
const exporter = new AatSpanExporter({
  url: env('ATLOG_URL'),
  agents: { 'travel-agent-7': { agentId: env('ATLOG_AGENT_ID'), key: loadKey(env('ATLOG_KEY')), agentVersion: '1.2.0' } },
  onRecord: (r) => console.log(r.action_type === 'lifecycle' ? `${String(r.action_detail['event'])} ${r.session_id}` : `${r.action_type} ${String(r.action_detail['tool_name'] ?? r.action_detail['decision_type'])}`),
  onError: (e) => console.error(`atlog: ${e.code} ${e.message}`),
});
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
const tracer = provider.getTracer('travel-app');

// 2. What an instrumented agent emits: an invoke_agent span, with execute_tool spans below it.
const agentSpan = tracer.startSpan('invoke_agent travel', {
  attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.id': 'travel-agent-7', 'gen_ai.agent.name': 'travel', 'gen_ai.conversation.id': 'conv-42' },
});
const inAgent = trace.setSpan(context.active(), agentSpan);
const search = tracer.startSpan('execute_tool search_flights', {
  attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search_flights', 'gen_ai.tool.call.id': 'call-1', 'gen_ai.tool.call.arguments': '{"from":"CDG","to":"OSL"}' },
}, inAgent);
search.end();
agentSpan.end();

// 3. Shutting the provider down exports what is left and closes the session (session_end).
await provider.shutdown();
