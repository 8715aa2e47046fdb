import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { AatRecord, TrustLevel } from '../aat/types.js';
import { validateRecord } from '../aat/validate.js';
import { AtlogError } from '../errors.js';
import type { SessionQueue } from '../sdk/outbox.js';
import { fromBase64, toBase64 } from '../util/bytes.js';

/**
 * The state file of `atlog session` (docs/quickstart.md): a session kept between shell commands. It holds the
 * session's records so far (so each command chains the next one and `end` computes session_hash) and, while
 * the service cannot be reached and no `--queue` is given, the signed statements not yet registered: the file
 * is then the session's durable queue, written (and fsynced) before anything is sent.
 */

export interface SessionState {
  version: 1;
  agent_id: string;
  agent_version: string;
  session_id: string;
  trust_level: TrustLevel;
  /** The private key file (absolute path). */
  key: string;
  url?: string;
  /** A queue directory (absolute path), when records go through the file queue. */
  queue?: string;
  /** Every record so far, genesis first. */
  records: AatRecord[];
  /** Base64 Signed Statements not yet registered (state-file queue only), in order. */
  pending: string[];
  closed: boolean;
}

function invalid(file: string, why: string, cause?: unknown): AtlogError {
  return new AtlogError('ERR_SESSION_STATE', `${file}: ${why}`, { cause, details: { file } });
}

/**
 * Reads a state file.
 * @throws AtlogError ERR_SESSION_STATE when it is missing, not JSON, or not a state file.
 */
export function readState(file: string): SessionState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw invalid(file, 'no session state here (start one with atlog session start)', e);
  }
  let s: SessionState;
  try {
    s = JSON.parse(text) as SessionState;
  } catch (e) {
    throw invalid(file, 'not JSON', e);
  }
  if (s?.version !== 1 || !Array.isArray(s.records) || s.records.length === 0 || !Array.isArray(s.pending) || typeof s.key !== 'string') {
    throw invalid(file, 'not an atlog session state file');
  }
  try {
    s.records = s.records.map((r) => validateRecord(r));
  } catch (e) {
    throw invalid(file, 'holds a record that is not valid', e);
  }
  return s;
}

/** Writes the state atomically (temporary file, fsync, rename), so a crash leaves the old or the new one. */
export function writeState(file: string, s: SessionState): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(s, null, 1)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The record inside a statement this command signed. */
type RecordOf = (statement: Uint8Array) => AatRecord;

/** The state file as a session's queue (SessionQueue): pending statements live in it until registered. */
export class StateFileQueue implements SessionQueue {
  readonly unsent: readonly Uint8Array[];
  private done = 0;

  constructor(
    private readonly file: string,
    private readonly state: SessionState,
    private readonly recordOf: RecordOf,
  ) {
    this.unsent = state.pending.map((p) => fromBase64(p, 'pending statement'));
  }

  async append(statements: readonly Uint8Array[]): Promise<void> {
    for (const st of statements) {
      const r = this.recordOf(st);
      if (!this.state.records.some((x) => x.record_id === r.record_id)) this.state.records.push(r);
      this.state.pending.push(toBase64(st));
    }
    writeState(this.file, this.state);
  }

  async registered(count: number): Promise<void> {
    const n = count - this.done;
    if (n <= 0) return;
    this.state.pending.splice(0, n);
    this.done = count;
    writeState(this.file, this.state);
  }

  async discard(): Promise<void> {
    const dropped = new Set(this.state.pending.map((p) => this.recordOf(fromBase64(p, 'pending statement')).record_id));
    this.state.pending = [];
    this.state.records = this.state.records.filter((r) => !dropped.has(r.record_id));
    writeState(this.file, this.state);
  }

  async close(): Promise<void> {
    writeState(this.file, this.state);
  }
}
