import { sessionCompleteness, type Completeness } from './completeness.js';
import { recordHash, sessionHash } from './hash.js';
import { verifyRecordSignature, type RecordPublicKey } from './signature.js';
import { parseTimestamp } from './time.js';
import { isGenesis, isSessionEnd, type AatRecord } from './types.js';
import { recordErrors, type ValidateOptions } from './validate.js';

/**
 * Chain verifier (draft Section 6.1 and 8; STANDARDS "Agent Audit Trail records"): walks one session's records
 * in order and names the first broken link and why. Fails closed: anything it cannot evaluate is a break.
 */

export type ChainBreakKind =
  /** The array is empty: there is no genesis to start from. */
  | 'empty'
  /** A record fails validateRecord (or is not JSON). */
  | 'invalid_record'
  /** The first record is not lifecycle/session_start, or a second session_start appears. */
  | 'bad_genesis'
  /** parent_record_id names the previous record but prev_hash is not its hash: content changed. */
  | 'edited'
  /** parent_record_id names a record absent from the array: a gap. */
  | 'removed'
  /** parent_record_id names a record that appears later in the array. */
  | 'reordered'
  /** parent_record_id names an earlier record that another record already follows. */
  | 'forked'
  /** record_id already used by an earlier record. */
  | 'duplicate'
  /** timestamp earlier than the previous record's. */
  | 'timestamp_regression'
  /** session_id or agent_id differ from the genesis record's. */
  | 'session_mismatch'
  /** session_end's session_hash or record_count is wrong. */
  | 'bad_session_hash'
  /** A record follows lifecycle/session_end. */
  | 'after_session_end'
  /** A signature does not verify, or one is required and missing. */
  | 'bad_signature'
  /** Input the verifier could not evaluate (not an array, an unexpected error). */
  | 'unverifiable';

export interface ChainBreak {
  /** Index of the record whose check fails (for link kinds: the record whose link to its predecessor fails). */
  index: number;
  /** Its record_id when it has a string one. */
  recordId: string | undefined;
  kind: ChainBreakKind;
  detail: string;
}

export interface ChainResult {
  valid: boolean;
  /** Number of records given. */
  records: number;
  /** Records verified before the first break (all of them when valid). */
  verified: number;
  firstBreak?: ChainBreak;
  /** Whether the chain shows the whole session (completeness.ts); `inconclusive` for a broken chain. */
  completeness: Completeness;
}

export interface ChainOptions extends ValidateOptions {
  /** Key for in-record signatures, or a lookup (e.g. by signer_kid); undefined from the lookup = no key. */
  publicKey?: RecordPublicKey | ((record: AatRecord) => RecordPublicKey | undefined);
  /** Every record must carry a signature that verifies (default false: only present signatures are checked). */
  requireSignatures?: boolean;
  /** The verification time, to judge an unclosed session's heartbeat (completeness.ts). */
  at?: Date;
}

function idOf(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const id = (x as { record_id?: unknown }).record_id;
  return typeof id === 'string' ? id : undefined;
}

/** Where a parent id occurs: before `i - 1`, after `i`, or nowhere (indices from the raw array). */
function locate(indices: Map<string, number[]>, parent: string, i: number): 'earlier' | 'later' | 'absent' {
  const at = indices.get(parent) ?? [];
  if (at.some((j) => j > i)) return 'later';
  if (at.some((j) => j < i - 1)) return 'earlier';
  return 'absent';
}

function keyFor(opts: ChainOptions, r: AatRecord): RecordPublicKey | undefined {
  return typeof opts.publicKey === 'function' ? opts.publicKey(r) : opts.publicKey;
}

type Check = Omit<ChainBreak, 'index' | 'recordId'> | undefined;

/** Links of record i (i > 0) to records[i - 1]. */
function checkLinks(chain: AatRecord[], i: number, indices: Map<string, number[]>, seen: Set<string>): Check {
  const r = chain[i]!;
  const prev = chain[i - 1]!;
  const first = chain[0]!;
  if (r.session_id !== first.session_id) return { kind: 'session_mismatch', detail: `session_id ${r.session_id} is not ${first.session_id}` };
  if (r.agent_id !== first.agent_id) return { kind: 'session_mismatch', detail: `agent_id ${r.agent_id} is not ${first.agent_id}` };
  if (isSessionEnd(prev)) return { kind: 'after_session_end', detail: `record follows session_end ${prev.record_id}` };
  if (seen.has(r.record_id)) return { kind: 'duplicate', detail: `record_id ${r.record_id} appears earlier` };
  if (isGenesis(r)) return { kind: 'bad_genesis', detail: 'a second session_start inside the session' };
  const parent = r.parent_record_id!;
  if (parent !== prev.record_id) {
    const where = locate(indices, parent, i);
    if (where === 'later') return { kind: 'reordered', detail: `parent ${parent} appears later in the array` };
    if (where === 'earlier') return { kind: 'forked', detail: `parent ${parent} already has a successor: two records claim it` };
    return { kind: 'removed', detail: `parent ${parent} is missing (the record before ${r.record_id} was removed)` };
  }
  if (r.prev_hash !== recordHash(prev)) {
    return { kind: 'edited', detail: `prev_hash does not match record ${i - 1} (${prev.record_id}): it was changed after chaining` };
  }
  const t0 = parseTimestamp(prev.timestamp);
  const t1 = parseTimestamp(r.timestamp);
  if (t0 === undefined || t1 === undefined || t1 < t0) {
    return { kind: 'timestamp_regression', detail: `timestamp ${r.timestamp} is before ${prev.timestamp}` };
  }
  return undefined;
}

