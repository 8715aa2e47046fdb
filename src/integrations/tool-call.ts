import type { JsonObject } from '../aat/types.js';
import type { ToolOptions } from '../sdk/call.js';
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

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/**
 * Runs `run` between the three phases of a call of `name` with parameters `params`. The tool's value or
 * exception reaches the caller unchanged; a failure to record after the tool ran goes to the session's
 * `onError`, never to the framework. When `run` returns an async iterable (the AI SDK's preliminary results),
 * the caller gets an iterable of the same values and the `tool_response` covers the last one, once the stream
 * ends (or the consumer stops reading).
 * @throws AtlogError ERR_POLICY_DENIED (a local rule refused the call: `run` did not start), and what
 *   `call.ready()` throws under the session's tier (ERR_SDK_UNREACHABLE, ERR_SDK_RECEIPT_INVALID, ...).
 */
export async function recordCall<R>(session: Session, name: string, params: unknown, options: ToolOptions, run: () => R): Promise<Awaited<R>> {
  const call = session.beginCall(name, params, options);
  await call.ready();
  const quietly = (f: () => unknown): void => {
    try {
      f();
    } catch (e) {
      session.report(e);
    }
  };
  let out: unknown;
  try {
    out = run();
    if (isThenable(out)) out = await out;
  } catch (e) {
    quietly(() => call.fail(e));
    throw e;
  }
  if (!isAsyncIterable(out)) {
    quietly(() => call.end(out));
    return out as Awaited<R>;
  }
  const source = out;
  return (async function* relay() {
    let last: unknown;
    let failed = false;
    try {
      for await (const v of source) {
        last = v;
        yield v;
      }
    } catch (e) {
      failed = true;
      quietly(() => call.fail(e));
      throw e;
    } finally {
      if (!failed) quietly(() => call.end(last));
    }
  })() as Awaited<R>;
}
