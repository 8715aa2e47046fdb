import { AtlogError } from '../errors.js';
import { cttImprint } from '../tsa/ctt.js';
import type { Timestamper } from '../tsa/timestamper.js';
import type { MetaPut } from '../storage/types.js';
import type { ServiceLogger } from './options.js';

/**
 * RFC 3161 anchoring of signed tree heads (STANDARDS.md Decision: `3161-ctt` over each checkpoint's
 * signature). A batch waits at most `timeoutMs` for the TSAs; a TSA that failed is marked down and later
 * batches do not wait for it at all, so a dead TSA never holds up registration. Heads left without a token
 * are retried in the background with exponential backoff, and tokens are stored when they come.
 *
 * With `intervalMs` > 0 (paid external TSAs, issue 5: "each tree head, or at most every S seconds") a head is
 * stamped only when the last attempt is at least `intervalMs` old; the heads in between are skipped on
 * purpose: not stored as incomplete, not retried, not counted as unanchored. A verifier dates them by the
 * next anchored head, whose tree contains them (spec/anchoring.md).
 */

/** Counters since start (metrics and tests). */
export interface AnchorCounters {
  /** Checkpoints that got every token (at once or by retry). */
  anchored: number;
  /** Checkpoints skipped by the interval policy (not pending, not retried). */
  skipped: number;
  /** Failed TSA requests (one per TSA per head per attempt). */
  failures: number;
  /** Checkpoints completed by the background retry. */
  lateAnchored: number;
}

/** Options of the Anchorer beyond its TSAs and store. */
export interface AnchorerOptions {
  /** How long a batch waits for a TSA. */
  timeoutMs: number;
  /** First retry delay; doubles up to 60 s while something is missing. */
  retryMs: number;
  /** Stamp at most once per this many ms; 0 = every checkpoint. Default 0. */
  intervalMs?: number;
  /** Millisecond clock for the interval policy. Default Date.now. */
  now?: () => number;
  logger: ServiceLogger;
}

/** Tokens of one checkpoint: per tree head (P-256 first), timestamper name -> DER token. */
export type CheckpointTokens = Array<Map<string, Uint8Array>>;

/** Tokens obtained for a checkpoint's heads, not yet stored (`Anchorer.obtain`). */
export interface Obtained {
  readonly tokens: CheckpointTokens;
  /** Every timestamper gave a token for every head. */
  readonly complete: boolean;
  /** Skipped by the interval policy: nothing is to be stored and nothing is pending. */
  readonly skipped: boolean;
}

