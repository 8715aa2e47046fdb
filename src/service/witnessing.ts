import { submitCheckpoint } from '../client/witness.js';
import { AtlogError, isAtlogError } from '../errors.js';
import type { LogReader } from '../storage/types.js';
import {
  formatAddCheckpointRequest,
  formatNote,
  parseNote,
  parseSignatureLine,
  SIG_COSIGNATURE_ED25519,
  SIG_COSIGNATURE_MLDSA44,
  verifierFromVkey,
  type Note,
  type NoteVerifier,
} from '../tlog/index.js';
import type { ServiceLogger } from './options.js';

/**
 * Submitting checkpoints to witnesses (C2SP tlog-witness, spec/tlog.md section 9): in the background, never on
 * the registration path. Rounds: the newest checkpoint goes to every witness at once (so that a quorum of
 * them can cosign the same one), at most one round per `intervalMs`; each witness gets `old <size it cosigned
 * last>` and a consistency proof from storage, the size learned from its 409 answers. Returned cosignatures
 * are checked against the witness's keys before they are kept. When the cosignatures of a checkpoint come
 * from at least `quorum` witnesses, it is published with every cosignature held (publisher.ts). Witnesses that
 * fail are retried with backoff; a checkpoint that some witness has not cosigned is retried while no newer one
 * exists.
 */

/** One witness the log submits to. */
export interface WitnessTarget {
  /** Its key name. */
  readonly name: string;
  /** Its submission prefix URL (`<url>/add-checkpoint`). */
  readonly url: string;
  /** Its cosigner keys (Ed25519 cosignature/v1, ML-DSA-44 subtree/v1). */
  readonly verifiers: readonly NoteVerifier[];
}

/**
 * Parse `URL=VKEY` values (`--witness`, repeatable): a witness with two keys is given twice with one URL. The
 * value is split at the first `=` after which a cosigner vkey follows and before which an http(s) URL stands.
 * @throws AtlogError ERR_SERVICE_OPTIONS for a value that is neither, a vkey of another type than 0x04 or 0x06,
 *   or one witness name with two URLs.
 */
export function parseWitnesses(values: readonly string[]): WitnessTarget[] {
  const byName = new Map<string, { url: string; verifiers: NoteVerifier[] }>();
  for (const value of values) {
    const parsed = splitWitness(String(value));
    if (parsed === undefined) {
      throw new AtlogError('ERR_SERVICE_OPTIONS', `witness ${JSON.stringify(String(value).slice(0, 80))} is not URL=VKEY with an http(s) URL and a cosigner vkey (type 0x04 or 0x06)`, {
        details: { field: 'tlog.witnesses' },
      });
    }
    const had = byName.get(parsed.v.name);
    if (had && had.url !== parsed.url) {
      throw new AtlogError('ERR_SERVICE_OPTIONS', `witness ${parsed.v.name} is given two URLs`, { details: { field: 'tlog.witnesses' } });
    }
    if (had) had.verifiers.push(parsed.v);
    else byName.set(parsed.v.name, { url: parsed.url, verifiers: [parsed.v] });
  }
  return [...byName].map(([name, w]) => ({ name, url: w.url, verifiers: w.verifiers }));
}

function splitWitness(value: string): { url: string; v: NoteVerifier } | undefined {
  for (let i = value.indexOf('='); i > 0; i = value.indexOf('=', i + 1)) {
    try {
      const url = new URL(value.slice(0, i));
      if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
      const v = verifierFromVkey(value.slice(i + 1));
      if (v.type === SIG_COSIGNATURE_ED25519 || v.type === SIG_COSIGNATURE_MLDSA44) return { url: value.slice(0, i), v };
    } catch {
      // not this split
    }
  }
  return undefined;
}

export interface WitnessingOptions {
  witnesses: readonly WitnessTarget[];
  quorum: number;
  /** Least time between two rounds, in ms. */
  intervalMs: number;
  /** Longest wait for one witness answer, in ms. */
  timeoutMs: number;
  /** Consistency proofs for the witnesses. */
  reader: Pick<LogReader, 'consistencyProof'>;
  /** Called with a checkpoint note that reached the quorum, carrying every cosignature held for it. */
  publish: (note: string, size: number) => Promise<void>;
  logger: ServiceLogger;
}

/** What the log knows of one witness. */
interface WitnessState {
  readonly target: WitnessTarget;
  /** The size it cosigned last, as far as the log knows (0 until it says otherwise). */
  size: number;
  /** Consecutive failures, and when to try again. */
  failures: number;
  retryAt: number;
}

/** The checkpoint of the current round and the cosignature lines held for it, by witness name. */
interface Round {
  readonly size: number;
  readonly note: Note;
  readonly lines: Map<string, string[]>;
  published: number;
}

/** Longest pause before a failing witness is tried again, in ms. */
const MAX_BACKOFF_MS = 60_000;

export class Witnessing {
  private readonly states: WitnessState[];
  private latest: { size: number; note: string } | undefined;
  private round: Round | undefined;
  private closed = false;
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  private readonly running: Promise<void>;

  constructor(private readonly o: WitnessingOptions) {
    this.states = o.witnesses.map((target) => ({ target, size: 0, failures: 0, retryAt: 0 }));
    this.running = this.loop();
  }

  /** A new checkpoint was stored: the next round takes it. */
  offer(size: number, note: string): void {
    if (this.latest !== undefined && size <= this.latest.size) return;
    this.latest = { size, note };
    this.wake?.();
  }

