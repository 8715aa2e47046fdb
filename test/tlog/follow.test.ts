import { describe, expect, it } from 'vitest';
import { emptyRoot } from '../../src/merkle/index.js';
import { tileFromNodes, verifierFromVkey, verifyCheckpointUpdate, type TileReader } from '../../src/tlog/index.js';
import { codeOfAsync } from '../helpers/errors.js';
import { leafData, RefTree, refLeaf } from '../merkle/reference.js';
import { TestLog } from '../witness/helpers.js';

/**
 * verifyCheckpointUpdate: what a monitor following `<prefix>/checkpoint` runs on each new checkpoint
 * (spec/tlog.md section 7). The tiles come from the log's reference tree; a split view (same keys, other
 * leaves), a rollback and a lying tile server are caught.
 */

const origin = 'follow.example/tlog';
const log = new TestLog(origin, 1);
const fork = new TestLog(origin, 2, log); // same keys, other leaves
const policy = { origin, logKeys: log.vkeys.map(verifierFromVkey) };

/** Tiles of the tree of leaves `leafData(i, seed)`, as TestLog builds it (any width inside the tree). */
function tilesOf(seed: number, tamper = false): TileReader {
  const ref = new RefTree((i) => refLeaf(leafData(i, seed)));
  return async (level, index, width) => {
    const t = await tileFromNodes({ level, index, width }, async (lv, i) => ref.mth(i * 2 ** lv, (i + 1) * 2 ** lv));
    if (tamper) t[0] = t[0]! ^ 1;
    return t;
  };
}

const head = (l: TestLog, size: number) => ({ size, root: l.root(size) });

describe('verifyCheckpointUpdate', () => {
  it('accepts a first checkpoint, a grown one and the same one again', async () => {
    expect((await verifyCheckpointUpdate(undefined, log.note(10), policy, tilesOf(1))).checkpoint.size).toBe(10);
    expect((await verifyCheckpointUpdate(head(log, 10), log.note(700), policy, tilesOf(1))).checkpoint.size).toBe(700);
    expect((await verifyCheckpointUpdate(head(log, 700), log.note(700), policy, tilesOf(1))).checkpoint.size).toBe(700);
    expect((await verifyCheckpointUpdate({ size: 0, root: emptyRoot() }, log.note(3), policy, tilesOf(1))).checkpoint.size).toBe(3);
  });

  it('refuses a rollback, a split view (same keys, other history) and tiles that lie', async () => {
    expect(await codeOfAsync(() => verifyCheckpointUpdate(head(log, 700), log.note(10), policy, tilesOf(1)))).toBe('ERR_CHECKPOINT_ROLLBACK');
    expect(await codeOfAsync(() => verifyCheckpointUpdate(head(log, 10), fork.note(700), policy, tilesOf(2)))).toBe('ERR_VERIFY_SPLIT_VIEW');
    expect(await codeOfAsync(() => verifyCheckpointUpdate(head(log, 10), fork.note(10), policy, tilesOf(2)))).toBe('ERR_VERIFY_SPLIT_VIEW');
    expect(await codeOfAsync(() => verifyCheckpointUpdate(head(log, 10), log.note(700), policy, tilesOf(1, true)))).toBe('ERR_VERIFY_SPLIT_VIEW');
    expect(await codeOfAsync(() => verifyCheckpointUpdate({ size: 0, root: new Uint8Array(32) }, log.note(3), policy, tilesOf(1)))).toBe('ERR_VERIFY_SPLIT_VIEW');
  });

  it('checks the note first: another origin, no log signature, a missing quorum', async () => {
    expect(await codeOfAsync(() => verifyCheckpointUpdate(undefined, log.note(10), { ...policy, origin: 'other/tlog' }, tilesOf(1)))).toBe('ERR_CHECKPOINT_ORIGIN_MISMATCH');
    const stranger = new TestLog(origin, 1);
    expect(await codeOfAsync(() => verifyCheckpointUpdate(undefined, stranger.note(10), policy, tilesOf(1)))).toBe('ERR_CHECKPOINT_UNSIGNED');
    const witness = new TestLog('w.example/w', 0).vkeys.map(verifierFromVkey).filter((v) => v.type === 0x06);
    expect(await codeOfAsync(() => verifyCheckpointUpdate(undefined, log.note(10), { ...policy, witnessKeys: witness, quorum: 1 }, tilesOf(1)))).toBe('ERR_CHECKPOINT_QUORUM');
  });
});
