import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importGraph, impurities, scanFile, scanSource } from '../helpers/imports.js';
import { REPO_ROOT } from '../helpers/vectors.js';

/**
 * The offline verifier must not be able to reach the network, the disk or anything of Node's (STYLE.md 2), so
 * that it runs in a browser. ESLint guards the pure folders file by file (eslint.config.js); this test walks
 * the static import graph of src/verify/index.ts, through every folder it borrows from (src/tsa, src/keys,
 * ...), and checks each file's syntax tree for Node built-ins (`node:*` or bare), I/O packages and the
 * Node-only globals (Buffer, process, require...). test/verify/browser-bundle.test.ts proves the same by
 * bundling and running it.
 */
/** The pure folders (eslint.config.js `pureCore`), minus the Node signature backend that only Node layers install. */
const PURE_DIRS = ['merkle', 'tlog', 'cose', 'keys', 'receipts', 'statements', 'aat', 'verify', 'util', 'crypto', 'x509', 'tsa'];
const NODE_ONLY = /src\/crypto\/node\//;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the offline verifier is pure', () => {
  it('src/verify reaches no Node module, I/O package or Node global, directly or through other folders', () => {
    const { files, packages, scans } = importGraph(join(REPO_ROOT, 'src', 'verify', 'index.ts'));
    expect(files.size).toBeGreaterThan(20);
    expect(packages.has('@noble/curves/nist.js')).toBe(true); // the walk does see packages
    expect(impurities(scans, REPO_ROOT)).toEqual([]);
    // and never the node-only layers, nor Node's signature backend
    expect([...files].filter((f) => /src\/(log|storage|service|http|cli|config|tsa-server)\//.test(f) || NODE_ONLY.test(f))).toEqual([]);
  });

  it('every file of the pure folders is free of node:, Node built-ins and Buffer', () => {
    const files = [join(REPO_ROOT, 'src', 'errors.ts'), join(REPO_ROOT, 'src', 'error-codes.ts'), ...PURE_DIRS.flatMap((d) => tsFiles(join(REPO_ROOT, 'src', d)))].filter((f) => !NODE_ONLY.test(f));
    expect(files.length).toBeGreaterThan(60);
    expect(impurities(new Map(files.map((f) => [f, scanFile(f)])), REPO_ROOT)).toEqual([]);
  });

  it('the scan finds what it looks for', () => {
    const probe = [
      "import { readFile } from 'node:fs'; import type { KeyObject } from 'node:crypto'; import { p256 } from '@noble/curves/nist.js';",
      "export * from 'express'; export type { X } from 'node:path'; const o = { Buffer: 1 }; void o.Buffer; // require('os')",
      "const b = Buffer.from('x'); await import('node:worker_threads'); require('os'); import('./local.js');",
    ].join('\n');
    const s = scanSource('probe.ts', probe);
    expect(s.imports).toEqual(['node:fs', '@noble/curves/nist.js', 'express', 'node:worker_threads', 'os', './local.js']);
    expect(impurities(new Map([['probe.ts', s]]))).toEqual([
      'probe.ts: imports node:fs', 'probe.ts: imports express', 'probe.ts: imports node:worker_threads', 'probe.ts: imports os',
      'probe.ts: uses Buffer (line 3)', 'probe.ts: uses require (line 3)',
    ]);
    // the Node backend, which no pure file may reach, is what the scan flags
    expect(impurities(new Map([['node.ts', scanFile(join(REPO_ROOT, 'src', 'crypto', 'node', 'signatures.ts'))]]))).toContain('node.ts: imports node:crypto');
  });
});
