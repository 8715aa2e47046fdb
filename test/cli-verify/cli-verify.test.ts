import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/util/bytes.js';
import { decodeSignedTreeHead, encodeSignedTreeHead } from '../../src/receipts/index.js';
import type { Case } from '../../test-vectors/lib/build.js';
import { VECTORS_DIR } from '../../test-vectors/generate.js';
import { cliArgs } from '../vectors/run-case.js';
import { vectorPath } from '../helpers/vectors.js';
import { atlogVerify, type VerifyRun } from '../helpers/verify-cli.js';

/** `atlog verify` end to end (dist/ is built by globalSetup): exit 0 valid, 1 not valid, 2 cannot evaluate. */

const manifest = JSON.parse(readFileSync(join(VECTORS_DIR, 'manifest.json'), 'utf8')) as { cases: Case[] };
const byId = (id: string): Case => manifest.cases.find((c) => c.id === id)!;
const V = (p: string): string => join(VECTORS_DIR, p);

interface Json {
  valid: boolean;
  checks: Array<{ name: string; ok: boolean; detail: string }>;
  failure?: { code: string; detail: string };
}

const atlog = (args: string[]): Promise<VerifyRun<Json>> => atlogVerify<Json>(args);

describe.concurrent('atlog verify: one case of every kind from test-vectors', () => {
  const ids = ['statement-ML-DSA-65', 'session-edited', 'delegation-valid', 'delegation-wrong-entry', 'consistency-valid', 'consistency-split-view'];
  it.each(ids)('%s', async (id) => {
    const c = byId(id);
    const r = await atlog([...cliArgs(VECTORS_DIR, c), '--json']);
    expect(r.status).toBe(c.expect.valid ? 0 : 1);
    expect(r.json!.valid).toBe(c.expect.valid);
    expect(r.json!.failure?.code).toBe(c.expect.code);
  });

  it.each(['session-valid', 'receipt-tampered-path'])('%s in human form', async (id) => {
    const c = byId(id);
    const human = await atlog(cliArgs(VECTORS_DIR, c));
    expect(human.status).toBe(c.expect.valid ? 0 : 1);
    expect(human.stdout).toContain(c.expect.valid ? 'VALID' : `NOT VALID: ${c.expect.code}`);
    expect(human.stdout).toMatch(/^(ok {2}|FAIL) \S+: /m);
  });
});

describe.concurrent('atlog verify: options', () => {
  const ts = V('statements/ES384.transparent.cose');
  const service = V('keys/service.keyset.cbor');
  const tmp = mkdtempSync(join(tmpdir(), 'atlog-cli-verify-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('takes receipts from label 394 and notes a missing issuer key without failing', async () => {
    const r = await atlog(['--statement', ts, '--service-key', service, '--json']);
    expect(r.status).toBe(0);
    expect(r.json!.checks.find((c) => c.name === 'statement.signature')!.detail).toMatch(/not checked/);
    expect(r.json!.checks.filter((c) => c.name.endsWith('.inclusion'))).toHaveLength(2);
  });

  it('--require-issuer-signature makes a missing issuer key a failure', async () => {
    const r = await atlog(['--statement', ts, '--service-key', service, '--require-issuer-signature', '--json']);
    expect(r.status).toBe(1);
    expect(r.json!.failure!.code).toBe('ERR_VERIFY_NO_ISSUER_KEY');
  });

  it('--require-alg demands a receipt of that algorithm; --keys is an alias of --service-key', async () => {
    expect((await atlog(['--statement', ts, '--keys', service, '--require-alg', 'ES256', '--require-alg', 'ML-DSA-65'])).status).toBe(0);
    const onlyEs = await atlog(['--receipt', V('receipts/receipt-valid-ES256.cose'), '--statement', V('receipts/statement.cose'), '--service-key', service, '--require-alg', '-49', '--json']);
    expect(onlyEs.status).toBe(1);
    expect(onlyEs.json!.failure!.code).toBe('ERR_VERIFY_MISSING_ALG');
  });

  it('a service key that did not sign is not valid (exit 1), PEM and COSE keys both load', async () => {
    const r = await atlog(['--statement', ts, '--service-key', V('keys/rogue-service-ES256.pub.cbor'), '--json']);
    expect(r.status).toBe(1);
    expect(r.json!.failure!.code).toBe('ERR_RECEIPT_UNKNOWN_KEY');
    const pem = await atlog(['--statement', vectorPath('scitt-rfc9162', 'valid-es256', 'statement.cose'), '--receipt', vectorPath('scitt-rfc9162', 'valid-es256', 'receipt.cose'), '--service-key', vectorPath('scitt-rfc9162', 'valid-es256', 'log-key.pub')]);
    expect(pem.status).toBe(0);
  });

  it('--old-root supplies the root of a detached old checkpoint', async () => {
    const c = byId('consistency-valid');
    const old = readFileSync(V(c.files.oldCheckpoint!));
    const d = decodeSignedTreeHead(old);
    const detached = join(tmp, 'old-detached.cose');
    writeFileSync(detached, encodeSignedTreeHead({ treeSize: d.treeSize, root: d.root!, protectedBytes: d.protectedBytes, signature: d.signature, alg: d.alg, kid: d.kid! }));
    const base = ['--consistency', V(c.files.consistency!), '--old-checkpoint', detached, '--service-key', service, '--json'];
    expect((await atlog([...base, '--old-root', toHex(d.root!)])).status).toBe(0);
    const missing = await atlog(base);
    expect(missing.status).toBe(1);
    expect(missing.json!.failure!.code).toBe('ERR_RECEIPT_MALFORMED');
    const wrong = await atlog([...base, '--old-root', '00'.repeat(32)]);
    expect(wrong.json!.failure!.code).toBe('ERR_RECEIPT_BAD_SIGNATURE');
  });

  const usage: Array<[string, string[]]> = [
    ['no mode', ['--service-key', service]],
    ['two modes', ['--statement', ts, '--bundle', ts, '--service-key', service]],
    ['no service key', ['--statement', ts]],
    ['unreadable statement', ['--statement', join(tmp, 'nope.cose'), '--service-key', service]],
    ['key file that is no key', ['--statement', ts, '--service-key', ts]],
    ['unknown option', ['--statement', ts, '--service-key', service, '--frobnicate']],
    ['unknown algorithm', ['--statement', ts, '--service-key', service, '--require-alg', 'RSA']],
    ['consistency without old checkpoint', ['--consistency', ts, '--service-key', service]],
    ['bad --old-root', ['--consistency', ts, '--old-checkpoint', ts, '--old-root', 'xyz', '--service-key', service]],
  ];
  it.each(usage)('cannot evaluate: %s -> exit 2', async (_n, args) => {
    const r = await atlog(args);
    expect(r.status).toBe(2);
    expect(r.stderr.length).toBeGreaterThan(0);
  });

  it('cannot evaluate with --json still prints a not-valid JSON report', async () => {
    const r = await atlog(['--statement', ts, '--json']);
    expect(r.status).toBe(2);
    expect(r.json).toMatchObject({ valid: false, failure: { code: 'ERR_VERIFY_CANNOT_EVALUATE' } });
  });

  it('garbage statement bytes are not valid (exit 1, ERR_STATEMENT_MALFORMED)', async () => {
    const g = join(tmp, 'garbage.cose');
    writeFileSync(g, new Uint8Array([0xd2, 0x84, 0x01]));
    const r = await atlog(['--statement', g, '--service-key', service, '--json']);
    expect(r.status).toBe(1);
    expect(r.json!.failure!.code).toBe('ERR_STATEMENT_MALFORMED');
  });
});
