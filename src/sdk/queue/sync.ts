import { readdir } from 'node:fs/promises';
import type { TransparencyClient } from '../../client/index.js';
import { AtlogError, isAtlogError } from '../../errors.js';
import { FileSessionQueue } from './file-queue.js';

/**
 * Sends what session queues left behind (`atlog sync`): for every session in the directory that no live
 * process owns, its unacknowledged statements in order, each waiting for its receipt before the next (the
 * service checks each record's link to the one before). A statement registered before (the process died
 * between registering and noting it) is answered with its existing entry. A session whose statements are all
 * registered loses its files.
 */

export interface SyncResult {
  sessionId: string;
  /** Statements registered now. */
  sent: number;
  /** Statements that were waiting. */
  waiting: number;
  /** sent: all registered; locked: a live process owns it; failed: see `error` (the rest stays queued). */
  status: 'sent' | 'locked' | 'failed';
  error?: AtlogError;
}

const TRANSIENT = new Set(['ERR_CLIENT_NETWORK', 'ERR_CLIENT_UNAVAILABLE', 'ERR_CLIENT_TIMEOUT', 'ERR_CLIENT_SERVER_ERROR']);

/**
 * Sends every session queue in `dir`, one session after another; stops early when the service cannot be
 * reached (the other sessions would fail the same way and stay queued).
 * @param onResult called after each session (for progress lines).
 * @throws fs errors reading the directory (a missing directory is an empty queue).
 */
export async function syncQueue(dir: string, client: TransparencyClient, onResult: (r: SyncResult) => void = () => undefined): Promise<SyncResult[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    // No directory: the agent never queued anything (a session makes it when it opens).
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const ids = names.filter((f) => f.endsWith('.atq')).map((f) => f.slice(0, -4)).sort();
  const results: SyncResult[] = [];
  for (const sessionId of ids) {
    let q: FileSessionQueue;
    try {
      q = await FileSessionQueue.open(dir, sessionId);
    } catch (e) {
      const err = e instanceof AtlogError ? e : new AtlogError('ERR_QUEUE_INVALID', `${sessionId}: ${String(e)}`, { cause: e });
      const r: SyncResult = { sessionId, sent: 0, waiting: 0, status: isAtlogError(e, 'ERR_QUEUE_LOCKED') ? 'locked' : 'failed', error: err };
      results.push(r);
      onResult(r);
      continue;
    }
    const r: SyncResult = { sessionId, sent: 0, waiting: q.unsent.length, status: 'sent' };
    try {
      for (const statement of q.unsent) {
        await client.register(statement);
        r.sent++;
        await q.registered(r.sent);
      }
      await q.close(true);
    } catch (e) {
      await q.close(false);
      r.status = 'failed';
      r.error = e instanceof AtlogError ? e : new AtlogError('ERR_INTERNAL', String(e), { cause: e });
    }
    results.push(r);
    onResult(r);
    if (r.error && TRANSIENT.has(r.error.code)) break;
  }
  return results;
}
