import { generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import vm from 'node:vm';
import { build, type Plugin } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/util/bytes.js';
import { REPO_ROOT } from '../helpers/vectors.js';

/**
 * Proof that the verifier runs in a browser (issue 10): src/verify/index.ts, the `atlog/verify` entry, is
 * bundled by esbuild for the browser platform with every Node built-in forbidden (no polyfills, no shims), and
 * the bundle then verifies real receipts from test-vectors/ inside a `node:vm` context that has only the web
 * globals a browser page has (TextEncoder/TextDecoder, crypto, atob/btoa), and no process, Buffer or require.
 */

const VECTORS = join(REPO_ROOT, 'test-vectors');
const read = (p: string): string => toBase64(new Uint8Array(readFileSync(join(VECTORS, p))));

/** Fails the build on any import of a Node built-in, with or without the `node:` prefix. */
const noNodeBuiltins: Plugin = {
  name: 'no-node-builtins',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      const bare = args.path.replace(/^node:/, '').split('/')[0]!;
      if (args.path.startsWith('node:') || builtinModules.includes(bare)) {
        return { errors: [{ text: `Node built-in "${args.path}" imported by ${args.importer}` }] };
      }
      return undefined;
    });
  },
};

async function bundle(entry: string): Promise<{ code: string; inputs: string[] }> {
  const r = await build({
    entryPoints: [entry], bundle: true, platform: 'browser', format: 'iife', globalName: 'atlogVerify',
    target: 'es2022', write: false, metafile: true, logLevel: 'silent', plugins: [noNodeBuiltins],
  });
  return { code: r.outputFiles[0]!.text, inputs: Object.keys(r.metafile.inputs) };
}

/**
 * A context with a browser's globals only. The JS built-ins (Uint8Array, Promise, BigInt...) are the context's
 * own; TextEncoder wraps the host's so that its output is a Uint8Array of this realm, as in a page.
 */
function browserLikeContext(): vm.Context {
  const host = { encode: (s: string) => new TextEncoder().encode(s), TextDecoder, crypto: globalThis.crypto, atob, btoa };
  const ctx = vm.createContext({ host });
  vm.runInContext(`((host) => {
    globalThis.TextEncoder = class TextEncoder { get encoding() { return 'utf-8'; } encode(s = '') { return new Uint8Array(host.encode(String(s))); } };
    globalThis.TextDecoder = host.TextDecoder;
    globalThis.crypto = host.crypto;
    globalThis.atob = host.atob;
    globalThis.btoa = host.btoa;
    globalThis.self = globalThis;
  })(globalThis.host); delete globalThis.host;`, ctx);
  return ctx;
}

interface Verdict {
  valid: boolean;
  code: string | null;
  checks: number;
}

