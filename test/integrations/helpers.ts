import { createHash } from 'node:crypto';
import { Usage, type Model, type ModelRequest, type ModelResponse } from '@openai/agents';
import { MockLanguageModelV3 } from 'ai/test';
import { canonicalBytes } from '../../src/aat/index.js';

/**
 * Scripted models for the framework tests: each turn asks for the given tool calls; after the last turn the
 * model answers with `finalText`. No network, no API key: the frameworks run their real loops around them.
 */

/** hex(SHA-256(JCS(v))): what a record's parameters_hash or response_hash should be, computed independently. */
export const sha = (v: unknown): string => createHash('sha256').update(canonicalBytes(v as never)).digest('hex');

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

/**
 * An OpenAI Agents SDK Model that plays `turns` (each turn: the function calls the model asks for), then
 * answers `finalText`; `requests` keeps what the runner sent (the tool outputs the model was shown).
 */
export class ScriptedAgentModel implements Model {
  readonly requests: ModelRequest[] = [];

  constructor(private readonly turns: readonly ScriptedCall[][], private readonly finalText: string) {}

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    const calls = this.turns[this.requests.length - 1];
    const output: ModelResponse['output'] = calls
      ? calls.map((c) => ({ type: 'function_call' as const, callId: c.id, name: c.name, arguments: JSON.stringify(c.input), status: 'completed' as const }))
      : [{ type: 'message' as const, role: 'assistant' as const, status: 'completed' as const, content: [{ type: 'output_text' as const, text: this.finalText }] }];
    return { usage: new Usage(), output, responseId: `resp-${this.requests.length}` };
  }

  // The tests run the non-streaming loop only.
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error('ScriptedAgentModel does not stream');
  }
}
