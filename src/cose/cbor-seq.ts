import { AtlogError, type AtlogErrorCode } from '../errors.js';
import { cborDecode } from './cbor.js';

/**
 * CBOR sequences (RFC 8742): items written one after another, no framing. Evidence files and atlog's paged
 * reads are sequences, so a writer appends items as it goes and a reader takes them one at a time from a byte
 * stream, holding one item (and one chunk) in memory. Here: where an item ends (a walk over CBOR heads that
 * decodes nothing), the items of a whole buffer, and an async generator that splits a stream of chunks.
 * Every item is decoded with atlog's strict decoder (cbor.ts).
 */

/** Largest item accepted (a Transparent Statement with its receipts is a few KiB; an evidence header a few MiB). */
export const MAX_ITEM_BYTES = 16 * 1024 * 1024;
const MAX_DEPTH = 64;

function bad(code: Extract<AtlogErrorCode, `ERR_CBOR_${string}`>, detail: string, offset: number): AtlogError {
  return new AtlogError(code, `${detail} at byte ${offset}`, { details: { offset } });
}

/** itemEnd's answer when the buffer ends inside the item. */
export const NEED_MORE = -1;

/**
 * Offset just past the CBOR item starting at `start`, or NEED_MORE when `buf` ends inside it. Definite lengths
 * only (deterministic CBOR, spec/cose.md); the strict decoder checks the rest once the item is whole.
 * @throws AtlogError ERR_CBOR_INDEFINITE_LENGTH, ERR_CBOR_RESERVED, ERR_CBOR_TOO_DEEP, ERR_CBOR_TOO_LARGE.
 */
export function itemEnd(buf: Uint8Array, start: number): number {
  // An explicit stack of "items still to skip" keeps hostile nesting off the JS call stack.
  let pos = start;
  let pending = 1;
  const stack: number[] = [];
  while (pending > 0 || stack.length > 0) {
    if (pending === 0) {
      pending = stack.pop()!;
      continue;
    }
    pending--;
    if (pos >= buf.length) return NEED_MORE;
    const head = buf[pos]!;
    const major = head >> 5;
    const ai = head & 0x1f;
    if (ai === 31) throw bad('ERR_CBOR_INDEFINITE_LENGTH', 'indefinite length', pos);
    if (ai > 27) throw bad('ERR_CBOR_RESERVED', 'reserved additional information', pos);
    const extra = ai < 24 ? 0 : 2 ** (ai - 24);
    if (pos + 1 + extra > buf.length) return NEED_MORE;
    let arg = ai;
    if (extra > 0) {
      arg = 0;
      for (let i = 1; i <= extra; i++) arg = arg * 256 + buf[pos + i]!;
    }
    pos += 1 + extra;
    if (major === 2 || major === 3) {
      if (arg > MAX_ITEM_BYTES) throw bad('ERR_CBOR_TOO_LARGE', `a string of ${arg} bytes`, pos);
      pos += arg;
      if (pos > buf.length) return NEED_MORE;
    } else if (major === 4 || major === 5 || major === 6) {
      const children = major === 4 ? arg : major === 5 ? arg * 2 : 1;
      if (children > MAX_ITEM_BYTES) throw bad('ERR_CBOR_TOO_LARGE', `${children} nested items`, pos);
      if (stack.length >= MAX_DEPTH) throw bad('ERR_CBOR_TOO_DEEP', 'nesting deeper than 64', pos);
      stack.push(pending);
      pending = children;
    }
  }
  return pos;
}

/** One item of a sequence: its decoded value, its bytes and its offset in the stream. */
export interface SeqItem {
  value: unknown;
  bytes: Uint8Array;
  offset: number;
}

function decodeAt(bytes: Uint8Array, offset: number): unknown {
  try {
    return cborDecode(bytes, { maxBytes: MAX_ITEM_BYTES });
  } catch (e) {
    if (e instanceof AtlogError && e.code.startsWith('ERR_CBOR_')) throw new AtlogError(e.code, `item at byte ${offset}: ${e.message}`, { cause: e, details: { offset } });
    throw e;
  }
}

/**
 * The decoded items of a whole CBOR sequence (an empty buffer is an empty sequence).
 * @throws AtlogError ERR_CBOR_TRUNCATED when it ends inside an item, and the strict decoder's ERR_CBOR_* codes.
 */
export function decodeSequence(bytes: Uint8Array): unknown[] {
  const out: unknown[] = [];
  for (let at = 0; at < bytes.length; ) {
    const end = itemEnd(bytes, at);
    if (end === NEED_MORE) throw bad('ERR_CBOR_TRUNCATED', 'the sequence ends inside an item', at);
    out.push(decodeAt(bytes.subarray(at, end), at));
    at = end;
  }
  return out;
}

/**
 * Splits a byte stream into CBOR items and decodes each. Holds one partial item and the current chunk.
 * @throws AtlogError ERR_CBOR_TRUNCATED (the stream ends inside an item), ERR_CBOR_TOO_LARGE (an item above
 *   MAX_ITEM_BYTES), and the strict decoder's ERR_CBOR_* codes.
 */
export async function* readCborSeq(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<SeqItem> {
  let buf: Uint8Array = new Uint8Array(0);
  let base = 0; // stream offset of buf[0]
  for await (const chunk of chunks) {
    buf = buf.length === 0 ? chunk : concat(buf, chunk);
    let at = 0;
    while (at < buf.length) {
      const end = itemEnd(buf, at);
      if (end === NEED_MORE) {
        if (buf.length - at > MAX_ITEM_BYTES) throw bad('ERR_CBOR_TOO_LARGE', `an item larger than ${MAX_ITEM_BYTES} bytes`, base + at);
        break;
      }
      const bytes = buf.subarray(at, end);
      yield { value: decodeAt(bytes, base + at), bytes, offset: base + at };
      at = end;
    }
    buf = buf.subarray(at);
    base += at;
  }
  if (buf.length > 0) throw bad('ERR_CBOR_TRUNCATED', 'the stream ends inside an item', base);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
