import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AtlogError } from '../errors.js';
import { clientFlags, connect, connectTlog, runCommand, type ClientFlags } from './client-command.js';
import { fetchKeys } from './fetch.js';

/**
 * `atlog keys --url URL [--out FILE] [--vkey-out FILE]`: saves the service's COSE_KeySet
 * (/.well-known/scitt-keys) for offline receipt verification (`atlog verify --keys FILE`; the same as `atlog
 * fetch keys`), and/or its C2SP note verifier keys (`/tlog/vkey`, one per line) for `atlog verify --tlog URL
 * --vkey FILE` and for witnesses (spec/tlog.md section 2).
 */
export function register(program: Command): void {
  clientFlags(
    program
      .command('keys')
      .description("save a transparency service's public keys: its COSE_KeySet for receipts (--out) and its note vkeys for tiles and witnesses (--vkey-out)")
      .option('--out <file>', 'where to write the COSE_KeySet (CBOR)')
      .option('--vkey-out <file>', 'where to write the note verifier keys (text, one vkey per line)'),
  ).action(
    runCommand('keys', async (opts: ClientFlags & { out?: string; vkeyOut?: string }) => {
      if (opts.out === undefined && opts.vkeyOut === undefined) throw new AtlogError('ERR_CLI_USAGE', 'give --out FILE, --vkey-out FILE or both');
      if (opts.out !== undefined) await fetchKeys(connect(opts), opts.out);
      if (opts.vkeyOut !== undefined) {
        const vkeys = await connectTlog(opts).vkeys();
        writeFileSync(opts.vkeyOut, `${vkeys.join('\n')}\n`);
        process.stdout.write(`${vkeys.length} note vkeys written to ${opts.vkeyOut}: ${vkeys.map((v) => v.split('+').slice(0, 2).join('+')).join(', ')}\n`);
      }
    }),
  );
}
