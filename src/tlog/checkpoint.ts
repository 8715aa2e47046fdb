import { AtlogError } from '../errors.js';
import { HASH_SIZE } from '../merkle/index.js';
import { toBase64 } from '../util/bytes.js';
import { fromCanonicalBase64, fromUtf8, parseDecimal } from './codec.js';

/**
 * C2SP tlog-checkpoint note text: origin, tree size, base64 root hash, optional extension lines, each ending
 * in a newline. Pure.
 */

export interface Checkpoint {
  /** The log's identity (tlog-checkpoint "origin"); atlog's is spec/tlog.md "Origin". */
  readonly origin: string;
  readonly size: number;
  /** RFC 9162 (= RFC 6962) root hash of the first `size` leaves. */
  readonly root: Uint8Array;
  /** Opaque extension lines; atlog writes none. */
  readonly extensions: readonly string[];
}

const bad = (why: string): AtlogError => new AtlogError('ERR_CHECKPOINT_MALFORMED', `malformed checkpoint: ${why}`);

// Control characters are already refused in a signed note; checked here too because a checkpoint text can
// also come from elsewhere (a witness request, a file).
const CONTROL = /\p{Cc}/u;

/**
 * Parse a checkpoint note text (the part before the signatures, final newline included).
 * @throws AtlogError `ERR_CHECKPOINT_MALFORMED`: fewer than three lines, an empty line, a size with leading
 *   zeroes or above 2^53 - 1, a root that is not canonical base64 of 32 bytes, control characters.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw bad('the text must end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw bad('fewer than three lines');
  if (lines.some((l) => l === '')) throw bad('an empty line');
  if (lines.some((l) => CONTROL.test(l))) throw bad('a control character');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  const size = parseDecimal(sizeLine, 'ERR_CHECKPOINT_MALFORMED', 'the tree size');
  const root = fromCanonicalBase64(rootLine, 'ERR_CHECKPOINT_MALFORMED', 'the root hash');
  if (root.length !== HASH_SIZE) throw bad(`the root hash is ${root.length} bytes, not ${HASH_SIZE}`);
  return { origin, size, root, extensions };
}

/**
 * The note text of a checkpoint.
 * @throws AtlogError `ERR_CHECKPOINT_MALFORMED` for an empty origin or line, a newline or control character in
 *   a line, a size that is not a safe non-negative integer, a root that is not 32 bytes.
 */
export function formatCheckpoint(c: Checkpoint): string {
  const lines = [c.origin, ...(c.extensions ?? [])];
  if (lines.some((l) => typeof l !== 'string' || l === '' || CONTROL.test(l))) throw bad('an empty line or a control character');
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw bad(`tree size ${String(c.size)}`);
  if (!(c.root instanceof Uint8Array) || c.root.length !== HASH_SIZE) throw bad('the root hash must be 32 bytes');
  const ext = (c.extensions ?? []).map((l) => `${l}\n`).join('');
  return `${c.origin}\n${c.size}\n${toBase64(c.root)}\n${ext}`;
}

/** The checkpoint a note text holds (UTF-8 bytes), or undefined when it holds none: for verifiers that must
 * answer a plain no. */
export function checkpointOrUndefined(text: Uint8Array): Checkpoint | undefined {
  try {
    return parseCheckpoint(fromUtf8(text, 'ERR_CHECKPOINT_MALFORMED', 'checkpoint'));
  } catch {
    return undefined;
  }
}
