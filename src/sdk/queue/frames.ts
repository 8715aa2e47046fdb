import { createHash } from 'node:crypto';
import { AtlogError } from '../../errors.js';

/**
 * The queue file format (docs/agents.md "Offline queue"): the 8-byte magic `ATLOGQ1\n`, then one frame per
 * Signed Statement, appended in chain order: a 4-byte big-endian length, the first 8 bytes of the SHA-256 of
 * the statement, the statement. A crash can only tear the end of the file (appends are sequential and each batch
 * is fsynced before the next begins), so a reader keeps the frames up to the first one that is short or whose
 * checksum fails, and ignores the rest: none of it was ever reported durable.
 */

export const MAGIC = new TextEncoder().encode('ATLOGQ1\n');
const HEAD = 12;

function checksum(b: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(b).digest().subarray(0, 8));
}

/** Bytes a statement takes in the file. */
export function frameSize(statement: Uint8Array): number {
  return HEAD + statement.length;
}

/** The frames of `statements`, as one buffer to append. */
export function encodeFrames(statements: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(statements.reduce((n, s) => n + HEAD + s.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const s of statements) {
    view.setUint32(at, s.length);
    out.set(checksum(s), at + 4);
    out.set(s, at + HEAD);
    at += HEAD + s.length;
  }
  return out;
}

/** The intact frames of a queue file and the length they end at (the file is cut there before appending). */
export interface QueueContents {
  statements: Uint8Array[];
  /** Bytes of the file up to the last intact frame (MAGIC.length for an empty queue). */
  intact: number;
}

/**
 * Reads a queue file's bytes. A file shorter than the magic (a crash while creating it) reads as empty.
 * @throws AtlogError ERR_QUEUE_INVALID when the file does not start with the magic.
 */
export function decodeFrames(bytes: Uint8Array, file: string): QueueContents {
  if (bytes.length < MAGIC.length) {
    if (MAGIC.subarray(0, bytes.length).every((b, i) => b === bytes[i])) return { statements: [], intact: MAGIC.length };
    throw new AtlogError('ERR_QUEUE_INVALID', `${file} is not an atlog queue file`);
  }
  if (!MAGIC.every((b, i) => b === bytes[i])) throw new AtlogError('ERR_QUEUE_INVALID', `${file} is not an atlog queue file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const statements: Uint8Array[] = [];
  let at = MAGIC.length;
  while (at + HEAD <= bytes.length) {
    const len = view.getUint32(at);
    if (len === 0 || at + HEAD + len > bytes.length) break;
    const s = bytes.subarray(at + HEAD, at + HEAD + len);
    const sum = checksum(s);
    if (!sum.every((b, i) => b === bytes[at + 4 + i])) break;
    statements.push(s.slice());
    at += HEAD + len;
  }
  return { statements, intact: at };
}
