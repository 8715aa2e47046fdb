import { AtlogError } from '../errors.js';
import { parseWitnessSize, TLOG_SIZE_MEDIA_TYPE } from '../tlog/witness-protocol.js';
import type { FetchLike } from './options.js';
import { resolveClientOptions } from './options.js';
import { mediaType } from './problem.js';
import { withCall } from './transport.js';

/**
 * The log's side of C2SP tlog-witness `POST <prefix>/add-checkpoint` (spec/tlog.md section 8): send a request
 * body (`formatAddCheckpointRequest`) and sort the answer. Pure over fetch. The caller verifies the cosignature
 * lines against the witness's keys; this only reads them.
 */

/** What a witness answered. */
export type AddCheckpointAnswer =
  /** 200: the cosignature lines (signed-note lines, without their newlines). */
  | { readonly kind: 'cosigned'; readonly lines: readonly string[] }
  /** 409: the size of the checkpoint the witness cosigned last; resubmit with it as the old size. */
  | { readonly kind: 'conflict'; readonly size: number }
  /** Any other answer: 400 (malformed), 403 (not signed by the log's keys), 404 (unknown log), 422 (inconsistent). */
  | { readonly kind: 'refused'; readonly status: number; readonly message: string };

export interface SubmitOptions {
  fetch?: FetchLike;
  /** Longest time for the request, in ms. Default 10,000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * POST one add-checkpoint request to the witness at `prefix` (its submission prefix URL). No retries: the
 * caller decides when to try again.
 * @throws AtlogError ERR_INVALID_ARGUMENT (bad URL), ERR_CLIENT_NETWORK, ERR_CLIENT_TIMEOUT, ERR_CLIENT_ABORTED,
 *   ERR_CLIENT_UNAVAILABLE (429, 502-504), ERR_WITNESS_ANSWER_MALFORMED (a 409 without a size).
 */
export async function submitCheckpoint(prefix: string | URL, body: Uint8Array, opts: SubmitOptions = {}): Promise<AddCheckpointAnswer> {
  const o = resolveClientOptions({ url: prefix, retries: 0, timeoutMs: opts.timeoutMs ?? 10_000, ...(opts.fetch ? { fetch: opts.fetch } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  return withCall(o, {}, o.timeoutMs, async (c) => {
    const a = await c.send(new URL('add-checkpoint', o.url), { method: 'POST', body, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    const text = new TextDecoder().decode(a.body);
    if (a.status === 200) return { kind: 'cosigned', lines: text.split('\n').filter((l) => l !== '') };
    if (a.status === 409) {
      if (mediaType(a.headers.get('content-type')) !== TLOG_SIZE_MEDIA_TYPE) {
        throw new AtlogError('ERR_WITNESS_ANSWER_MALFORMED', `${a.url}: a 409 answer of type ${a.headers.get('content-type') ?? 'none'}, not ${TLOG_SIZE_MEDIA_TYPE}`);
      }
      return { kind: 'conflict', size: parseWitnessSize(text) };
    }
    return { kind: 'refused', status: a.status, message: text.split('\n')[0]!.slice(0, 300) };
  });
}
