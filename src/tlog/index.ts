/**
 * C2SP transparency-log formats (spec/tlog.md): signed notes, checkpoints, cosignatures, tiles, entry bundles
 * and the witness protocol's wire format. Pure: no I/O, no node: modules, so a browser can verify with it.
 */
export { MAX_NOTE_BYTES, MAX_NOTE_SIGNATURES, SIGNATURE_PREFIX, formatNote, parseNote, parseSignatureLine, parseSignatureLines, signatureLine } from './note.js';
export type { Note, NoteSignature } from './note.js';
export { openNote, signNote, verifierMap } from './verify-note.js';
export type { NoteSigner, NoteVerifier, OpenedNote, VerifiedSignature } from './verify-note.js';
export {
  KEY_LENGTHS,
  SIG_COSIGNATURE_ED25519,
  SIG_COSIGNATURE_MLDSA44,
  SIG_ED25519,
  assertKeyName,
  formatSkey,
  formatVkey,
  isValidKeyName,
  keyId,
  parseSkey,
  parseVkey,
} from './keys.js';
export type { SignerKey, VerifierKey } from './keys.js';
export { generateNoteKey, signerFromSeed, signerFromSkey, verifierFromVkey, vkeyOf } from './key-strings.js';
export { ed25519NoteSigner, ed25519NoteVerifier } from './ed25519.js';
export {
  cosignatureV1Message,
  ed25519CosignatureSigner,
  ed25519CosignatureVerifier,
  isValidSubtree,
  mldsa44CosignatureSigner,
  mldsa44CosignatureVerifier,
  subtreeV1Message,
  unixNow,
  verifySubtreeLine,
} from './cosignature.js';
export type { SubtreeSigner, SubtreeStatement } from './cosignature.js';
export { checkpointOrUndefined, formatCheckpoint, parseCheckpoint } from './checkpoint.js';
export type { Checkpoint } from './checkpoint.js';
export { openCheckpoint } from './open-checkpoint.js';
export type { CheckpointPolicy, OpenedCheckpoint } from './open-checkpoint.js';
export {
  MAX_TILE_LEVEL,
  TILE_HEIGHT,
  TILE_WIDTH,
  encodeTileIndex,
  entryBundlePath,
  newTiles,
  nodeInTile,
  parseTilePath,
  tilePath,
  tileWidth,
  tilesForSize,
} from './tiles.js';
export type { NodeInTile, TileId, TilePath } from './tiles.js';
export {
  consistencyProofFromTiles,
  inclusionProofFromTiles,
  rootFromTiles,
  tileFromNodes,
  tileNodeSource,
  verifyConsistencyFromTiles,
  verifyInclusionFromTiles,
} from './tile-nodes.js';
export type { TileReader, TreeHead } from './tile-nodes.js';
export { bundleMatchesTile, encodeEntryBundle, parseEntryBundle } from './entries.js';
export { isConsistent, verifyCheckpointUpdate } from './follow.js';
export {
  MAX_PROOF_LINES,
  TLOG_SIZE_MEDIA_TYPE,
  formatAddCheckpointRequest,
  formatWitnessSize,
  originHash,
  parseAddCheckpointRequest,
  parseWitnessSize,
} from './witness-protocol.js';
export type { AddCheckpointRequest } from './witness-protocol.js';
