import { cborDecode } from '../cose/cbor.js';
import { AtlogError, type AtlogErrorCode } from '../errors.js';

/**
 * Problem answers as a client reads them: RFC 9290 concise problem details (CBOR, what SCRAPI specifies) or
 * RFC 9457 problem+json, and the AtlogError a client call throws for each kind of failure answer.
 */

/** RFC 9290 concise problem details. */
export const MT_PROBLEM_CBOR = 'application/concise-problem-details+cbor';
/** RFC 9457 problem details. */
export const MT_PROBLEM_JSON = 'application/problem+json';
/** The RFC 9290 custom key under which atlog puts `{code, reason?, rule?, field?}` (spec/api.md). */
export const ATLOG_PROBLEM_KEY = 'tag:atlog.dev,2026:problem';

/** A problem answer, decoded. Services other than atlog leave `code` and `extensions` empty. */
export interface DecodedProblem {
  status: number;
  title: string;
  detail: string;
  /** atlog's stable error code (`ERR_…`) from the extension, when the service sent one. */
  code: string | undefined;
  /** Other text members of atlog's extension, e.g. `reason` and `rule` of a Registration Policy refusal. */
  extensions: Record<string, string>;
}

/** The bare media type of a Content-Type header: lowercased, parameters dropped. */
export function mediaType(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function textMembers(source: Iterable<[unknown, unknown]>, skip: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of source) if (typeof k === 'string' && typeof v === 'string' && !skip.includes(k)) out[k] = v;
  return out;
}

function fromCbor(status: number, body: Uint8Array): DecodedProblem {
  const m = cborDecode(body);
  if (!(m instanceof Map)) throw new TypeError('not a map');
  const ext = m.get(ATLOG_PROBLEM_KEY);
  const code = ext instanceof Map ? ext.get('code') : undefined;
  return {
    status,
    // RFC 9290 section 2: -1 title, -2 detail
    title: typeof m.get(-1) === 'string' ? (m.get(-1) as string) : `HTTP ${status}`,
    detail: typeof m.get(-2) === 'string' ? (m.get(-2) as string) : '',
    code: typeof code === 'string' ? code : undefined,
    extensions: ext instanceof Map ? textMembers(ext.entries(), ['code']) : {},
  };
}

function fromJson(status: number, body: Uint8Array): DecodedProblem {
  const j: unknown = JSON.parse(new TextDecoder().decode(body));
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new TypeError('not an object');
  const o = j as Record<string, unknown>;
  return {
    status,
    title: typeof o.title === 'string' ? o.title : `HTTP ${status}`,
    detail: typeof o.detail === 'string' ? o.detail : '',
    code: typeof o.code === 'string' ? o.code : undefined,
    extensions: textMembers(Object.entries(o), ['type', 'title', 'detail', 'code', 'instance']),
  };
}

/**
 * Decodes a problem body. Anything that is not a well-formed problem (an HTML error page from a proxy, an
 * empty body) yields the status line as title, so a caller always has something to show.
 */
export function decodeProblem(status: number, contentType: string | null | undefined, body: Uint8Array): DecodedProblem {
  const type = mediaType(contentType);
  try {
    if (type === MT_PROBLEM_CBOR || type === 'application/cbor') return fromCbor(status, body);
    if (type === MT_PROBLEM_JSON || type === 'application/json') return fromJson(status, body);
  } catch {
    // not a well-formed problem: fall through to the status line
  }
  return { status, title: `HTTP ${status}`, detail: '', code: undefined, extensions: {} };
}

/** Statuses worth another attempt: rate limited, or a service (or its gateway) briefly unavailable. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/**
 * The error for a failure answer: `ERR_CLIENT_NOT_FOUND` (404), `ERR_CLIENT_UNAVAILABLE` (429, 502-504 once
 * retries ran out), `ERR_CLIENT_SERVER_ERROR` (other 5xx) or `ERR_CLIENT_REJECTED` (other 4xx: the request
 * itself was refused; retrying it unchanged will not help). `details` holds `problem`, `status` and `url`.
 */
export function problemError(problem: DecodedProblem, url: string, extra: Record<string, unknown> = {}): AtlogError {
  const s = problem.status;
  const code: AtlogErrorCode =
    s === 404 ? 'ERR_CLIENT_NOT_FOUND' : isTransientStatus(s) ? 'ERR_CLIENT_UNAVAILABLE' : s >= 500 ? 'ERR_CLIENT_SERVER_ERROR' : 'ERR_CLIENT_REJECTED';
  const message = problem.detail ? `${problem.title}: ${problem.detail}` : problem.title;
  return new AtlogError(code, message, { details: { problem, status: s, url, ...extra } });
}
