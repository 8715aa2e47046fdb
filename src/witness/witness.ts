import { AtlogError, isAtlogError } from '../errors.js';
import { emptyRoot, verifyConsistency } from '../merkle/index.js';
import {
  formatNote,
  formatWitnessSize,
  openNote,
  originHash,
  parseAddCheckpointRequest,
  parseCheckpoint,
  parseNote,
  signatureLine,
  SIG_COSIGNATURE_MLDSA44,
  TLOG_SIZE_MEDIA_TYPE,
  type NoteSigner,
  type NoteVerifier,
  type OpenedNote,
} from '../tlog/index.js';
import { equalBytes, toBase64 } from '../util/bytes.js';
import type { LogState } from './store.js';

/**
 * The C2SP tlog-witness protocol without HTTP: `addCheckpoint` takes a request body and returns the status,
 * content type and body to send. The checks run in the order the spec lists them; the check of the old size
 * against the stored one and the update of the stored state run under a per-log lock, so two submissions for
 * one log can never roll its size back (tlog-witness "add-checkpoint", the race in steps 1-6).
 */

/** Where the witness keeps each log's latest cosigned checkpoint (WitnessStore, or anything as durable). */
export interface WitnessStateStore {
  get(origin: string): Promise<LogState | undefined>;
  /** Must not resolve before the state is durable: the witness answers only after it. */
  put(origin: string, state: LogState): Promise<void>;
}

/** Minimal logger (pino fits). */
export interface WitnessLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WitnessConfig {
  /** The witness's cosigner keys (types 0x04 and/or 0x06), all under the witness's one name. */
  readonly signers: readonly NoteSigner[];
  /** The logs it witnesses: origin -> the log's public keys. */
  readonly logs: ReadonlyMap<string, readonly NoteVerifier[]>;
  readonly store: WitnessStateStore;
  readonly logger?: WitnessLogger;
}

/** What to answer. */
export interface WitnessAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** The atlog error code of a refusal. */
  readonly code?: string;
}

const TEXT = 'text/plain; charset=utf-8';

/** THE mapping of the witness's refusals to tlog-witness status codes. */
const STATUS: Readonly<Record<string, number>> = {
  ERR_WITNESS_REQUEST_MALFORMED: 400,
  ERR_NOTE_MALFORMED: 400,
  ERR_CHECKPOINT_MALFORMED: 400,
  ERR_WITNESS_OLD_SIZE: 400,
  ERR_WITNESS_CANNOT_COSIGN: 400,
  ERR_WITNESS_UNVERIFIED: 403,
  ERR_WITNESS_UNKNOWN_LOG: 404,
  ERR_WITNESS_INCONSISTENT: 422,
};

export class Witness {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly byHash: Map<string, string>;
  readonly name: string;

  /** @throws AtlogError `ERR_WITNESS_CONFIG` for no signers, signers under different names, or no logs. */
  constructor(private readonly config: WitnessConfig) {
    const names = new Set(config.signers.map((s) => s.name));
    if (names.size !== 1) throw new AtlogError('ERR_WITNESS_CONFIG', 'a witness has one or more keys, all under one name');
    if (config.logs.size === 0) throw new AtlogError('ERR_WITNESS_CONFIG', 'a witness needs at least one log');
    this.name = [...names][0]!;
    this.byHash = new Map([...config.logs.keys()].map((o) => [originHash(o), o]));
  }

  /** `POST <prefix>/add-checkpoint`. Never throws: failures become answers (500 for storage failures). */
  async addCheckpoint(body: Uint8Array): Promise<WitnessAnswer> {
    try {
      return await this.add(body);
    } catch (e) {
      return this.refusal(e);
    }
  }

  /** `GET <prefix>/<origin hash>/checkpoint` (tlog-witness "Monitor Retrieval Mechanism"). */
  async checkpoint(hash: string): Promise<WitnessAnswer> {
    try {
      const origin = this.byHash.get(hash);
      const state = origin === undefined ? undefined : await this.config.store.get(origin);
      if (state === undefined) return { status: 404, contentType: TEXT, body: 'no checkpoint cosigned for this log\n' };
      return { status: 200, contentType: TEXT, body: state.note };
    } catch (e) {
      return this.refusal(e);
    }
  }

