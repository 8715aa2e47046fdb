import { genesisRecord, nextRecord, type GenesisInput, type NextInput } from '../aat/build.js';
import { recordHash } from '../aat/hash.js';
import type { AatRecord, RecordPhase } from '../aat/types.js';
import { sha256 } from '../crypto/sha256.js';
import { AtlogError } from '../errors.js';
import { concatBytes, fromHex, toHex } from '../util/bytes.js';

/**
 * One session's hash chain as the agent builds it (spec/aat.md section 2): the tip, the record count, and the
 * raw `prev_hash` values the closing `session_hash` covers. Records are built with the builders of src/aat
 * (`genesisRecord`, `nextRecord`: draft -06, validated, timestamps non-decreasing, a default `record_phase`)
 * and, with a `seal`, signed in-band (spec/aat.md section 3) before anything chains to them. Building does not
 * change the chain; `commit` does, so a record the local policy refuses leaves no trace.
 */

/** Signs a record in-band (or returns it as it is). */
export type Seal = (record: AatRecord) => AatRecord;

const unsealed: Seal = (r) => r;
export class SessionChain {
  private last: AatRecord;
  /** prev_hash of every record after the genesis, as bytes (session_hash input, spec/aat.md 2.3). */
  private readonly links: Uint8Array[] = [];
  /** Records `build` made from the current tip: their links are right by construction (no second hash). */
  private built = new WeakSet<AatRecord>();

  private constructor(
    first: AatRecord,
    private readonly seal: Seal,
  ) {
    this.last = first;
  }

  /** A new session and its genesis record (the first tip). */
  static genesis(input: GenesisInput, seal: Seal = unsealed): { chain: SessionChain; genesis: AatRecord } {
    const genesis = seal(genesisRecord(input));
    return { chain: new SessionChain(genesis, seal), genesis };
  }

  /**
   * A chain resumed from its records so far (genesis first, in order), as an earlier process left them.
   * @throws AtlogError ERR_INVALID_ARGUMENT when `records` is empty or a record does not link to the one before.
   */
  static resume(records: readonly AatRecord[], seal: Seal = unsealed): SessionChain {
    if (records.length === 0) throw new AtlogError('ERR_INVALID_ARGUMENT', 'a session has at least its genesis record');
    const chain = new SessionChain(records[0]!, seal);
    for (const r of records.slice(1)) chain.commit(r);
    return chain;
  }

  /** The last committed record. */
  get tip(): AatRecord {
    return this.last;
  }

  /** Records committed so far, genesis included. */
  get count(): number {
    return this.links.length + 1;
  }

  /** The record that would follow the tip. @throws AtlogError ERR_AAT_INVALID for an invalid record. */
  build(fields: NextInput): AatRecord {
    const r = this.seal(nextRecord(this.last, fields));
    this.built.add(r);
    return r;
  }

  /**
   * Makes `record` the new tip.
   * @throws AtlogError ERR_INVALID_ARGUMENT when it does not link to the tip (built from another tip).
   */
  commit(record: AatRecord): void {
    if (record === this.last && this.links.length === 0) return; // the genesis
    const linked = record.parent_record_id === this.last.record_id && typeof record.prev_hash === 'string';
    if (!linked || (!this.built.has(record) && record.prev_hash !== recordHash(this.last))) {
      throw new AtlogError('ERR_INVALID_ARGUMENT', `record ${record.record_id} does not follow the tip ${this.last.record_id}`);
    }
    this.links.push(fromHex(record.prev_hash!));
    this.last = record;
    this.built = new WeakSet();
  }

  /**
   * The lifecycle/session_end record closing the chain (spec/aat.md 2.3): `session_hash` over the raw prev_hash
   * of every record after the genesis and of the close record itself, `record_count` counting the close record.
   */
  end(fields: { outcome?: NextInput['outcome']; action_detail?: NextInput['action_detail']; record_phase?: RecordPhase } = {}): AatRecord {
    const session_hash = toHex(sha256(concatBytes(...this.links, fromHex(recordHash(this.last)))));
    return this.build({
      ...fields,
      action_type: 'lifecycle',
      action_detail: { ...fields.action_detail, event: 'session_end', session_hash, record_count: this.count + 1 },
    });
  }
}
