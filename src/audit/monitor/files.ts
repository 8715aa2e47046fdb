import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AtlogError } from '../../errors.js';
import { parseState, serializeState, type MonitorState } from './state.js';

/**
 * The monitor's files on disk: its state file, replaced atomically so that a crash or `kill -9` at any moment
 * leaves either the old state or the new one (temp file in the same directory, fsync, rename, fsync of the
 * directory), and the evidence directories it writes when it catches the log misbehaving.
 */

/**
 * Reads the state file; undefined when it does not exist yet (the first run).
 * @throws AtlogError ERR_MONITOR_STATE when it exists but cannot be read or is not a state file.
 */
export function readStateFile(path: string): MonitorState | undefined {
  let json: string;
  try {
    json = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AtlogError('ERR_MONITOR_STATE', `cannot read the state file ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return parseState(json);
  } catch (e) {
    throw new AtlogError('ERR_MONITOR_STATE', `${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Writes `data` to `path` atomically and durably (see above); the file is created with `mode`. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}`);
  const fd = openSync(tmp, 'w', mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd); // the bytes are on disk before the name points at them
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  // the rename itself is durable only once the directory is synced
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/**
 * Replaces the state file.
 * @throws AtlogError ERR_MONITOR_STATE when it cannot be written.
 */
export function writeStateFile(path: string, state: MonitorState): void {
  try {
    writeFileAtomic(path, serializeState(state));
  } catch (e) {
    throw new AtlogError('ERR_MONITOR_STATE', `cannot write the state file ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Writes evidence files into a new directory `parent/<prefix>-<time>` (a suffix when it exists) and returns
 * the paths written, in the order given.
 */
export function writeEvidence(parent: string, prefix: string, at: Date, files: ReadonlyArray<readonly [name: string, data: string | Uint8Array]>): { dir: string; paths: string[] } {
  const stamp = at.toISOString().replace(/[:.]/g, '-');
  mkdirSync(parent, { recursive: true });
  let dir = join(parent, `${prefix}-${stamp}`);
  for (let n = 2; ; n++) {
    try {
      mkdirSync(dir, { recursive: false });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      dir = join(parent, `${prefix}-${stamp}-${n}`);
    }
  }
  const paths = files.map(([name, data]) => {
    const p = join(dir, name);
    writeFileAtomic(p, data);
    return p;
  });
  return { dir, paths };
}
