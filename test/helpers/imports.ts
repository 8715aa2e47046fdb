import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The static import graph of a module: every file it reaches through relative imports and every package it
 * names (`import type` is erased, so it does not count). For the purity tests of the verifier and the client.
 */
export function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) {
      if (m[1]) continue;
      const spec = m[2]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}
