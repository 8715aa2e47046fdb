import { MockLanguageModelV3 } from 'ai/test';

/**
 * Scripted models for the framework tests: each turn asks for the given tool calls; after the last turn the
 * model answers with `finalText`. No network, no API key: the frameworks run their real loops around them.
 */

export interface ScriptedCall {
  id: string;
  name: string;
  input: unknown;
}

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

/** An AI SDK language model (ai/test MockLanguageModelV3) that plays `turns`, then says `finalText`. */
export function scriptedAiModel(turns: readonly ScriptedCall[][], finalText: string): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    doGenerate: [
      ...turns.map((calls) => ({
        content: calls.map((c) => ({ type: 'tool-call' as const, toolCallId: c.id, toolName: c.name, input: JSON.stringify(c.input) })),
        finishReason: { unified: 'tool-calls' as const, raw: 'tool_calls' },
        usage,
        warnings: [],
      })),
      { content: [{ type: 'text' as const, text: finalText }], finishReason: { unified: 'stop' as const, raw: 'stop' }, usage, warnings: [] },
    ],
  });
}
