import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AtlogError } from '../errors.js';
import type { LogReader } from '../storage/types.js';
import { entryBundlePath, newTiles, parseCheckpoint, parseNote, tilePath, TILE_WIDTH } from '../tlog/index.js';
import { equalBytes } from '../util/bytes.js';
import type { ServiceLogger } from './options.js';
import type { TileSource } from './tlog.js';
import { syncDir } from '../storage/sync-dir.js';

/**
 * `atlog serve --tiles-dir DIR`: the published checkpoint and its tiles and entry bundles as files, laid out as
 * C2SP tlog-tiles paths (`DIR/checkpoint`, `DIR/tile/<L>/<N>[.p/<W>]`, `DIR/tile/entries/<N>[.p/<W>]`), so any
 * static web server, bucket or CDN can serve every read (docs/operations.md). In the background, at most once
 * per `intervalMs`, only for published checkpoints, never on the registration path.
 *
 * Order and atomicity: every file is written to a temporary name, synced and renamed into place, so a reader
 * never sees half a file; the tiles of a checkpoint are all in place (directories synced) before the
 * checkpoint file that needs them is renamed into place, last. A partial tile is deleted once its full tile is
 * written (tlog-tiles allows it; clients fall back to the full tile), so partial files do not pile up.
 * On start the directory's checkpoint is trusted only if its root is the log's root at its size; otherwise
 * everything is written again.
 */
export class TileMirror {
  private written = { size: 0, note: undefined as Uint8Array | undefined };
  private wanted: { size: number; note: Uint8Array } | undefined;
  private running: Promise<void> | undefined;
  private lastStart = -Infinity;
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly tiles: TileSource,
    private readonly intervalMs: number,
    private readonly logger: ServiceLogger,
  ) {}

  /**
   * Opens (creating it) the directory and reads where an earlier run left it.
   * @throws the file system's errors for a directory that cannot be created or read.
   */
  static async open(dir: string, tiles: TileSource, reader: Pick<LogReader, 'size' | 'rootAt'>, intervalMs: number, logger: ServiceLogger): Promise<TileMirror> {
    await mkdir(dir, { recursive: true });
    const m = new TileMirror(dir, tiles, intervalMs, logger);
    let bytes: Uint8Array | undefined;
    try {
      bytes = new Uint8Array(await readFile(join(dir, 'checkpoint')));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (bytes !== undefined) {
      try {
        const cp = parseCheckpoint(parseNote(bytes).text);
        if (cp.size <= reader.size && equalBytes(await reader.rootAt(cp.size), cp.root)) m.written = { size: cp.size, note: bytes };
        else logger.warn({ dir, size: cp.size }, 'the tiles directory holds another tree: writing it again');
      } catch (e) {
        logger.warn({ dir, err: e instanceof Error ? e.message : String(e) }, 'the tiles directory has an unreadable checkpoint: writing it again');
      }
    }
    return m;
  }

  /** The size of the checkpoint on disk (0 before the first). */
  get size(): number {
    return this.written.size;
  }

  /** Publishes `note` (of tree `size`): its tiles are written, then it. */
  update(note: Uint8Array, size: number): void {
    if (this.wanted !== undefined && size < this.wanted.size) return;
    this.wanted = { size, note };
    this.kick();
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.loop().then((ok) => {
      this.running = undefined;
      // An update that came while the loop was returning; after a failure, wait for the next update.
      if (ok && this.pending()) this.kick();
    });
  }

  /** True when the newest wanted checkpoint is not the one on disk. */
  private pending(): boolean {
    const w = this.wanted;
    return w !== undefined && !(w.size === this.written.size && this.written.note !== undefined && equalBytes(w.note, this.written.note));
  }

  /** Waits for the newest wanted checkpoint to be written (without the interval wait). */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  /** Writes until the newest wanted checkpoint is on disk. A failure is logged and retried at the next update. */
  private async loop(): Promise<boolean> {
    for (;;) {
      if (!this.pending()) return true;
      const w = this.wanted!;
      const early = this.lastStart + this.intervalMs - performance.now();
      if (early > 0 && !this.closed) {
        await new Promise((r) => setTimeout(r, early));
        continue; // a newer checkpoint may have come meanwhile
      }
      this.lastStart = performance.now();
      try {
        await this.write(w.size, w.note);
      } catch (e) {
        this.logger.error({ dir: this.dir, size: w.size, err: e instanceof Error ? e.message : String(e) }, 'writing the tiles directory failed');
        return false;
      }
    }
  }

  private async write(size: number, note: Uint8Array): Promise<void> {
    const dirs = new Set<string>();
    const put = async (rel: string, bytes: Uint8Array | undefined): Promise<void> => {
      if (bytes === undefined) throw new AtlogError('ERR_SERVICE_INTERNAL', `${rel} is not in the log`);
      dirs.add(dirname(join(this.dir, rel)));
      await this.writeAtomic(rel, bytes);
    };
    for (const t of newTiles(this.written.size, size)) {
      await put(tilePath(t), await this.tiles.tile(t.level, t.index, t.width));
      if (t.level === 0) await put(entryBundlePath(t.index, t.width), await this.tiles.entryBundle(t.index, t.width));
      if (t.width === TILE_WIDTH) {
        // The full tile replaces its partial versions (`<N>.p/<W>`).
        await rm(join(this.dir, `${tilePath(t)}.p`), { recursive: true, force: true });
        if (t.level === 0) await rm(join(this.dir, `${entryBundlePath(t.index, TILE_WIDTH)}.p`), { recursive: true, force: true });
      }
    }
    for (const d of dirs) await syncDir(d);
    await this.writeAtomic('checkpoint', note);
    await syncDir(this.dir);
    this.written = { size, note };
  }

  /** Write `rel` under a temporary name, sync it, rename it into place. */
  private async writeAtomic(rel: string, bytes: Uint8Array): Promise<void> {
    const path = join(this.dir, rel);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(bytes);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  }
}

