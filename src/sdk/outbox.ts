import type { AatRecord } from '../aat/types.js';
import type { TransparencyClient } from '../client/index.js';
import { AtlogError, isAtlogError } from '../errors.js';
import { entryHash, registrationEntry } from '../statements/entry.js';
import { toHex } from '../util/bytes.js';

/**
 * A session's outbox: every record, in chain order, is signed, made durable in the session's queue (when there
 * is one), then registered, one after another, because the service checks each record's link to the session's
 * tip (spec/policy.md section 4). Two loops do the work off the caller's path: `prepare` signs and appends to
 * the queue (one fsync per batch); `send` registers in order, retrying what is transient with exponential
 * backoff and jitter, and stops for good when the service refuses a record (the chain cannot go on past it).
 * Callers wait for a record to be `registered`, or `settled`: registered, or durably queued while the service
 * cannot be reached (the tiers of docs/agents.md are built on these two waits).
 *
 * Length (~350 lines): the two loops share one ordered state machine (pending, queued, sent, refused); split
 * apart, each half would have to re-derive the other's state.
 */

/** The durable queue of one session (src/sdk/queue holds the file queue; anything with this shape will do). */
export interface SessionQueue {
  /** Statements an earlier process appended and did not see registered, in order: they are sent first. */
  readonly unsent: readonly Uint8Array[];
  /** Appends statements in order; resolves once they survive a crash (fsync). */
  append(statements: readonly Uint8Array[]): Promise<void>;
  /** The first `count` statements this handle knows (`unsent`, then those appended) are registered. */
  registered(count: number): Promise<void>;
  /** Releases the queue; with `done` (session closed, everything registered) it is removed. */
  close(done: boolean): Promise<void>;
  /** Drops every statement not yet registered (after a refusal, none of them can join the chain). Optional. */
  discard?(): Promise<void>;
}

/** Opens the queue of a session (the file queue: `FileQueue` in src/sdk/queue). */
export interface RecordQueue {
  open(sessionId: string): Promise<SessionQueue>;
}

/** What a caller waits for. */
export type Need = 'registered' | 'settled';

/** A record the outbox still holds: its statement once signed, its receipt once registered. */
export interface OutboxItem {
  record: AatRecord;
  statement?: Uint8Array;
  receipt?: Uint8Array;
  entryId?: string;
  /** Kept after registration (for a strong-tier check or a delegation token) until `release`. */
  keep: boolean;
}

interface Waiter {
  seq: number;
  need: Need;
  /** `failures` when the wait began: only a later failed attempt makes it give up. */
  failuresAtStart: number;
  resolve: () => void;
  reject: (e: AtlogError) => void;
}

export interface OutboxOptions {
  /** Undefined: no service (queue only); everything stays queued for `atlog sync`. */
  client: TransparencyClient | undefined;
  queue: SessionQueue | undefined;
  /** Signs a record as a Signed Statement. */
  sign: (record: AatRecord) => Uint8Array;
  /** First pause after a failed attempt, and the longest, in ms. */
  retryMs: number;
  maxRetryMs: number;
  /** Told when the service becomes unreachable and when the session breaks (never throws back). */
  onError: (e: AtlogError) => void;
}

/** Client failures worth retrying later: the service may come back. Everything else is a refusal. */
const TRANSIENT = new Set(['ERR_CLIENT_NETWORK', 'ERR_CLIENT_UNAVAILABLE', 'ERR_CLIENT_TIMEOUT', 'ERR_CLIENT_SERVER_ERROR', 'ERR_CLIENT_UNEXPECTED']);

/** Longest stretch of signing before the outbox lets other work run, in ms. */
const SIGN_SLICE_MS = 4;

