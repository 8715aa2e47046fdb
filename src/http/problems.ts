import type { IncomingMessage, ServerResponse } from 'node:http';
import { cborEncode } from '../cose/cbor.js';
import { ERROR_CODES, type HttpProblem } from '../error-codes.js';
import { AtlogError, isAtlogError, type AtlogErrorCode } from '../errors.js';
import { MT_PROBLEM_CBOR, MT_PROBLEM_JSON, prefersJson } from './media.js';

/**
 * THE one place that turns errors into HTTP problem details (docs/architecture.md). Each code's status and
 * title come from the code table (src/error-codes.ts); a code without one is a 500.
 *
 * Bodies are RFC 9290 concise problem details in CBOR (`{-1: title, -2: detail}`), or RFC 9457
 * problem+json when the client's Accept prefers JSON. atlog adds one custom problem detail entry (RFC 9290
 * section 2: custom entries are keyed by a URI and hold a map) carrying the stable atlog error code, so that
 * clients can branch on codes rather than on human-readable text (spec/api.md).
 */

/** RFC 9290 custom problem detail key of atlog's extension (a tag URI, RFC 4151). */
export const PROBLEM_EXTENSION_KEY = 'tag:atlog.dev,2026:problem';

/** A problem ready to be sent. */
export interface Problem {
  status: number;
  title: string;
  detail: string;
  /** Stable atlog error code. */
  code: AtlogErrorCode;
  /** Seconds for a Retry-After header (429, 503). */
  retryAfter?: number;
  /** Extra string fields for the extension map (e.g. the policy rule that rejected a statement). */
  extra?: Record<string, string>;
}

/**
 * Refinements by `details.reason` where SCRAPI has a more precise title than the code's: a statement without
 * a kid lacks the "proof of possession" binding (Confirmation Missing); a header alg that does not fit the
 * issuer's key is an algorithm problem, not a policy one.
 */
const BY_REASON: Readonly<Record<string, HttpProblem>> = {
  no_kid: [400, 'Confirmation Missing'],
  ERR_STATEMENT_MISSING_KID: [400, 'Confirmation Missing'],
  ERR_STATEMENT_PAYLOAD_MISSING: [400, 'Payload Missing'],
  alg_key_mismatch: [400, 'Bad Signature Algorithm'],
};

const INTERNAL: Problem = { status: 500, title: 'Internal Server Error', detail: 'internal error', code: 'ERR_INTERNAL' };

function row(code: AtlogErrorCode, reason: unknown): HttpProblem | undefined {
  if (code.startsWith('ERR_REG_') && typeof reason === 'string' && Object.hasOwn(BY_REASON, reason)) return BY_REASON[reason];
  // hasOwn: a code cast from elsewhere must not find Object.prototype members.
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code].http : undefined;
}

/**
 * An AtlogError of the HTTP layer itself.
 * @param retryAfter seconds for Retry-After, where the caller knows better than the configured default (429).
 */
export function httpError(code: Extract<AtlogErrorCode, `ERR_HTTP_${string}`>, detail: string, retryAfter?: number): AtlogError {
  return new AtlogError(code, detail, retryAfter === undefined ? {} : { details: { retryAfter } });
}

/**
 * Maps any thrown value to a Problem. Unknown codes and non-AtlogErrors become a 500 whose detail leaks
 * nothing (the caller logs the real error).
 */
export function toProblem(err: unknown, retryAfterS: number): Problem {
  if (!isAtlogError(err)) {
    // express and node raise plain errors with a 4xx `status` for requests they cannot parse (a bad
    // percent-encoding in the path, for one): the client's fault, so no 500.
    const status = (err as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return status === 413
        ? { status: 413, title: 'Payload Too Large', detail: 'request body too large', code: 'ERR_HTTP_BODY_TOO_LARGE' }
        : { status: 400, title: 'Malformed request', detail: 'the request could not be parsed', code: 'ERR_HTTP_MALFORMED' };
    }
    return { ...INTERNAL };
  }
  const r = row(err.code, err.details?.reason);
  if (r === undefined) return { ...INTERNAL };
  const extra: Record<string, string> = {};
  for (const k of ['reason', 'rule', 'field']) {
    const v = err.details?.[k];
    if (typeof v === 'string') extra[k] = v;
  }
  const p: Problem = { status: r[0], title: r[1], detail: err.message, code: err.code, extra };
  if (p.status === 503 || p.status === 429) {
    const ra = err.details?.retryAfter;
    p.retryAfter = typeof ra === 'number' && Number.isFinite(ra) ? Math.max(1, Math.ceil(ra)) : Math.max(1, retryAfterS);
  }
  return p;
}

/** RFC 9290 encoding of a problem. */
export function problemCbor(p: Problem): Uint8Array {
  const ext = new Map<string, string>([['code', p.code], ...Object.entries(p.extra ?? {})]);
  return cborEncode(
    new Map<number | string, unknown>([
      [-1, p.title],
      [-2, p.detail],
      [PROBLEM_EXTENSION_KEY, ext],
    ]),
  );
}

/** RFC 9457 encoding of a problem (code and extras as extension members). */
export function problemJson(p: Problem): string {
  return JSON.stringify({ type: 'about:blank', title: p.title, status: p.status, detail: p.detail, code: p.code, ...p.extra });
}

/**
 * Sends `p` in the representation the client prefers, with Retry-After when set: the one problem writer, on
 * node's own request and response (express's extend them), so both request paths answer the same bytes.
 */
export function sendProblem(req: IncomingMessage, res: ServerResponse, p: Problem): void {
  if (res.headersSent) return;
  res.statusCode = p.status;
  if (p.retryAfter !== undefined) res.setHeader('Retry-After', String(p.retryAfter));
  res.setHeader('Cache-Control', 'no-store');
  const json = prefersJson(req.headers.accept);
  const body = json ? Buffer.from(problemJson(p), 'utf8') : Buffer.from(problemCbor(p));
  res.setHeader('Content-Type', json ? `${MT_PROBLEM_JSON}; charset=utf-8` : MT_PROBLEM_CBOR);
  res.setHeader('Content-Length', body.length);
  res.end(body);
}
