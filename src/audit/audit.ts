import { readCborSeq } from '../cose/cbor-seq.js';
import { isAtlogError, type AtlogErrorCode } from '../errors.js';
import { parsePublicKeys, type PublicKey } from '../keys/index.js';
import type { RecordKey } from '../verify/records.js';
import type { CurrentCheckpoint } from './checkpoints.js';
import { CheckpointAuditor } from './checkpoints.js';
import { CheckTally } from './checks.js';
import { EntryAuditor } from './entries.js';
import { readHeader, readItem, type EvidenceHeader, type Selection } from './evidence.js';
import { auditDelegations } from './graph.js';
import { memoKeys } from './memo-keys.js';
import { resultOf } from './result.js';
import { SessionTracker } from './sessions.js';
import type { AuditEntries, AuditResult } from './types.js';

/**
 * The streaming audit of an evidence file (spec/bundle.md section 5, `atlog audit`). Pure: it reads the file
 * as a stream of byte chunks (a file, a fetch body, a browser File), one item at a time, and keeps only the
 * current checkpoint, per-session and per-agent summaries and the delegation records: memory does not grow with
 * the number of entries. Never throws for bad input: every problem is a finding in the result.
 */

export interface AuditOptions {
  /** Pinned service keys. Without them the file's own key set is used and the verdict is at best cannot-evaluate. */
  serviceKeys?: readonly PublicKey[];
  /** Pinned TSA roots (DER or PEM). Without them timestamps are not checked and no time is anchored. */
  tsaRoots?: ReadonlyArray<Uint8Array | string>;
  /** Issuer (agent) keys for statement signatures; without them those are skipped (the receipts still bind the bytes). */
  issuerKeys?: readonly PublicKey[];
  /** Keys for in-record signatures, matched by signer_kid (src/verify recordKey). */
  recordKeys?: readonly RecordKey[];
  /** Fail unsigned records and signatures that cannot be checked. */
  requireRecordSignatures?: boolean;
  /** Report open and inconclusive sessions without failing the audit. */
  allowIncomplete?: boolean;
  /**
   * Fail every tree head that carries no RFC 3161 token verifying to `tsaRoots` (by default one without a token is
   * skipped: a service may anchor only every N seconds). Without `tsaRoots` the audit cannot evaluate.
   */
  requireAnchored?: boolean;
  /** Told the running count after each entry (a progress display); must not throw. */
  onEntry?: (entries: number) => void;
  /** The verification time, for heartbeats (default now). */
  at?: Date;
  /** AAT draft revision whose rules records must meet (0..6, default 0: any). */
  draft?: number;
  /** The file's size, for the result. */
  bytes?: number;
}

/** Whether the selection holds every record of `agent` (so a record missing from the file is missing from the log). */
function coversAgent(s: Selection): (agent: string) => boolean {
  if (s.kind === 'agents') return (agent) => s.session === undefined && s.agents.includes(agent);
  return () => s.from === 0;
}

class Run {
  readonly tally = new CheckTally();
  readonly counts: AuditEntries = { total: 0, aat: 0, hashEnvelope: 0, other: 0, firstIndex: null, lastIndex: null };
  header: EvidenceHeader | undefined;
  trust: AuditResult['trust'];
  checkpoints: CheckpointAuditor | undefined;
  sessions: SessionTracker | undefined;
  graph: AuditResult['delegation'] = { nodes: [], edges: [] };

  constructor(readonly o: AuditOptions) {
    this.trust = {
      serviceKeys: o.serviceKeys?.length ? 'pinned' : 'none',
      tsaRoots: o.tsaRoots?.length ? 'pinned' : 'none',
      issuerKeys: o.issuerKeys?.length ?? 0,
      recordKeys: o.recordKeys?.length ?? 0,
      at: (o.at ?? new Date()).toISOString(),
    };
  }

  formatFail(code: AtlogErrorCode, detail: string, where = 'file'): void {
    this.tally.fail('evidence.format', where, code, detail);
  }

  /** The service keys to verify with: the pinned ones, else (undetermined) the file's own. */
  keys(h: EvidenceHeader): PublicKey[] {
    if (this.o.serviceKeys?.length) {
      this.tally.ok('trust.keys');
      return memoKeys(this.o.serviceKeys);
    }
    this.trust.serviceKeys = 'file';
    this.tally.fail('trust.keys', 'header', 'ERR_AUDIT_UNPINNED_KEYS', 'no service key was pinned (--keys): checked with the key set the file carries, which proves only that the file agrees with itself', true);
    try {
      return memoKeys(parsePublicKeys(h.keys));
    } catch (e) {
      this.formatFail(isAtlogError(e) ? e.code : 'ERR_EVIDENCE_MALFORMED', `the header's key set does not parse: ${e instanceof Error ? e.message : String(e)}`, 'header');
      return [];
    }
  }
}

