/**
 * Per-client token buckets. SCRAPI -11 (Security Considerations, Authentication): without client
 * authentication, rate limiting is a MUST. The client is the remote address; an operator behind a proxy
 * puts the limit on the proxy instead (docs/operations.md).
 */

/** Outcome of one `take`. */
export interface RateDecision {
  ok: boolean;
  /** Whole seconds until one token is available again (>= 1 when refused). */
  retryAfterS: number;
}

interface Bucket {
  tokens: number;
  last: number;
}

/** A token-bucket limiter keyed by client address, with a bounded table. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /**
   * @param rate sustained tokens per second per client; 0 disables limiting.
   * @param burst bucket capacity (the most requests a fresh client may send at once).
   * @param maxClients table bound; beyond it the least recently seen clients are forgotten, so a flood of
   *   spoofed-looking addresses cannot grow memory without bound.
   * @param now clock in ms, injectable for tests.
   */
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly maxClients = 100_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** True when the limiter is on. */
  get enabled(): boolean {
    return this.rate > 0;
  }

  /** Takes one token for `client`. */
  take(client: string): RateDecision {
    if (this.rate <= 0) return { ok: true, retryAfterS: 0 };
    const t = this.now();
    let b = this.buckets.get(client);
    if (b === undefined) {
      b = { tokens: this.burst, last: t };
      if (this.buckets.size >= this.maxClients) {
        // Maps iterate in insertion order and we re-insert on use: the first key is the least recently seen.
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    } else {
      this.buckets.delete(client);
      b.tokens = Math.min(this.burst, b.tokens + ((t - b.last) / 1000) * this.rate);
      b.last = t;
    }
    this.buckets.set(client, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, retryAfterS: 0 };
    }
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / this.rate)) };
  }
}
