import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importGraph } from '../helpers/imports.js';
import { REPO_ROOT } from '../helpers/vectors.js';

/**
 * The offline verifier must not be able to reach the network or the disk (STYLE.md 2): walk the static import
 * graph of src/verify/index.ts and list every package it pulls in. ESLint guards the pure folders one by one;
 * this guards the whole graph, including the modules of other folders the verifier borrows (src/tsa/ctt.ts).
 */
const IO = ['node:fs', 'node:fs/promises', 'fs', 'node:net', 'node:http', 'node:https', 'node:child_process', 'express', 'classic-level', 'pino', 'prom-client', 'node:worker_threads'];

describe('the offline verifier is pure', () => {
  it('src/verify imports no I/O module, directly or through other folders', () => {
    const { files, packages } = importGraph(join(REPO_ROOT, 'src', 'verify', 'index.ts'));
    expect(files.size).toBeGreaterThan(20);
    expect(packages.has('@noble/hashes/sha2.js')).toBe(true); // the walk does see packages
    expect([...packages].filter((p) => IO.includes(p))).toEqual([]);
    // and never the node-only layers
    expect([...files].filter((f) => /src\/(log|service|http|cli)\//.test(f))).toEqual([]);
  });
});
