import { AtlogError, isAtlogError } from '../errors.js';
import { cttImprint } from './ctt.js';
import type { Timestamper } from './timestamper.js';

/**
 * Anchors signed tree heads in trusted time (RFC 9921 `3161-ctt` over each tree head's signature). It asks every
 * configured TSA in parallel with a per-TSA timeout, keeps tree heads that got no token in a bounded retry queue,
 * and hands late tokens to a callback so the service can store them. Counters feed metrics and health.
 */

export interface AnchorLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

export interface AnchorerOptions {
  timestampers: Timestamper[];
  /** Per-TSA deadline for one anchor attempt. Default 15 000 ms. */
  perTsaTimeoutMs?: number;
  /** Timestamp at most once per this many ms (for paid TSAs); 0 = every tree head. Default 0. */
  minIntervalMs?: number;
  /** Period of the background retry of unanchored tree heads (`start()`). Default 30 000 ms. */
  retryIntervalMs?: number;
  /** Most unanchored tree heads kept for retry; the oldest are dropped beyond it. Default 1000. */
  maxPending?: number;
  /** Store tokens obtained later for a tree head that came out unanchored. */
  onLateTokens?: (key: string, tokens: Uint8Array[]) => Promise<void> | void;
  /** Milliseconds clock, for the interval policy. Default Date.now. */
  now?: () => number;
  logger?: AnchorLogger;
}

export interface AnchorResult {
  /** DER TimeStampTokens, one per TSA that answered in time. */
  tokens: Uint8Array[];
  /** Names of the TSAs that failed. */
  failed: string[];
}

export interface AnchorStats {
  /** Tree heads that got at least one token (at once or by retry). */
  anchored: number;
  /** Tree heads waiting in the retry queue. */
  unanchoredPending: number;
  /** Failed TSA requests (one per TSA per attempt). */
  failures: number;
  /** Tree heads left untimestamped by the interval policy. */
  skipped: number;
  /** Tree heads anchored late by the retry queue. */
  lateAnchored: number;
  /** Unanchored tree heads dropped because the queue was full. */
  dropped: number;
}

export class Anchorer {
  private readonly o: Required<Omit<AnchorerOptions, 'onLateTokens' | 'logger'>> & Pick<AnchorerOptions, 'onLateTokens' | 'logger'>;
  private readonly pending = new Map<string, Uint8Array>();
  private lastAnchorAt = -Infinity;
  private timer: ReturnType<typeof setInterval> | undefined;
  private retrying: Promise<number> | undefined;
  private readonly counters = { anchored: 0, failures: 0, skipped: 0, lateAnchored: 0, dropped: 0 };

  constructor(opts: AnchorerOptions) {
    this.o = {
      timestampers: opts.timestampers,
      perTsaTimeoutMs: opts.perTsaTimeoutMs ?? 15_000,
      minIntervalMs: opts.minIntervalMs ?? 0,
      retryIntervalMs: opts.retryIntervalMs ?? 30_000,
      maxPending: opts.maxPending ?? 1000,
      now: opts.now ?? Date.now,
      onLateTokens: opts.onLateTokens,
      logger: opts.logger,
    };
  }

  /** True when at least one TSA is configured. */
  get enabled(): boolean {
    return this.o.timestampers.length > 0;
  }

  /** A snapshot of the counters. */
  get stats(): AnchorStats {
    return { ...this.counters, unanchoredPending: this.pending.size };
  }

  /**
   * Ask every TSA for a `3161-ctt` token over `signature` (the tree head's COSE signature bytes). Never throws
   * for TSA failures: they are listed in `failed`.
   */
  async anchor(signature: Uint8Array): Promise<AnchorResult> {
    const imprint = cttImprint(signature);
    const results = await Promise.allSettled(this.o.timestampers.map((t) => this.withTimeout(t, imprint)));
    const tokens: Uint8Array[] = [];
    const failed: string[] = [];
    results.forEach((r, i) => {
      const name = this.o.timestampers[i]!.name;
      if (r.status === 'fulfilled') tokens.push(r.value);
      else {
        failed.push(name);
        this.counters.failures++;
        this.o.logger?.warn({ tsa: name, code: isAtlogError(r.reason) ? r.reason.code : undefined, err: String(r.reason) }, 'timestamp request failed');
      }
    });
    return { tokens, failed };
  }

  /**
   * Anchor one tree head under the interval policy. A tree head that gets no token joins the retry queue under
   * `key` (e.g. its tree size); one skipped by the policy does not.
   */
  async anchorTreeHead(key: string, signature: Uint8Array): Promise<AnchorResult & { skipped: boolean }> {
    if (!this.enabled) return { tokens: [], failed: [], skipped: true };
    const now = this.o.now();
    if (this.o.minIntervalMs > 0 && now - this.lastAnchorAt < this.o.minIntervalMs) {
      this.counters.skipped++;
      return { tokens: [], failed: [], skipped: true };
    }
    this.lastAnchorAt = now;
    const r = await this.anchor(signature);
    if (r.tokens.length > 0) this.counters.anchored++;
    else this.enqueue(key, signature);
    return { ...r, skipped: false };
  }

  /** Queue an unanchored tree head for retry (bounded: the oldest is dropped when full). */
  enqueue(key: string, signature: Uint8Array): void {
    this.pending.delete(key);
    this.pending.set(key, signature);
    while (this.pending.size > this.o.maxPending) {
      this.pending.delete(this.pending.keys().next().value!);
      this.counters.dropped++;
    }
  }

  /**
   * Retry the queue, oldest first; stops at the first tree head no TSA answers for (they are still down).
   * Concurrent calls share one run.
   * @returns how many tree heads were anchored.
   */
  retryPending(): Promise<number> {
    this.retrying ??= this.runRetry().finally(() => (this.retrying = undefined));
    return this.retrying;
  }

  private async runRetry(): Promise<number> {
    let done = 0;
    for (const [key, signature] of [...this.pending]) {
      const r = await this.anchor(signature);
      if (r.tokens.length === 0) break;
      try {
        await this.o.onLateTokens?.(key, r.tokens);
      } catch (e) {
        this.o.logger?.warn({ key, err: String(e) }, 'storing late timestamp tokens failed; will retry');
        break;
      }
      this.pending.delete(key);
      this.counters.anchored++;
      this.counters.lateAnchored++;
      done++;
    }
    if (done > 0) this.o.logger?.info({ anchored: done, pending: this.pending.size }, 'late timestamps stored');
    return done;
  }

  /** Start the background retry timer (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.retryPending(), this.o.retryIntervalMs);
    this.timer.unref();
  }

  /** Stop the background retry and wait for a running retry to finish. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.retrying;
  }

  private withTimeout(t: Timestamper, imprint: Uint8Array): Promise<Uint8Array> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AtlogError('ERR_TSA_TIMEOUT', `TSA ${t.name} did not answer within ${this.o.perTsaTimeoutMs} ms`)), this.o.perTsaTimeoutMs);
    });
    return Promise.race([t.timestamp(imprint), deadline]).finally(() => clearTimeout(timer));
  }
}
