import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Option, type Command, type CommanderError } from 'commander';
import { AtlogError, isAtlogError } from '../errors.js';
import { exportCoseKey, generateKey } from '../keys/index.js';
import { toBase64Url } from '../util/bytes.js';

/**
 * Exit-code conventions of the offline key and statement commands (keygen, sign): 0 success, 2 bad usage or
 * unreadable input (commander usage errors, missing files, malformed keys), 1 anything else. Failures print
 * one line `atlog <cmd>: <message>` on stderr, never a stack trace.
 */

const INPUT_CODES = /^ERR_(KEY|CBOR|COSE|INVALID|CLI|HASH)(_|$)/;

/** Makes commander's own usage errors (missing option, unknown option) exit 2 instead of 1. */
export function usageExit2(cmd: Command): Command {
  // One line on stderr for usage errors (the program's default prints the whole help after it).
  return cmd.showHelpAfterError(false).exitOverride((err: CommanderError) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
}

/** True for errors of bad usage or unreadable input (exit 2), as opposed to failures (exit 1). */
export function isInputError(err: unknown): boolean {
  if (isAtlogError(err)) return INPUT_CODES.test(err.code);
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ['ENOENT', 'EACCES', 'EISDIR', 'EEXIST', 'ENOTDIR', 'EPERM'].includes(code);
}

/** Wraps a synchronous action with the exit-code conventions above. */
export function runOffline<A extends unknown[]>(name: string, fn: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      process.stderr.write(`atlog ${name}: ${msg.split('\n')[0]}\n`);
      process.exitCode = isInputError(err) ? 2 : 1;
    }
  };
}

const KEYGEN_ALGS = ['ESP256', 'ES256', 'ES384', 'Ed25519', 'EdDSA', 'ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'];

interface KeygenOptions {
  alg: string;
  out: string;
  force?: boolean;
}

/**
 * `atlog keygen --alg ALG --out FILE [--force]`: writes the private COSE_Key to FILE (mode 0600) and the public
 * COSE_Key to FILE.pub, and prints the kid as unpadded base64url (the form SCRAPI uses in
 * /.well-known/scitt-keys/{kid}). Existing files are not overwritten without --force.
 */
export function register(program: Command): void {
  usageExit2(
    program
      .command('keygen')
      .description('generate a signing key: private COSE_Key in FILE (0600), public COSE_Key in FILE.pub; prints the kid (base64url)')
      .addOption(new Option('--alg <alg>', 'signature algorithm').choices(KEYGEN_ALGS).makeOptionMandatory())
      .requiredOption('--out <file>', 'where to write the private COSE_Key')
      .option('--force', 'overwrite existing files'),
  ).action(
    runOffline('keygen', (o: KeygenOptions) => {
      const key = generateKey(o.alg);
      const flag = o.force ? 'w' : 'wx';
      for (const f of [o.out, `${o.out}.pub`]) {
        if (!o.force && existsSync(f)) throw new AtlogError('ERR_CLI_EXISTS', `${f} exists (use --force to overwrite)`);
      }
      mkdirSync(dirname(o.out), { recursive: true });
      writeFileSync(o.out, exportCoseKey(key), { mode: 0o600, flag });
      chmodSync(o.out, 0o600); // `mode` only applies when the file is created, not when --force overwrites it
      writeFileSync(`${o.out}.pub`, exportCoseKey(key.publicKey), { mode: 0o644, flag });
      process.stdout.write(`${toBase64Url(key.kid)}\n`);
    }),
  );
}
