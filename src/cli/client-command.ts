import type { Command } from 'commander';
import { createClient, createTlogClient, type ClientOptions, type TlogClient, type TransparencyClient } from '../client/index.js';
import { AtlogError, isAtlogError } from '../errors.js';
import { isInputError } from './keygen.js';

/**
 * What the commands that talk to a service (register, keys, issuers, fetch) share: the `--url` and `--timeout`
 * options, one client built from them, and one way to fail: a single line `atlog <cmd>: <message>` on stderr,
 * exit 2 for bad usage or unreadable input, 1 for everything else (refusals, network, timeouts).
 */

/** The options every client command takes. */
export interface ClientFlags {
  url: string;
  timeout: string;
}

/** Adds `--url` (required) and `--timeout` to a command. */
export function clientFlags(cmd: Command, defaultTimeoutS = 30): Command {
  return cmd
    .requiredOption('--url <url>', 'base URL of the transparency service, e.g. http://127.0.0.1:8080')
    .option('--timeout <seconds>', 'give up after this many seconds, retries and polling included', String(defaultTimeoutS));
}

/**
 * A client for `--url`, its time limit from `--timeout`.
 * @throws AtlogError ERR_CLI_USAGE for a timeout that is not a positive number; ERR_INVALID_ARGUMENT for a bad URL.
 */
export function connect(flags: ClientFlags, extra: Partial<ClientOptions> = {}): TransparencyClient {
  const ms = timeoutMs(flags);
  return createClient({ url: flags.url, timeoutMs: ms, registerTimeoutMs: ms, ...extra });
}

/** `--timeout` in ms. @throws AtlogError ERR_CLI_USAGE for a value that is not a positive number. */
function timeoutMs(flags: ClientFlags): number {
  const s = Number(flags.timeout);
  if (!Number.isFinite(s) || s <= 0) throw new AtlogError('ERR_CLI_USAGE', `--timeout must be a positive number of seconds, got "${flags.timeout}"`);
  return s * 1000;
}

/**
 * A tile client for the service at `--url` (its `/tlog/` prefix), or, with `prefix: ''`, for a tile prefix
 * given as `--url` itself (a static copy).
 * @throws AtlogError as `connect`.
 */
export function connectTlog(flags: ClientFlags, prefix = 'tlog/'): TlogClient {
  const ms = timeoutMs(flags);
  let base: URL;
  try {
    base = new URL(flags.url);
  } catch (e) {
    throw new AtlogError('ERR_INVALID_ARGUMENT', `url "${flags.url}" is not a URL`, { cause: e });
  }
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return createTlogClient({ url: new URL(prefix, base), timeoutMs: ms });
}

/** One line for a failure, with a hint where the usual cause is known. */
function message(err: unknown, url: string | undefined): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (isAtlogError(err, 'ERR_CLIENT_NETWORK') && url) return `${msg}; is a service running at ${url}?`;
  return msg;
}

/**
 * Runs a client command's action so that a failure prints one line and sets the exit code, never a stack trace.
 */
export function runCommand<A extends unknown[]>(name: string, fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const url = (args[0] as { url?: unknown } | undefined)?.url;
      process.stderr.write(`atlog ${name}: ${message(err, typeof url === 'string' ? url : undefined)}\n`);
      process.exitCode = isInputError(err) ? 2 : 1;
    }
  };
}
