import tseslint from 'typescript-eslint';

const ioModules = ['express', 'classic-level', 'node:fs', 'node:fs/promises', 'fs', 'node:net', 'node:http', 'node:child_process', 'pino', 'prom-client'];

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
    // The pure core: what an offline verifier (and a browser) loads. No I/O, no frameworks.
    files: ['src/merkle/**', 'src/tlog/**', 'src/cose/**', 'src/keys/**', 'src/receipts/**', 'src/statements/**', 'src/aat/**', 'src/verify/**', 'src/util/**', 'src/crypto/**',
      // trusted time, pure: certificates and RFC 3161 (spec/anchoring.md section 5); the Node side is src/tsa-server
      'src/x509/**', 'src/tsa/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: ioModules.map((name) => ({ name, message: 'The pure core must not do I/O (see docs/architecture.md).' })) }],
    },
  },
  {
    // The SCRAPI client runs wherever fetch does (docs/api.md "Client"): no node: modules at all.
    files: ['src/client/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ioModules.map((name) => ({ name, message: 'src/client runs in browsers: fetch only.' })),
        patterns: [{ group: ['node:*'], message: 'src/client runs in browsers: fetch only.' }],
      }],
    },
  },
);
