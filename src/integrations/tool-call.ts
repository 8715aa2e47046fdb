import type { JsonObject } from '../aat/types.js';
import type { ToolCall, ToolOptions } from '../sdk/call.js';
import type { Session } from '../sdk/session.js';

/**
 * The three phases of one framework tool call (docs/agents.md "Three phases"), for the adapters: the `decision`
 * and the `tool_call` before the tool runs, its `tool_response` or `error` after. Frameworks call tools
 * asynchronously, so this always returns a promise; a denied call rejects with ERR_POLICY_DENIED and `run`
 * never starts, which the framework then reports to the model as the tool's error.
 */

/** What every adapter takes besides the session: ToolOptions applied to each tool, and per-tool extras. */
export interface AdapterOptions extends ToolOptions {
  /** Per tool name: ToolOptions that replace the shared ones for that tool (e.g. `{ search: { recordArgs: true } }`). */
  tools?: Record<string, ToolOptions>;
}

/** The ToolOptions of tool `name` under `options`, with one call's extra action_detail members. */
export function optionsFor(options: AdapterOptions, name: string, extra: JsonObject): ToolOptions {
  const { tools, ...shared } = options;
  const own = tools?.[name] ?? shared;
  return { ...own, detail: { ...own.detail, ...extra } };
}

/** Begins the call and waits until the tool may run. @throws as `call.ready()` */
async function started(session: Session, name: string, params: unknown, options: ToolOptions): Promise<ToolCall> {
  const call = session.beginCall(name, params, options);
  await call.ready();
  return call;
}

/** Records the end of a call that ran; a failure to record goes to the session's onError, not to the framework. */
function settle(session: Session, f: () => unknown): void {
  try {
    f();
  } catch (e) {
    session.report(e);
  }
}

/**
 * Runs `run` between the three phases of a call of `name` with parameters `params`. The tool's value or
 * exception reaches the caller unchanged.
 * @throws AtlogError ERR_POLICY_DENIED (a local rule refused the call: `run` did not start), and what
 *   `call.ready()` throws under the session's tier (ERR_SDK_UNREACHABLE, ERR_SDK_RECEIPT_INVALID, ...).
 */
export async function recordCall<R>(session: Session, name: string, params: unknown, options: ToolOptions, run: () => R): Promise<Awaited<R>> {
  const call = await started(session, name, params, options);
  let out: Awaited<R>;
  try {
    out = await run();
  } catch (e) {
    settle(session, () => call.fail(e));
    throw e;
  }
  settle(session, () => call.end(out));
  return out;
}

/**
 * As `recordCall`, for a tool that streams (an async generator, as the AI SDK's preliminary results): the
 * caller gets the same values, and the `tool_response` covers the last one once the stream ends (or the
 * consumer stops reading).
 * @throws as recordCall, from the first `next()`.
 */
export async function* recordStream<T>(session: Session, name: string, params: unknown, options: ToolOptions, run: () => AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const call = await started(session, name, params, options);
  let last: T | undefined;
  let failed = false;
  try {
    for await (const v of run()) {
      last = v;
      yield v;
    }
  } catch (e) {
    failed = true;
    settle(session, () => call.fail(e));
    throw e;
  } finally {
    if (!failed) settle(session, () => call.end(last));
  }
}
