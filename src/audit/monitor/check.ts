import { dirname, basename } from 'node:path';
import type { TransparencyClient } from '../../client/index.js';
import { AtlogError, isAtlogError, type AtlogErrorCode } from '../../errors.js';
import { exportCoseKeySet, parsePublicKeys, type PublicKey } from '../../keys/index.js';
import { equalBytes, toBase64Url, toHex } from '../../util/bytes.js';
import { compareHeads, isMisbehaviour, type Verdict } from './compare.js';
import { readStateFile, writeEvidence, writeStateFile } from './files.js';
import { scrapiHeadSource, type HeadSource, type ObservedHead } from './head-source.js';
import { recordHead, type MonitorState, type PinnedKeys } from './state.js';

/**
 * One monitor check (docs/auditor.md "Monitor a log", spec/monitor.md): read the state file, settle which keys
 * to trust, fetch and verify the newest head, compare it with the recorded one, then either record it
 * (nothing wrong) or write the evidence (misbehaviour) and leave the state as it was, so the next check fails
 * the same way until a person has looked.
 */

export interface CheckOptions {
  url: string;
  statePath: string;
  client: TransparencyClient;
  /** A key file given by the operator (`--keys`): replaces the pinned keys. */
  keysFile?: Uint8Array;
  /** Where evidence directories go; default: beside the state file. */
  evidenceDir?: string;
  /** Aborts the check (SIGTERM): it then ends as cannot-evaluate with ERR_CLIENT_ABORTED. */
  signal?: AbortSignal;
  now?: () => Date;
  /** The source of heads for the trusted keys (default: the SCRAPI source). */
  sourceFor?: (client: TransparencyClient, keys: readonly PublicKey[]) => HeadSource;
}

/** How a check ended; the exit code of `atlog monitor` is 0, 1 and 2 in this order. */
export type CheckStatus = 'ok' | 'misbehaviour' | 'cannot-evaluate';

export interface CheckResult {
  status: CheckStatus;
  /** One line: `<time> <OK|ROLLBACK|SPLIT-VIEW|CANNOT-EVALUATE> <what>`. */
  line: string;
  /** Lines to say before it (the trust-on-first-use notice). */
  notices: string[];
  verdict?: Verdict;
  code?: AtlogErrorCode;
  /** The evidence files written (misbehaviour only). */
  evidence?: string[];
}

export const EXIT_CODES: Readonly<Record<CheckStatus, number>> = { ok: 0, misbehaviour: 1, 'cannot-evaluate': 2 };

const short = (root: Uint8Array): string => `${toHex(root).slice(0, 16)}…`;
const kidsOf = (keys: readonly PublicKey[]): string[] => keys.map((k) => toBase64Url(k.kid));

/** The keys of a key file; `from` says which file, and a state file's keys that do not parse make the state bad. */
function keysOf(file: Uint8Array, from: 'state' | '--keys' | 'served'): PublicKey[] {
  try {
    const keys = parsePublicKeys(file);
    if (keys.length === 0) throw new AtlogError('ERR_KEY_FORMAT', 'it holds no key');
    return keys;
  } catch (e) {
    const what = { state: "the state file's pinned keys are", '--keys': 'the --keys file is', served: "the service's key set is" }[from];
    const code = from === 'state' ? 'ERR_MONITOR_STATE' : isAtlogError(e) ? e.code : 'ERR_KEY_FORMAT';
    throw new AtlogError(code, `${what} not usable: ${(e as Error).message}`, { cause: e });
  }
}

/** The keys to trust in this check, and a notice when they were just pinned on first use. */
async function settleKeys(o: CheckOptions, state: MonitorState | undefined, at: string): Promise<{ pinned: PinnedKeys; keys: PublicKey[]; notice?: string }> {
  if (o.keysFile !== undefined) {
    const keys = keysOf(o.keysFile, '--keys');
    const same = state !== undefined && equalBytes(state.keys.file, o.keysFile);
    return { keys, pinned: { source: 'given', pinnedAt: same ? state.keys.pinnedAt : at, kids: kidsOf(keys), file: o.keysFile } };
  }
  if (state !== undefined) return { keys: keysOf(state.keys.file, 'state'), pinned: state.keys };
  const set = await o.client.keys(o.signal ? { signal: o.signal } : {});
  const keys = keysOf(set.bytes, 'served');
  const notice =
    `trust on first use: pinned the ${keys.length} service key(s) ${o.url} serves now (${kidsOf(keys).join(', ')}) into ${o.statePath}; ` +
    'later checks trust only these. Compare the kids with the ones the operator publishes, or pass --keys.';
  return { keys, pinned: { source: 'trust-on-first-use', pinnedAt: at, kids: kidsOf(keys), file: set.bytes }, notice };
}

/** The recorded head, verified again with the keys in use; it must say what the state file says. */
function recordedHead(state: MonitorState | undefined, source: HeadSource): ObservedHead | undefined {
  if (state?.head === undefined) return undefined;
  let h: ObservedHead;
  try {
    h = source.verify(state.head.bytes);
  } catch (e) {
    throw new AtlogError('ERR_MONITOR_STATE', `the recorded checkpoint does not verify with the keys in use (${isAtlogError(e) ? e.code : String(e)}); were the keys changed?`, { cause: e });
  }
  if (h.treeSize !== state.head.treeSize || !equalBytes(h.root, state.head.root)) {
    throw new AtlogError('ERR_MONITOR_STATE', 'the recorded checkpoint says another size or root than the state file');
  }
  return h;
}

