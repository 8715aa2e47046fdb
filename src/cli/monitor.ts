import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { EXIT_CODES, runCheck, type CheckResult } from '../audit/monitor/index.js';
import { AtlogError } from '../errors.js';
import { clientFlags, connect, type ClientFlags } from './client-command.js';

/**
 * `atlog monitor --url URL --state FILE [--keys K] [--interval S]` (docs/auditor.md "Monitor a log"): checks that
 * the service's newest signed tree head verifies with the pinned keys and extends the one recorded in FILE.
 * Exit 0 when nothing is wrong, 1 on a rollback or split view (evidence written, files named in the line),
 * 2 when it cannot evaluate (service unreachable, bad state or key file, bad usage). With --interval it checks
 * again every S seconds until the first check that is not OK, or until SIGTERM/SIGINT (exit 0).
 */

interface Flags extends ClientFlags {
  state: string;
  keys?: string;
  interval?: string;
  evidenceDir?: string;
}

function say(r: CheckResult): void {
  for (const n of r.notices) process.stdout.write(`${n}\n`);
  (r.status === 'ok' ? process.stdout : process.stderr).write(`${r.line}\n`);
}

function usage(msg: string): never {
  throw new AtlogError('ERR_CLI_USAGE', msg);
}

function intervalOf(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400 * 7) usage(`--interval must be a number of seconds from 0 to 604800 (not 0), got "${s}"`);
  return n;
}

function readKeys(file: string | undefined): Uint8Array | undefined {
  if (file === undefined) return undefined;
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    return usage(`cannot read --keys ${file}: ${(e as Error).message}`);
  }
}

/** Resolves after `s` seconds, or at once when `signal` fires. */
async function pause(s: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(s * 1000, undefined, { signal });
  } catch {
    // aborted: the caller looks at the signal
  }
}

async function run(o: Flags): Promise<number> {
  let interval: number | undefined;
  let keysFile: Uint8Array | undefined;
  let client;
  try {
    interval = intervalOf(o.interval);
    keysFile = readKeys(o.keys);
    client = connect(o);
  } catch (e) {
    process.stderr.write(`atlog monitor: ${(e as Error).message}\n`);
    return 2;
  }
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let checks = 0;
  try {
    for (;;) {
      const r = await runCheck({
        url: o.url,
        statePath: o.state,
        client,
        signal: stop.signal,
        ...(keysFile ? { keysFile } : {}),
        ...(o.evidenceDir ? { evidenceDir: o.evidenceDir } : {}),
      });
      if (stop.signal.aborted && r.status === 'cannot-evaluate') break; // stopped in the middle of a check
      say(r);
      checks++;
      if (r.status !== 'ok' || interval === undefined) return EXIT_CODES[r.status];
      await pause(interval, stop.signal);
      if (stop.signal.aborted) break;
    }
    process.stdout.write(`${new Date().toISOString()} STOPPED after ${checks} check(s): signal received\n`);
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/** Adds `atlog monitor`. */
export function register(program: Command): void {
  clientFlags(
    program
      .command('monitor')
      .description('check that a log only grows: verify its newest signed tree head and its consistency with the one recorded in --state')
      .requiredOption('--state <file>', 'the state file: pinned keys and the last good checkpoint (created on first use)')
      .option('--keys <file>', "the service's public keys (COSE_KeySet, COSE_Key or PEM); default: those pinned in --state, or trust on first use")
      .option('--interval <seconds>', 'keep watching: check again every SECONDS until a check fails or SIGTERM')
      .option('--evidence-dir <dir>', 'where evidence directories are written (default: beside --state)'),
    10,
  ).action(async (o: Flags) => {
    process.exitCode = await run(o);
  });
}
