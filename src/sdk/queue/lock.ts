import { readFile, unlink, writeFile } from 'node:fs/promises';
import { AtlogError } from '../../errors.js';

/**
 * One owner per session queue: a lock file holding the owner's process id, created exclusively. A lock whose
 * process is gone (killed, crashed) is stale and taken over; so is one naming this process's own id that this
 * process does not hold (an earlier incarnation with the same pid, as in a container). Locks held by this
 * process are also tracked in memory, so a second open in the same process is refused.
 */

const held = new Set<string>();

export interface Lock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

async function ownerOf(file: string): Promise<number | undefined> {
  try {
    const j = JSON.parse(await readFile(file, 'utf8')) as { pid?: unknown };
    return typeof j.pid === 'number' && Number.isSafeInteger(j.pid) && j.pid > 0 ? j.pid : undefined;
  } catch {
    return undefined; // unreadable or half-written: its writer died while writing it
  }
}

/**
 * Takes the lock `file`.
 * @throws AtlogError ERR_QUEUE_LOCKED when a live process (or this one) holds it.
 */
export async function acquireLock(file: string): Promise<Lock> {
  const locked = (pid: number): AtlogError =>
    new AtlogError('ERR_QUEUE_LOCKED', `${file} is held by process ${pid}: that process is still sending this session`, { details: { pid } });
  if (held.has(file)) throw locked(process.pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, JSON.stringify({ pid: process.pid }), { flag: 'wx' });
      held.add(file);
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          held.delete(file);
          await unlink(file).catch(() => undefined);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = await ownerOf(file);
      if (pid !== undefined && pid !== process.pid && alive(pid)) throw locked(pid);
      await unlink(file).catch(() => undefined); // stale: its process is gone
    }
  }
  throw locked(-1);
}
