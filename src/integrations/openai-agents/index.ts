import { tool } from '@openai/agents';
import type { Session } from '../../sdk/session.js';
import { optionsFor, recordCall, type AdapterOptions } from '../tool-call.js';

/**
 * The OpenAI Agents SDK adapter, `atlog/openai-agents` (docs/integrations.md "OpenAI Agents SDK"): a drop-in
 * for the SDK's `tool()` whose tools run their `execute` between the session's three phases.
 */

export type { AdapterOptions } from '../tool-call.js';

type ToolOptions = Parameters<typeof tool>[0];
type Execute = (input: unknown, context?: unknown, details?: { toolCall?: { callId?: unknown } }) => unknown;

/**
 * A `tool` function bound to `session`: `auditedTool(session)({ name, parameters, execute })` makes the same
 * FunctionTool as `tool(...)`, except that each call is recorded: `parameters_hash` covers the input after the
 * SDK parsed it, `action_detail.tool_call_id` is the model's call id. A call the local policy denies throws
 * ERR_POLICY_DENIED from `execute` without running it, and the SDK's `errorFunction` (by default a message to
 * the model) handles it like any tool error.
 * @throws what `tool` throws (a tool without a name, ...).
 */
export function auditedTool(session: Session, options: AdapterOptions = {}): typeof tool {
  const make = (o: ToolOptions): ReturnType<typeof tool> => {
    const execute = o.execute as Execute;
    const wrapped = (input: unknown, context?: unknown, details?: { toolCall?: { callId?: unknown } }): Promise<unknown> => {
      const callId = details?.toolCall?.callId;
      return recordCall(session, made.name, input, optionsFor(options, made.name, typeof callId === 'string' ? { tool_call_id: callId } : {}), () => execute(input, context, details));
    };
    // tool() names a tool after its execute function when no name is given: keep that name.
    Object.defineProperty(wrapped, 'name', { value: execute.name });
    const made = tool({ ...o, execute: wrapped } as ToolOptions);
    return made;
  };
  return make as typeof tool;
}