function checkSignature(r: AatRecord, opts: ChainOptions): Check {
  const key = keyFor(opts, r);
  if (r.signature !== undefined && key !== undefined) {
    return verifyRecordSignature(r, key) ? undefined : { kind: 'bad_signature', detail: 'signature does not verify' };
  }
  if (opts.requireSignatures) {
    return { kind: 'bad_signature', detail: r.signature === undefined ? 'signature required but absent' : 'no key for the signature' };
  }
  return undefined;
}

/** session_end's record_count and session_hash, each when present (a close without them is not complete: completeness.ts). */
function checkSessionEnd(chain: AatRecord[], i: number): Check {
  const d = chain[i]!.action_detail;
  const count = d['record_count'];
  if (count !== undefined && count !== i + 1) return { kind: 'bad_session_hash', detail: `record_count ${String(count)} but the session has ${i + 1} records` };
  if (d['session_hash'] === undefined) return undefined;
  const want = sessionHash(chain.slice(0, i));
  if (d['session_hash'] !== want) return { kind: 'bad_session_hash', detail: `session_hash is not ${want}` };
  return undefined;
}

/**
 * Verify one session's records in order (genesis first). Never throws: bad input is a break.
 * Checks per record: valid (validateRecord with `opts.draft`); genesis first; same session_id and agent_id;
 * nothing after session_end; unique record_id; parent_record_id = previous record_id (else reordered, forked or
 * removed); prev_hash = recordHash(previous) (else edited); non-decreasing timestamp; the signature when a key
 * is given; session_end's record_count and session_hash. Also says whether the chain shows the whole session
 * (`completeness`: complete, open or inconclusive).
 */
export function verifyChain(records: unknown, opts: ChainOptions = {}): ChainResult {
  const unknown = (i: number): Completeness => ({ state: 'inconclusive', detail: `the chain breaks at record ${i}, so what follows cannot be judged` });
  if (!Array.isArray(records)) {
    return { valid: false, records: 0, verified: 0, firstBreak: { index: 0, recordId: undefined, kind: 'unverifiable', detail: 'records is not an array' }, completeness: unknown(0) };
  }
  const n = records.length;
  const broken = (i: number, c: NonNullable<Check>): ChainResult => ({
    valid: false,
    records: n,
    verified: i,
    firstBreak: { index: i, recordId: idOf(records[i]), ...c },
    completeness: unknown(i),
  });
  if (n === 0) return broken(0, { kind: 'empty', detail: 'no records' });
  const indices = new Map<string, number[]>();
  records.forEach((x, j) => {
    const id = idOf(x);
    if (id !== undefined) indices.set(id, [...(indices.get(id) ?? []), j]);
  });
  const chain: AatRecord[] = [];
  const seen = new Set<string>();
  let i = 0;
  try {
    for (; i < n; i++) {
      const errors = recordErrors(records[i], opts);
      if (errors.length > 0) {
        return broken(i, { kind: 'invalid_record', detail: errors.map((e) => `${e.path || '(root)'} ${e.message}`).join('; ') });
      }
      const r = records[i] as AatRecord;
      chain.push(r);
      let c: Check;
      if (i === 0) {
        if (!isGenesis(r)) {
          const later = r.parent_record_id !== null && locate(indices, r.parent_record_id, 0) === 'later';
          c = later
            ? { kind: 'reordered', detail: `first record's parent ${r.parent_record_id!} appears later in the array` }
            : { kind: 'bad_genesis', detail: 'the first record is not lifecycle/session_start' };
        }
      } else {
        c = checkLinks(chain, i, indices, seen);
      }
      c ??= checkSignature(r, opts);
      if (c === undefined && isSessionEnd(r)) c = checkSessionEnd(chain, i);
      if (c !== undefined) return broken(i, c);
      seen.add(r.record_id);
    }
    return { valid: true, records: n, verified: n, completeness: sessionCompleteness(chain, opts.at ? { at: opts.at } : {}) };
  } catch (e) {
    return broken(i, { kind: 'unverifiable', detail: e instanceof Error ? e.message : String(e) });
  }
}
