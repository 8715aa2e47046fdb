// docs/integrations.md "Vercel AI SDK": an AI SDK agent whose tools leave an audit trail in atlog.
// Run: ATLOG_URL=http://127.0.0.1:8080 ATLOG_AGENT_ID=urn:agent:example:weather ATLOG_KEY=agent.key \
//        node --import tsx docs/examples/ai-sdk.ts
// The model is the AI SDK's own scripted test model, so the example needs no API key: put your provider's
// model (e.g. `openai('gpt-4o')` from @ai-sdk/openai) in its place.
import { generateText, stepCountIs, tool } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { z } from 'zod';
import { loadKey, openSession } from 'atlog';
import { auditTools } from 'atlog/ai';

const env = (name: string): string => process.env[name] ?? (console.error(`set ${name}`), process.exit(2));

// 1. One atlog session per agent run; `delete_*` tools are refused before they run.
const session = await openSession({
  url: env('ATLOG_URL'),
  agentId: env('ATLOG_AGENT_ID'),
  key: loadKey(env('ATLOG_KEY')),
  policy: { rules: [{ name: 'no-deletes', rule: 'deny tool_call where tool_name matches "delete_*"' }] },
});

// 2. The agent's tools, as the AI SDK defines them, wrapped once.
const tools = auditTools(session, {
  get_weather: tool({
    description: 'The weather in a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city, celsius: 21 }),
  }),
  delete_cache: tool({
    description: 'Clears the weather cache',
    inputSchema: z.object({}),
    execute: async () => 'cleared',
  }),
});

// 3. A scripted model: it calls get_weather, then delete_cache (denied: the model gets a tool error), then answers.
const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 1, text: 1, reasoning: undefined } };
const call = (id: string, name: string, input: unknown) => ({
  content: [{ type: 'tool-call' as const, toolCallId: id, toolName: name, input: JSON.stringify(input) }],
  finishReason: { unified: 'tool-calls' as const, raw: undefined }, usage, warnings: [],
});
const model = new MockLanguageModelV3({
  doGenerate: [
    call('call-1', 'get_weather', { city: 'Paris' }),
    call('call-2', 'delete_cache', {}),
    { content: [{ type: 'text', text: 'It is 21 °C in Paris.' }], finishReason: { unified: 'stop', raw: undefined }, usage, warnings: [] },
  ],
});

const result = await generateText({ model, tools, prompt: 'Weather in Paris?', stopWhen: stepCountIs(5) });
const summary = await session.close();
console.log(result.text);
console.log(`session ${summary.sessionId}: ${summary.records} records, ${summary.registered} registered`);
