#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { useNodeSignatures } from '../crypto/node/signatures.js';
import * as audit from './audit.js';
import * as exportCmd from './export.js';
import * as fetchCmd from './fetch.js';
import * as issuers from './issuers.js';
import * as keygen from './keygen.js';
import * as keys from './keys.js';
import * as monitor from './monitor.js';
import * as mcpProxy from './mcp-proxy.js';
import * as registerCmd from './register.js';
import * as report from './report.js';
import * as serve from './serve.js';
import * as session from './session.js';
import * as sign from './sign.js';
import * as sync from './sync.js';
import * as verify from './verify.js';
import * as witness from './witness.js';

/** The package's version, read from its package.json (two levels up from dist/cli/ and from src/cli/). */
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

useNodeSignatures(); // sign, verify and serve run on Node: OpenSSL for P-256, P-384 and Ed25519

/** The atlog command line. Each subcommand lives in its own module and adds itself with `register(program)`. */
const program = new Command();
program
  .name('atlog')
  .description('Agent transparency log: a SCITT transparency service and offline verifier')
  .version(version, '-V, --version', 'print the atlog version')
  .showHelpAfterError();
for (const mod of [serve, registerCmd, fetchCmd, exportCmd, issuers, keys, keygen, sign, session, sync, mcpProxy, verify, audit, report, monitor, witness]) mod.register(program);
await program.parseAsync(process.argv);
