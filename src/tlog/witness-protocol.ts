import { sha256 } from '../crypto/sha256.js';
import { AtlogError } from '../errors.js';
import { HASH_SIZE } from '../merkle/index.js';
import { concatBytes, toBase64, toHex } from '../util/bytes.js';
import { fromCanonicalBase64, fromUtf8, parseDecimal, utf8 } from './codec.js';

/**
 * The C2SP tlog-witness wire formats, shared by the witness (src/witness) and the logs that submit to it.
 * Pure.
 */

/** tlog-witness: "The client MUST NOT send more than 63 consistency proof lines." */
export const MAX_PROOF_LINES = 63;
/** Content type of a 409 answer: the witness's size in decimal and a newline. */
export const TLOG_SIZE_MEDIA_TYPE = 'text/x.tlog.size';

export interface AddCheckpointRequest {
  /** The size of the latest checkpoint the submitter believes the witness cosigned (0 for none). */
  readonly oldSize: number;
  /** RFC 9162 consistency proof from oldSize to the checkpoint's size. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, as sent. */
  readonly note: Uint8Array;
}

const bad = (why: string): AtlogError => new AtlogError('ERR_WITNESS_REQUEST_MALFORMED', `malformed add-checkpoint request: ${why}`);

/**
 * The body of `POST <prefix>/add-checkpoint`: `old <size>\n`, one base64 hash per line, an empty line, the
 * checkpoint note.
 * @throws AtlogError `ERR_WITNESS_REQUEST_MALFORMED` for a bad size, a hash not 32 bytes or too many of them.
 */
export function formatAddCheckpointRequest(req: { oldSize: number; proof: readonly Uint8Array[]; note: Uint8Array | string }): Uint8Array {
  if (!Number.isSafeInteger(req.oldSize) || req.oldSize < 0) throw bad(`old size ${String(req.oldSize)}`);
  if (req.proof.length > MAX_PROOF_LINES) throw bad(`more than ${MAX_PROOF_LINES} proof lines`);
  if (req.proof.some((h) => !(h instanceof Uint8Array) || h.length !== HASH_SIZE)) throw bad('a proof hash is not 32 bytes');
  const head = `old ${req.oldSize}\n${req.proof.map((h) => `${toBase64(h)}\n`).join('')}\n`;
  return concatBytes(utf8(head), typeof req.note === 'string' ? utf8(req.note) : req.note);
}

/**
 * Parse an add-checkpoint body. The note is returned as bytes, to be parsed and verified by the caller.
 * @throws AtlogError `ERR_WITNESS_REQUEST_MALFORMED`: no `old` line, a size with leading zeroes, a proof line
 *   that is not canonical base64 of 32 bytes, more than 63 of them, no empty line before the note.
 */
export function parseAddCheckpointRequest(body: Uint8Array): AddCheckpointRequest {
  let split = -1;
  for (let i = 0; i + 1 < body.length; i++) {
    if (body[i] === 0x0a && body[i + 1] === 0x0a) {
      split = i;
      break;
    }
  }
  if (split < 0) throw bad('no empty line before the checkpoint');
  const head = fromUtf8(body.subarray(0, split), 'ERR_WITNESS_REQUEST_MALFORMED', 'the request head').split('\n');
  const oldLine = head[0]!;
  if (!oldLine.startsWith('old ')) throw bad('the first line is not "old <size>"');
  const oldSize = parseDecimal(oldLine.slice(4), 'ERR_WITNESS_REQUEST_MALFORMED', 'the old size');
  const lines = head.slice(1);
  if (lines.length > MAX_PROOF_LINES) throw bad(`more than ${MAX_PROOF_LINES} proof lines`);
  const proof = lines.map((l) => {
    const h = fromCanonicalBase64(l, 'ERR_WITNESS_REQUEST_MALFORMED', 'a proof line');
    if (h.length !== HASH_SIZE) throw bad('a proof hash is not 32 bytes');
    return h;
  });
  return { oldSize, proof, note: body.subarray(split + 2) };
}

/** The body of a 409 answer. */
export function formatWitnessSize(size: number): string {
  return `${size}\n`;
}

/**
 * Parse the body of a 409 answer.
 * @throws AtlogError `ERR_WITNESS_ANSWER_MALFORMED` when it is not a decimal and a newline.
 */
export function parseWitnessSize(body: string): number {
  if (!body.endsWith('\n')) throw new AtlogError('ERR_WITNESS_ANSWER_MALFORMED', 'a size answer ends in a newline');
  return parseDecimal(body.slice(0, -1), 'ERR_WITNESS_ANSWER_MALFORMED', 'the witness size');
}

/** tlog-witness "Monitor Retrieval Mechanism": `<monitoring prefix>/<origin hash>/checkpoint`, lowercase hex. */
export function originHash(origin: string): string {
  return toHex(sha256(utf8(origin)));
}
