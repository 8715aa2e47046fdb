import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Case } from '../../test-vectors/lib/build.js';
import { VECTORS_DIR, writeVectors } from '../../test-vectors/generate.js';
import { filesUnder } from '../helpers/vectors.js';
import { runCase } from './run-case.js';

/** atlog's own committed vectors (test-vectors/): each verdict holds, and regenerating them changes nothing. */

const manifest = JSON.parse(readFileSync(join(VECTORS_DIR, 'manifest.json'), 'utf8')) as { version: number; cases: Case[] };

describe('test-vectors/manifest.json', () => {
  it('covers every kind and algorithm it promises', () => {
    const ids = manifest.cases.map((c) => c.id);
    for (const alg of ['ESP256', 'ES256', 'Ed25519', 'ES384', 'ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87']) expect(ids).toContain(`statement-${alg}`);
    for (const k of ['edited', 'removed', 'reordered', 'forked', 'duplicate', 'timestamp-regression', 'bad-session-hash', 'after-end', 'no-genesis', 'invalid-record']) expect(ids).toContain(`session-${k}`);
    expect(ids).toContain('delegation-valid');
    expect(ids).toContain('consistency-valid');
    expect(manifest.cases.filter((c) => c.expect.valid).length).toBeGreaterThan(5);
    expect(manifest.cases.filter((c) => !c.expect.valid).length).toBeGreaterThan(15);
  });

  it.each(manifest.cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const r = await runCase(VECTORS_DIR, c);
    expect({ valid: r.valid, code: r.failure?.code }).toEqual({ valid: c.expect.valid, code: c.expect.code });
  });
});

describe('regeneration', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'atlog-vectors-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes exactly the committed files, byte for byte (all signatures here are deterministic)', async () => {
    const written = await writeVectors(tmp);
    // third-party/ holds copied published vectors (its README), not generated ones; timestamped/ comes from
    // its own script (a TSA signature is randomized: test/vectors/timestamped.test.ts).
    const committed = filesUnder(VECTORS_DIR).filter((p) => !p.endsWith('.ts') && p !== 'README.md' && !p.startsWith('third-party/') && !p.startsWith('timestamped/'));
    expect(written).toEqual(committed);
    for (const p of written) expect(readFileSync(join(tmp, p)).equals(readFileSync(join(VECTORS_DIR, p))), p).toBe(true);
  }, 30_000);
});
