import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is test/helpers/vectors.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Published third-party vectors, copied byte for byte into the repository (test-vectors/third-party/README.md). */
export const THIRD_PARTY_VECTORS = join(REPO_ROOT, 'test-vectors', 'third-party');

/** Absolute path of a published vector file or folder; throws if it is missing so no test passes on nothing. */
export function vectorPath(...parts: string[]): string {
  const p = join(THIRD_PARTY_VECTORS, ...parts);
  if (!existsSync(p)) throw new Error(`published vector missing: ${p}`);
  return p;
}

export function readVector(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(vectorPath(...parts)));
}

export function readVectorJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(vectorPath(...parts), 'utf8')) as T;
}

/** Every file under a vector folder whose name ends with `ext`, recursively; throws when it finds none. */
export function listVectorFiles(folder: string, ext: string): string[] {
  const root = vectorPath(folder);
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(ext)) out.push(p);
    }
  };
  walk(root);
  if (out.length === 0) throw new Error(`no ${ext} vectors under ${root}`);
  return out;
}

/** Every file under `dir`, recursively, as sorted paths relative to it. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