describe('atlog/verify in a browser bundle', () => {
  let code = '';
  let inputs: string[] = [];
  beforeAll(async () => {
    ({ code, inputs } = await bundle(join(REPO_ROOT, 'src', 'verify', 'index.ts')));
  });

  it('bundles for the browser platform without any Node built-in', () => {
    expect(code.length).toBeGreaterThan(10_000);
    expect(inputs.some((f) => f.includes('node_modules/@noble/curves/'))).toBe(true);
    expect(inputs.filter((f) => /src\/crypto\/node\/|src\/(log|service|http|cli)\//.test(f))).toEqual([]);
  });

  it('refuses a bundle that reaches a Node built-in', async () => {
    const err = await bundle(join(REPO_ROOT, 'src', 'crypto', 'node', 'signatures.ts')).then(() => undefined, (e: unknown) => e);
    expect(String(err)).toMatch(/Node built-in "node:crypto"/);
  });

  it('has no Node globals in its context', () => {
    const ctx = browserLikeContext();
    expect(vm.runInContext('[typeof process, typeof Buffer, typeof require, typeof setImmediate, typeof crypto.getRandomValues]', ctx)).toEqual(
      ['undefined', 'undefined', 'undefined', 'undefined', 'function'],
    );
  });

  /** Runs verifyTransparentStatement from the bundle in a fresh browser-like context. */
  async function verifyInBundle(files: { statement: string; receipt?: string; serviceKey: string; issuerKey: string }, tamper = false): Promise<Verdict> {
    const ctx = browserLikeContext();
    vm.runInContext(code, ctx);
    ctx['input'] = { statement: read(files.statement), receipt: files.receipt ? read(files.receipt) : null, serviceKey: read(files.serviceKey), issuerKey: read(files.issuerKey), tamper };
    const run = vm.runInContext(`(async () => {
      const b = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
      const receipts = input.receipt === null ? undefined : [b(input.receipt)];
      if (input.tamper) receipts[0][receipts[0].length - 1] ^= 1; // last byte of the receipt's signature
      const r = await atlogVerify.verifyTransparentStatement({
        statement: b(input.statement),
        ...(receipts ? { receipts } : {}),
        serviceKeys: atlogVerify.parsePublicKeys(b(input.serviceKey)),
        issuerKeys: atlogVerify.parsePublicKeys(b(input.issuerKey)),
      });
      return JSON.stringify({ valid: r.valid, code: r.failure ? r.failure.code : null, checks: r.checks.length });
    })()`, ctx) as Promise<string>;
    return JSON.parse(await run) as Verdict;
  }

  it('verifies an ES256 receipt from test-vectors, and not once the receipt is tampered with', async () => {
    const files = { statement: 'receipts/statement.cose', receipt: 'receipts/receipt-valid-ES256.cose', serviceKey: 'keys/service.keyset.cbor', issuerKey: 'keys/issuer-ES256.pub.cbor' };
    const ok = await verifyInBundle(files);
    expect(ok).toMatchObject({ valid: true, code: null });
    expect(ok.checks).toBeGreaterThanOrEqual(3);
    expect(await verifyInBundle(files, true)).toMatchObject({ valid: false, code: 'ERR_RECEIPT_INCLUSION_INVALID' });
  });

  it.each(['ES384', 'Ed25519', 'ML-DSA-44'])('verifies the %s Transparent Statement with its ES256 and ML-DSA-65 receipts', async (alg) => {
    const v = await verifyInBundle({ statement: `statements/${alg}.transparent.cose`, serviceKey: 'keys/service.keyset.cbor', issuerKey: `keys/issuer-${alg}.pub.cbor` });
    expect(v).toMatchObject({ valid: true, code: null });
  });

  it('rejects a statement whose issuer signature does not verify', async () => {
    const v = await verifyInBundle({ statement: 'receipts/bad-signature.statement.cose', receipt: 'receipts/statement-bad-signature.cose', serviceKey: 'keys/service.keyset.cbor', issuerKey: 'keys/issuer-ES256.pub.cbor' });
    expect(v).toMatchObject({ valid: false, code: 'ERR_STATEMENT_BAD_SIGNATURE' });
  });

  it.each([
    ['P-256', 'sha256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['P-384', 'sha384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['Ed25519', null, () => generateKeyPairSync('ed25519')],
  ] as const)('imports %s PEM keys from OpenSSL, verifies its signatures and signs what it verifies, with no Buffer', async (_name, hash, gen) => {
    const pair = gen();
    const msg = new TextEncoder().encode('signed in Node, checked in the page');
    const ctx = browserLikeContext();
    vm.runInContext(code, ctx);
    ctx['input'] = {
      spki: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      pkcs8: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      msg: toBase64(msg),
      sig: toBase64(new Uint8Array(nodeSign(hash, msg, { key: pair.privateKey, dsaEncoding: 'ieee-p1363' }))),
    };
    const out = JSON.parse(vm.runInContext(`(() => {
      const b = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
      const pub = atlogVerify.importPem(input.spki);
      const priv = atlogVerify.importPem(input.pkcs8);
      const msg = b(input.msg);
      const bad = b(input.sig); bad[0] ^= 1;
      const sig = priv.sign(msg);
      return JSON.stringify({ good: pub.verify(msg, b(input.sig)), bad: pub.verify(msg, bad), sig: btoa(String.fromCharCode(...sig)) });
    })()`, ctx) as string) as { good: boolean; bad: boolean; sig: string };
    expect(out.good).toBe(true);
    expect(out.bad).toBe(false);
    expect(nodeVerify(hash, msg, { key: pair.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(out.sig, 'base64'))).toBe(true);
  });
});
