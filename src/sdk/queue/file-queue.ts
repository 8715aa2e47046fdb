import { mkdir, open, readFile, rename, rm, truncate, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { AtlogError } from '../../errors.js';
import type { RecordQueue, SessionQueue } from '../outbox.js';
import { decodeFrames, encodeFrames, frameSize, MAGIC } from './frames.js';
import { acquireLock, type Lock } from './lock.js';
import { syncDir } from '../../storage/sync-dir.js';

/**
 * The offline queue on disk (Node only): one directory, three files per session. `<session>.atq` holds the
 * session's Signed Statements in chain order (frames.ts), each batch fsynced before it is reported durable and
 * before any of it is sent; `<session>.ack` holds how many of them are registered (replaced by rename; losing
 * an update only means sending a statement again, which the service answers with the existing entry);
 * `<session>.lock` names the process that owns the session. Once a session is closed and all of it is
 * registered, its files go. `syncQueue` (sync.ts, `atlog sync`) sends what a dead process left behind.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The three files of a session's queue in `dir`. */
export function queueFiles(dir: string, sessionId: string): { log: string; ack: string; lock: string } {
  return { log: join(dir, `${sessionId}.atq`), ack: join(dir, `${sessionId}.ack`), lock: join(dir, `${sessionId}.lock`) };
}


async function readAck(file: string): Promise<number> {
  try {
    const n = Number((await readFile(file, 'utf8')).trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  } catch {
    return 0; // none yet, or torn: send from the start again (duplicates are harmless)
  }
}

/** The queue of one session, owned by this process until `close`. */
export class FileSessionQueue implements SessionQueue {
  private total: number;
  private acked: number;
  /** Where the first unacknowledged frame starts, and the sizes of the unacknowledged frames in order. */
  private ackOffset: number;
  private readonly frameSizes: number[];
  private ackWrite: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly files: { log: string; ack: string; lock: string },
    private readonly fh: FileHandle,
    private readonly lock: Lock,
    readonly unsent: readonly Uint8Array[],
    /** Statements registered before this handle (acknowledged in the ack file). */
    private readonly base: number,
    total: number,
    ackOffset: number,
  ) {
    this.total = total;
    this.acked = base;
    this.ackOffset = ackOffset;
    this.frameSizes = unsent.map(frameSize);
  }

  /**
   * Opens (creating when new) the queue of `sessionId` in `dir`, takes its lock, cuts a torn end and reads what
   * is not acknowledged yet.
   * @throws AtlogError ERR_INVALID_ARGUMENT (session id), ERR_QUEUE_LOCKED, ERR_QUEUE_INVALID; fs errors.
   */
  static async open(dir: string, sessionId: string): Promise<FileSessionQueue> {
    if (!UUID.test(sessionId)) throw new AtlogError('ERR_INVALID_ARGUMENT', `session id ${sessionId} is not a lowercase UUIDv4`);
    await mkdir(dir, { recursive: true });
    const files = queueFiles(dir, sessionId);
    const lock = await acquireLock(files.lock);
    try {
      let bytes: Uint8Array | undefined;
      try {
        bytes = new Uint8Array(await readFile(files.log));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      const contents = bytes === undefined ? { statements: [], intact: MAGIC.length } : decodeFrames(bytes, files.log);
      if (bytes === undefined || bytes.length < MAGIC.length) {
        await writeFile(files.log, MAGIC);
        const fh = await open(files.log, 'r+');
        await fh.sync().finally(() => fh.close());
        await syncDir(dir);
      } else if (contents.intact < bytes.length) {
        await truncate(files.log, contents.intact); // the torn end of a crash: never reported durable
      }
      const fh = await open(files.log, 'a');
      const acked = Math.min(await readAck(files.ack), contents.statements.length);
      const ackOffset = contents.statements.slice(0, acked).reduce((n, s) => n + frameSize(s), MAGIC.length);
      return new FileSessionQueue(files, fh, lock, contents.statements.slice(acked), acked, contents.statements.length, ackOffset);
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  /** Appends in order and fsyncs. @throws fs errors (the session breaks: durability is not assured). */
  async append(statements: readonly Uint8Array[]): Promise<void> {
    if (this.closed) throw new AtlogError('ERR_SDK_CLOSED', 'the queue is closed');
    if (statements.length === 0) return;
    await this.fh.write(encodeFrames(statements));
    await this.fh.datasync();
    this.total += statements.length;
    this.frameSizes.push(...statements.map(frameSize));
  }

  /**
   * Drops every statement not acknowledged as registered: after the service refused one of them, none of them
   * can ever join the session's chain (the `atlog session` command undoes its records this way).
   */
  async discard(): Promise<void> {
    if (this.closed) throw new AtlogError('ERR_SDK_CLOSED', 'the queue is closed');
    await this.ackWrite.catch(() => undefined);
    await this.fh.truncate(this.ackOffset);
    await this.fh.datasync();
    this.total = this.acked;
    this.frameSizes.length = 0;
  }

  /** Notes that the first `count` statements of this handle are registered. */
  registered(count: number): Promise<void> {
    const n = Math.min(this.base + count, this.total);
    if (n <= this.acked || this.closed) return this.ackWrite;
    for (let i = this.acked; i < n; i++) this.ackOffset += this.frameSizes.shift()!;
    this.acked = n;
    this.ackWrite = this.ackWrite.then(async () => {
      const tmp = `${this.files.ack}.tmp`;
      await writeFile(tmp, `${this.acked}\n`);
      await rename(tmp, this.files.ack);
    });
    return this.ackWrite;
  }

  /** Releases the lock; with `done` and everything acknowledged, removes the session's files. */
  async close(done: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ackWrite.catch(() => undefined);
    await this.fh.close();
    if (done && this.acked >= this.total) {
      await unlink(this.files.log).catch(() => undefined);
      await rm(this.files.ack, { force: true });
    }
    await this.lock.release();
  }
}

/** A directory of session queues (`openSession({ queueDir })` makes one). */
export class FileQueue implements RecordQueue {
  constructor(readonly dir: string) {}

  /** @throws as FileSessionQueue.open */
  open(sessionId: string): Promise<SessionQueue> {
    return FileSessionQueue.open(this.dir, sessionId);
  }
}
