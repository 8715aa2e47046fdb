import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildVectors } from './lib/build.js';

/**
 * `npm run vectors [-- OUT_DIR]`: (re)writes atlog's own test vectors (README.md describes them). Default
 * OUT_DIR is this folder. Output is deterministic, so a rebuild of unchanged code changes no byte.
 */

export const VECTORS_DIR = dirname(fileURLToPath(import.meta.url));

/** Write every vector under `outDir`; returns the relative paths written. */
export async function writeVectors(outDir: string): Promise<string[]> {
  const { files } = await buildVectors();
  for (const [rel, bytes] of files) {
    const p = join(outDir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, bytes);
  }
  return [...files.keys()].sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? VECTORS_DIR);
  const written = await writeVectors(out);
  process.stdout.write(`${written.length} files written to ${out}\n`);
}
