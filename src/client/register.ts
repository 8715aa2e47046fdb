import { cborDecode } from '../cose/cbor.js';
import { decodeSign1 } from '../cose/sign1.js';
import { AtlogError } from '../errors.js';
import { COSE_MEDIA_TYPE } from '../statements/media-types.js';
import { decodeProblem, mediaType, MT_PROBLEM_CBOR, problemError } from './problem.js';
import { retryAfterMs, type Answer, type Call } from './transport.js';

/**
 * Registration over SCRAPI (draft-ietf-scitt-scrapi-11 section 2.1.3) as any service may answer it: 201 with
 * the receipt, 303 to an operation to poll (-11), or 202 with an operation (earlier drafts). Polling answers:
 * 200 done, 204 or 302 still running, 303 "look there", 404 unknown operation.
 */

/** The outcome of a registration. */
export interface Registration {
  /** The entry id: the last segment of the entry's Location (atlog: 64 hex digits); undefined if none was sent. */
  entryId: string | undefined;
  /** Absolute URL of the entry (its receipt), when the service named it. */
  location: string | undefined;
  /** The receipt (COSE_Sign1). */
  receipt: Uint8Array;
  /** True when the service did not answer at once and the client polled. */
  polled: boolean;
}

/** Shortest pause between two polls, in ms. */
const MIN_POLL_MS = 50;

const ACCEPT = `${COSE_MEDIA_TYPE}, application/cbor, ${MT_PROBLEM_CBOR}`;

/** What the client does next with an answer. */
type Step = { done: Registration } | { poll: URL; waitMs: number };

function locationOf(a: Answer): URL | undefined {
  const loc = a.headers.get('location');
  if (!loc) return undefined;
  try {
    return new URL(loc, a.url);
  } catch {
    throw new AtlogError('ERR_CLIENT_UNEXPECTED', `${a.status} with an unreadable Location "${loc}"`, { details: { url: a.url } });
  }
}

function entryIdOf(u: URL | undefined): string | undefined {
  const last = u?.pathname.split('/').filter((s) => s !== '').pop();
  return last === undefined ? undefined : decodeURIComponent(last);
}

function needLocation(a: Answer): URL {
  const u = locationOf(a);
  if (u === undefined) throw new AtlogError('ERR_CLIENT_UNEXPECTED', `${a.status} without a Location to poll`, { details: { url: a.url, status: a.status } });
  return u;
}

/** An operation status document of earlier SCRAPI drafts: `{status: running|succeeded|failed, entryID?}`. */
function operationStatus(a: Answer): { status: string; entryId?: string; error?: unknown } | undefined {
  const type = mediaType(a.headers.get('content-type'));
  let doc: unknown;
  try {
    if (type === 'application/cbor') doc = cborDecode(a.body);
    else if (type === 'application/json') doc = JSON.parse(new TextDecoder().decode(a.body));
    else return undefined;
  } catch {
    return undefined;
  }
  const get = (k: string): unknown => (doc instanceof Map ? doc.get(k) : typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)[k] : undefined);
  const status = get('status');
  if (typeof status !== 'string') return undefined;
  const id = get('entryID') ?? get('entryId') ?? get('entry_id');
  return { status, ...(typeof id === 'string' ? { entryId: id } : {}), error: get('error') };
}

/** 200/201 with a body: the receipt. */
function receiptAnswer(a: Answer, polled: boolean): Registration {
  try {
    decodeSign1(a.body);
  } catch (e) {
    throw new AtlogError('ERR_CLIENT_UNEXPECTED', `${a.status} answer is not a receipt (COSE_Sign1)`, { cause: e, details: { url: a.url } });
  }
  const loc = locationOf(a) ?? (polled ? new URL(a.url) : undefined);
  return { entryId: entryIdOf(loc), location: loc?.href, receipt: a.body, polled };
}

/**
 * Reads one answer of the registration exchange (`first` for the POST itself).
 * @throws AtlogError ERR_CLIENT_REJECTED / NOT_FOUND / SERVER_ERROR with the problem, ERR_CLIENT_UNEXPECTED.
 */
