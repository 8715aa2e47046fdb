import { AtlogError } from '../errors.js';
import type { ToolCall, ToolOptions } from './call.js';
import type { Tier } from './options.js';

/**
 * `session.wrap`: a function with the tool's parameters that runs the tool between the three phases of a
 * ToolCall. The tool's own value or exception is what the caller gets, unchanged; a failure to record after the
 * tool ran goes to the session's `onError`, never to the caller.
 */

/** Options of `wrap`: the ToolOptions, and which value of the arguments is hashed (default: the argument list). */
export interface WrapOptions<A extends unknown[]> extends ToolOptions {
  /** The value `parameters_hash` covers (and `recordArgs` records). Default: the array of arguments. */
  parameters?: (...args: A) => unknown;
}

/** What `wrap` returns: `fn`'s own signature in the detectable tier, a promise of its result in the others. */
export type Wrapped<T extends Tier, A extends unknown[], R> = T extends 'detectable' ? (...args: A) => R : (...args: A) => Promise<Awaited<R>>;

/** What wrap needs from a session. */
export interface WrapHost {
  readonly tier: Tier;
  beginCall(name: string, params: unknown, options: ToolOptions): ToolCall;
  report(e: unknown): void;
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** Runs the tool and records its end; returns exactly what the tool returned, rethrows exactly what it threw. */
function run<A extends unknown[], R>(host: WrapHost, call: ToolCall, fn: (...args: A) => R, self: unknown, args: A): R {
  const quietly = (f: () => unknown): void => {
    try {
      f();
    } catch (e) {
      host.report(e);
    }
  };
  let out: R;
  try {
    out = fn.apply(self, args);
  } catch (e) {
    quietly(() => call.fail(e));
    throw e;
  }
  if (isThenable(out)) {
    return out.then(
      (v) => {
        quietly(() => call.end(v));
        return v;
      },
      (e: unknown) => {
        quietly(() => call.fail(e));
        throw e;
      },
    ) as R;
  }
  quietly(() => call.end(out));
  return out;
}

/** The wrapped function (see `Session.wrap`). */
export function wrapFunction<A extends unknown[], R>(host: WrapHost, name: string, fn: (...args: A) => R, options: WrapOptions<A>): (...args: A) => unknown {
  if (typeof fn !== 'function') throw new AtlogError('ERR_INVALID_ARGUMENT', `wrap('${name}', fn): fn must be a function`);
  const { parameters, ...toolOptions } = options;
  const params = parameters ?? ((...args: A): unknown => args);
  return function wrapped(this: unknown, ...args: A): unknown {
    const call = host.beginCall(name, params(...args), toolOptions);
    if (host.tier === 'detectable') {
      if (call.denial) throw call.denial;
      return run(host, call, fn, this, args);
    }
    return call.ready().then(() => run(host, call, fn, this, args));
  };
}
