import { readFileSync, writeFileSync } from 'node:fs';
import { createTlogClient } from '../client/index.js';
import { isAtlogError } from '../errors.js';
import { verifierFromVkey, type NoteVerifier } from '../tlog/index.js';
import { fromHex } from '../util/bytes.js';
import { verifyTlog, type VerificationReport } from '../verify/index.js';
import { CannotEvaluate } from './aat-input.js';

/**
 * `atlog verify --tlog URL --vkey FILE [--entry ID [--entry-index N]] [--since-checkpoint FILE]
 * [--witness-vkey FILE ... --witness-quorum K] [--save-checkpoint FILE]`: a log served as C2SP tiles (the
 * service's `/tlog/` or any static copy) checked from its checkpoint and tiles alone (spec/tlog.md section 7).
 * The fetching is src/client/tlog.ts, the checking src/verify/tlog.ts; this only reads files and flags.
 */

export interface TlogFlags {
  tlog: string;
  vkey: string[];
  witnessVkey: string[];
  witnessQuorum?: string;
  entry?: string;
  entryIndex?: string;
  sinceCheckpoint?: string;
  saveCheckpoint?: string;
  timeout: string;
}


function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CannotEvaluate(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
}

/** The vkeys of files with one vkey per line (`#` comments and empty lines skipped). */
function vkeysFrom(files: readonly string[], what: string): NoteVerifier[] {
  return files.flatMap((f) =>
    readText(f, what)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => {
        try {
          return verifierFromVkey(l);
        } catch (e) {
          throw new CannotEvaluate(`${what} ${f} holds a line that is not a vkey (${isAtlogError(e) ? e.code : String(e)})`);
        }
      }),
  );
}

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new CannotEvaluate(`${flag} must be a non-negative integer`);
  return Number(value);
}

/** Runs the checks. @throws CannotEvaluate for bad flags, unreadable files, or a checkpoint that cannot be fetched. */
export async function evaluateTlog(o: TlogFlags): Promise<VerificationReport> {
  if (o.vkey.length === 0) throw new CannotEvaluate('--tlog needs --vkey FILE (the log\'s note vkeys: atlog keys --vkey-out)');
  const logKeys = vkeysFrom(o.vkey, 'vkey file');
  if (logKeys.length === 0) throw new CannotEvaluate('the --vkey files hold no vkey');
  const witnessKeys = vkeysFrom(o.witnessVkey, 'witness vkey file');
  const quorum = count(o.witnessQuorum, '--witness-quorum') ?? (witnessKeys.length > 0 ? new Set(witnessKeys.map((k) => k.name)).size : 0);
  let entry: { entryHash: Uint8Array; index?: number } | undefined;
  if (o.entry !== undefined) {
    if (!/^[0-9a-f]{64}$/.test(o.entry)) throw new CannotEvaluate('--entry must be an entry id: 64 lowercase hex digits');
    const index = count(o.entryIndex, '--entry-index');
    entry = { entryHash: fromHex(o.entry), ...(index === undefined ? {} : { index }) };
  } else if (o.entryIndex !== undefined) throw new CannotEvaluate('--entry-index needs --entry');
  const since = o.sinceCheckpoint === undefined ? undefined : readText(o.sinceCheckpoint, 'checkpoint');
  const seconds = Number(o.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new CannotEvaluate('--timeout must be a positive number of seconds');

  let client;
  let checkpoint: Uint8Array;
  try {
    client = createTlogClient({ url: o.tlog, timeoutMs: seconds * 1000 });
    checkpoint = await client.checkpoint();
  } catch (e) {
    throw new CannotEvaluate(`cannot fetch the checkpoint from ${o.tlog}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const report = await verifyTlog({
    checkpoint,
    logKeys,
    witnessKeys,
    quorum,
    readTile: client.readTile,
    readEntryBundle: client.readEntryBundle,
    ...(entry ? { entry } : {}),
    ...(since === undefined ? {} : { since }),
  });
  if (report.valid && o.saveCheckpoint !== undefined) writeFileSync(o.saveCheckpoint, checkpoint);
  return report;
}
