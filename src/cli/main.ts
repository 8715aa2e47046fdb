#!/usr/bin/env node
import { Command } from 'commander';
import * as fetchCmd from './fetch.js';
import * as issuers from './issuers.js';
import * as keygen from './keygen.js';
import * as keys from './keys.js';
import * as registerCmd from './register.js';
import * as serve from './serve.js';
import * as sign from './sign.js';
import * as verify from './verify.js';
import * as witness from './witness.js';

/** The atlog command line. Each subcommand lives in its own module and adds itself with `register(program)`. */
const program = new Command();
program
  .name('atlog')
  .description('Agent transparency log: a SCITT transparency service and offline verifier')
  .showHelpAfterError();
for (const mod of [serve, registerCmd, fetchCmd, issuers, keys, keygen, sign, verify, witness]) mod.register(program);
await program.parseAsync(process.argv);
