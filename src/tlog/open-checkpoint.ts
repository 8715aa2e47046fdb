import { AtlogError, isAtlogError } from '../errors.js';
import { parseCheckpoint, type Checkpoint } from './checkpoint.js';
import type { Note } from './note.js';
import { openNote, type NoteVerifier, type OpenedNote, type VerifiedSignature } from './verify-note.js';

/**
 * A client's view of a checkpoint: signed by the log, cosigned by a quorum of witnesses it trusts
 * (tlog-cosignature: "Log clients can verify a quorum of cosignatures to prevent split-view attacks before
 * trusting an inclusion proof"). Pure.
 */

export interface CheckpointPolicy {
  /** The origin the client expects: a checkpoint of another log is refused even if a known key signed it. */
  readonly origin: string;
  /** The log's keys; at least one must have signed. */
  readonly logKeys: readonly NoteVerifier[];
  /** The witnesses' cosigner keys (a witness may have several, e.g. Ed25519 and ML-DSA-44, under one name). */
  readonly witnessKeys?: readonly NoteVerifier[];
  /** How many distinct witnesses (by key name) must have cosigned; default 0. */
  readonly quorum?: number;
}

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: OpenedNote;
  readonly logSignatures: readonly VerifiedSignature[];
  readonly cosignatures: readonly VerifiedSignature[];
  /** Names of the witnesses whose cosignatures verified, sorted. */
  readonly witnesses: readonly string[];
}

/**
 * Verify a checkpoint note against a policy.
 * @throws AtlogError `ERR_NOTE_MALFORMED`, `ERR_NOTE_BAD_SIGNATURE`, `ERR_NOTE_AMBIGUOUS_KEY` (as openNote),
 *   `ERR_CHECKPOINT_MALFORMED`, `ERR_CHECKPOINT_ORIGIN_MISMATCH`, `ERR_CHECKPOINT_UNSIGNED` (no signature of a
 *   log key), `ERR_CHECKPOINT_QUORUM` (fewer than `quorum` witnesses; details carry the names seen).
 */
export function openCheckpoint(note: Uint8Array | string | Note, policy: CheckpointPolicy): OpenedCheckpoint {
  const quorum = policy.quorum ?? 0;
  const witnessKeys = policy.witnessKeys ?? [];
  if (!Number.isSafeInteger(quorum) || quorum < 0 || quorum > new Set(witnessKeys.map((k) => k.name)).size) {
    throw new AtlogError('ERR_INVALID_ARGUMENT', `quorum ${quorum} cannot be met by ${witnessKeys.length} witness keys`);
  }
  let opened: OpenedNote;
  try {
    opened = openNote(note, [...policy.logKeys, ...witnessKeys]);
  } catch (e) {
    if (isAtlogError(e, 'ERR_NOTE_UNVERIFIED')) throw new AtlogError('ERR_CHECKPOINT_UNSIGNED', 'no key of the log signed the checkpoint', { cause: e });
    throw e;
  }
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.origin !== policy.origin) {
    throw new AtlogError('ERR_CHECKPOINT_ORIGIN_MISMATCH', `checkpoint origin ${JSON.stringify(checkpoint.origin)} is not ${JSON.stringify(policy.origin)}`);
  }
  const logSignatures = opened.verified.filter((s) => policy.logKeys.some((k) => same(k, s.verifier)));
  const cosignatures = opened.verified.filter((s) => !logSignatures.includes(s));
  if (logSignatures.length === 0) throw new AtlogError('ERR_CHECKPOINT_UNSIGNED', 'no key of the log signed the checkpoint');
  const witnesses = [...new Set(cosignatures.map((s) => s.name))].sort();
  if (witnesses.length < quorum) {
    throw new AtlogError('ERR_CHECKPOINT_QUORUM', `${witnesses.length} of the ${quorum} witness cosignatures required`, {
      details: { have: witnesses, need: quorum },
    });
  }
  return { checkpoint, note: opened, logSignatures, cosignatures, witnesses };
}

const same = (a: NoteVerifier, b: NoteVerifier): boolean => a.name === b.name && a.keyId === b.keyId && a.type === b.type;
