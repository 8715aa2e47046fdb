import type { CheckpointStore, MetaStore } from '../storage/types.js';
import { utf8 } from '../tlog/codec.js';
import type { ServiceLogger } from './options.js';
import { metaKeys, text, textPut } from './state.js';
import type { TileMirror } from './tile-mirror.js';
import { Witnessing, type WitnessingOptions } from './witnessing.js';

/**
 * Which checkpoint note the log publishes (`GET /tlog/checkpoint`, and the static tile directory): without
 * witnesses, the newest one stored; with witnesses, the newest one at least `quorum` of them cosigned, with
 * every cosignature held for it (witnessing.ts), kept in the meta store (`n/pub`) so a restart serves it again.
 * Either way the published size never goes down, and receipts never wait for any of this.
 */

export interface PublisherOptions {
  meta: MetaStore;
  checkpoints: Pick<CheckpointStore, 'latest'>;
  /** The stored note of a size (Sealer.noteOf: signs one for a checkpoint stored without). */
  noteOf: (size: number) => Promise<string>;
  /** Witnesses, their quorum and timing; none: the newest checkpoint is published at once. */
  witnessing?: Omit<WitnessingOptions, 'publish' | 'logger'>;
  /** Writes the published checkpoint and its tiles to a directory. */
  mirror?: TileMirror;
  logger: ServiceLogger;
}

export class TlogPublisher {
  private current: { size: number; note: Uint8Array } | undefined;
  private witnessing: Witnessing | undefined;

  private constructor(private readonly o: PublisherOptions) {}

  /**
   * Loads what was published before (or the newest checkpoint's note) and starts witnessing and the mirror.
   * @throws AtlogError from storage or note signing.
   */
  static async start(o: PublisherOptions): Promise<TlogPublisher> {
    const p = new TlogPublisher(o);
    const latest = await o.checkpoints.latest();
    const note = latest === undefined ? undefined : await o.noteOf(latest.size);
    if (o.witnessing) {
      const pub = text(await o.meta.get(metaKeys.publishedNote));
      if (pub !== undefined) p.show(sizeOf(pub), pub);
      p.witnessing = new Witnessing({ ...o.witnessing, logger: o.logger, publish: (n, size) => p.publishWitnessed(n, size) });
      if (latest !== undefined) p.witnessing.offer(latest.size, note!);
    } else if (latest !== undefined) {
      p.show(latest.size, note!);
    }
    return p;
  }

  /** The note published now (with its cosignatures), or undefined before the first. */
  checkpoint(): Uint8Array | undefined {
    return this.current?.note;
  }

  /** The size published now (0 before the first). */
  get size(): number {
    return this.current?.size ?? 0;
  }

  /** Witness names and the sizes they are known to have cosigned. */
  witnessSizes(): Record<string, number> {
    return this.witnessing?.sizes() ?? {};
  }

  /** A checkpoint and its note were stored (the sealer's hook). */
  sealed(size: number, note: string): void {
    if (this.witnessing) this.witnessing.offer(size, note);
    else this.show(size, note);
  }

  private async publishWitnessed(note: string, size: number): Promise<void> {
    if (size < this.size) return;
    await this.o.meta.put([textPut(metaKeys.publishedNote, note)]);
    this.show(size, note);
  }

  private show(size: number, note: string): void {
    if (size < this.size) return;
    this.current = { size, note: utf8(note) };
    this.o.mirror?.update(this.current.note, size);
  }

  /** Stops witnessing and waits for the mirror's last write. */
  async close(): Promise<void> {
    await this.witnessing?.close();
    await this.o.mirror?.close();
  }
}

/** The tree size of a stored note (its second line). */
function sizeOf(note: string): number {
  return Number(note.split('\n')[1]);
}
