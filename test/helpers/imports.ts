import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Import scanning for the purity tests (the verifier, the client): a module's syntax tree, not its text, so
 * static, dynamic and `require` imports, side-effect imports and re-exports all count, comments and strings do
 * not, and `import type` / `export type` (erased by the compiler) are left out.
 */

/** What one module imports at run time, and the Node-only globals it uses as free identifiers (with lines). */
export interface ModuleScan {
  imports: string[];
  globals: string[];
}

const IO_PACKAGES = ['express', 'classic-level', 'pino', 'prom-client'];
const NODE_GLOBALS = new Set(['Buffer', 'process', 'global', 'require', '__dirname', '__filename', 'setImmediate']);

export const isNodeBuiltin = (spec: string): boolean => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!);

export function scanSource(name: string, text: string): ModuleScan {
  const sf = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true);
  const imports: string[] = [];
  const globals: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && !n.importClause?.isTypeOnly && ts.isStringLiteral(n.moduleSpecifier)) imports.push(n.moduleSpecifier.text);
    else if (ts.isExportDeclaration(n) && !n.isTypeOnly && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) imports.push(n.moduleSpecifier.text);
    else if (ts.isCallExpression(n) && (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === 'require'))) {
      const a = n.arguments[0];
      imports.push(a && ts.isStringLiteralLike(a) ? a.text : '<computed>');
    } else if (ts.isIdentifier(n) && NODE_GLOBALS.has(n.text)) {
      const p = n.parent;
      const isMemberName = (ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isPropertyAssignment(p) && p.name === n) || ts.isImportSpecifier(p);
      if (!isMemberName) globals.push(`${n.text} (line ${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1})`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return { imports, globals };
}

export const scanFile = (file: string): ModuleScan => scanSource(file, readFileSync(file, 'utf8'));

/**
 * The static import graph of a module: every file it reaches through relative imports (with its scan) and
 * every package it names.
 */
export function importGraph(entry: string): { files: Set<string>; packages: Set<string>; scans: Map<string, ModuleScan> } {
  const scans = new Map<string, ModuleScan>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (scans.has(file)) return;
    const s = scanFile(file);
    scans.set(file, s);
    for (const spec of s.imports) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files: new Set(scans.keys()), packages, scans };
}

/** Every import or global of the scanned modules that a browser does not have, as "file: what" (paths relative to `root`). */
export function impurities(scans: Map<string, ModuleScan>, root = ''): string[] {
  const out: string[] = [];
  for (const [file, s] of scans) {
    const rel = root ? relative(root, file) : file;
    for (const spec of s.imports) {
      if (isNodeBuiltin(spec) || IO_PACKAGES.includes(spec) || spec === '<computed>') out.push(`${rel}: imports ${spec}`);
    }
    for (const g of s.globals) out.push(`${rel}: uses ${g}`);
  }
  return out;
}
