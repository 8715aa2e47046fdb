import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { isTimestamp } from '../aat/index.js';
import { exportEvidence, type ExportSelection } from '../audit/index.js';
import { AtlogError } from '../errors.js';
import { clientFlags, connect, runCommand, type ClientFlags } from './client-command.js';
import { progress } from './progress.js';

/**
 * `atlog export --url URL (--agent ID [--session ID] | --since TIME | --from-index N [--to-index M] | --all)
 * --out FILE`: one evidence file (spec/bundle.md section 4) written as it streams in, page by page, so an
 * export of any size holds a page in memory. The file appears under its name only when complete (it is written
 * to FILE.partial and renamed).
 */

interface Flags extends ClientFlags {
  out: string;
  agent?: string[];
  session?: string;
  since?: string;
  fromIndex?: string;
  toIndex?: string;
  all?: boolean;
  pageSize: string;
  progress?: boolean;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

function usage(msg: string): AtlogError {
  return new AtlogError('ERR_CLI_USAGE', msg);
}

function index(v: string, flag: string): number {
  if (!/^\d{1,15}$/.test(v)) throw usage(`${flag} must be a log index (a non-negative integer)`);
  return Number(v);
}

/** The selection the flags name: exactly one of --agent, --since, --from-index, --all. */
export function selectionOf(f: Flags): ExportSelection {
  const given = [f.agent !== undefined, f.since !== undefined, f.fromIndex !== undefined, f.all === true].filter(Boolean).length;
  if (given !== 1) throw usage('give exactly one of --agent, --since, --from-index or --all');
  if (f.session !== undefined && f.agent === undefined) throw usage('--session needs --agent');
  if (f.toIndex !== undefined && f.fromIndex === undefined) throw usage('--to-index needs --from-index');
  if (f.agent !== undefined) return f.session === undefined ? { agents: f.agent } : { agents: f.agent, session: f.session };
  if (f.since !== undefined) {
    if (!isTimestamp(f.since)) throw usage(`--since must be an RFC 3339 date-time such as 2026-03-29T12:00:00Z, not ${f.since}`);
    return { since: new Date(f.since) };
  }
  if (f.fromIndex !== undefined) {
    const from = index(f.fromIndex, '--from-index');
    return f.toIndex === undefined ? { from } : { from, to: index(f.toIndex, '--to-index') };
  }
  return { all: true };
}

/** Adds `atlog export`. */
export function register(program: Command): void {
  clientFlags(
    program
      .command('export')
      .description('export an evidence file for offline audit: statements in log order, checkpoints, consistency proofs, keys')
      .requiredOption('--out <file>', 'where to write the evidence file')
      .option('--agent <id>', 'the sessions of this agent (repeatable: several agents, e.g. a delegation chain)', collect)
      .option('--session <id>', 'only this session of the one --agent')
      .option('--since <time>', 'every entry registered at or after this time (RFC 3339, by the tree heads\' iat)')
      .option('--from-index <n>', 'every entry from this log index')
      .option('--to-index <m>', 'with --from-index: up to this index, exclusive (default: the final checkpoint)')
      .option('--all', 'the whole log')
      .option('--page-size <n>', 'entries per request (1..1000)', '1000')
      .option('--progress', 'report entries exported on stderr once a second (on by default when stderr is a terminal)'),
  ).action(
    runCommand('export', async (f: Flags) => {
      const select = selectionOf(f);
      const pageSize = Number(f.pageSize);
      if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw usage('--page-size must be 1..1000');
      const partial = `${f.out}.partial`;
      const out = createWriteStream(partial);
      let entries = 0;
      let bytes = 0;
      const shown = progress('export', f.progress);
      const onEntry = (n: number): void => {
        entries = n;
        shown.update(n);
      };
      try {
        for await (const chunk of exportEvidence({ client: connect(f), select, pageSize, onEntry })) {
          bytes += chunk.length;
          if (!out.write(chunk)) await once(out, 'drain');
        }
        out.end();
        await once(out, 'finish');
        renameSync(partial, f.out);
        shown.done();
      } catch (e) {
        out.destroy();
        rmSync(partial, { force: true });
        throw e;
      }
      process.stdout.write(`${entries} entries (${bytes} bytes) written to ${f.out}\n`);
    }),
  );
}
