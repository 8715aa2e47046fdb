import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { cborDecode } from '../cose/cbor.js';
import { AtlogError } from '../errors.js';
import { getBytes } from '../http/client.js';
import { essence, MT_CBOR } from '../http/media.js';
import { runCommand } from './register.js';

/**
 * `atlog keys --url URL --out FILE`: saves the service's COSE_KeySet (/.well-known/scitt-keys) for offline
 * receipt verification (`atlog verify --keys FILE`).
 */
export function register(program: Command): void {
  program
    .command('keys')
    .description("save a transparency service's public keys (COSE_KeySet) for offline verification")
    .requiredOption('--url <url>', 'base URL of the service')
    .requiredOption('--out <file>', 'where to write the COSE_KeySet (CBOR)')
    .action(
      runCommand('keys', async (opts: { url: string; out: string }) => {
        const { body, contentType } = await getBytes(new URL('/.well-known/scitt-keys', opts.url), { headers: { Accept: MT_CBOR } });
        if (essence(contentType) !== MT_CBOR) throw new AtlogError('ERR_HTTP_UNEXPECTED', `expected ${MT_CBOR}, got ${contentType}`);
        const set = cborDecode(body);
        // Check the shape before saving, so a proxy's error page never ends up as a trust anchor file.
        if (!Array.isArray(set) || set.length === 0 || !set.every((k) => k instanceof Map)) {
          throw new AtlogError('ERR_HTTP_UNEXPECTED', 'the answer is not a non-empty COSE_KeySet');
        }
        writeFileSync(opts.out, body);
        process.stdout.write(`${set.length} keys written to ${opts.out}\n`);
      }),
    );
}
