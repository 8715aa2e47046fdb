import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TransparencyService } from '../../src/service/index.js';
import { entryBundlePath, parseCheckpoint, parseNote, tilePath, tilesForSize } from '../../src/tlog/index.js';
import { toHex } from '../../src/util/bytes.js';
import { removeTempDir, tempDir } from '../helpers/temp.js';
import { Agent, openService, register } from './helpers.js';

/**
 * The tiles directory (`tlog.tilesDir`, `atlog serve --tiles-dir`): after the log grows it holds exactly the
 * tiles and bundles of the published checkpoint, the same bytes the service serves, the checkpoint last; full
 * tiles replace their partial versions; a restart carries on from the directory's checkpoint when it is this
 * log's, and writes everything again when it is not.
 */

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sizeIn = (dir: string): number => (existsSync(join(dir, 'checkpoint')) ? parseCheckpoint(parseNote(readFileSync(join(dir, 'checkpoint'))).text).size : -1);

describe('the tiles directory', () => {
  const dir = tempDir('atlog-mirror-');
  const tiles = join(dir, 'tiles');
  let svc: TransparencyService | undefined;
  afterAll(async () => {
    await svc?.close();
    removeTempDir(dir);
  });

  const open = (): Promise<TransparencyService> => openService({ dataDir: join(dir, 'data'), issuer: 'https://mirror.example', tlog: { tilesDir: tiles, tilesIntervalMs: 0 } });

  it('holds the tiles and bundles of the published checkpoint, the same bytes as the service, partial ones replaced by full ones', { timeout: 90_000 }, async () => {
    svc = await open();
    const agent = new Agent();
    await svc.issuers.add(agent.id, agent.key.publicKey);
    for (const batch of [3, 260]) {
      await Promise.all(Array.from({ length: batch }, () => register(svc!, agent.statement(agent.genesis()))));
      const size = svc.stats().treeSize;
      await until(() => sizeIn(tiles) === size, `the directory at size ${size}`);
      expect(toHex(readFileSync(join(tiles, 'checkpoint')))).toBe(toHex(svc.tlog!.checkpoint()!));
      for (const t of tilesForSize(size)) {
        expect(toHex(readFileSync(join(tiles, tilePath(t)))), tilePath(t)).toBe(toHex((await svc.tlog!.tile(t.level, t.index, t.width))!));
        if (t.level === 0) expect(toHex(readFileSync(join(tiles, entryBundlePath(t.index, t.width))))).toBe(toHex((await svc.tlog!.entryBundle(t.index, t.width))!));
      }
    }
    // Tile 0/000 is full at 263: its partial versions (000.p/3) are gone. The edge tile 001 is partial: 001.p/7,
    // beside any narrower version an earlier checkpoint of this run needed (a reader of that checkpoint has no
    // full tile to fall back to yet), and no full 001.
    expect(existsSync(join(tiles, 'tile', '0', '000.p'))).toBe(false);
    expect(existsSync(join(tiles, 'tile', 'entries', '000.p'))).toBe(false);
    expect(readdirSync(join(tiles, 'tile', '0', '001.p'))).toContain('7');
    expect(existsSync(join(tiles, 'tile', '0', '001'))).toBe(false);
    expect(readdirSync(join(tiles, 'tile', '0')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('carries on from its own checkpoint after a restart, and rewrites a directory of another tree', { timeout: 60_000 }, async () => {
    await svc!.close();
    const full = join(tiles, 'tile', '0', '000');
    const before = statSync(full).mtimeMs;
    svc = await open();
    const agent = new Agent();
    await svc.issuers.add(agent.id, agent.key.publicKey);
    await register(svc, agent.statement(agent.genesis()));
    await until(() => sizeIn(tiles) === svc!.stats().treeSize, 'the directory after a restart');
    expect(statSync(full).mtimeMs).toBe(before); // not written again
    await svc.close();

    // A checkpoint of another tree (here: this one with a flipped root byte) makes it write everything again.
    const note = readFileSync(join(tiles, 'checkpoint'), 'utf8').split('\n');
    note[2] = `${note[2]![0] === 'A' ? 'B' : 'A'}${note[2]!.slice(1)}`;
    writeFileSync(join(tiles, 'checkpoint'), note.join('\n'));
    writeFileSync(full, 'garbage');
    svc = await open();
    await register(svc, agent.statement(agent.genesis()));
    await until(() => sizeIn(tiles) === svc!.stats().treeSize, 'the rewritten directory');
    expect(toHex(readFileSync(full))).toBe(toHex((await svc.tlog!.tile(0, 0, 256))!));
  });
});
