import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const ioModules = ['express', 'classic-level', 'pino', 'prom-client'];
/** What a browser does not have: I/O packages and every Node built-in, bare (`fs`) or prefixed (`node:fs`). */
const nodeOnlyImports = (message) => ['error', {
  paths: [...ioModules, ...builtinModules].map((name) => ({ name, message })),
  patterns: [{ group: ['node:*'], message }],
}];
const nodeOnlyGlobals = (message) => ['error', ...['Buffer', 'process', 'global', 'require', '__dirname', '__filename', 'setImmediate'].map((name) => ({ name, message }))];

// The pure core: what an offline verifier (and a browser) loads. No I/O, no frameworks, nothing of Node's.
const pureCore = ['src/errors.ts', 'src/error-codes.ts', 'src/merkle/**', 'src/policy/**', 'src/tlog/**', 'src/cose/**', 'src/keys/**', 'src/receipts/**', 'src/statements/**', 'src/aat/**', 'src/verify/**', 'src/util/**', 'src/crypto/**',
  // trusted time, pure: certificates and RFC 3161 (spec/anchoring.md section 5); the Node side is src/tsa-server
  'src/x509/**', 'src/tsa/**',
  // the report renderer: a function from an audit result to HTML (docs/auditor.md)
  'src/audit/report/**'];

const pureMessage = 'The pure core runs in a browser: no I/O and no Node modules (see docs/architecture.md).';
const clientMessage = 'src/client runs in browsers: fetch only.';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: pureCore,
    // Node's signature backend, which only Node layers install (src/crypto/signatures.ts is its pure interface).
    ignores: ['src/crypto/node/**'],
    rules: {
      'no-restricted-imports': nodeOnlyImports(pureMessage),
      'no-restricted-globals': nodeOnlyGlobals(pureMessage),
    },
  },
  {
    // The SCRAPI client runs wherever fetch does (docs/api.md "Client"): no node: modules at all.
    files: ['src/client/**'],
    rules: {
      'no-restricted-imports': nodeOnlyImports(clientMessage),
      'no-restricted-globals': nodeOnlyGlobals(clientMessage),
    },
  },
);
