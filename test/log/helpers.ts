import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAtlogError } from '../../src/errors.js';

/** A fresh temp directory and its cleanup. */
export function tempDir(name = 'atlog-log-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), name));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The `code` of the AtlogError a promise rejects with, 'resolved' if it does not reject. */
export async function rejectCode(p: Promise<unknown> | (() => Promise<unknown>)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return isAtlogError(e) ? e.code : `not an AtlogError: ${String(e)}`;
  }
  return 'resolved';
}

const enc = new TextEncoder();
/** Deterministic entry bytes. */
export const entryBytes = (tag: string, i: number): Uint8Array => enc.encode(`entry:${tag}:${i}`);
