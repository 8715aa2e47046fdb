// docs/integrations.md "OpenAI Agents SDK": an agent of @openai/agents whose tools leave an audit trail in atlog.
// Run: ATLOG_URL=http://127.0.0.1:8080 ATLOG_AGENT_ID=urn:agent:example:support ATLOG_KEY=agent.key \
//        node --import tsx docs/examples/openai-agents.ts
// The model is scripted (a Model that asks for two tool calls, then answers), so the example needs no API key:
// drop `model` from the Agent to use OpenAI's default model.
import { Agent, Runner, Usage, type Model, type ModelResponse } from '@openai/agents';
import { z } from 'zod';
import { loadKey, openSession } from 'atlog';
import { auditedTool } from 'atlog/openai-agents';

const env = (name: string): string => process.env[name] ?? (console.error(`set ${name}`), process.exit(2));

// 1. One atlog session per run; refunds are refused before they run.
const session = await openSession({
  url: env('ATLOG_URL'),
  agentId: env('ATLOG_AGENT_ID'),
  key: loadKey(env('ATLOG_KEY')),
  policy: { rules: [{ name: 'no-refunds', rule: 'deny tool_call where tool_name == "refund"' }] },
});

// 2. `tool` as the SDK defines it, bound to the session: every tool made with it is recorded.
const tool = auditedTool(session);
const lookupOrder = tool({
  name: 'lookup_order',
  description: 'Finds an order',
  parameters: z.object({ id: z.string() }),
  execute: async ({ id }) => JSON.stringify({ id, status: 'shipped' }),
});
const refund = tool({
  name: 'refund',
  description: 'Refunds an order',
  parameters: z.object({ id: z.string() }),
  execute: async ({ id }) => `refunded ${id}`,
});

// 3. A scripted model: lookup_order, then refund (denied: the SDK tells the model the tool failed), then an answer.
const turns: ModelResponse['output'][] = [
  [{ type: 'function_call', callId: 'fc-1', name: 'lookup_order', arguments: '{"id":"A7"}', status: 'completed' }],
  [{ type: 'function_call', callId: 'fc-2', name: 'refund', arguments: '{"id":"A7"}', status: 'completed' }],
  [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Order A7 has shipped; I cannot refund it.' }] }],
];
let turn = 0;
const model: Model = {
  getResponse: async () => ({ usage: new Usage(), output: turns[Math.min(turn++, turns.length - 1)]! }),
  getStreamedResponse: () => {
    throw new Error('not streamed in this example');
  },
};

const agent = new Agent({ name: 'support', instructions: 'Help with orders.', model, tools: [lookupOrder, refund] });
const result = await new Runner({ tracingDisabled: true }).run(agent, 'Where is order A7? Refund it.');
const summary = await session.close();
console.log(result.finalOutput);
console.log(`session ${summary.sessionId}: ${summary.records} records, ${summary.registered} registered`);
