#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { useNodeSignatures } from '../crypto/node/signatures.js';

/** The package's version, read from its package.json (two levels up from dist/cli/ and from src/cli/). */
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

useNodeSignatures(); // sign, verify and serve run on Node: OpenSSL for P-256, P-384 and Ed25519

/** A subcommand's module: it adds itself (options, help, action) to the program. */
interface SubcommandModule {
  register(program: Command): void;
}

/**
 * Each subcommand lives in its own module, loaded only when it runs: `atlog verify` need not load the service,
 * LevelDB, the MCP SDK or the report's renderer (start-up falls from about 1.1 s to the one module's cost).
 * Help, a version request or an unknown word loads them all, so commander lists and suggests every command.
 */
const SUBCOMMANDS: Record<string, () => Promise<SubcommandModule>> = {
  serve: () => import('./serve.js'),
  register: () => import('./register.js'),
  fetch: () => import('./fetch.js'),
  export: () => import('./export.js'),
  issuers: () => import('./issuers.js'),
  keys: () => import('./keys.js'),
  keygen: () => import('./keygen.js'),
  sign: () => import('./sign.js'),
  session: () => import('./session.js'),
  sync: () => import('./sync.js'),
  'mcp-proxy': () => import('./mcp-proxy.js'),
  verify: () => import('./verify.js'),
  audit: () => import('./audit.js'),
  report: () => import('./report.js'),
  monitor: () => import('./monitor.js'),
  witness: () => import('./witness.js'),
};

/** The atlog command line. */
const program = new Command();
program
  .name('atlog')
  .description('Agent transparency log: a SCITT transparency service and offline verifier')
  .version(version, '-V, --version', 'print the atlog version')
  .showHelpAfterError();
const word = process.argv[2];
const chosen = word !== undefined && Object.hasOwn(SUBCOMMANDS, word) ? [SUBCOMMANDS[word]!] : Object.values(SUBCOMMANDS);
for (const mod of await Promise.all(chosen.map((load) => load()))) mod.register(program);
await program.parseAsync(process.argv);