/** The entry id a statement gets in any atlog log (spec/hashing.md): hex SHA-256 of its registration entry. */
export function entryIdOf(statement: Uint8Array): string {
  return toHex(entryHash(registrationEntry(statement)));
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Lets a timer not keep a Node process alive (a no-op elsewhere). */
function unref(t: unknown): void {
  (t as { unref?: () => void }).unref?.();
}

export class Outbox {
  private readonly items = new Map<number, OutboxItem>();
  private pushed = 0;
  private signed = 0;
  private stored = 0;
  private registeredCount = 0;
  private failures = 0;
  private lastFailure: AtlogError | undefined;
  private attempt = 0;
  private offlineNow: boolean;
  private brokenBy: AtlogError | undefined;
  private stopped = false;
  private waiters: Waiter[] = [];
  private preparing = false;
  private preparation: Promise<void> | undefined;
  private sending: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();

  /**
   * @param leftovers records already signed (a resumed session's unsent tail), sent before anything new;
   *   `leftoversStored` when they come from the queue (so already durable).
   */
  constructor(
    private readonly o: OutboxOptions,
    leftovers: ReadonlyArray<{ record: AatRecord; statement: Uint8Array }> = [],
    leftoversStored = false,
  ) {
    for (const l of leftovers) this.items.set(this.pushed++, { record: l.record, statement: l.statement, keep: false });
    this.signed = this.pushed;
    if (leftoversStored) this.stored = this.pushed;
    this.offlineNow = o.client === undefined;
    if (this.pushed > 0) queueMicrotask(() => this.kick(false));
  }

  /** Records pushed so far. */
  get size(): number {
    return this.pushed;
  }

  /** Records registered so far (in order: the first `registered` ones). */
  get registered(): number {
    return this.registeredCount;
  }

  /** Records durably queued so far (0 without a queue). */
  get queued(): number {
    return this.stored;
  }

  /** True while the last attempt to reach the service failed (always, without a service). */
  get offline(): boolean {
    return this.offlineNow;
  }

  /** Why the session cannot go on (the service refused a record, or signing or the queue failed). */
  get broken(): AtlogError | undefined {
    return this.brokenBy;
  }

  /** Adds a record (after the ones before it); `keep` holds its statement and receipt for `item`. */
  push(record: AatRecord, keep = false): number {
    const seq = this.pushed++;
    this.items.set(seq, { record, keep });
    if (!this.preparing) {
      this.preparing = true;
      // Not on the caller's path: the caller's synchronous work (a tool call) finishes first.
      queueMicrotask(() => {
        this.preparation = this.prepare();
      });
    }
    return seq;
  }

  /** A kept record's state (see `push`); undefined once released or when not kept and registered. */
  item(seq: number): OutboxItem | undefined {
    return this.items.get(seq);
  }

  /** Stops keeping a record's statement and receipt. */
  release(seq: number): void {
    const it = this.items.get(seq);
    if (!it) return;
    it.keep = false;
    if (seq < this.registeredCount) this.items.delete(seq);
  }

  /**
   * Resolves when record `seq` (and so every record before it) is registered, or, for `settled`, durably
   * queued while the service cannot be reached.
   * @throws AtlogError ERR_SDK_BROKEN when the session broke; ERR_SDK_UNREACHABLE when an attempt made after
   *   the wait began failed and nothing else can satisfy it.
   */
  wait(seq: number, need: Need): Promise<void> {
    return new Promise((resolve, reject) => {
      const w: Waiter = { seq, need, failuresAtStart: this.failures, resolve, reject };
      if (this.check(w)) return;
      this.waiters.push(w);
      // Waiting for the service while it is known to be down: try again now rather than after the backoff.
      if (this.offlineNow && !this.settledByQueue(w)) this.kick(true);
    });
  }

  /**
   * Stops signing and sending (what is queued and not registered stays in the queue; what is not signed yet is
   * dropped) and waits until no attempt and no queue write is running.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.sending;
    await this.preparation;
    this.settle();
  }

  private settledByQueue(w: Waiter): boolean {
    return w.need === 'settled' && this.o.queue !== undefined;
  }

  /** Resolves or rejects `w` when its outcome is known; true when it did. */
  private check(w: Waiter): boolean {
    if (this.registeredCount > w.seq || (this.settledByQueue(w) && this.offlineNow && this.stored > w.seq)) {
      w.resolve();
      return true;
    }
    if (this.brokenBy) {
      w.reject(this.brokenBy);
      return true;
    }
    if (this.stopped) {
      w.reject(new AtlogError('ERR_SDK_CLOSED', 'the session stopped sending before this record was registered'));
      return true;
    }
    if (!this.o.client && !this.settledByQueue(w)) {
      w.reject(new AtlogError('ERR_SDK_UNREACHABLE', 'the session has no transparency service (queue only): nothing is registered until atlog sync'));
      return true;
    }
    if (this.failures > w.failuresAtStart && !this.settledByQueue(w)) {
      w.reject(new AtlogError('ERR_SDK_UNREACHABLE', `the transparency service cannot be reached (${this.lastFailure?.message ?? 'no service'})`, { cause: this.lastFailure }));
      return true;
    }
    return false;
  }

  private settle(): void {
    if (this.waiters.length > 0) this.waiters = this.waiters.filter((w) => !this.check(w));
  }

  private breakWith(e: unknown, what: string): void {
    if (this.brokenBy) return;
    const cause = e instanceof Error ? e : new Error(String(e));
    const problem = isAtlogError(e) ? e.details?.['problem'] : undefined;
    this.brokenBy = new AtlogError('ERR_SDK_BROKEN', `${what}: ${cause.message}`, { cause, details: { ...(problem === undefined ? {} : { problem }) } });
    this.settle();
    this.o.onError(this.brokenBy);
  }

  /** Signs what was pushed and appends it to the queue, in slices, then lets the sender go. */
  private async prepare(): Promise<void> {
    try {
      // A stopped outbox signs nothing more: what is not yet signed is dropped with the session (stop()).
      while (this.signed < this.pushed && !this.brokenBy && !this.stopped) {
        const batch: Uint8Array[] = [];
        const t0 = performance.now();
        while (this.signed < this.pushed && (batch.length === 0 || performance.now() - t0 < SIGN_SLICE_MS)) {
          const it = this.items.get(this.signed)!;
          try {
            it.statement = this.o.sign(it.record);
          } catch (e) {
            this.breakWith(e, `record ${it.record.record_id} could not be signed`);
            return;
          }
          batch.push(it.statement);
          this.signed++;
        }
        if (this.o.queue) {
          try {
            await this.o.queue.append(batch);
          } catch (e) {
            this.breakWith(e, 'the queue could not store records');
            return;
          }
          this.stored += batch.length;
        }
        this.settle();
        this.kick(false);
        if (this.signed < this.pushed) await pause(0);
      }
    } finally {
      this.preparing = false;
    }
  }

  /** Starts the sender, or (`fresh`) cuts its backoff short. */
  private kick(fresh: boolean): void {
    if (this.sending) {
      if (fresh) this.wake?.();
      return;
    }
    if (!this.o.client || this.stopped || this.brokenBy) return;
    this.sending = this.send().finally(() => {
      this.sending = undefined;
      // Records may have been stored while the sender was finishing.
      if (this.readyToSend() && !this.stopped && !this.brokenBy) this.kick(false);
    });
  }

  private readyToSend(): boolean {
    return this.registeredCount < (this.o.queue ? this.stored : this.signed);
  }

  /** Registers, in order, every record that is ready. */
  private async send(): Promise<void> {
    const client = this.o.client!;
    while (this.readyToSend() && !this.stopped && !this.brokenBy) {
      const seq = this.registeredCount;
      const it = this.items.get(seq)!;
      try {
        const reg = await client.register(it.statement!, { signal: this.abort.signal });
        it.receipt = reg.receipt;
        it.entryId = reg.entryId ?? entryIdOf(it.statement!);
      } catch (e) {
        if (this.stopped) return;
        if (isAtlogError(e) && TRANSIENT.has(e.code)) {
          this.failures++;
          this.lastFailure = e;
          if (!this.offlineNow) this.o.onError(new AtlogError('ERR_SDK_UNREACHABLE', `the transparency service cannot be reached; retrying in the background (${e.message})`, { cause: e }));
          this.offlineNow = true;
          this.settle();
          await this.backoff();
          continue;
        }
        this.breakWith(e, `the service refused record ${it.record.record_id}`);
        return;
      }
      this.registeredCount++;
      this.attempt = 0;
      this.offlineNow = false;
      if (!it.keep) this.items.delete(seq);
      if (this.o.queue) {
        try {
          await this.o.queue.registered(this.registeredCount);
        } catch {
          // Only the acknowledgement was lost: the record is registered, and sending it again is harmless.
        }
      }
      this.settle();
    }
  }

  /** Sleeps before the next attempt: base * 2^n, capped, half of it random; `wake` cuts it short. */
  private backoff(): Promise<void> {
    const d = Math.min(this.o.maxRetryMs, this.o.retryMs * 2 ** Math.min(this.attempt++, 20));
    const ms = d / 2 + Math.random() * (d / 2);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      unref(t);
      this.wake = done;
    });
  }
}
