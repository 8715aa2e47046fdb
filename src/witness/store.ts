import { mkdirSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { AtlogError } from '../errors.js';
import { fromBase64, toBase64 } from '../util/bytes.js';

/**
 * The witness's durable state: for each log (by origin), the latest checkpoint it cosigned. One LevelDB
 * directory: every update is one synced put (LevelDB's log is fsynced before `put` resolves, so a cosignature
 * is only returned for a state that survives a crash or kill -9), and LevelDB's lock keeps a second witness
 * process off the same directory, which could otherwise roll a log's size back.
 */

/** What the witness keeps per log. */
export interface LogState {
  readonly size: number;
  readonly root: Uint8Array;
  /** The checkpoint with the log signatures the witness verified and its own cosignatures (monitoring API). */
  readonly note: string;
}

interface Stored {
  v: 1;
  size: number;
  root: string;
  note: string;
}

const keyOf = (origin: string): string => `log/${origin}`;

export class WitnessStore {
  private constructor(private readonly db: ClassicLevel<string, string>) {}

  /**
   * Open (creating it if needed) the state directory.
   * @throws AtlogError `ERR_WITNESS_LOCKED` when another process holds it, `ERR_WITNESS_IO` otherwise.
   */
  static async open(dir: string): Promise<WitnessStore> {
    mkdirSync(dir, { recursive: true });
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (e) {
      let locked = false;
      for (let x: unknown = e; typeof x === 'object' && x !== null; x = (x as { cause?: unknown }).cause) locked ||= (x as { code?: unknown }).code === 'LEVEL_LOCKED';
      throw new AtlogError(locked ? 'ERR_WITNESS_LOCKED' : 'ERR_WITNESS_IO', locked ? `witness state ${dir} is in use by another process` : `cannot open witness state ${dir}`, { cause: e });
    }
    return new WitnessStore(db);
  }

  /**
   * The latest cosigned state of a log, or undefined if the witness never cosigned one.
   * @throws AtlogError `ERR_WITNESS_IO` for an unreadable or corrupt record.
   */
  async get(origin: string): Promise<LogState | undefined> {
    let raw: string | undefined;
    try {
      raw = await this.db.get(keyOf(origin));
    } catch (e) {
      throw new AtlogError('ERR_WITNESS_IO', `cannot read the state of ${origin}`, { cause: e });
    }
    if (raw === undefined) return undefined;
    let s: Stored;
    try {
      s = JSON.parse(raw) as Stored;
    } catch (e) {
      throw new AtlogError('ERR_WITNESS_IO', `the state of ${origin} is corrupt`, { cause: e });
    }
    if (s.v !== 1 || !Number.isSafeInteger(s.size) || typeof s.note !== 'string') throw new AtlogError('ERR_WITNESS_IO', `the state of ${origin} is corrupt`);
    return { size: s.size, root: fromBase64(s.root), note: s.note };
  }

  /**
   * Record a log's new state, synced to disk before it resolves.
   * @throws AtlogError `ERR_WITNESS_IO`.
   */
  async put(origin: string, state: LogState): Promise<void> {
    const value: Stored = { v: 1, size: state.size, root: toBase64(state.root), note: state.note };
    try {
      await this.db.put(keyOf(origin), JSON.stringify(value), { sync: true });
    } catch (e) {
      throw new AtlogError('ERR_WITNESS_IO', `cannot write the state of ${origin}`, { cause: e });
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
