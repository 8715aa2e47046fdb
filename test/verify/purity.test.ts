import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/vectors.js';

/**
 * The offline verifier must not be able to reach the network or the disk (STYLE.md 2): walk the static import
 * graph of src/verify/index.ts and list every package it pulls in. ESLint guards the pure folders one by one;
 * this guards the whole graph, including the modules of other folders the verifier borrows (src/tsa/ctt.ts).
 */
const IO = ['node:fs', 'node:fs/promises', 'fs', 'node:net', 'node:http', 'node:https', 'node:child_process', 'express', 'classic-level', 'pino', 'prom-client', 'node:worker_threads'];

function graph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) {
      if (m[1]) continue; // `import type` is erased
      const spec = m[2]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('the offline verifier is pure', () => {
  it('src/verify imports no I/O module, directly or through other folders', () => {
    const { files, packages } = graph(join(REPO_ROOT, 'src', 'verify', 'index.ts'));
    expect(files.size).toBeGreaterThan(20);
    expect(packages.has('@noble/hashes/sha2.js')).toBe(true); // the walk does see packages
    expect([...packages].filter((p) => IO.includes(p))).toEqual([]);
    // and never the node-only layers
    expect([...files].filter((f) => /src\/(log|service|http|cli)\//.test(f))).toEqual([]);
  });
});
