import { cborDecode } from '../cose/cbor.js';
import { AtlogError } from '../errors.js';
import { essence, MT_COSE, MT_PROBLEM_CBOR, MT_PROBLEM_JSON } from './media.js';
import { PROBLEM_EXTENSION_KEY } from './problems.js';

/**
 * A small SCRAPI client for the CLI commands and tests: registration with 303/302 polling, and problem
 * decoding. Uses the global fetch of Node 20.
 */

/** A problem answer decoded from CBOR (RFC 9290) or JSON (RFC 9457). */
export interface DecodedProblem {
  status: number;
  title: string;
  detail: string;
  /** atlog error code from the extension entry, when present. */
  code: string | undefined;
}

/** Decodes a problem body; falls back to the status line when the body is not a problem. */
export function decodeProblem(status: number, contentType: string | null, body: Uint8Array): DecodedProblem {
  const type = essence(contentType ?? undefined);
  try {
    if (type === MT_PROBLEM_CBOR) {
      const m = cborDecode(body) as Map<unknown, unknown>;
      const ext = m.get(PROBLEM_EXTENSION_KEY);
      const code = ext instanceof Map ? ext.get('code') : undefined;
      return { status, title: String(m.get(-1) ?? ''), detail: String(m.get(-2) ?? ''), code: typeof code === 'string' ? code : undefined };
    }
    if (type === MT_PROBLEM_JSON) {
      const j = JSON.parse(new TextDecoder().decode(body)) as Record<string, unknown>;
      return { status, title: String(j.title ?? ''), detail: String(j.detail ?? ''), code: typeof j.code === 'string' ? j.code : undefined };
    }
  } catch {
    // not a well-formed problem: report the status line
  }
  return { status, title: `HTTP ${status}`, detail: '', code: undefined };
}

/** Thrown by the client for a problem answer; `details.problem` holds the decoded problem. */
export function problemError(p: DecodedProblem): AtlogError {
  return new AtlogError('ERR_HTTP_PROBLEM', p.detail ? `${p.title}: ${p.detail}` : p.title, { details: { problem: p } });
}

async function bytesOf(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}

/** Result of a registration. */
export interface Registration {
  entryId: string;
  receipt: Uint8Array;
  /** True when the service answered 303 and the client polled. */
  polled: boolean;
}

const ENTRY_LOCATION = /\/entries\/([0-9a-f]{64})$/;

function retryAfterMs(res: Response, fallbackMs: number): number {
  const s = Number(res.headers.get('retry-after'));
  return Number.isFinite(s) && s >= 0 ? Math.min(s * 1000, 60_000) : fallbackMs;
}

/**
 * POST /entries, then follow 303 and 302 answers (honouring Retry-After, within `timeoutMs`) until the
 * receipt arrives. 429 and 503 answers are retried after their Retry-After, within the same time.
 * @throws AtlogError ERR_HTTP_PROBLEM for a problem answer, ERR_HTTP_TIMEOUT when polling runs out of time,
 *   ERR_HTTP_UNEXPECTED for an answer SCRAPI does not define.
 */
export async function registerStatement(baseUrl: string, statement: Uint8Array, timeoutMs = 60_000): Promise<Registration> {
  const deadline = Date.now() + timeoutMs;
  const post = (): Promise<Response> =>
    fetch(new URL('/entries', baseUrl), {
      method: 'POST',
      headers: { 'Content-Type': MT_COSE, Accept: `${MT_COSE}, ${MT_PROBLEM_CBOR}` },
      body: statement,
      redirect: 'manual',
    });
  let res = await post();
  // 429 and 503 are transient (SCRAPI -11 "Client Retry Behavior"): honour Retry-After while time remains.
  while ((res.status === 429 || res.status === 503) && Date.now() + retryAfterMs(res, 1000) <= deadline) {
    const wait = retryAfterMs(res, 1000);
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, wait));
    res = await post();
  }
  let polled = false;
  while (res.status === 303 || res.status === 302) {
    polled = true;
    const loc = res.headers.get('location');
    if (!loc) throw new AtlogError('ERR_HTTP_UNEXPECTED', `${res.status} without a Location`);
    const wait = retryAfterMs(res, 1000);
    await res.arrayBuffer();
    if (Date.now() + wait > deadline) throw new AtlogError('ERR_HTTP_TIMEOUT', `no receipt within ${timeoutMs} ms (last locator ${loc})`);
    await new Promise((r) => setTimeout(r, wait));
    res = await fetch(new URL(loc, baseUrl), { headers: { Accept: `${MT_COSE}, ${MT_PROBLEM_CBOR}` }, redirect: 'manual' });
  }
  const body = await bytesOf(res);
  if (res.status === 200 || res.status === 201) {
    const m = ENTRY_LOCATION.exec(res.headers.get('location') ?? '');
    if (!m) throw new AtlogError('ERR_HTTP_UNEXPECTED', `${res.status} without an entry Location`);
    return { entryId: m[1]!, receipt: body, polled };
  }
  throw problemError(decodeProblem(res.status, res.headers.get('content-type'), body));
}

/**
 * GET a binary resource, throwing the decoded problem on a non-2xx answer.
 * @throws AtlogError ERR_HTTP_PROBLEM
 */
export async function getBytes(url: string | URL, init: RequestInit = {}): Promise<{ body: Uint8Array; contentType: string }> {
  const res = await fetch(url, init);
  const body = await bytesOf(res);
  if (res.status < 200 || res.status > 299) throw problemError(decodeProblem(res.status, res.headers.get('content-type'), body));
  return { body, contentType: res.headers.get('content-type') ?? '' };
}
