import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { IssuerView, TransparencyClient } from '../client/index.js';
import { AtlogError } from '../errors.js';
import { clientFlags, connect, runCommand, type ClientFlags } from './client-command.js';

/**
 * `atlog issuers add|revoke|list --url URL ...`: the admin API for issuer keys. The bearer token comes
 * from ATLOG_ADMIN_TOKEN only (never a flag, so it stays out of shell history and process lists).
 */

function admin(flags: ClientFlags): TransparencyClient {
  const t = process.env.ATLOG_ADMIN_TOKEN;
  if (!t) throw new AtlogError('ERR_CLI_NO_TOKEN', 'set ATLOG_ADMIN_TOKEN to the admin token of the service');
  return connect(flags, { adminToken: t });
}

function print(issuers: IssuerView[]): void {
  process.stdout.write(`${JSON.stringify({ issuers }, null, 2)}\n`);
}

/** Adds `atlog issuers add|revoke|list`; each prints the issuer list as JSON, or exits 1 with the problem. */
export function register(program: Command): void {
  const cmd = program.command('issuers').description('manage the issuer keys a service accepts (admin API, needs ATLOG_ADMIN_TOKEN)');

  clientFlags(
    cmd
      .command('add')
      .description('trust a key (COSE_Key, COSE_KeySet or PEM file) for an issuer')
      .requiredOption('--iss <uri>', 'issuer (CWT iss; for agents the agent_id)')
      .requiredOption('--key <file>', 'public (or private: only the public half is sent) key file'),
  ).action(
    runCommand('issuers add', async (o: ClientFlags & { iss: string; key: string }) => {
      const key = new Uint8Array(readFileSync(o.key));
      print(await admin(o).issuers.add(o.iss, key));
    }),
  );

  clientFlags(
    cmd
      .command('revoke')
      .description('revoke an issuer, or one of its keys with --kid')
      .requiredOption('--iss <uri>', 'issuer')
      .option('--kid <kid>', 'revoke only this key (base64url, as keygen prints it and list shows it)'),
  ).action(
    runCommand('issuers revoke', async (o: ClientFlags & { iss: string; kid?: string }) => {
      print(await admin(o).issuers.revoke(o.iss, o.kid));
    }),
  );

  clientFlags(cmd.command('list').description('list issuers and their keys')).action(
    runCommand('issuers list', async (o: ClientFlags) => {
      print(await admin(o).issuers.list());
    }),
  );
}
