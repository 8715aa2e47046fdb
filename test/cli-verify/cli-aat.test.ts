import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Case } from '../../test-vectors/lib/build.js';
import { VECTORS_DIR } from '../../test-vectors/generate.js';
import { cliArgs } from '../vectors/run-case.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { atlogVerify, type VerifyRun } from '../helpers/verify-cli.js';

/**
 * `atlog verify --aat` and the report's output rules through the real CLI (dist/, built by globalSetup):
 * exit 0 valid, 1 not valid, 2 cannot evaluate; `skip` for checks not run; `--quiet` prints the verdict only.
 */

const manifest = JSON.parse(readFileSync(join(VECTORS_DIR, 'manifest.json'), 'utf8')) as { cases: Case[] };
const byId = (id: string): Case => manifest.cases.find((c) => c.id === id)!;
const V = (p: string): string => join(VECTORS_DIR, p);

interface Json {
  valid: boolean;
  completeness?: { state: string; detail: string };
  checks?: Array<{ name: string; status: string; ok: boolean; detail: string }>;
  failure?: { code: string; detail: string };
}

const atlog = (args: string[]): Promise<VerifyRun<Json>> => atlogVerify<Json>(args);

describe('atlog verify --aat: the aat cases of test-vectors', () => {
  const cases = manifest.cases.filter((c) => c.kind === 'aat');
  it('covers each verdict', () => {
    const codes = cases.map((c) => c.expect.code);
    for (const code of ['ERR_AAT_CHAIN_EDITED', 'ERR_AAT_CHAIN_REMOVED', 'ERR_AAT_RECORD_BAD_SIGNATURE', 'ERR_AAT_RECORD_HIGH_S', 'ERR_AAT_RECORD_SIGNER_MISMATCH', 'ERR_AAT_RECORD_KEY_MISSING', 'ERR_AAT_SESSION_OPEN', 'ERR_AAT_SESSION_INCONCLUSIVE', 'ERR_AAT_CHAIN_INVALID_RECORD']) {
      expect(codes).toContain(code);
    }
    expect(cases.filter((c) => c.expect.valid).length).toBeGreaterThanOrEqual(6);
  });

  // Every case runs in process in test/vectors/own-vectors.test.ts; here the ones whose files or options map
  // onto distinct flags, and one per failure code.
  const CLI_CASES = ['aat-signed-complete', 'aat-signed-array', 'aat-signed-key-required', 'aat-edited', 'aat-removed', 'aat-bad-signature', 'aat-high-s', 'aat-signer-kid-mismatch', 'aat-open', 'aat-open-allowed', 'aat-close-without-hash', 'aat-draft00-strict', 'aat-draft04-signed'];
  it.each(cases.filter((c) => CLI_CASES.includes(c.id)).map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const r = await atlog([...cliArgs(VECTORS_DIR, c), '--json']);
    expect(r.status).toBe(c.expect.valid ? 0 : 1);
    expect({ valid: r.json!.valid, code: r.json!.failure?.code }).toEqual({ valid: c.expect.valid, code: c.expect.code });
    expect(['complete', 'open', 'inconclusive']).toContain(r.json!.completeness?.state);
  });
});

describe('atlog verify --aat: completeness in the verdict', () => {
  it.each<[string, string[], number, string, RegExp]>([
    ['complete', [], 0, 'complete', /^VALID \(session complete\)$/m],
    ['open, refused', ['--at', '2026-03-29T12:01:00Z'], 1, 'open', /^NOT VALID: ERR_AAT_SESSION_OPEN /m],
    ['open, accepted', ['--at', '2026-03-29T12:01:00Z', '--allow-incomplete'], 0, 'open', /^VALID \(session open: not proven complete\)$/m],
    ['inconclusive (heartbeat overdue, judged as of now)', [], 1, 'inconclusive', /^NOT VALID: ERR_AAT_SESSION_INCONCLUSIVE /m],
  ])('%s', async (name, extra, status, state, verdict) => {
    const file = name === 'complete' ? 'aat/aat-signed-complete.jsonl' : 'aat/aat-open.jsonl';
    const args = ['--aat', V(file), '--record-key', V('aat/record-key-a.jwk'), ...extra];
    const [human, j] = await Promise.all([atlog(args), atlog([...args, '--json'])]);
    expect(human.status).toBe(status);
    expect(human.stdout).toMatch(verdict);
    expect(j.json!.completeness!.state).toBe(state);
    expect(j.json!.checks!.find((c) => c.name === 'session.completeness')!.status).toBe(status === 0 && state !== 'complete' ? 'skip' : state === 'complete' ? 'ok' : 'fail');
  });

  it('a session bundle without its session_end is inconclusive; --allow-incomplete accepts it and says so', async () => {
    const c = byId('session-open');
    const [no, yes] = await Promise.all([atlog(cliArgs(VECTORS_DIR, c)), atlog([...cliArgs(VECTORS_DIR, c), '--allow-incomplete'])]);
    expect(no.status).toBe(1);
    expect(no.stdout).toMatch(/^FAIL session\.completeness: ERR_AAT_SESSION_INCONCLUSIVE: inconclusive: no session_end/m);
    expect(yes.status).toBe(0);
    expect(yes.stdout).toMatch(/^skip session\.completeness: inconclusive/m);
    expect(yes.stdout).toMatch(/^VALID \(session inconclusive: not proven complete\)$/m);
  });
});

