import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { isTimestamp, LATEST_DRAFT } from '../aat/index.js';
import { algByName, algById } from '../cose/algorithms.js';
import { AtlogError, isAtlogError } from '../errors.js';
import { parseKeyFile, type PublicKey } from '../keys/index.js';
import { fromHex } from '../util/bytes.js';
import {
  ccfTrustStoreKeys,
  verifyAatChain,
  verifyDelegation,
  verifySessionBundle,
  verifyTransparentStatement,
  verifyTreeHeadConsistency,
  type CheckStatus,
  type RecordCheckOptions,
  type VerificationReport,
} from '../verify/index.js';
import { aatRecordsFrom, recordKeysFrom, CannotEvaluate } from './aat-input.js';
import { evaluateTlog, type TlogFlags } from './verify-tlog.js';

/**
 * `atlog verify`: the offline verifier on the command line (docs/auditor.md). Five modes:
 *   --statement FILE [--receipt FILE ...]        one (Transparent) Statement and its receipts
 *   --bundle FILE [--bundle FILE ...]            session bundles; several bundles = a delegation chain
 *   --consistency RECEIPT --old-checkpoint FILE  the log only grew since an older checkpoint
 *   --aat FILE [--record-key KEY ...]            a bare AAT chain (JSON Lines or a JSON array), no log
 *   --tlog URL --vkey FILE [--entry ID] ...      a log served as C2SP tiles, from its tiles alone (verify-tlog.ts)
 * Exit status: 0 valid, 1 not valid, 2 cannot evaluate (bad usage, unreadable file, unusable key).
 */

