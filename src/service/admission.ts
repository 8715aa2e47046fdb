import { randomUUID } from 'node:crypto';
import { AtlogError } from '../errors.js';
import type { LogReader } from '../storage/types.js';
import { toHex } from '../util/bytes.js';
import type { OperationTable } from './operations.js';
import type { Policy } from '../policy/schema.js';
import type { Queries } from './queries.js';
import type { PreparedStatement, Registrar } from './registration.js';
import type { Sequencer } from './sequencer.js';
import type { RegisteredEntry, Submission } from './types.js';

/** Largest statement the duplicate check decodes (the CBOR decoder's default limit). */
const DUPLICATE_CHECK_MAX_BYTES = 16 * 1024 * 1024;

const closing = (): AtlogError => new AtlogError('ERR_SERVICE_CLOSED', 'the service is closing');

export interface AdmissionDeps {
  registrar: Pick<Registrar, 'prepare' | 'check'>;
  /** Duplicates already in the log. */
  reader: Pick<LogReader, 'indexOfEntryHash'>;
  /** The receipts a duplicate answers with. */
  queries: Pick<Queries, 'registered'>;
  ops: OperationTable;
  sequencer: Pick<Sequencer, 'enqueue' | 'depth'>;
  policy: () => Policy;
  /** Registrations being verified or queued, at most (ERR_LOG_PUSHBACK beyond). */
  queueLimit: number;
}

/**
 * Admission: a registration from `submit` until it is in the sequencer's queue. It answers duplicates (of the
 * log or of a registration still queued) before any signature work, bounds the registrations being verified or
 * queued, runs the order-independent checks (registration.ts) and queues what passes. `close()` stops intake and
 * resolves once no registration is being verified any more.
 */
export class Admission {
  /** Registrations queued or in a batch, by entry id: a twin submitted meanwhile answers with the same entry. */
  private readonly pending = new Map<string, Submission>();
  /** Registrations being verified (counted until they are in the sequencer's queue). */
  private verifying = 0;
  /** What `close()` returns while registrations are being verified, resolved when the count drops to zero. */
  private idle: Promise<void> | undefined;
  private onIdle: (() => void) | undefined;
  private closed = false;
  /** Rejections by error code, and duplicates answered (metrics). */
  readonly rejections: Record<string, number> = {};
  duplicates = 0;

  constructor(private readonly d: AdmissionDeps) {}

  /** Registrations being verified or queued: what `queueLimit` bounds. */
  get depth(): number {
    return this.verifying + this.d.sequencer.depth;
  }

  /** Whether intake is open. */
  get open(): boolean {
    return !this.closed;
  }

  /**
   * Checks a Signed Statement and queues it, or answers with the existing entry of a duplicate (see
   * TransparencyService.submit for the codes).
   * @throws AtlogError ERR_SERVICE_CLOSED, ERR_LOG_PUSHBACK, and the codes of Registrar.check.
   */
  async submit(statement: Uint8Array): Promise<Submission> {
    try {
      if (this.closed) throw closing();
      const { dup, prepared } = await this.duplicateOf(statement);
      if (dup) return dup;
      // close() may have come while the duplicate check read the log: nothing new is admitted after it.
      if (this.closed) throw closing();
      if (this.depth >= this.d.queueLimit) {
        throw new AtlogError('ERR_LOG_PUSHBACK', `registration queue is full (${this.d.queueLimit})`, { details: { retryAfter: 1 } });
      }
      // Counted from here until it is in the sequencer's queue, so concurrent submits see it.
      this.verifying++;
      try {
        return await this.checkAndEnqueue(statement, prepared);
      } finally {
        if (--this.verifying === 0) this.onIdle?.();
      }
    } catch (e) {
      this.count(e);
      throw e;
    }
  }

  /** Stops intake; resolves when no registration is being verified (the accepted ones are then queued). */
  close(): Promise<void> {
    this.closed = true;
    if (this.verifying === 0) return Promise.resolve();
    this.idle ??= new Promise((resolve) => (this.onIdle = resolve));
    return this.idle;
  }

  private async checkAndEnqueue(statement: Uint8Array, prepared: PreparedStatement | undefined): Promise<Submission> {
    const checked = await this.d.registrar.check(statement, this.d.policy(), undefined, prepared);
    // A twin may have been queued or appended while this one was being verified.
    const again = this.pending.get(checked.entryId) ?? (await this.existing(checked.entryHash));
    if (again) return { ...again, duplicate: true };
    const operationId = randomUUID();
    let resolve!: (e: RegisteredEntry) => void;
    let reject!: (e: AtlogError) => void;
    const done = new Promise<RegisteredEntry>((res, rej) => ((resolve = res), (reject = rej)));
    const sub: Submission = { operationId, entryId: checked.entryId, duplicate: false, done };
    this.d.ops.start(operationId, checked.entryId);
    this.pending.set(checked.entryId, sub);
    done.then(
      () => this.d.ops.succeed(operationId, checked.entryId),
      (e: AtlogError) => {
        this.count(e);
        this.d.ops.fail(operationId, checked.entryId, e);
      },
    ).finally(() => this.pending.delete(checked.entryId));
    this.d.sequencer.enqueue({ checked, operationId, resolve, reject });
    return sub;
  }

  private count(e: unknown): void {
    const code = e instanceof AtlogError ? e.code : 'ERR_INTERNAL';
    this.rejections[code] = (this.rejections[code] ?? 0) + 1;
  }

  /**
   * Decodes the statement (once for both steps) and answers a duplicate before any signature work: the entry
   * hash only needs the COSE structure. A statement that does not decode is left to `check`, which reports it.
   */
  private async duplicateOf(statement: Uint8Array): Promise<{ dup?: Submission; prepared?: PreparedStatement }> {
    let prepared: PreparedStatement;
    try {
      // Not the policy's limit: a statement registered under a larger earlier limit is still a duplicate. The
      // decoder's own default (16 MiB) bounds the work.
      prepared = this.d.registrar.prepare(statement, DUPLICATE_CHECK_MAX_BYTES);
    } catch {
      return {}; // malformed: the full check reports it properly
    }
    const queued = this.pending.get(toHex(prepared.entryHash));
    if (queued) return { dup: { ...queued, duplicate: true }, prepared };
    const dup = await this.existing(prepared.entryHash);
    return dup ? { dup, prepared } : { prepared };
  }

  private async existing(h: Uint8Array): Promise<Submission | undefined> {
    if ((await this.d.reader.indexOfEntryHash(h)) === undefined) return undefined;
    const entryId = toHex(h);
    this.duplicates++;
    const operationId = randomUUID();
    this.d.ops.succeed(operationId, entryId);
    const done = this.d.queries.registered(entryId).then((r) => {
      if (!r) throw new AtlogError('ERR_SERVICE_INTERNAL', `entry ${entryId} has no checkpoint yet`);
      return r;
    });
    return { operationId, entryId, duplicate: true, done };
  }
}