  /** Witness names and the sizes they are known to have cosigned (for tests and logs). */
  sizes(): Record<string, number> {
    return Object.fromEntries(this.states.map((s) => [s.target.name, s.size]));
  }

  /** Stops the rounds, aborting requests in flight. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    let lastStart = -Infinity;
    while (!this.closed) {
      const waitMs = this.nextWaitMs(lastStart);
      if (waitMs > 0) {
        await this.sleep(waitMs);
        continue;
      }
      lastStart = performance.now();
      try {
        await this.runRound();
      } catch (e) {
        if (!this.closed) this.o.logger.error({ err: e, code: isAtlogError(e) ? e.code : undefined }, 'witness round failed');
      }
    }
  }

  /** How long to wait before the next round: 0 to start it now, Infinity to wait for a new checkpoint. */
  private nextWaitMs(lastStart: number): number {
    if (this.latest === undefined) return Infinity;
    const sinceLast = lastStart + this.o.intervalMs - performance.now();
    const r = this.round;
    if (r === undefined || r.size < this.latest.size) return Math.max(0, sinceLast);
    // Same checkpoint: only witnesses without a cosignature are tried again, once their backoff is over.
    const missing = this.states.filter((s) => !r.lines.has(s.target.name));
    if (missing.length === 0) return Infinity;
    return Math.max(0, sinceLast, Math.min(...missing.map((s) => s.retryAt)) - Date.now());
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = Number.isFinite(ms) ? setTimeout(() => done(), ms) : undefined;
      const done = (): void => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
    });
  }

  private async runRound(): Promise<void> {
    const latest = this.latest!;
    if (this.round === undefined || this.round.size !== latest.size) {
      this.round = { size: latest.size, note: parseNote(latest.note), lines: new Map(), published: -1 };
    }
    const r = this.round;
    const now = Date.now();
    const due = this.states.filter((s) => !r.lines.has(s.target.name) && s.retryAt <= now);
    const got = await Promise.all(due.map((s) => this.submit(s, r)));
    due.forEach((s, i) => {
      if (got[i]!.length > 0) r.lines.set(s.target.name, got[i]!);
    });
    if (this.closed || this.round !== r) return;
    if (r.lines.size >= this.o.quorum && r.lines.size > r.published) {
      r.published = r.lines.size;
      const note = formatNote(r.note.text, [...r.note.signatures, ...[...r.lines.values()].flat()]);
      await this.o.publish(note, r.size);
    } else if (r.lines.size < this.o.quorum) {
      this.o.logger.warn({ size: r.size, cosigned: [...r.lines.keys()], quorum: this.o.quorum }, 'checkpoint not yet cosigned by a quorum of witnesses');
    }
  }

  /** One witness, one checkpoint: up to three requests (a 409 tells the size to start from). */
  private async submit(s: WitnessState, r: Round): Promise<string[]> {
    const log = { witness: s.target.name, url: s.target.url, size: r.size };
    for (let attempt = 0; attempt < 3; attempt++) {
      const old = s.size;
      if (old > r.size) {
        // The witness cosigned a larger tree of this origin than the log has: a rollback or a fork.
        this.o.logger.error({ ...log, witnessSize: old }, 'witness has cosigned a larger checkpoint of this log than the log has');
        return this.failed(s);
      }
      let answer;
      try {
        const proof = old === 0 || old === r.size ? [] : await this.o.reader.consistencyProof(old, r.size);
        const body = formatAddCheckpointRequest({ oldSize: old, proof, note: formatNote(r.note.text, r.note.signatures) });
        answer = await submitCheckpoint(s.target.url, body, { timeoutMs: this.o.timeoutMs, signal: this.abort.signal });
      } catch (e) {
        if (!this.closed) this.o.logger.warn({ ...log, code: isAtlogError(e) ? e.code : undefined, err: e instanceof Error ? e.message : String(e) }, 'witness unreachable');
        return this.failed(s);
      }
      if (answer.kind === 'conflict') {
        s.size = answer.size;
        continue;
      }
      if (answer.kind === 'refused') {
        // 422 is the witness saying this checkpoint does not extend what it saw of the log: evidence.
        const msg = answer.status === 422 ? 'witness refused the checkpoint as inconsistent with what it cosigned' : 'witness refused the checkpoint';
        this.o.logger.error({ ...log, status: answer.status, answer: answer.message }, msg);
        return this.failed(s);
      }
      s.size = r.size;
      s.failures = 0;
      s.retryAt = 0;
      const valid = answer.lines.filter((l) => this.verifies(s.target, r.note, l));
      if (valid.length === 0) {
        this.o.logger.error({ ...log, lines: answer.lines.length }, 'witness answered no valid cosignature');
        return this.failed(s);
      }
      return valid;
    }
    return this.failed(s);
  }

  private failed(s: WitnessState): string[] {
    s.failures++;
    s.retryAt = Date.now() + Math.min(MAX_BACKOFF_MS, this.o.intervalMs * 2 ** Math.min(s.failures, 16));
    return [];
  }

  /** A cosignature line of one of the witness's keys that verifies over the checkpoint text. */
  private verifies(t: WitnessTarget, note: Note, line: string): boolean {
    try {
      const sig = parseSignatureLine(line);
      const v = t.verifiers.find((k) => k.name === sig.name && k.keyId === sig.keyId);
      return v !== undefined && v.verify(note.textBytes, sig.signature);
    } catch {
      return false;
    }
  }
}
