import { AtlogError } from '../errors.js';

/** The fetch the client uses: the global one by default, or any function with its signature. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Options of `createClient`. Every default is filled in one place, `resolveClientOptions`. */
export interface ClientOptions {
  /** Base URL of the transparency service, e.g. `https://log.example` (a path prefix is kept). */
  url: string | URL;
  /** fetch implementation. Default: `globalThis.fetch`. */
  fetch?: FetchLike;
  /**
   * Longest time one client call may take, in ms, retries and polling included. Default 30,000;
   * `register` uses `registerTimeoutMs`.
   */
  timeoutMs?: number;
  /** Longest time `register` waits for the receipt, polling included, in ms. Default 60,000. */
  registerTimeoutMs?: number;
  /** Further attempts after a 429, 502, 503, 504 or a failed connection. Default 4; 0 = no retries. */
  retries?: number;
  /** First backoff in ms; doubles per retry, with full jitter. Default 250. */
  backoffMs?: number;
  /** Longest backoff between two attempts in ms (Retry-After longer than this is honoured). Default 8,000. */
  maxBackoffMs?: number;
  /** Wait between polls when the service sends no Retry-After, in ms. Default 1,000. */
  pollIntervalMs?: number;
  /** Extra headers on every request (e.g. a service's own authentication). */
  headers?: Record<string, string>;
  /** Bearer token for atlog's admin API (`/admin/…`); only the issuer methods send it. */
  adminToken?: string;
  /** Aborts every call of this client. */
  signal?: AbortSignal;
}

/** Per-call options, accepted by every client method. */
export interface CallOptions {
  /** Aborts this call: it rejects with `ERR_CLIENT_ABORTED`. */
  signal?: AbortSignal;
  /** Overrides the client's time limit for this call, in ms. */
  timeoutMs?: number;
}

/** ClientOptions with every default filled in. */
export interface ResolvedClientOptions {
  url: URL;
  fetch: FetchLike;
  timeoutMs: number;
  registerTimeoutMs: number;
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  pollIntervalMs: number;
  headers: Record<string, string>;
  adminToken: string | undefined;
  signal: AbortSignal | undefined;
}

function count(name: string, v: number | undefined, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < 0 || v > max) throw new AtlogError('ERR_INVALID_ARGUMENT', `${name} must be a number from 0 to ${max}`);
  return v;
}

/**
 * Fills every default of the client (the only place they are written).
 * @throws AtlogError ERR_INVALID_ARGUMENT for a URL that is not http(s), or a number out of range.
 */
export function resolveClientOptions(o: ClientOptions): ResolvedClientOptions {
  let url: URL;
  try {
    url = new URL(String(o.url));
  } catch (e) {
    throw new AtlogError('ERR_INVALID_ARGUMENT', `url "${String(o.url)}" is not a URL`, { cause: e });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AtlogError('ERR_INVALID_ARGUMENT', `url must be http or https, got ${url.protocol}`);
  // Resolve resource paths below the base path: "https://h/scitt" + "entries" = "https://h/scitt/entries".
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  const f = o.fetch ?? (globalThis.fetch as FetchLike | undefined);
  if (typeof f !== 'function') throw new AtlogError('ERR_INVALID_ARGUMENT', 'no fetch: pass one in the options');
  const day = 86_400_000;
  return {
    url,
    fetch: f,
    timeoutMs: count('timeoutMs', o.timeoutMs, 30_000, day),
    registerTimeoutMs: count('registerTimeoutMs', o.registerTimeoutMs, 60_000, day),
    retries: Math.floor(count('retries', o.retries, 4, 100)),
    backoffMs: count('backoffMs', o.backoffMs, 250, day),
    maxBackoffMs: count('maxBackoffMs', o.maxBackoffMs, 8_000, day),
    pollIntervalMs: count('pollIntervalMs', o.pollIntervalMs, 1_000, day),
    headers: { ...o.headers },
    adminToken: o.adminToken,
    signal: o.signal,
  };
}
