import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importGraph } from '../helpers/imports.js';
import { REPO_ROOT } from '../helpers/vectors.js';

/** The client runs wherever fetch does (a browser too): no node: module anywhere in its import graph. */
describe('src/client is pure over fetch', () => {
  it('imports nothing but cbor-x and @noble/hashes, and no node-only layer, directly or through other folders', () => {
    const { files, packages } = importGraph(join(REPO_ROOT, 'src', 'client', 'index.ts'));
    expect(files.size).toBeGreaterThan(10);
    expect([...packages].sort()).toEqual(['@noble/hashes/sha2.js', 'cbor-x']);
    expect([...files].filter((f) => /src\/(log|service|http|cli|config)\//.test(f))).toEqual([]);
  });
});
