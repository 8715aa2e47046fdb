#!/usr/bin/env node
import { Command } from 'commander';

/** The atlog command line. Each subcommand lives in its own module under src/cli/. */
const program = new Command();
program.name('atlog').description('Agent transparency log: a SCITT transparency service and offline verifier');
await program.parseAsync(process.argv);
