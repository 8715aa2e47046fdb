import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { TransparencyClient } from '../client/index.js';
import { cborDecode } from '../cose/cbor.js';
import { AtlogError } from '../errors.js';
import { decodeSignedTreeHead } from '../receipts/index.js';
import { clientFlags, connect, runCommand, type ClientFlags } from './client-command.js';

/**
 * `atlog fetch checkpoint|statement|receipt|bundle|consistency|keys|tsa-root --url URL … --out FILE`: saves
 * what an auditor verifies offline, with the SCRAPI client (retries, timeouts, problem details). Each prints
 * one line saying what it wrote. Nothing here checks trust: `atlog verify` does, with pinned keys.
 */

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Saves the service's COSE_KeySet (also `atlog keys`). */
export async function fetchKeys(client: TransparencyClient, out: string): Promise<void> {
  const set = await client.keys();
  writeFileSync(out, set.bytes);
  say(`${set.kids.length} keys written to ${out}: ${set.kids.map((k) => k ?? '(no kid)').join(', ')}`);
}

/**
 * A tree size given as a number, or read from a checkpoint file (the `GET /checkpoint` map or one signed tree
 * head).
 * @throws AtlogError ERR_CLI_USAGE when it is neither.
 */
export function treeSizeOf(value: string, flag: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(value));
  } catch (e) {
    throw new AtlogError('ERR_CLI_USAGE', `${flag} takes a tree size or a checkpoint file; cannot read ${value}`, { cause: e });
  }
  try {
    const m = cborDecode(bytes);
    if (m instanceof Map && Number.isSafeInteger(m.get('treeSize'))) return m.get('treeSize') as number;
    return decodeSignedTreeHead(bytes).treeSize;
  } catch (e) {
    throw new AtlogError('ERR_CLI_USAGE', `${value} (${flag}) is neither a checkpoint nor a signed tree head`, { cause: e });
  }
}

type Flags = ClientFlags & { out: string };

function sub(parent: Command, name: string, description: string): Command {
  return clientFlags(parent.command(name).description(description).requiredOption('--out <file>', 'where to write it'));
}

/** Adds `atlog fetch` and its subcommands. */
export function register(program: Command): void {
  const cmd = program.command('fetch').description('save checkpoints, statements, receipts, bundles, proofs and keys from a service for offline checks');

  sub(cmd, 'checkpoint', 'the latest checkpoint (CBOR map with the signed tree heads), for --old-checkpoint/--new-checkpoint').action(
    runCommand('fetch checkpoint', async (o: Flags) => {
      const cp = await connect(o).checkpoint();
      writeFileSync(o.out, cp.bytes);
      say(`checkpoint of size ${cp.treeSize}${cp.anchored ? ', timestamped,' : ''} written to ${o.out}`);
    }),
  );

  sub(cmd, 'statement', 'the Transparent Statement of an entry (statement + receipts)')
    .requiredOption('--entry <id>', 'entry id (64 hex digits) or log index')
    .action(
      runCommand('fetch statement', async (o: Flags & { entry: string }) => {
        writeFileSync(o.out, await connect(o).transparentStatement(o.entry));
        say(`Transparent Statement of ${o.entry} written to ${o.out}`);
      }),
    );

  sub(cmd, 'receipt', 'the receipt of an entry')
    .requiredOption('--entry <id>', 'entry id (64 hex digits), log index or operation id')
    .option('--alg <alg>', 'which receipt, e.g. ML-DSA-65 (default: the service\'s first, P-256)')
    .action(
      runCommand('fetch receipt', async (o: Flags & { entry: string; alg?: string }) => {
        writeFileSync(o.out, await connect(o).receipt(o.entry, o.alg === undefined ? {} : { alg: o.alg }));
        say(`receipt of ${o.entry} written to ${o.out}`);
      }),
    );

  sub(cmd, 'bundle', "an agent session's export bundle, for atlog verify --bundle")
    .requiredOption('--agent <id>', 'agent id (the records\' agent_id)')
    .requiredOption('--session <id>', 'session id (UUID)')
    .action(
      runCommand('fetch bundle', async (o: Flags & { agent: string; session: string }) => {
        writeFileSync(o.out, await connect(o).sessionBundle(o.agent, o.session));
        say(`bundle of session ${o.session} written to ${o.out}`);
      }),
    );

  sub(cmd, 'consistency', 'a consistency receipt between two tree sizes, for atlog verify --consistency')
    .requiredOption('--from <size|file>', 'the older tree size, or the checkpoint file you kept')
    .option('--to <size|file>', 'the newer tree size or checkpoint file (default: the latest checkpoint)')
    .option('--alg <alg>', 'which service key signs it, e.g. ML-DSA-65 (default P-256)')
    .action(
      runCommand('fetch consistency', async (o: Flags & { from: string; to?: string; alg?: string }) => {
        const from = treeSizeOf(o.from, '--from');
        const client = connect(o);
        const to = o.to === undefined ? (await client.checkpoint()).treeSize : treeSizeOf(o.to, '--to');
        writeFileSync(o.out, await client.consistency(from, to, o.alg === undefined ? {} : { alg: o.alg }));
        say(`consistency receipt ${from} -> ${to} written to ${o.out}`);
      }),
    );

  sub(cmd, 'keys', "the service's public keys (COSE_KeySet), or one key with --kid")
    .option('--kid <kid>', 'only this key (base64url, as the service logs it)')
    .action(
      runCommand('fetch keys', async (o: Flags & { kid?: string }) => {
        const client = connect(o);
        if (o.kid === undefined) return fetchKeys(client, o.out);
        writeFileSync(o.out, await client.key(o.kid));
        say(`key ${o.kid} written to ${o.out}`);
      }),
    );

  sub(cmd, 'tsa-root', "the embedded TSA's root certificate (PEM), for atlog verify --tsa-root").action(
    runCommand('fetch tsa-root', async (o: Flags) => {
      writeFileSync(o.out, await connect(o).tsaRoot());
      say(`TSA root certificate written to ${o.out}`);
    }),
  );
}