interface Opts {
  statement?: string;
  receipt: string[];
  serviceKey: string[];
  issuerKey: string[];
  requireIssuerSignature?: boolean;
  tsaRoot: string[];
  ccfTrustStore: string[];
  requireAlg: string[];
  bundle: string[];
  consistency?: string;
  oldCheckpoint?: string;
  oldRoot?: string;
  newCheckpoint?: string;
  aat?: string;
  recordKey: string[];
  requireRecordSignatures?: boolean;
  allowIncomplete?: boolean;
  at?: string;
  draft?: string;
  json?: boolean;
  quiet?: boolean;
  tlog?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** A file's bytes. @throws CannotEvaluate when it cannot be read. */
export function read(file: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new CannotEvaluate(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
}

/** Public keys of key files (COSE_Key, COSE_KeySet, PEM; private halves reduced). @throws CannotEvaluate */
export function keysFrom(files: string[], what: string): PublicKey[] {
  return files.flatMap((f) => {
    try {
      // a private key file works too: only its public half is used
      return parseKeyFile(read(f, what)).map((k) => ('publicKey' in k ? k.publicKey : k));
    } catch (e) {
      if (e instanceof CannotEvaluate) throw e;
      throw new CannotEvaluate(`${what} ${f} is not a COSE_Key, COSE_KeySet or PEM public key (${isAtlogError(e) ? e.code : String(e)})`);
    }
  });
}

function parseAlg(s: string): number {
  const n = Number(s);
  if (Number.isInteger(n) && algById(n)) return n;
  try {
    return algByName(s).id;
  } catch {
    throw new CannotEvaluate(`unknown algorithm ${s}`);
  }
}

/** The record-level options (--aat, --bundle, and `atlog audit`): keys, strictness, completeness, time, draft. */
export function recordOptions(o: Pick<Opts, 'at' | 'draft' | 'recordKey' | 'requireRecordSignatures' | 'allowIncomplete'>): RecordCheckOptions {
  let at = new Date(); // heartbeats are judged as of now unless --at says otherwise
  if (o.at !== undefined) {
    if (!isTimestamp(o.at)) throw new CannotEvaluate(`--at must be an RFC 3339 date-time such as 2026-03-29T12:00:00Z, not ${o.at}`);
    at = new Date(o.at);
  }
  let draft: number | undefined;
  if (o.draft !== undefined) {
    draft = Number(o.draft);
    if (!/^\d+$/.test(o.draft) || draft > LATEST_DRAFT) throw new CannotEvaluate(`--draft must be 0..${LATEST_DRAFT}`);
  }
  const recordKeys = o.recordKey.flatMap((f) => recordKeysFrom(read(f, 'record key'), f));
  return {
    at,
    ...(draft !== undefined ? { draft } : {}),
    ...(recordKeys.length ? { recordKeys } : {}),
    ...(o.requireRecordSignatures ? { requireRecordSignatures: true } : {}),
    ...(o.allowIncomplete ? { allowIncomplete: true } : {}),
  };
}

async function evaluate(o: Opts): Promise<VerificationReport> {
  const modes = [o.statement !== undefined, o.bundle.length > 0, o.consistency !== undefined, o.aat !== undefined].filter(Boolean).length;
  if (modes !== 1) throw new CannotEvaluate(ONE_MODE);
  if (o.aat !== undefined) return verifyAatChain(aatRecordsFrom(read(o.aat, 'AAT file'), o.aat), recordOptions(o));
  if (o.serviceKey.length === 0 && o.ccfTrustStore.length === 0) throw new CannotEvaluate('--service-key is required');
  const serviceKeys = keysFrom(o.serviceKey, 'service key');
  const ccfKeys = o.ccfTrustStore.flatMap((f) => {
    try {
      return ccfTrustStoreKeys(read(f, 'CCF trust store'));
    } catch (e) {
      if (e instanceof CannotEvaluate) throw e;
      throw new CannotEvaluate(`CCF trust store ${f} is unusable (${isAtlogError(e) ? e.code : String(e)})`);
    }
  });
  const common = {
    serviceKeys,
    ...(ccfKeys.length ? { ccfKeys } : {}),
    ...(o.issuerKey.length ? { issuerKeys: keysFrom(o.issuerKey, 'issuer key') } : {}),
    ...(o.requireIssuerSignature ? { requireIssuerSignature: true } : {}),
    ...(o.tsaRoot.length ? { tsaRoots: o.tsaRoot.map((f) => read(f, 'TSA root')) } : {}),
    ...(o.requireAlg.length ? { requireAlgs: o.requireAlg.map(parseAlg) } : {}),
  };
  if (o.statement !== undefined) {
    const statement = read(o.statement, 'statement');
    const receipts = o.receipt.map((f) => read(f, 'receipt'));
    return verifyTransparentStatement({ statement, ...(receipts.length ? { receipts } : {}), ...common });
  }
  if (o.bundle.length > 0) {
    const bundles = o.bundle.map((f) => read(f, 'bundle'));
    const opts = { ...common, ...recordOptions(o) };
    return bundles.length === 1 ? verifySessionBundle(bundles[0]!, opts) : verifyDelegation(bundles, opts);
  }
  if (o.oldCheckpoint === undefined) throw new CannotEvaluate('--consistency needs --old-checkpoint');
  let oldRoot: Uint8Array | undefined;
  if (o.oldRoot !== undefined) {
    try {
      oldRoot = fromHex(o.oldRoot, '--old-root');
    } catch {
      throw new CannotEvaluate('--old-root must be 64 hex digits');
    }
  }
  return verifyTreeHeadConsistency({
    oldCheckpoint: read(o.oldCheckpoint, 'old checkpoint'),
    receipt: read(o.consistency!, 'consistency receipt'),
    serviceKeys,
    ...(oldRoot ? { oldRoot } : {}),
    ...(o.newCheckpoint ? { newCheckpoint: read(o.newCheckpoint, 'new checkpoint') } : {}),
  });
}

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', fail: 'FAIL', skip: 'skip' };

/** The verdict line: VALID or NOT VALID with the first failure, and a session's completeness when there is one. */
export function verdictLine(r: VerificationReport): string {
  if (!r.valid) return `NOT VALID: ${r.failure?.code ?? 'ERR_VERIFY_INTERNAL'} ${r.failure?.detail ?? ''}`;
  const c = r.completeness;
  if (c === undefined) return 'VALID';
  return c.state === 'complete' ? 'VALID (session complete)' : `VALID (session ${c.state}: not proven complete)`;
}

function print(r: VerificationReport, o: { json: boolean; quiet: boolean }): void {
  if (o.json) {
    const out: Record<string, unknown> = { valid: r.valid };
    if (r.completeness) out.completeness = r.completeness;
    if (!o.quiet) out.checks = r.checks;
    if (r.failure) out.failure = r.failure;
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  if (!o.quiet) for (const c of r.checks) process.stdout.write(`${MARK[c.status]} ${c.name}: ${c.detail}\n`);
  process.stdout.write(`${verdictLine(r)}\n`);
}

function cannotEvaluate(msg: string, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ valid: false, checks: [], failure: { code: 'ERR_VERIFY_CANNOT_EVALUATE', detail: msg } })}\n`);
  process.stderr.write(`atlog verify: ${msg}\n`);
  process.exitCode = 2;
}

const ONE_MODE = 'give exactly one of --statement, --bundle, --consistency, --aat or --tlog';

/** Adds the record-level flags (--aat, --bundle, `atlog audit` and `atlog report`): keys, strictness, completeness, time, draft. */
export function recordFlags(cmd: Command): Command {
  return cmd
    .option('--record-key <file>', 'key for in-record signatures, matched by signer_kid: JWK, JWK Set or PEM (repeatable)', collect)
    .option('--require-record-signatures', 'fail (not skip) records that are unsigned or whose signature cannot be checked')
    .option('--allow-incomplete', 'accept sessions not proven complete (open or inconclusive); they are still reported')
    .option('--at <time>', 'verification time (RFC 3339) for judging heartbeats of unclosed sessions (default: now)')
    .option('--draft <n>', `AAT revision whose record rules apply, 0..${LATEST_DRAFT} (default 0: every revision)`);
}

/** Adds `atlog verify` to the program. */
export function register(program: Command): void {
  const cmd = recordFlags(
    new Command('verify')
      .description('verify statements, receipts, session bundles, delegation chains, consistency and bare AAT chains offline')
      .option('--statement <file>', 'Signed or Transparent Statement (COSE_Sign1)')
      .option('--receipt <file>', 'receipt (repeatable; default: label 394 of the statement)', collect)
      .option('--service-key <file>', 'trusted service key: COSE_Key, COSE_KeySet or PEM (repeatable)', collect)
      .option('--keys <file>', 'alias of --service-key (the file `atlog keys` writes)', collect)
      .option('--issuer-key <file>', 'issuer key: COSE_Key, COSE_KeySet or PEM (repeatable)', collect)
      .option('--require-issuer-signature', 'fail when no issuer key is given instead of noting it')
      .option('--tsa-root <file>', 'pinned TSA root certificate, DER or PEM (repeatable); requires a valid 270 token', collect)
      .option('--ccf-trust-store <file>', 'scitt-ccf-ledger trust store JSON: also accept CCF (vds 2) receipts', collect)
      .option('--require-alg <alg>', 'require a verified receipt signed with this algorithm (name or id; repeatable)', collect)
      .option('--bundle <file>', 'session bundle (repeatable: a delegation chain across bundles)', collect)
      .option('--consistency <file>', 'consistency receipt from --old-checkpoint to a newer tree')
      .option('--old-checkpoint <file>', 'older signed tree head (root attached, or give --old-root)')
      .option('--old-root <hex>', "root of the old checkpoint when its payload is detached")
      .option('--new-checkpoint <file>', 'newer signed tree head to compare with the proven tree')
      .option('--aat <file>', 'a bare AAT chain: records in order, JSON Lines or a JSON array (no log, no service key)'),
  )
    .option('--tlog <url>', 'a log served as C2SP tiles: its prefix URL (http://HOST:PORT/tlog, or a static copy)')
    .option('--vkey <file>', "with --tlog: the log's note vkeys, one per line (atlog keys --vkey-out; repeatable)", collect)
    .option('--entry <id>', 'with --tlog: prove this entry (64 hex digits) included, from tiles alone')
    .option('--entry-index <n>', "with --entry: the entry's index, if known (else the level 0 tiles are searched)")
    .option('--since-checkpoint <file>', 'with --tlog: an earlier checkpoint note of the log; prove consistency with it from tiles')
    .option('--witness-vkey <file>', "with --tlog: a witness's vkeys (repeatable)", collect)
    .option('--witness-quorum <k>', 'with --tlog: witnesses that must have cosigned (default: every witness given)')
    .option('--save-checkpoint <file>', 'with --tlog: write the checkpoint here when it verifies (for --since-checkpoint next time)')
    .option('--timeout <seconds>', 'with --tlog: give up fetching after this many seconds', '30')
    .option('--json', 'print {"valid", "completeness", "checks", "failure"} as JSON')
    .option('--quiet', 'print the verdict line only (with --json: no checks)')
    .exitOverride((err) => {
      // commander's own usage errors: exit 2 (cannot evaluate), help and version: 0
      process.exit(err.exitCode === 0 ? 0 : 2);
    })
    .action(async (raw: Partial<Opts> & Partial<TlogFlags> & { keys?: string[] }) => {
      const list = (x: string[] | undefined): string[] => x ?? [];
      const o: Opts = {
        ...raw,
        receipt: list(raw.receipt),
        serviceKey: [...list(raw.serviceKey), ...list(raw.keys)],
        issuerKey: list(raw.issuerKey),
        tsaRoot: list(raw.tsaRoot),
        ccfTrustStore: list(raw.ccfTrustStore),
        requireAlg: list(raw.requireAlg),
        bundle: list(raw.bundle),
        recordKey: list(raw.recordKey),
      };
      try {
        const r = o.tlog !== undefined ? await evaluateTlog(tlogFlags(raw, o.tlog)) : await evaluate(o);
        print(r, { json: o.json === true, quiet: o.quiet === true });
        process.exitCode = r.valid ? 0 : 1;
      } catch (e) {
        if (e instanceof CannotEvaluate) cannotEvaluate(e.message, o.json === true);
        else if (e instanceof AtlogError) cannotEvaluate(`${e.code}: ${e.message}`, o.json === true);
        else throw e;
      }
    });
  program.addCommand(cmd);
}

/** The --tlog mode's flags; the other modes' inputs are refused with it. */
function tlogFlags(raw: Partial<Opts> & Partial<TlogFlags>, tlog: string): TlogFlags {
  if (raw.statement !== undefined || raw.bundle !== undefined || raw.consistency !== undefined || raw.aat !== undefined) throw new CannotEvaluate(ONE_MODE);
  return {
    tlog,
    vkey: raw.vkey ?? [],
    witnessVkey: raw.witnessVkey ?? [],
    timeout: raw.timeout ?? '30',
    ...(raw.witnessQuorum === undefined ? {} : { witnessQuorum: raw.witnessQuorum }),
    ...(raw.entry === undefined ? {} : { entry: raw.entry }),
    ...(raw.entryIndex === undefined ? {} : { entryIndex: raw.entryIndex }),
    ...(raw.sinceCheckpoint === undefined ? {} : { sinceCheckpoint: raw.sinceCheckpoint }),
    ...(raw.saveCheckpoint === undefined ? {} : { saveCheckpoint: raw.saveCheckpoint }),
  };
}
