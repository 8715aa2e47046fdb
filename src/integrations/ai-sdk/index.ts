import type { ToolExecutionOptions, ToolSet } from 'ai';
import { AtlogError } from '../../errors.js';
import type { ToolOptions } from '../../sdk/call.js';
import type { Session } from '../../sdk/session.js';
import { optionsFor, recordCall, recordStream, type AdapterOptions } from '../tool-call.js';

/**
 * The Vercel AI SDK adapter, `atlog/ai` (docs/integrations.md "Vercel AI SDK"): the tools given to
 * `generateText` / `streamText` / an Agent, with each `execute` run between the session's three phases. Nothing
 * of `ai` is loaded at run time (types only), so this entry works with any `ai` 6.x the application brings.
 */

export type { AdapterOptions } from '../tool-call.js';

/**
 * The same tools, each `execute` recorded through `session`: `parameters_hash` covers the tool's validated
 * input, the record's `action_detail.tool_call_id` is the AI SDK's `toolCallId`, and the tool name is its key in
 * `tools`. Tools without `execute` (provider-executed, or answered by the client) pass through unchanged. A
 * call the local policy denies throws ERR_POLICY_DENIED from `execute` without running it; the AI SDK turns
 * that into a `tool-error` part the model sees. A tool that streams (an `async function*` execute) streams
 * unchanged; the `tool_response` covers its last value.
 * @throws AtlogError ERR_INVALID_ARGUMENT when `tools` is not an object of tools.
 */
export function auditTools<TOOLS extends ToolSet>(session: Session, tools: TOOLS, options: AdapterOptions = {}): TOOLS {
  if (typeof tools !== 'object' || tools === null) throw new AtlogError('ERR_INVALID_ARGUMENT', 'auditTools(session, tools): tools must be an object of tools');
  const out: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(tools)) {
    const execute = t?.execute as ((input: unknown, o: ToolExecutionOptions) => unknown) | undefined;
    if (typeof execute !== 'function') {
      out[name] = t;
      continue;
    }
    const opts = (o: ToolExecutionOptions): ToolOptions => optionsFor(options, name, typeof o?.toolCallId === 'string' ? { tool_call_id: o.toolCallId } : {});
    // The AI SDK tells a streaming tool by what execute returns at once: an async generator must stay one.
    out[name] = {
      ...t,
      execute: Object.prototype.toString.call(execute) === '[object AsyncGeneratorFunction]'
        ? (input: unknown, o: ToolExecutionOptions) => recordStream(session, name, input, opts(o), () => execute.call(t, input, o) as AsyncIterable<unknown>)
        : (input: unknown, o: ToolExecutionOptions) => recordCall(session, name, input, opts(o), () => execute.call(t, input, o)),
    };
  }
  return out as TOOLS;
}
