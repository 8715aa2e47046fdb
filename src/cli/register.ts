import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { isAtlogError } from '../errors.js';
import { getBytes, registerStatement } from '../http/client.js';
import { MT_STATEMENT } from '../http/media.js';

/**
 * Runs a CLI action so that failures print one line (`atlog <cmd>: <title>: <detail>`) and set a non-zero
 * exit code, instead of a stack trace. Shared by the client commands (register, keys, issuers).
 */
export function runCommand<A extends unknown[]>(name: string, fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const msg = isAtlogError(err) || err instanceof Error ? err.message : String(err);
      const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
      process.stderr.write(`atlog ${name}: ${msg}${cause}\n`);
      process.exitCode = 1;
    }
  };
}

interface RegisterOptions {
  url: string;
  in: string;
  out?: string;
  transparent?: string;
  timeout: string;
}

/**
 * `atlog register --url URL --in STATEMENT [--out RECEIPT] [--transparent OUT]`: registers a Signed
 * Statement over SCRAPI, following 303/302 polling, prints the entry id; exits 1 with the problem title on
 * refusal.
 */
export function register(program: Command): void {
  program
    .command('register')
    .description('register a Signed Statement with a transparency service (SCRAPI POST /entries)')
    .requiredOption('--url <url>', 'base URL of the service, e.g. http://127.0.0.1:8080')
    .requiredOption('--in <file>', 'the Signed Statement (COSE_Sign1) to register')
    .option('--out <file>', 'write the receipt (COSE_Sign1) here')
    .option('--transparent <file>', 'write the Transparent Statement (statement + receipts) here')
    .option('--timeout <seconds>', 'give up polling after this many seconds', '60')
    .action(
      runCommand('register', async (opts: RegisterOptions) => {
        const statement = new Uint8Array(readFileSync(opts.in));
        const timeoutMs = Math.max(1, Number(opts.timeout) || 60) * 1000;
        const reg = await registerStatement(opts.url, statement, timeoutMs);
        if (opts.out) writeFileSync(opts.out, reg.receipt);
        if (opts.transparent) {
          const ts = await getBytes(new URL(`/entries/${reg.entryId}/statement`, opts.url), { headers: { Accept: MT_STATEMENT } });
          writeFileSync(opts.transparent, ts.body);
        }
        process.stdout.write(`${reg.entryId}\n`);
      }),
    );
}
