import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AtlogError } from '../errors.js';
import { decodeProblem, problemError } from '../http/client.js';
import { MT_JSON } from '../http/media.js';
import { runCommand } from './register.js';

/**
 * `atlog issuers add|revoke|list --url URL ...`: the admin API for issuer keys. The bearer token comes
 * from ATLOG_ADMIN_TOKEN only (never a flag, so it stays out of shell history and process lists).
 */

function token(): string {
  const t = process.env.ATLOG_ADMIN_TOKEN;
  if (!t) throw new AtlogError('ERR_CLI_NO_TOKEN', 'set ATLOG_ADMIN_TOKEN to the admin token of the service');
  return t;
}

async function admin(url: string, path: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(new URL(path, url), {
    ...init,
    headers: { ...(init.headers as Record<string, string> | undefined), Authorization: `Bearer ${token()}`, Accept: MT_JSON },
  });
  const body = new Uint8Array(await res.arrayBuffer());
  if (!res.ok) throw problemError(decodeProblem(res.status, res.headers.get('content-type'), body));
  return JSON.parse(new TextDecoder().decode(body)) as unknown;
}

function print(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}

/** Adds `atlog issuers add|revoke|list`; each prints the issuer list as JSON, or exits 1 with the problem. */
export function register(program: Command): void {
  const cmd = program.command('issuers').description('manage the issuer keys a service accepts (admin API, needs ATLOG_ADMIN_TOKEN)');

  cmd
    .command('add')
    .description('trust a key (COSE_Key, COSE_KeySet or PEM file) for an issuer')
    .requiredOption('--url <url>', 'base URL of the service')
    .requiredOption('--iss <uri>', 'issuer (CWT iss; for agents the agent_id)')
    .requiredOption('--key <file>', 'public (or private: only the public half is sent) key file')
    .action(
      runCommand('issuers add', async (o: { url: string; iss: string; key: string }) => {
        const key = readFileSync(o.key);
        print(await admin(o.url, `/admin/issuers/${encodeURIComponent(o.iss)}/keys`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: key }));
      }),
    );

  cmd
    .command('revoke')
    .description('revoke an issuer, or one of its keys with --kid')
    .requiredOption('--url <url>', 'base URL of the service')
    .requiredOption('--iss <uri>', 'issuer')
    .option('--kid <kid>', 'revoke only this key (base64url as keygen prints it, or hex as list shows it)')
    .action(
      runCommand('issuers revoke', async (o: { url: string; iss: string; kid?: string }) => {
        const q = o.kid ? `?kid=${encodeURIComponent(o.kid)}` : '';
        print(await admin(o.url, `/admin/issuers/${encodeURIComponent(o.iss)}/revoke${q}`, { method: 'POST' }));
      }),
    );

  cmd
    .command('list')
    .description('list issuers and their keys')
    .requiredOption('--url <url>', 'base URL of the service')
    .action(
      runCommand('issuers list', async (o: { url: string }) => {
        print(await admin(o.url, '/admin/issuers'));
      }),
    );
}