describe('atlog verify: skip and --quiet', () => {
  it('signatures without a key are listed as skip, never ok', async () => {
    const r = await atlog(['--aat', V('aat/aat-signed-no-key.jsonl')]);
    expect(r.status).toBe(0);
    const sig = r.stdout.split('\n').filter((l) => l.includes('.signature:'));
    expect(sig).toHaveLength(5);
    for (const l of sig) expect(l).toMatch(/^skip session\.record\[\d\]\.signature: not checked: signed by \S+, whose key was not given/);
  });

  it('a statement without an issuer key: statement.signature is skip; JSON says status skip, ok false', async () => {
    const args = ['--statement', V('statements/ES384.transparent.cose'), '--service-key', V('keys/service.keyset.cbor')];
    const [human, j] = await Promise.all([atlog(args), atlog([...args, '--json'])]);
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/^skip statement\.signature: not checked: no issuer key given/m);
    expect(human.stdout).not.toMatch(/^ok {2}statement\.signature/m);
    expect(j.json!.checks!.find((c) => c.name === 'statement.signature')).toMatchObject({ status: 'skip', ok: false });
  });

  it('--quiet prints the verdict line only; with --json, no checks', async () => {
    const [ok, bad, st, j] = await Promise.all([
      atlog(['--aat', V('aat/aat-signed-complete.jsonl'), '--record-key', V('aat/record-key-a.jwk'), '--quiet']),
      atlog(['--aat', V('aat/aat-edited.jsonl'), '--quiet']),
      atlog([...cliArgs(VECTORS_DIR, byId('statement-ES256')), '--quiet']),
      atlog(['--aat', V('aat/aat-edited.jsonl'), '--quiet', '--json']),
    ]);
    expect(ok.stdout).toBe('VALID (session complete)\n');
    expect(bad.status).toBe(1);
    expect(bad.stdout.trim().split('\n')).toHaveLength(1);
    expect(bad.stdout).toMatch(/^NOT VALID: ERR_AAT_CHAIN_EDITED /);
    expect(st.stdout).toBe('VALID\n');
    expect(j.json).toEqual({ valid: false, completeness: { state: 'inconclusive', detail: expect.any(String) as string }, failure: { code: 'ERR_AAT_CHAIN_EDITED', detail: expect.any(String) as string } });
  }, 60_000);
});

describe('atlog verify --aat: cannot evaluate (exit 2)', () => {
  const tmp = tempDir('atlog-cli-aat-');
  afterAll(removeTempDirs);
  const file = (name: string, text: string): string => {
    const p = join(tmp, name);
    writeFileSync(p, text);
    return p;
  };
  const chain = V('aat/aat-signed-complete.jsonl');
  it.each<[string, () => string[]]>([
    ['unreadable file', () => ['--aat', join(tmp, 'missing.jsonl')]],
    ['empty file', () => ['--aat', file('empty.jsonl', '\n\n')]],
    ['a line that is not JSON', () => ['--aat', file('bad.jsonl', `${readFileSync(chain, 'utf8')}{oops\n`)]],
    ['a JSON document that is not an array', () => ['--aat', file('obj.json', '[1,')]],
    ['a record key that is not a key', () => ['--aat', chain, '--record-key', chain]],
    ['a record key of another curve', () => ['--aat', chain, '--record-key', V('keys/issuer-ES384.pub.cbor')]],
    ['--at not RFC 3339', () => ['--aat', chain, '--at', 'yesterday']],
    ['--draft out of range', () => ['--aat', chain, '--draft', '9']],
    ['--aat with --statement', () => ['--aat', chain, '--statement', chain]],
  ])('%s', async (_n, args) => {
    const r = await atlog(args());
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^atlog verify: /);
  });

  it('with --json, cannot evaluate is still a not-valid JSON report', async () => {
    const j = await atlog(['--aat', file('empty2.jsonl', ''), '--json']);
    expect(j.status).toBe(2);
    expect(j.json).toMatchObject({ valid: false, failure: { code: 'ERR_VERIFY_CANNOT_EVALUATE' } });
  });

  it('a JSON array with a record that is not valid is not valid (exit 1), not "cannot evaluate"', async () => {
    const r = await atlog(['--aat', file('junk.json', '[{"record_id": 1}]'), '--json']);
    expect(r.status).toBe(1);
    expect(r.json!.failure!.code).toBe('ERR_AAT_CHAIN_INVALID_RECORD');
  });
});
