import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AtlogError } from '../errors.js';
import { describeNonStatement } from '../statements/index.js';
import { clientFlags, connect, runCommand, type ClientFlags } from './client-command.js';

interface RegisterOptions extends ClientFlags {
  in: string;
  out?: string;
  transparent?: string;
}

/**
 * The statement file, refused before anything is sent when it is not a Signed Statement, saying what it is.
 * @throws AtlogError ERR_CLI_NOT_A_STATEMENT (e.g. "record.json is not a Signed Statement: it is JSON text: sign
 *   it first with atlog sign").
 */
function readStatement(file: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(file));
  const what = describeNonStatement(bytes);
  if (what !== undefined) throw new AtlogError('ERR_CLI_NOT_A_STATEMENT', `${file} is not a Signed Statement (COSE_Sign1): ${what}`);
  return bytes;
}

/**
 * `atlog register --url URL --in STATEMENT [--out RECEIPT] [--transparent OUT]`: registers a Signed Statement
 * over SCRAPI (201, or 303/202 and polling), prints the entry id; exits 1 with the problem on refusal, 2 when
 * the file is not a Signed Statement.
 */
export function register(program: Command): void {
  clientFlags(
    program
      .command('register')
      .description('register a Signed Statement with a transparency service (SCRAPI POST /entries)')
      .requiredOption('--in <file>', 'the Signed Statement (COSE_Sign1) to register')
      .option('--out <file>', 'write the receipt (COSE_Sign1) here')
      .option('--transparent <file>', 'write the Transparent Statement (statement + receipts) here'),
    60,
  ).action(
    runCommand('register', async (opts: RegisterOptions) => {
      const statement = readStatement(opts.in);
      const client = connect(opts);
      const reg = await client.register(statement);
      if (opts.out) writeFileSync(opts.out, reg.receipt);
      if (opts.transparent) {
        if (reg.entryId === undefined) throw new AtlogError('ERR_CLIENT_UNEXPECTED', 'the service named no entry, so its Transparent Statement cannot be fetched');
        writeFileSync(opts.transparent, await client.transparentStatement(reg.entryId));
      }
      process.stdout.write(`${reg.entryId ?? reg.location ?? '(the service named no entry)'}\n`);
    }),
  );
}