/** Where tokens and the list of incomplete checkpoints live (the service backs it with its MetaStore, state.ts). */
export interface AnchorStore {
  /** Tokens stored so far for a checkpoint (empty maps when none). */
  tokens(treeSize: number): Promise<CheckpointTokens>;
  /** Replaces the tokens of a checkpoint and records whether it is complete (durably). */
  saveTokens(treeSize: number, tokens: CheckpointTokens, complete: boolean): Promise<void>;
  /**
   * The meta puts that record the tokens of a checkpoint being stored for the first time, so they can be
   * written in the checkpoint's own atomic write (CheckpointStore.put).
   */
  firstTokenPuts(treeSize: number, tokens: CheckpointTokens, complete: boolean): MetaPut[];
  /** Tree sizes of checkpoints still missing a token. */
  incomplete(): Promise<number[]>;
  /** The signatures of a checkpoint's tree heads (P-256 first). */
  signatures(treeSize: number): Promise<Uint8Array[]>;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AtlogError('ERR_TSA_TIMEOUT', `no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Anchors checkpoints with every configured timestamper. */
export class Anchorer {
  private readonly down = new Set<string>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay: number;
  private retrying: Promise<void> | undefined;
  private closed = false;
  private incompleteCount = 0;
  private lastAttemptAt = -Infinity;
  private readonly timeoutMs: number;
  private readonly retryMs: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly logger: ServiceLogger;
  private readonly counters: AnchorCounters = { anchored: 0, skipped: 0, failures: 0, lateAnchored: 0 };

  constructor(
    private readonly timestampers: readonly Timestamper[],
    private readonly store: AnchorStore,
    o: AnchorerOptions,
  ) {
    this.timeoutMs = o.timeoutMs;
    this.retryMs = o.retryMs;
    this.intervalMs = o.intervalMs ?? 0;
    this.now = o.now ?? Date.now;
    this.logger = o.logger;
    this.retryDelay = o.retryMs;
  }

  /** A snapshot of the counters since start. */
  get stats(): AnchorCounters {
    return { ...this.counters };
  }

  /** Names of timestampers whose last attempt failed. */
  get downNames(): string[] {
    return [...this.down];
  }

  /** Checkpoints known to lack a token. */
  get unanchored(): number {
    return this.incompleteCount;
  }

  /** True when every timestamper has a token for every head (false when there are no timestampers). */
  isComplete(tokens: CheckpointTokens): boolean {
    return this.timestampers.length > 0 && tokens.every((m) => this.timestampers.every((t) => m.has(t.name)));
  }

  /** Looks for incomplete checkpoints left by an earlier run and schedules their retry. */
  async start(): Promise<void> {
    if (this.timestampers.length === 0) return;
    this.incompleteCount = (await this.store.incomplete()).length;
    if (this.incompleteCount > 0) this.schedule();
  }

  private async attempt(t: Timestamper, signature: Uint8Array): Promise<Uint8Array | undefined> {
    try {
      const token = await withTimeout(t.timestamp(cttImprint(signature)), this.timeoutMs);
      if (this.down.delete(t.name)) this.logger.info({ tsa: t.name }, 'timestamper is back');
      return token;
    } catch (e) {
      this.counters.failures++;
      if (!this.down.has(t.name)) this.logger.warn({ tsa: t.name, err: e instanceof Error ? e.message : String(e) }, 'timestamper failed; heads stay unanchored and are retried');
      this.down.add(t.name);
      return undefined;
    }
  }

  /**
   * Anchors a freshly signed checkpoint. Asks only the timestampers that are up, each at most `timeoutMs`.
   * Never throws for a TSA failure: the checkpoint is recorded as incomplete and retried later. Under the
   * interval policy a checkpoint within `intervalMs` of the last attempt is skipped (empty tokens, nothing
   * stored, not pending).
   * @returns the tokens obtained (per head, by timestamper name).
   * @throws AtlogError from the store only (a storage failure).
   */
  async anchor(treeSize: number, signatures: readonly Uint8Array[]): Promise<CheckpointTokens> {
    const got = await this.obtain(signatures);
    if (!got.skipped) await this.store.saveTokens(treeSize, got.tokens, got.complete);
    this.settle(got);
    return got.tokens;
  }

  /**
   * The first half of `anchor`: asks the timestampers for tokens over these head signatures, stores nothing.
   * The sequencer calls it as soon as a batch's heads are signed, and writes the tokens with the checkpoint
   * (`tokenPuts`, then `settle`). Never throws.
   */
  async obtain(signatures: readonly Uint8Array[]): Promise<Obtained> {
    const tokens: CheckpointTokens = signatures.map(() => new Map());
    if (this.timestampers.length === 0) return { tokens, complete: false, skipped: true };
    const now = this.now();
    if (this.intervalMs > 0 && now - this.lastAttemptAt < this.intervalMs) return { tokens, complete: false, skipped: true };
    this.lastAttemptAt = now;
    const live = this.timestampers.filter((t) => !this.down.has(t.name));
    await Promise.all(
      signatures.flatMap((sig, i) =>
        live.map(async (t) => {
          const tok = await this.attempt(t, sig);
          if (tok) tokens[i]!.set(t.name, tok);
        }),
      ),
    );
    return { tokens, complete: this.isComplete(tokens), skipped: false };
  }

  /** Meta puts recording `got` for a checkpoint stored for the first time (empty when skipped). */
  tokenPuts(treeSize: number, got: Obtained): MetaPut[] {
    return got.skipped ? [] : this.store.firstTokenPuts(treeSize, got.tokens, got.complete);
  }

  /** The second half of `anchor`, once the tokens are stored: counters, and the retry of an incomplete head. */
  settle(got: Obtained): void {
    if (this.timestampers.length === 0) return;
    if (got.skipped) {
      this.counters.skipped++;
      return;
    }
    if (got.complete) this.counters.anchored++;
    else {
      this.incompleteCount++;
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.closed || this.retryTimer || this.retrying) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.retrying = this.retryAll()
        .catch((e: unknown) => this.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'anchoring retry failed'))
        .finally(() => {
          this.retrying = undefined;
          if (this.incompleteCount > 0) this.schedule();
        });
    }, this.retryDelay);
    this.retryTimer.unref();
  }

  /** One retry round over every incomplete checkpoint; backs off while something is still missing. */
  async retryAll(): Promise<void> {
    const sizes = await this.store.incomplete();
    let left = 0;
    for (const size of sizes) {
      if (this.closed) return;
      const [sigs, tokens] = await Promise.all([this.store.signatures(size), this.store.tokens(size)]);
      let changed = false;
      for (let i = 0; i < sigs.length; i++) {
        const have = tokens[i] ?? new Map<string, Uint8Array>();
        tokens[i] = have;
        for (const t of this.timestampers) {
          if (have.has(t.name)) continue;
          const tok = await this.attempt(t, sigs[i]!);
          if (tok) {
            have.set(t.name, tok);
            changed = true;
          }
        }
      }
      const complete = this.isComplete(tokens);
      if (changed || complete) await this.store.saveTokens(size, tokens, complete);
      if (complete) {
        this.counters.anchored++;
        this.counters.lateAnchored++;
        this.logger.info({ treeSize: size }, 'checkpoint anchored on retry');
      } else left++;
    }
    this.retryDelay = left > 0 ? Math.min(this.retryDelay * 2, 60_000) : this.retryMs;
    // Re-read: batches sealed during this round may have added incomplete checkpoints.
    this.incompleteCount = (await this.store.incomplete()).length;
  }

  /** Stops retrying; waits for a retry round in progress. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.retrying;
  }
}