function step(a: Answer, first: boolean, pollIntervalMs: number): Step {
  // "Retry-After: 0" is honoured as a short pause, so that a poll loop never spins.
  const wait = (dflt: number): number => Math.max(MIN_POLL_MS, retryAfterMs(a.headers) ?? dflt);
  switch (a.status) {
    case 200:
    case 201: {
      const op = operationStatus(a);
      if (op === undefined) {
        if (a.body.length > 0) return { done: receiptAnswer(a, !first) };
        // 201 with only a Location (some services): the receipt is there.
        return { poll: needLocation(a), waitMs: wait(0) };
      }
      if (op.status === 'running') return { poll: locationOf(a) ?? new URL(a.url), waitMs: wait(pollIntervalMs) };
      if (op.status === 'succeeded' && op.entryId !== undefined) return { poll: new URL(`../entries/${encodeURIComponent(op.entryId)}`, a.url), waitMs: 0 };
      throw new AtlogError('ERR_CLIENT_REJECTED', `registration ${op.status}${op.error === undefined ? '' : `: ${JSON.stringify(op.error)}`}`, { details: { url: a.url, operation: op } });
    }
    case 202:
      return { poll: needLocation(a), waitMs: wait(pollIntervalMs) };
    case 204:
      if (first) break;
      return { poll: new URL(a.url), waitMs: wait(pollIntervalMs) };
    case 302:
      if (first) break;
      return { poll: locationOf(a) ?? new URL(a.url), waitMs: wait(pollIntervalMs) };
    case 303:
      // -11: accepted, poll the operation. While polling: the result is elsewhere, go there now.
      return { poll: needLocation(a), waitMs: wait(first ? pollIntervalMs : 0) };
  }
  if (a.status >= 400) throw problemError(decodeProblem(a.status, a.headers.get('content-type'), a.body), a.url);
  throw new AtlogError('ERR_CLIENT_UNEXPECTED', `${a.status} is not a SCRAPI registration answer`, { details: { url: a.url, status: a.status } });
}

/**
 * Follows a registration from `answer` (the POST's, or the first poll's) until the receipt arrives or the
 * call's deadline passes.
 * @throws AtlogError ERR_CLIENT_TIMEOUT (details.location: where to poll later), ERR_CLIENT_ABORTED, and the
 *   errors of `step` and `Call.send`.
 */
async function follow(call: Call, answer: Answer, first: boolean): Promise<Registration> {
  let a = answer;
  let polled = !first;
  for (;;) {
    const s = step(a, !polled, call.opts.pollIntervalMs);
    if ('done' in s) return { ...s.done, polled };
    if (s.waitMs > call.remaining()) {
      throw new AtlogError('ERR_CLIENT_TIMEOUT', `no receipt within ${call.timeoutMs} ms; poll ${s.poll.href} later`, { details: { location: s.poll.href } });
    }
    if (s.waitMs > 0) await call.sleep(s.waitMs, 'waiting for the receipt');
    polled = true;
    a = await call.send(s.poll, { headers: { Accept: ACCEPT } });
  }
}

/** POST the statement to `{base}entries`, then follow the answer to the receipt. */
export async function registerStatement(call: Call, base: URL, statement: Uint8Array): Promise<Registration> {
  if (!(statement instanceof Uint8Array) || statement.length === 0) throw new AtlogError('ERR_INVALID_ARGUMENT', 'statement must be non-empty bytes');
  const a = await call.send(new URL('entries', base), {
    method: 'POST',
    headers: { 'Content-Type': COSE_MEDIA_TYPE, Accept: ACCEPT },
    body: statement,
  });
  return follow(call, a, true);
}

/** Poll an operation `location` (from a 303/202, or an earlier ERR_CLIENT_TIMEOUT) until the receipt arrives. */
export async function waitForReceipt(call: Call, location: URL): Promise<Registration> {
  const a = await call.send(location, { headers: { Accept: ACCEPT } });
  return follow(call, a, false);
}