  private async add(body: Uint8Array): Promise<WitnessAnswer> {
    const req = parseAddCheckpointRequest(body);
    const note = parseNote(req.note);
    const cp = parseCheckpoint(note.text);
    const keys = this.config.logs.get(cp.origin);
    if (keys === undefined) throw new AtlogError('ERR_WITNESS_UNKNOWN_LOG', `unknown log ${JSON.stringify(cp.origin)}`);
    let opened: OpenedNote;
    try {
      opened = openNote(note, keys);
    } catch (e) {
      if (isAtlogError(e, 'ERR_NOTE_UNVERIFIED') || isAtlogError(e, 'ERR_NOTE_BAD_SIGNATURE')) {
        throw new AtlogError('ERR_WITNESS_UNVERIFIED', `the checkpoint is not validly signed by a key of ${cp.origin}`, { cause: e });
      }
      throw e;
    }
    if (req.oldSize > cp.size) throw new AtlogError('ERR_WITNESS_OLD_SIZE', `old size ${req.oldSize} is above the checkpoint size ${cp.size}`);
    const signers = this.config.signers.filter((s) => s.type !== SIG_COSIGNATURE_MLDSA44 || cp.extensions.length === 0);
    if (signers.length === 0) throw new AtlogError('ERR_WITNESS_CANNOT_COSIGN', 'this witness cosigns with ML-DSA-44 only, which does not cover extension lines');

    return this.serialized(cp.origin, async () => {
      const state = await this.config.store.get(cp.origin);
      const have = state?.size ?? 0;
      if (req.oldSize !== have) return { status: 409, contentType: TLOG_SIZE_MEDIA_TYPE, body: formatWitnessSize(have), code: 'ERR_WITNESS_CONFLICT' };
      const why = inconsistency(req.oldSize, req.proof, state?.root, cp.size, cp.root);
      if (why !== undefined) {
        // Evidence of log misbehaviour (the spec allows logging it): a validly signed checkpoint that does not
        // extend what this witness cosigned.
        this.config.logger?.warn({ origin: cp.origin, oldSize: req.oldSize, size: cp.size, root: toBase64(cp.root), why, note: new TextDecoder().decode(req.note) }, 'inconsistent checkpoint refused');
        throw new AtlogError('ERR_WITNESS_INCONSISTENT', why);
      }
      const lines = signers.map((s) => signatureLine(s.name, s.keyId, s.sign(note.textBytes)));
      await this.config.store.put(cp.origin, { size: cp.size, root: cp.root, note: formatNote(note.text, [...opened.verified, ...lines]) });
      this.config.logger?.info({ origin: cp.origin, oldSize: req.oldSize, size: cp.size }, 'cosigned');
      return { status: 200, contentType: TEXT, body: lines.join('') };
    });
  }

  /** Run `fn` after every earlier call for the same origin has finished. */
  private serialized<T>(origin: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(origin) ?? Promise.resolve();
    const run = prev.then(fn);
    const tail = run.catch(() => undefined);
    this.queues.set(origin, tail);
    void tail.then(() => {
      if (this.queues.get(origin) === tail) this.queues.delete(origin);
    });
    return run;
  }

  private refusal(e: unknown): WitnessAnswer {
    const code = isAtlogError(e) ? e.code : undefined;
    const status = code === undefined ? undefined : STATUS[code];
    if (status === undefined) {
      this.config.logger?.error({ err: e, code }, 'witness failure');
      return { status: 500, contentType: TEXT, body: 'internal error\n', code: code ?? 'ERR_INTERNAL' };
    }
    const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    return { status, contentType: TEXT, body: `${code}: ${msg}\n`, code };
  }
}

/**
 * Why a checkpoint of `size`/`root` does not extend the stored state (`oldSize`/`oldRoot`) with `proof`, or
 * undefined when it does (tlog-witness: empty-tree root, empty proof from size 0, RFC 6962 2.1.2 proof).
 */
function inconsistency(oldSize: number, proof: readonly Uint8Array[], oldRoot: Uint8Array | undefined, size: number, root: Uint8Array): string | undefined {
  if (size === 0 && !equalBytes(root, emptyRoot())) return 'a checkpoint of size 0 must have the root of the empty tree';
  if (oldSize === 0) return proof.length === 0 ? undefined : 'the consistency proof from size 0 must be empty';
  if (oldSize === size && !equalBytes(oldRoot!, root)) return `the root of size ${size} differs from the one cosigned before`;
  return verifyConsistency(oldSize, size, proof, oldRoot!, root) ? undefined : `the consistency proof from ${oldSize} to ${size} does not verify`;
}
