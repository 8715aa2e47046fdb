import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/node/index.js';
import * as verifyApi from '../../src/verify/index.js';
import { importGraph } from '../helpers/imports.js';
import { REPO_ROOT } from '../helpers/vectors.js';

/**
 * The package's entries, `atlog` and `atlog/verify` (docs/library.md) and the integrations (docs/integrations.md):
 * what they export, that Node resolves them by the package's own name through `exports` (to the dist/ the global
 * setup built), that no framework hides behind the root entry, that nothing else in the package can be imported,
 * and that the documented example runs as written. .ci/pack-check.sh repeats the
 * import and the example from a packed tarball installed into an empty directory.
 */

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  exports: Record<string, string | Record<string, unknown>>;
  files: string[];
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional: boolean }>;
};

function node(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The framework adapters' entries (docs/integrations.md): subpath, built file, and the peer package each needs. */
const INTEGRATIONS = [
  { entry: './openai-agents', file: 'integrations/openai-agents/index', peer: '@openai/agents' },
  { entry: './ai', file: 'integrations/ai-sdk/index', peer: 'ai' },
  { entry: './otel', file: 'integrations/otel/index', peer: '@opentelemetry/sdk-trace-base' },
] as const;

describe('package.json', () => {
  it('exports ".", "./verify", the integrations and "./package.json", types first, pointing at files the build writes', () => {
    expect(Object.keys(pkg.exports)).toEqual(['.', './verify', ...INTEGRATIONS.map((i) => i.entry), './package.json']);
    // Under Node the same API plus the Node-only SDK (openSession, the file queue), with node:crypto signatures
    // (src/node/); everywhere else the pure entries.
    expect(pkg.exports['.']).toEqual({
      node: { types: './dist/node/index.d.ts', default: './dist/node/index.js' },
      types: './dist/index.d.ts',
      default: './dist/index.js',
    });
    expect(pkg.exports['./verify']).toEqual({ types: './dist/verify/index.d.ts', node: './dist/node/verify.js', default: './dist/verify/index.js' });
    for (const i of INTEGRATIONS) expect(pkg.exports[i.entry]).toEqual({ types: `./dist/${i.file}.d.ts`, default: `./dist/${i.file}.js` });
    const check = (e: Record<string, unknown>): void => {
      const leaves = Object.entries(e).filter(([, v]) => typeof v === 'string');
      expect(leaves[0]?.[0]).toBe('types'); // TypeScript reads conditions in order
      for (const [, v] of Object.entries(e)) {
        if (typeof v === 'string') expect(existsSync(join(REPO_ROOT, v)), v).toBe(true);
        else check(v as Record<string, unknown>);
      }
    };
    for (const e of Object.values(pkg.exports).filter((v) => typeof v === 'object')) check(e as Record<string, unknown>);
    expect(pkg.bin).toEqual({ atlog: 'dist/cli/main.js' });
    expect(pkg.files).toContain('!dist/.tsbuildinfo');
  });

  it('the frameworks are optional peer dependencies (and dev dependencies for the tests), never dependencies', () => {
    for (const i of INTEGRATIONS) {
      expect(pkg.peerDependencies[i.peer], i.peer).toBeDefined();
      expect(pkg.peerDependenciesMeta[i.peer], i.peer).toEqual({ optional: true });
      expect(pkg.devDependencies[i.peer], i.peer).toBeDefined();
      expect(pkg.dependencies[i.peer], i.peer).toBeUndefined();
    }
  });

  it('the root entry and atlog/verify load no framework; atlog/ai and atlog/otel only their types', () => {
    const frameworks = (packages: Set<string>): string[] => [...packages].filter((p) => /^(ai|ai\/.*|@openai\/.*|@opentelemetry\/.*|zod)$/.test(p));
    for (const entry of ['index.ts', 'verify/index.ts', 'node/index.ts', 'node/verify.ts']) {
      const { packages, files } = importGraph(join(REPO_ROOT, 'src', entry));
      expect(frameworks(packages), entry).toEqual([]);
      expect([...files].filter((f) => f.includes('/integrations/')), entry).toEqual([]);
    }
    for (const i of INTEGRATIONS) expect(frameworks(importGraph(join(REPO_ROOT, 'src', `${i.file}.ts`)).packages), i.entry).toEqual(i.entry === './openai-agents' ? ['@openai/agents'] : []);
  });
});

describe("import { … } from 'atlog'", () => {
  it('holds records, statements, keys, receipts, the verifier, the client, the agent SDK and AtlogError', () => {
    const names = [
      'genesisRecord', 'nextRecord', 'sessionEndRecord', 'validateRecord', 'canonicalBytes', 'recordHash', 'verifyChain',
      'buildRecordStatement', 'buildStatement', 'parseStatement', 'registrationEntry', 'entryHash', 'toTransparentStatement',
      'generateKey', 'parseKeyFile', 'parsePublicKeys', 'importPem', 'importCoseKey', 'exportCoseKey', 'exportSpkiPem', 'thumbprint',
      'signTreeHead', 'issueInclusionReceipt', 'verifyReceipt', 'verifyConsistencyReceipt', 'leafHash', 'verifyInclusion',
      'verifyTransparentStatement', 'verifySessionBundle', 'verifyDelegation', 'AtlogError', 'isAtlogError',
      'createClient', 'openSession', 'createSession', 'loadKey', 'loadPolicy', 'syncQueue', 'FileQueue', 'LocalPolicy', 'valueHash',
    ];
    const exported = api as unknown as Record<string, unknown>;
    for (const n of names) expect(typeof exported[n], n).toBe('function');
  });

  it('the pure entry (a browser\'s atlog) holds the SDK\'s sessions but not what needs files', async () => {
    const pure = (await import('../../src/index.js')) as unknown as Record<string, unknown>;
    for (const n of ['createSession', 'createClient', 'LocalPolicy', 'verifyTransparentStatement']) expect(typeof pure[n], n).toBe('function');
    for (const n of ['openSession', 'loadKey', 'FileQueue', 'syncQueue']) expect(pure[n], n).toBeUndefined();
  });

  it('atlog/verify holds the verifier, key parsing and AtlogError, and nothing that signs', () => {
    const exported = verifyApi as unknown as Record<string, unknown>;
    for (const n of ['verifyTransparentStatement', 'verifySessionBundle', 'verifyDelegation', 'verifyTreeHeadConsistency', 'verifyReceipt', 'parsePublicKeys', 'AtlogError']) {
      expect(typeof exported[n], n).toBe('function');
    }
    for (const n of ['generateKey', 'buildStatement', 'signTreeHead', 'genesisRecord', 'openSession', 'createClient']) expect(exported[n], n).toBeUndefined();
  });

  it('Node resolves both entries by the package name, and refuses paths that are not exported', () => {
    const script = [
      "const a = await import('atlog');",
      "const v = await import('atlog/verify');",
      "const k = a.generateKey('Ed25519');",
      "console.log(typeof a.buildRecordStatement, v.verifyTransparentStatement === a.verifyTransparentStatement, k.alg);",
      "try { await import('atlog/dist/cli/main.js'); } catch (e) { console.log(e.code); }",
      "console.log((await import('atlog/package.json', { with: { type: 'json' } })).default.name);",
    ].join('\n');
    const r = node(['--input-type=module', '-e', script]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['function true -19', 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'atlog']);
  });
});

describe('signature backends by platform', () => {
  it('Node gets node:crypto signatures from either entry; the API is the same objects', () => {
    const backend = JSON.stringify(join(REPO_ROOT, 'dist', 'crypto', 'signatures.js'));
    const script = [
      `const { signatureBackend } = await import(${backend});`,
      'const before = signatureBackend().name;',
      "const v = await import('atlog/verify');",
      "const direct = await import(" + JSON.stringify(join(REPO_ROOT, 'dist', 'verify', 'index.js')) + ');',
      "console.log(before, signatureBackend().name, v.verifyTransparentStatement === direct.verifyTransparentStatement);",
    ].join('\n');
    const r = node(['--input-type=module', '-e', script]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('noble node:crypto true');
  });

  it('a browser bundle of atlog and atlog/verify takes the pure entries, never the Node ones', async () => {
    const { build } = await import('esbuild');
    for (const entry of ['atlog', 'atlog/verify']) {
      const r = await build({
        stdin: { contents: `export * from '${entry}';`, resolveDir: REPO_ROOT }, bundle: true, platform: 'browser', format: 'esm',
        write: false, metafile: true, logLevel: 'silent',
        tsconfigRaw: {}, // not the repository's `paths`, which map the package name to src/ for type checks
      });
      const inputs = Object.keys(r.metafile.inputs);
      expect(inputs, entry).toContain(entry === 'atlog' ? 'dist/index.js' : 'dist/verify/index.js');
      expect(inputs.filter((f) => f.startsWith('dist/node/') || f.startsWith('dist/crypto/node/') || f === 'dist/sdk/node.js'), entry).toEqual([]);
    }
  });
});

describe('docs/library.md', () => {
  const example = readFileSync(join(REPO_ROOT, 'docs', 'examples', 'sign-and-verify.ts'), 'utf8');

  it('shows docs/examples/sign-and-verify.ts verbatim', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'library.md'), 'utf8');
    const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks).toContain(example);
  });

  it('the example runs as written and prints what the page says', () => {
    const r = node(['--import', 'tsx', join('docs', 'examples', 'sign-and-verify.ts')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('VALID\nNOT VALID: ERR_RECEIPT_INCLUSION_INVALID\n');
  });
});

describe('atlog --version', () => {
  it('prints the version of package.json', () => {
    for (const flag of ['--version', '-V']) {
      const r = node([join(REPO_ROOT, 'dist', 'cli', 'main.js'), flag]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${pkg.version}\n`);
    }
  });
});
