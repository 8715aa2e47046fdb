import { checkLink, linkStateOf, type AatRecord, type LinkState } from '../aat/index.js';
import type { AtlogError } from '../errors.js';
import type { MetaPut } from '../storage/types.js';
import { rejected } from './registration.js';
import type { SessionCache } from './session-cache.js';
import { jsonPut, metaKeys, textPut } from './state.js';

/**
 * The per-session chain check of one batch (spec/policy.md section 4). Tips come from the meta store (through
 * the SessionCache, which skips the read for new sessions and record ids) and are
 * overridden by records admitted earlier in the same batch, so a whole chain submitted at once registers in
 * order. On top of `checkLink` it names the break the way an operator thinks of it:
 *
 *  - `replay`: this record_id is already registered in the session (the same record signed again);
 *  - `fork`:   the record's parent is registered but is not the tip (a second child);
 *  - `gap`:    the record's parent was never registered (a record is missing);
 *  - otherwise checkLink's kind (genesis_required, genesis_replay, timestamp_regression, after_session_end,
 *    session_mismatch, bad_record_count).
 */
export class BatchChain {
  private readonly tips = new Map<string, { agentId: string; sessionId: string; tip: LinkState | undefined }>();
  /** record keys (agent, session, record_id) admitted in this batch -> entry id */
  private readonly admitted = new Map<string, string>();

  constructor(
    private readonly sessions: SessionCache,
    private readonly enforce: boolean,
  ) {}

  private async registeredEntry(agentId: string, sessionId: string, recordId: string | null): Promise<string | undefined> {
    if (recordId === null) return undefined;
    const k = metaKeys.record(agentId, sessionId, recordId);
    return this.admitted.get(k) ?? (await this.sessions.recordEntry(k));
  }

  /**
   * Admits `record` (entry `entryId`, record hash `hash` when already known) after the session's current tip,
   * or says why not.
   * @returns undefined when admitted, else the ERR_REG_REJECTED to fail that registration with.
   * @throws AtlogError ERR_SERVICE_STATE_CORRUPT for an unreadable stored tip.
   */
  async admit(record: AatRecord, entryId: string, hash?: string): Promise<AtlogError | undefined> {
    const { agent_id: agentId, session_id: sessionId } = record;
    const k = metaKeys.tip(agentId, sessionId);
    if (!this.tips.has(k)) this.tips.set(k, { agentId, sessionId, tip: await this.sessions.tip(agentId, sessionId) });
    const t = this.tips.get(k)!;
    if (this.enforce) {
      const earlier = await this.registeredEntry(agentId, sessionId, record.record_id);
      if (earlier !== undefined) {
        return rejected('replay', `record ${record.record_id} is already registered in this session (entry ${earlier})`, { iss: agentId, link: 'replay', entry: earlier });
      }
      const r = checkLink(t.tip, record);
      if (!r.ok) {
        let reason: string = r.kind;
        if (r.kind === 'link_mismatch') {
          reason = (await this.registeredEntry(agentId, sessionId, record.parent_record_id)) === undefined ? 'gap' : 'fork';
        }
        return rejected(reason, `chain check failed (${reason}): ${r.detail}`, { iss: agentId, link: r.kind });
      }
    }
    t.tip = linkStateOf(record, t.tip, hash);
    this.admitted.set(metaKeys.record(agentId, sessionId, record.record_id), entryId);
    return undefined;
  }

  /** Tip keys with their new tips, for the SessionCache once the batch is appended. */
  *newTips(): Iterable<[string, LinkState]> {
    for (const [k, v] of this.tips) if (v.tip) yield [k, v.tip];
  }

  /** The tip and record keys this batch writes (SessionCache.expect before the append). */
  writtenKeys(): { tips: string[]; records: string[] } {
    return { tips: [...this.tips.keys()].filter((k) => this.tips.get(k)!.tip !== undefined), records: [...this.admitted.keys()] };
  }

  /** Meta puts for everything admitted: new tips and the record index. */
  puts(): MetaPut[] {
    const out: MetaPut[] = [];
    for (const [k, v] of this.tips) if (v.tip) out.push(jsonPut(k, v.tip));
    for (const [k, entryId] of this.admitted) out.push(textPut(k, entryId));
    return out;
  }
}
