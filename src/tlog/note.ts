import { AtlogError } from '../errors.js';
import { concatBytes, toBase64 } from '../util/bytes.js';
import { fromCanonicalBase64, fromUtf8, readU32, strictUtf8, writeU32 } from './codec.js';
import { isValidKeyName } from './keys.js';

/**
 * The C2SP signed-note format, structure only (verification is in verify-note.ts): text ending in a newline,
 * an empty line, then one or more lines `— <key name> base64(key ID || signature)`. Pure.
 */

/** Largest note atlog parses. A note of 100 ML-DSA-44 lines is ~330 KB; spec/tlog.md records the limit. */
export const MAX_NOTE_BYTES = 1 << 20;
/** Most signature lines atlog parses in one note (signed-note: verifiers MUST accept at least 16). */
export const MAX_NOTE_SIGNATURES = 100;

/** One signature line. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The signature bytes after the 4-byte key ID. */
  readonly signature: Uint8Array;
  /** The whole line without its final newline, to copy it verbatim into another note. */
  readonly line: string;
}

/** A parsed, not yet verified, signed note. */
export interface Note {
  /** The signed text, including its final newline. */
  readonly text: string;
  /** The UTF-8 bytes of `text`: what the signatures sign. */
  readonly textBytes: Uint8Array;
  readonly signatures: readonly NoteSignature[];
}

/** The prefix of every signature line: EM DASH, SPACE. */
export const SIGNATURE_PREFIX = '\u2014 ';

const malformed = (why: string): AtlogError => new AtlogError('ERR_NOTE_MALFORMED', `malformed note: ${why}`);

/**
 * Parse one signature line, given without its final newline.
 * @throws AtlogError `ERR_NOTE_MALFORMED`.
 */
export function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('a signature line does not start with "— "');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  if (space < 0 || !isValidKeyName(name)) throw malformed('a signature line has no valid key name');
  const raw = fromCanonicalBase64(rest.slice(space + 1), 'ERR_NOTE_MALFORMED', 'a signature');
  // 4 bytes of key ID and at least one byte of signature.
  if (raw.length < 5) throw malformed('a signature is shorter than 5 bytes');
  return { name, keyId: readU32(raw, 0), signature: raw.slice(4), line };
}

/**
 * Parse a block of signature lines, each ending in a newline (a witness's add-checkpoint answer).
 * @throws AtlogError `ERR_NOTE_MALFORMED`, also when the block is empty or holds more than
 *   MAX_NOTE_SIGNATURES lines.
 */
export function parseSignatureLines(block: string): NoteSignature[] {
  if (block === '' || !block.endsWith('\n')) throw malformed('signature lines must be non-empty and end in a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed(`more than ${MAX_NOTE_SIGNATURES} signature lines`);
  return lines.map(parseSignatureLine);
}

/**
 * Parse a signed note strictly: valid UTF-8, no control characters but newline, at most MAX_NOTE_BYTES, the
 * text separated from the signatures by the last empty line, one or more well-formed signature lines.
 * @throws AtlogError `ERR_NOTE_MALFORMED`.
 */
export function parseNote(note: Uint8Array | string): Note {
  const bytes = typeof note === 'string' ? strictUtf8(note, 'ERR_NOTE_MALFORMED', 'note') : note;
  if (!(bytes instanceof Uint8Array)) throw malformed('a note must be bytes or a string');
  if (bytes.length > MAX_NOTE_BYTES) throw malformed(`larger than ${MAX_NOTE_BYTES} bytes`);
  // signed-note "Format": no ASCII control characters other than newline (checked on bytes: UTF-8 never
  // uses bytes below 0x20 inside a multi-byte sequence).
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! < 0x20 && bytes[i] !== 0x0a) throw malformed('control character');
  // The last empty line separates text and signatures. Searching the bytes is the same as searching the
  // characters: UTF-8 never uses 0x0a inside a multi-byte sequence.
  let split = -1;
  for (let i = bytes.length - 2; i >= 0; i--) {
    if (bytes[i] === 0x0a && bytes[i + 1] === 0x0a) {
      split = i;
      break;
    }
  }
  if (split < 0) throw malformed('no empty line before the signatures');
  const textBytes = bytes.subarray(0, split + 1);
  const text = fromUtf8(textBytes, 'ERR_NOTE_MALFORMED', 'note text');
  const sigs = fromUtf8(bytes.subarray(split + 2), 'ERR_NOTE_MALFORMED', 'note signatures');
  if (sigs === '') throw malformed('no signature lines');
  return { text, textBytes, signatures: parseSignatureLines(sigs) };
}

/** A signature line, with its final newline. */
export function signatureLine(name: string, keyIdValue: number, signature: Uint8Array): string {
  if (!isValidKeyName(name)) throw malformed(`invalid key name ${JSON.stringify(name).slice(0, 80)}`);
  return `${SIGNATURE_PREFIX}${name} ${toBase64(concatBytes(writeU32(keyIdValue), signature))}\n`;
}

/**
 * Assemble a note from its text and signature lines (each with or without its final newline), keeping the
 * lines' order and dropping exact duplicate lines.
 * @throws AtlogError `ERR_NOTE_MALFORMED` when the text does not end in a newline or there are no lines.
 */
export function formatNote(text: string, lines: readonly (string | NoteSignature)[]): string {
  if (!text.endsWith('\n')) throw malformed('the text must end in a newline');
  const seen = new Set<string>();
  let out = `${text}\n`;
  for (const l of lines) {
    const line = typeof l === 'string' ? parseSignatureLine(l.replace(/\n$/, '')).line : l.line;
    if (seen.has(line)) continue;
    seen.add(line);
    out += `${line}\n`;
  }
  if (seen.size === 0) throw malformed('no signature lines');
  return out;
}
