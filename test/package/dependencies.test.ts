import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/vectors.js';

/**
 * Consumers install atlog without its repository's lock file or `overrides`, so the versions package.json names
 * must work on their own. cbor-x declares the native cbor-extract as an optional dependency; the registry serves
 * no platform builds of cbor-extract 2.2.3, and a consumer that resolved cbor-x 1.6.9 (which wants ^2.2.3) got a
 * lock file that their own `npm ci` refuses. atlog therefore pins cbor-x 1.6.8 (wants ^2.2.2) and names
 * cbor-extract 2.2.2 itself, optional like cbor-x does, so npm places that one version where both find it.
 * (atlog never uses cbor-x's decoder, the only part the extractor speeds up: src/cose/cbor-decode.ts.)
 * .ci/pack-check.sh proves it end to end: install the packed tarball, then `npm ci` from the resulting lock.
 */

const read = (p: string): Record<string, unknown> => JSON.parse(readFileSync(join(REPO_ROOT, p), 'utf8')) as Record<string, unknown>;
const pkg = read('package.json') as { dependencies: Record<string, string>; optionalDependencies?: Record<string, string>; overrides?: unknown };

/** `range` is a caret range (^a.b.c) that `version` satisfies. */
function caretSatisfies(range: string, version: string): boolean {
  const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  const v = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!m || !v) return false;
  const [a, b] = [m.slice(1).map(Number), v.slice(1).map(Number)] as [number[], number[]];
  if (a[0] !== b[0]) return false;
  return b[1]! > a[1]! || (b[1] === a[1] && b[2]! >= a[2]!);
}

describe('dependency versions a consumer gets', () => {
  it('no overrides: what package.json names is what consumers get', () => {
    expect(pkg.overrides).toBeUndefined();
  });

  it("cbor-x is pinned and atlog's own optional cbor-extract satisfies cbor-x's optional range", () => {
    const cborX = pkg.dependencies['cbor-x']!;
    const extract = pkg.optionalDependencies?.['cbor-extract'];
    expect(cborX).toMatch(/^\d+\.\d+\.\d+$/);
    expect(extract).toMatch(/^\d+\.\d+\.\d+$/);
    const installed = read('node_modules/cbor-x/package.json') as { version: string; optionalDependencies: Record<string, string> };
    expect(installed.version).toBe(cborX);
    expect(caretSatisfies(installed.optionalDependencies['cbor-extract']!, extract!)).toBe(true);
  });

  it('the lock holds one cbor-extract, at the pinned version, with every platform build it names', () => {
    const lock = read('package-lock.json') as { packages: Record<string, { version?: string; optionalDependencies?: Record<string, string> }> };
    const extracts = Object.keys(lock.packages).filter((p) => p.endsWith('node_modules/cbor-extract'));
    expect(extracts).toEqual(['node_modules/cbor-extract']);
    const entry = lock.packages['node_modules/cbor-extract']!;
    expect(entry.version).toBe(pkg.optionalDependencies!['cbor-extract']);
    const builds = Object.entries(entry.optionalDependencies ?? {});
    expect(builds.length).toBeGreaterThan(0);
    for (const [name, version] of builds) expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
  });
});
