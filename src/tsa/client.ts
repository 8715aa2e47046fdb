import { AtlogError, isAtlogError } from '../errors.js';
import { assertBytes } from '../util/bytes.js';
import { buildTimestampRequest } from './request.js';
import type { Timestamper } from './timestamper.js';
import { verifyTimestampResponse } from './verify.js';

/**
 * RFC 3161 section 3.4 over HTTP: POST a DER TimeStampReq as `application/timestamp-query`, read an
 * `application/timestamp-reply`, and verify it fully (nonce included) before handing the token to the caller.
 */

export interface HttpTsaClientOptions {
  /** Trusted roots for this TSA (DER or PEM). Required: an unverifiable token is worth nothing. */
  roots: ReadonlyArray<Uint8Array | string>;
  /** Per-attempt timeout. Default 10 000 ms. */
  timeoutMs?: number;
  /** Further attempts after the first, for network errors, HTTP 429/5xx and non-granted replies. Default 2. */
  retries?: number;
  /** First backoff delay, doubled on each retry. Default 250 ms. */
  backoffMs?: number;
  /** Require this TSA policy OID. */
  policy?: string;
  /** Injected fetch (tests, proxies). Default the global fetch. */
  fetch?: typeof globalThis.fetch;
}

/** Largest TimeStampResp accepted (tokens with a long certificate chain stay well under 64 KiB). */
const MAX_REPLY_BYTES = 1 << 20;

const RETRYABLE = new Set(['ERR_TSA_UNREACHABLE', 'ERR_TSA_TIMEOUT', 'ERR_TSA_HTTP', 'ERR_TSA_STATUS']);

export class HttpTsaClient implements Timestamper {
  readonly name: string;
  private readonly opts: Required<Omit<HttpTsaClientOptions, 'policy'>> & { policy?: string };

  /**
   * @throws AtlogError `ERR_TSA_CONFIG` for a non-http(s) URL or an empty root list.
   */
  constructor(readonly url: string, opts: HttpTsaClientOptions) {
    let u: URL;
    try {
      u = new URL(url);
    } catch (e) {
      throw new AtlogError('ERR_TSA_CONFIG', `TSA URL ${url} does not parse`, { cause: e });
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new AtlogError('ERR_TSA_CONFIG', `TSA URL ${url} is not http(s)`);
    if (opts.roots.length === 0) throw new AtlogError('ERR_TSA_CONFIG', `no trusted roots configured for TSA ${url} (--tsa-root)`);
    this.name = url;
    this.opts = {
      roots: opts.roots,
      timeoutMs: opts.timeoutMs ?? 10_000,
      retries: opts.retries ?? 2,
      backoffMs: opts.backoffMs ?? 250,
      fetch: opts.fetch ?? globalThis.fetch,
      ...(opts.policy !== undefined ? { policy: opts.policy } : {}),
    };
  }

  /**
   * Obtain a verified token for a 32-byte SHA-256 imprint.
   * @throws AtlogError `ERR_TSA_UNREACHABLE` (network), `ERR_TSA_TIMEOUT`, `ERR_TSA_HTTP` (status other than 200),
   *   `ERR_TSA_STATUS` (not granted) once retries are spent; verification codes (`ERR_TSA_NONCE_MISMATCH`,
   *   `ERR_TSA_BAD_SIGNATURE`, ...) and `ERR_TSA_MALFORMED` (also for a reply over 1 MiB) at once, without
   *   retrying; `ERR_INVALID_ARGUMENT` for a bad imprint.
   */
  async timestamp(imprint: Uint8Array): Promise<Uint8Array> {
    assertBytes(imprint, 32, 'imprint');
    let last: unknown;
    for (let attempt = 0; attempt <= this.opts.retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.opts.backoffMs * 2 ** (attempt - 1)));
      try {
        return await this.once(imprint);
      } catch (e) {
        last = e;
        if (!isAtlogError(e) || !RETRYABLE.has(e.code) || (e.code === 'ERR_TSA_HTTP' && !e.details?.['retryable'])) throw e;
      }
    }
    throw last;
  }

  private async once(imprint: Uint8Array): Promise<Uint8Array> {
    // A fresh nonce per attempt: a replayed or cached reply to an earlier attempt must not pass.
    const req = buildTimestampRequest(imprint, this.opts.policy !== undefined ? { policy: this.opts.policy } : {});
    let res: Response;
    let body: Uint8Array;
    try {
      res = await this.opts.fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
        body: req.der,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      // A token is a few KB; refuse to buffer a hostile or broken TSA's gigabytes.
      if (Number(res.headers.get('content-length') ?? 0) > MAX_REPLY_BYTES) {
        await res.body?.cancel();
        throw new AtlogError('ERR_TSA_MALFORMED', `TSA ${this.url} reply exceeds ${MAX_REPLY_BYTES} bytes`);
      }
      body = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      if (e instanceof AtlogError) throw e;
      const timeout = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
      throw new AtlogError(timeout ? 'ERR_TSA_TIMEOUT' : 'ERR_TSA_UNREACHABLE', `TSA ${this.url} ${timeout ? 'timed out' : 'is unreachable'}`, { cause: e });
    }
    if (body.length > MAX_REPLY_BYTES) throw new AtlogError('ERR_TSA_MALFORMED', `TSA ${this.url} reply exceeds ${MAX_REPLY_BYTES} bytes`);
    if (res.status !== 200) {
      throw new AtlogError('ERR_TSA_HTTP', `TSA ${this.url} answered HTTP ${res.status}`, {
        details: { status: res.status, retryable: res.status === 429 || res.status >= 500 },
      });
    }
    const { token } = await verifyTimestampResponse(body, {
      imprint,
      roots: this.opts.roots,
      nonce: req.nonce,
      ...(this.opts.policy !== undefined ? { policy: this.opts.policy } : {}),
    });
    return token;
  }
}
