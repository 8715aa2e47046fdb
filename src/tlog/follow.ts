import { AtlogError } from '../errors.js';
import { emptyRoot } from '../merkle/index.js';
import { equalBytes, toBase64 } from '../util/bytes.js';
import type { Note } from './note.js';
import { openCheckpoint, type CheckpointPolicy, type OpenedCheckpoint } from './open-checkpoint.js';
import { verifyConsistencyFromTiles, type TileReader, type TreeHead } from './tile-nodes.js';

/**
 * Following a log's checkpoints, as a monitor or a client that polls `<prefix>/checkpoint` does: each new
 * checkpoint must verify under the policy and extend the last one verified, proven from the tiles of the newer
 * tree alone (spec/tlog.md section 7). Pure.
 */

const head = (h: TreeHead): { size: number; root: string } => ({ size: h.size, root: toBase64(h.root) });

/**
 * Verify `note` (log signatures, origin, witness quorum) and that its tree extends `previous`, a tree head the
 * caller verified before (undefined for the first checkpoint seen). A consistency proof is built from the
 * tiles of the newer tree and checked against both roots, so a tile server that lies is caught.
 * @throws AtlogError as `openCheckpoint` (`ERR_NOTE_*`, `ERR_CHECKPOINT_*`, quorum); `ERR_CHECKPOINT_ROLLBACK`
 *   when the checkpoint is smaller than `previous`; `ERR_VERIFY_SPLIT_VIEW` when it does not extend it (same
 *   size and another root, or a consistency proof that fails; details carry both heads); reader failures
 *   (`ERR_TILE_READER`, whatever `read` throws).
 */
export async function verifyCheckpointUpdate(
  previous: TreeHead | undefined,
  note: Uint8Array | string | Note,
  policy: CheckpointPolicy,
  read: TileReader,
): Promise<OpenedCheckpoint> {
  const opened = openCheckpoint(note, policy);
  if (previous === undefined) return opened;
  const next = opened.checkpoint;
  if (next.size < previous.size) {
    throw new AtlogError('ERR_CHECKPOINT_ROLLBACK', `checkpoint of size ${next.size} is smaller than the size ${previous.size} verified before`, {
      details: { previous: head(previous), next: head(next) },
    });
  }
  if (!(await isConsistent(previous, next, read))) {
    throw new AtlogError('ERR_VERIFY_SPLIT_VIEW', `the checkpoint of size ${next.size} does not extend the one of size ${previous.size} verified before`, {
      details: { previous: head(previous), next: head(next), note: opened.note.text },
    });
  }
  return opened;
}

/**
 * True when the tree `newer` extends `older` (RFC 9162 2.1.4), proven from the tiles of `newer`. The empty tree
 * is extended by every tree (no proof exists from size 0), provided its root is the empty root.
 * @throws AtlogError `ERR_MERKLE_BAD_SIZE` when `older` is larger; reader failures.
 */
export async function isConsistent(older: TreeHead, newer: TreeHead, read: TileReader): Promise<boolean> {
  if (older.size === 0) return equalBytes(older.root, emptyRoot());
  return verifyConsistencyFromTiles(older, newer, read);
}
