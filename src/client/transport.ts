import { AtlogError } from '../errors.js';
import type { CallOptions, ResolvedClientOptions } from './options.js';
import { decodeProblem, isTransientStatus, problemError } from './problem.js';

/**
 * One client call: a deadline and an abort signal shared by every attempt, retry and poll it makes, and the
 * request loop that retries transient failures (SCRAPI -11 "Client Retry Behavior": honour Retry-After on 429
 * and 503; otherwise back off exponentially with jitter, so that many clients do not retry in step).
 */

/** An answer read to the end. */
export interface Answer {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** The URL that was asked. */
  url: string;
}

/** Longest Retry-After the client believes, in ms (a bogus header must not park a call for a day). */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Retry-After (RFC 9110 10.2.3) in ms: delay-seconds or an HTTP-date; undefined when absent or unreadable.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const v = headers.get('retry-after')?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

/** The n-th backoff (n from 0): base * 2^n capped at max, "equal jitter" (half fixed, half random). */
export function backoffMs(n: number, base: number, max: number, random: () => number = Math.random): number {
  const d = Math.min(max, base * 2 ** Math.min(n, 30));
  return d / 2 + random() * (d / 2);
}

export class Call {
  readonly deadline: number;
  private readonly ctrl = new AbortController();
  private timedOut = false;
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly unlink: Array<() => void> = [];

  constructor(
    readonly opts: ResolvedClientOptions,
    call: CallOptions,
    readonly timeoutMs: number,
  ) {
    this.deadline = Date.now() + timeoutMs;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.ctrl.abort();
    }, timeoutMs);
    for (const s of [opts.signal, call.signal]) {
      if (s === undefined) continue;
      if (s.aborted) this.ctrl.abort();
      const onAbort = (): void => this.ctrl.abort();
      s.addEventListener('abort', onAbort, { once: true });
      this.unlink.push(() => s.removeEventListener('abort', onAbort));
    }
  }

  /** The signal every fetch and sleep of this call listens to. */
  get signal(): AbortSignal {
    return this.ctrl.signal;
  }

  /** Releases the timer and the listeners on the caller's signals. */
  end(): void {
    clearTimeout(this.timer);
    for (const u of this.unlink) u();
  }

  /** The error for an aborted call: timed out, or aborted by the caller. */
  stopped(what: string, cause?: unknown): AtlogError {
    return this.timedOut
      ? new AtlogError('ERR_CLIENT_TIMEOUT', `${what}: no answer within ${this.timeoutMs} ms`, { cause })
      : new AtlogError('ERR_CLIENT_ABORTED', `${what}: aborted`, { cause });
  }

  /** Time left before the deadline, in ms. */
  remaining(): number {
    return this.deadline - Date.now();
  }

  /**
   * Waits `ms`, or rejects as soon as the call is aborted or times out.
   * @throws AtlogError ERR_CLIENT_TIMEOUT, ERR_CLIENT_ABORTED
   */
  sleep(ms: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.signal.aborted) return reject(this.stopped(what));
      const t = setTimeout(() => {
        this.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(t);
        reject(this.stopped(what));
      };
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Sends one request and reads the whole answer, retrying a 429, 502, 503, 504 or a failed connection up to
   * `retries` times (after Retry-After when the service sends one, else after a jittered backoff). Redirects
   * are not followed: SCRAPI's 302 and 303 mean "poll", and the caller does that.
   * @throws AtlogError ERR_CLIENT_NETWORK (connection failed, retries exhausted), ERR_CLIENT_UNAVAILABLE (still
   *   429/5xx, or a Retry-After beyond the deadline), ERR_CLIENT_TIMEOUT, ERR_CLIENT_ABORTED.
   */
  async send(url: URL, init: RequestInit & { headers?: Record<string, string> }): Promise<Answer> {
    const what = `${init.method ?? 'GET'} ${url.pathname}`;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      let body: Uint8Array;
      try {
        res = await this.opts.fetch(url, { ...init, headers: { ...this.opts.headers, ...init.headers }, redirect: 'manual', signal: this.signal });
        body = new Uint8Array(await res.arrayBuffer());
      } catch (e) {
        if (this.signal.aborted) throw this.stopped(what, e);
        // A refused, reset or dropped connection. Registration is idempotent (the same statement is the same
        // entry), so every request of this client may be repeated.
        if (attempt >= this.opts.retries) {
          throw new AtlogError('ERR_CLIENT_NETWORK', `${what}: ${describe(e)}`, { cause: e, details: { url: url.href, attempts: attempt + 1 } });
        }
        await this.sleep(backoffMs(attempt, this.opts.backoffMs, this.opts.maxBackoffMs), what);
        continue;
      }
      if (res.type === 'opaqueredirect') {
        // Browsers hide redirect answers from scripts; SCRAPI's 303/302 polling cannot be done there.
        throw new AtlogError('ERR_CLIENT_UNEXPECTED', `${what}: the runtime hid a redirect answer (browser fetch); poll the operation yourself`, { details: { url: url.href } });
      }
      const answer: Answer = { status: res.status, headers: res.headers, body, url: url.href };
      if (!isTransientStatus(res.status)) return answer;
      const problem = decodeProblem(res.status, res.headers.get('content-type'), body);
      const wait = retryAfterMs(res.headers) ?? backoffMs(attempt, this.opts.backoffMs, this.opts.maxBackoffMs);
      if (attempt >= this.opts.retries) throw problemError(problem, url.href, { attempts: attempt + 1 });
      if (wait > this.remaining()) throw problemError(problem, url.href, { attempts: attempt + 1, retryAfterMs: wait });
      await this.sleep(wait, what);
    }
  }
}

function describe(e: unknown): string {
  // undici wraps the socket error: "fetch failed" with cause ECONNREFUSED, "other side closed", ...
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const base = e instanceof Error ? e.message : String(e);
  return cause ? `${base} (${typeof code === 'string' ? `${code}: ` : ''}${cause.message})` : base;
}

/**
 * Runs `fn` as one call with its own deadline, and always releases the call's timer.
 * @throws whatever `fn` throws.
 */
export async function withCall<T>(opts: ResolvedClientOptions, call: CallOptions, timeoutMs: number, fn: (c: Call) => Promise<T>): Promise<T> {
  const c = new Call(opts, call, call.timeoutMs ?? timeoutMs);
  try {
    return await fn(c);
  } finally {
    c.end();
  }
}