/**
 * Audit an evidence file read as a stream of chunks.
 * @returns the result (spec/bundle.md section 6); `verdict` valid only when every check ran and passed.
 */
export async function auditEvidence(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, o: AuditOptions = {}): Promise<AuditResult> {
  const run = new Run(o);
  let entries: EntryAuditor | undefined;
  let current: CurrentCheckpoint | undefined;
  let ended: { entries: number; checkpoints: number } | undefined;
  let checkpointItems = 0;
  let lastCheckpoint = 0;
  try {
    for await (const { value } of readCborSeq(chunks)) {
      if (!run.header) {
        run.header = readHeader(value);
        const keys = run.keys(run.header);
        const tsaRoots = o.tsaRoots?.length ? o.tsaRoots : undefined;
        run.checkpoints = new CheckpointAuditor(run.tally, { keys, tsaRoots, ...(o.requireAnchored ? { requireAnchored: true } : {}) });
        await run.checkpoints.verifyFinal(run.header.checkpoint);
        const s = run.header.selection;
        entries = new EntryAuditor(run.tally, {
          selection: s, serviceKeys: keys, issuerKeys: o.issuerKeys, tsaRoots, recordKeys: o.recordKeys ?? [],
          requireRecordSignatures: o.requireRecordSignatures === true, draft: o.draft,
        });
        run.sessions = new SessionTracker(run.tally, { mayStartMidSession: s.kind !== 'agents' && s.from > 0, allowIncomplete: o.allowIncomplete === true, at: new Date(run.trust.at) });
        continue;
      }
      const item = readItem(value);
      if (ended) {
        run.formatFail('ERR_EVIDENCE_MALFORMED', `a ${item.type} item follows the end item`);
        break;
      }
      if (item.type === 'checkpoint') {
        checkpointItems++;
        if (item.treeSize <= lastCheckpoint) run.tally.fail('entries.order', `checkpoint ${item.treeSize}`, 'ERR_EVIDENCE_ORDER', `checkpoint ${item.treeSize} does not follow checkpoint ${lastCheckpoint}`);
        lastCheckpoint = Math.max(lastCheckpoint, item.treeSize);
        current = await run.checkpoints!.verifyItem(item);
      } else if (item.type === 'entry') {
        const out = await entries!.verify(item, current);
        run.sessions!.add(out, current);
        const c = run.counts;
        c.total++;
        if (out.kind === 'aat') c.aat++;
        else if (out.kind === 'hash-envelope') c.hashEnvelope++;
        else c.other++;
        c.firstIndex ??= item.index;
        c.lastIndex = item.index;
        o.onEntry?.(c.total);
      } else ended = item;
    }
    if (!run.header) run.formatFail('ERR_EVIDENCE_MALFORMED', 'the file is empty');
    else if (!ended) run.formatFail('ERR_EVIDENCE_TRUNCATED', 'the file has no end item: it was cut off');
    else if (ended.entries !== run.counts.total || ended.checkpoints !== checkpointItems) {
      run.formatFail('ERR_EVIDENCE_TRUNCATED', `the end item counts ${ended.entries} entries and ${ended.checkpoints} checkpoints; the file holds ${run.counts.total} and ${checkpointItems}`);
    } else run.tally.ok('evidence.format');
  } catch (e) {
    // A stream that stops being CBOR, or an item of the wrong shape: nothing after it can be read.
    const code = isAtlogError(e) ? (e.code === 'ERR_CBOR_TRUNCATED' ? 'ERR_EVIDENCE_TRUNCATED' : e.code.startsWith('ERR_EVIDENCE_') ? e.code : 'ERR_EVIDENCE_MALFORMED') : 'ERR_VERIFY_INTERNAL';
    run.formatFail(code, e instanceof Error ? e.message : String(e));
  }
  if (entries) entries.finish((code, detail) => run.tally.fail('entries.selection', 'end of file', code, detail));
  if (run.sessions && run.header) {
    run.sessions.finish();
    run.graph = auditDelegations(run.sessions, run.tally, coversAgent(run.header.selection));
  }
  return resultOf(run);
}

export type { Run };
