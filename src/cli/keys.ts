import type { Command } from 'commander';
import { clientFlags, connect, runCommand, type ClientFlags } from './client-command.js';
import { fetchKeys } from './fetch.js';

/**
 * `atlog keys --url URL --out FILE`: saves the service's COSE_KeySet (/.well-known/scitt-keys) for offline
 * receipt verification (`atlog verify --keys FILE`). The same as `atlog fetch keys`.
 */
export function register(program: Command): void {
  clientFlags(
    program
      .command('keys')
      .description("save a transparency service's public keys (COSE_KeySet) for offline verification (= atlog fetch keys)")
      .requiredOption('--out <file>', 'where to write the COSE_KeySet (CBOR)'),
  ).action(
    runCommand('keys', async (opts: ClientFlags & { out: string }) => {
      await fetchKeys(connect(opts), opts.out);
    }),
  );
}
