import { open } from 'node:fs/promises';

/**
 * fsync a directory (Node-only), so that names created or renamed into it survive a crash: a file fsynced in a
 * directory that is not can vanish with its entry. Used by the SDK's file queue and the tiles mirror.
 */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