function okLine(v: Extract<Verdict, { kind: 'first' | 'unchanged' | 'grew' }>): string {
  switch (v.kind) {
    case 'first':
      return `OK first checkpoint recorded: size ${v.latest.treeSize}, root ${short(v.latest.root)}`;
    case 'unchanged':
      return `OK size ${v.latest.treeSize}: unchanged`;
    case 'grew':
      return `OK size ${v.recorded.treeSize} -> ${v.latest.treeSize}: consistent, root ${short(v.latest.root)}`;
  }
}

/** The evidence of a misbehaviour verdict (spec/monitor.md section 5). */
function evidenceFiles(v: Extract<Verdict, { kind: 'rollback' | 'split-view' }>, keys: readonly PublicKey[], url: string, at: Date, seenAt: string): Array<[string, string | Uint8Array]> {
  const files: Array<[string, string | Uint8Array]> = [
    ['old-checkpoint.cbor', v.recorded.bytes],
    ['new-checkpoint.cbor', v.latest.bytes],
  ];
  if (v.kind === 'split-view') files.push(['consistency.cose', v.proof]);
  files.push(['service-keys.cbor', exportCoseKeySet(keys)]);
  const head = (h: ObservedHead, file: string) => ({ file, treeSize: h.treeSize, root: toHex(h.root), issuedAt: h.issuedAt === undefined ? null : new Date(h.issuedAt * 1000).toISOString() });
  const summary = {
    format: 'atlog-monitor-evidence',
    version: 1,
    kind: v.kind,
    code: v.code,
    detail: v.detail,
    url,
    detectedAt: at.toISOString(),
    old: { ...head(v.recorded, 'old-checkpoint.cbor'), seenAt },
    new: head(v.latest, 'new-checkpoint.cbor'),
    proof: v.kind === 'split-view' ? 'consistency.cose' : null,
    keys: 'service-keys.cbor',
    verify:
      v.kind === 'split-view'
        ? 'atlog verify --consistency consistency.cose --old-checkpoint old-checkpoint.cbor --new-checkpoint new-checkpoint.cbor --keys service-keys.cbor'
        : null,
  };
  files.push(['evidence.json', `${JSON.stringify(summary, null, 2)}\n`]);
  return files;
}

/**
 * Runs one check. Never throws: every failure is a result with its status, code and line.
 */
export async function runCheck(o: CheckOptions): Promise<CheckResult> {
  const now = o.now ?? (() => new Date());
  const start = now();
  const at = start.toISOString();
  const notices: string[] = [];
  const result = (status: CheckStatus, what: string, extra: Partial<CheckResult> = {}): CheckResult => ({ status, line: `${at} ${what}`, notices, ...extra });
  try {
    const state = readStateFile(o.statePath);
    const { pinned, keys, notice } = await settleKeys(o, state, at);
    if (notice) notices.push(notice);
    const source = (o.sourceFor ?? scrapiHeadSource)(o.client, keys);
    const recorded = recordedHead(state, source);
    const latest = await source.latest(o.signal);
    if (latest === undefined && recorded !== undefined) {
      throw new AtlogError('ERR_MONITOR_LOG_EMPTY', `the service says its log is empty, but it signed size ${recorded.treeSize} before: a rollback to nothing, or the wrong URL (nothing signed to keep as evidence)`);
    }
    const verdict = latest === undefined ? undefined : await compareHeads(recorded, latest, source, o.signal);
    if (verdict !== undefined && isMisbehaviour(verdict)) {
      const parent = o.evidenceDir ?? dirname(o.statePath);
      const { paths } = writeEvidence(parent, `${basename(o.statePath)}.evidence`, start, evidenceFiles(verdict, keys, o.url, start, state!.head!.seenAt));
      const label = verdict.kind === 'rollback' ? 'ROLLBACK' : 'SPLIT-VIEW';
      const what = `${label} size ${verdict.recorded.treeSize} -> ${verdict.latest.treeSize}: ${verdict.detail} (${verdict.code}); evidence: ${paths.join(' ')}`;
      return result('misbehaviour', what, { verdict, code: verdict.code, evidence: paths });
    }
    const head = verdict === undefined || verdict.kind === 'unchanged' ? state?.head : recordHead(verdict.latest, at);
    const next: MonitorState = { url: o.url, keys: pinned, checkedAt: at, checks: (state?.checks ?? 0) + 1 };
    if (head) next.head = head;
    writeStateFile(o.statePath, next);
    return result('ok', verdict === undefined ? 'OK the log is empty: nothing to check yet' : okLine(verdict), verdict ? { verdict } : {});
  } catch (e) {
    const code: AtlogErrorCode = isAtlogError(e) ? e.code : 'ERR_INTERNAL';
    const msg = e instanceof Error ? e.message : String(e);
    const hint = code === 'ERR_CLIENT_NETWORK' || code === 'ERR_CLIENT_TIMEOUT' ? `; is a service running at ${o.url}?` : '';
    return result('cannot-evaluate', `CANNOT-EVALUATE ${code}: ${msg}${hint}`, { code });
  }
}
