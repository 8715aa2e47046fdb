import { AtlogError } from '../errors.js';
import { equalBytes } from '../util/bytes.js';
import { hex32, strictUtf8 } from './codec.js';
import { formatNote, parseNote, signatureLine, type Note, type NoteSignature } from './note.js';

/**
 * Signing and verifying C2SP signed notes with a set of known keys (signed-note "Signatures"). Pure.
 *
 * Rules, in the words of the spec: signatures from unknown keys are ignored, even when they share a name or an
 * ID (but not both) with a known key; a signature from a known key must verify, and atlog rejects the whole
 * note when one does not (the spec's SHOULD, taken as a MUST: fail closed); a note with no verified signature
 * from a known key is rejected.
 */

/** Checks signatures of one key (name, key ID, signature type). */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly publicKey: Uint8Array;
  /** True when `signature` (the bytes after the key ID) is valid over `text`. Never throws. */
  verify(text: Uint8Array, signature: Uint8Array): boolean;
  /** For timestamped cosignature types: the timestamp a signature carries (seconds since the epoch). */
  timestamp?(signature: Uint8Array): number | undefined;
}

/** Signs note texts with one key. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  /** The verifier of the same key. */
  readonly verifier: NoteVerifier;
  /**
   * The signature bytes (without the key ID) over `text`.
   * @throws AtlogError when the key cannot sign this text (e.g. a cosigner given a text that is no checkpoint).
   */
  sign(text: Uint8Array): Uint8Array;
}

/** A signature line that verified under a known key. */
export interface VerifiedSignature extends NoteSignature {
  readonly verifier: NoteVerifier;
  /** The cosignature's timestamp, for timestamped types. */
  readonly timestamp?: number;
}

/** A note whose signatures were checked against a set of known keys. */
export interface OpenedNote {
  readonly text: string;
  readonly textBytes: Uint8Array;
  /** One entry per known key that signed (a key's repeated lines are checked but listed once). */
  readonly verified: readonly VerifiedSignature[];
  /** Lines from keys not in the set, ignored as the spec requires, kept so they can be passed on. */
  readonly unknown: readonly NoteSignature[];
}

const idOf = (name: string, keyId: number): string => `${name}+${hex32(keyId)}`;

/**
 * Index verifiers by (name, key ID). The same key given twice is kept once; two different keys with the same
 * name and ID are a configuration error, since a signature could not say which one it is from.
 * @throws AtlogError `ERR_NOTE_AMBIGUOUS_KEY`.
 */
export function verifierMap(verifiers: Iterable<NoteVerifier>): Map<string, NoteVerifier> {
  const m = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const id = idOf(v.name, v.keyId);
    const had = m.get(id);
    if (had && (had.type !== v.type || !equalBytes(had.publicKey, v.publicKey))) {
      throw new AtlogError('ERR_NOTE_AMBIGUOUS_KEY', `two different keys share name and key ID ${id}`);
    }
    m.set(id, v);
  }
  return m;
}

/**
 * Parse and verify a signed note against known keys.
 * @throws AtlogError `ERR_NOTE_MALFORMED` (see parseNote), `ERR_NOTE_AMBIGUOUS_KEY`, `ERR_NOTE_BAD_SIGNATURE`
 *   (a known key's signature fails; details name the key), `ERR_NOTE_UNVERIFIED` (no known key signed; details
 *   list the lines that were there).
 */
export function openNote(note: Uint8Array | string | Note, verifiers: Iterable<NoteVerifier>): OpenedNote {
  const parsed = typeof note === 'string' || note instanceof Uint8Array ? parseNote(note) : note;
  const known = verifierMap(verifiers);
  const verified: VerifiedSignature[] = [];
  const done = new Set<string>();
  const unknown: NoteSignature[] = [];
  const unknownLines = new Set<string>();
  for (const sig of parsed.signatures) {
    const id = idOf(sig.name, sig.keyId);
    const v = known.get(id);
    if (v === undefined) {
      if (!unknownLines.has(sig.line)) unknown.push(sig);
      unknownLines.add(sig.line);
      continue;
    }
    if (!v.verify(parsed.textBytes, sig.signature)) {
      throw new AtlogError('ERR_NOTE_BAD_SIGNATURE', `the signature of known key ${id} does not verify`, { details: { key: id, line: sig.line } });
    }
    if (done.has(id)) continue;
    done.add(id);
    const timestamp = v.timestamp?.(sig.signature);
    verified.push(timestamp === undefined ? { ...sig, verifier: v } : { ...sig, verifier: v, timestamp });
  }
  if (verified.length === 0) {
    throw new AtlogError('ERR_NOTE_UNVERIFIED', 'the note has no signature from a known key', { details: { lines: unknown.map((s) => s.line) } });
  }
  return { text: parsed.text, textBytes: parsed.textBytes, verified, unknown };
}

/**
 * Sign `text` with every signer and return the note. Lines in `keep` (e.g. signatures already on the note) are
 * kept after the new ones, except lines of the signers' own keys, which the new signatures replace.
 * @throws AtlogError `ERR_NOTE_MALFORMED` (text not ending in a newline, or not valid note text), or what a
 *   signer throws.
 */
export function signNote(text: string, signers: readonly NoteSigner[], keep: readonly NoteSignature[] = []): string {
  if (!text.endsWith('\n')) throw new AtlogError('ERR_NOTE_MALFORMED', 'malformed note: the text must end in a newline');
  const bytes = strictUtf8(text, 'ERR_NOTE_MALFORMED', 'note text');
  if (bytes.some((b) => b < 0x20 && b !== 0x0a)) throw new AtlogError('ERR_NOTE_MALFORMED', 'malformed note: control character');
  const mine = new Set(signers.map((s) => idOf(s.name, s.keyId)));
  const lines = signers.map((s) => signatureLine(s.name, s.keyId, s.sign(bytes)));
  for (const k of keep) if (!mine.has(idOf(k.name, k.keyId))) lines.push(k.line);
  // Round-trip through the parser so a text that could not be parsed back (e.g. one ending in an empty line
  // that would swallow the separator) is refused here, not by whoever receives it.
  const out = formatNote(text, lines);
  const back = parseNote(out);
  if (back.text !== text) throw new AtlogError('ERR_NOTE_MALFORMED', 'malformed note: the text does not parse back unchanged');
  return out;
}
