import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PUBLISHED_FAILURE_CODES } from '../../src/verify/index.js';
import { REPO_ROOT, readVectorJson, vectorPath } from '../helpers/vectors.js';

/**
 * The five scitt-rfc9162 cases through the real CLI (dist/, built by globalSetup): exit 0 for the valid ones,
 * 1 for the failures, and --json failure codes that map 1:1 to expected.json's failure_code.
 */

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const CASES = ['valid-eddsa', 'valid-es256', 'fail-tampered-path', 'fail-unsupported-vds', 'fail-bad-statement-sig'];

function verify(dir: string, json: boolean): { status: number | null; stdout: string } {
  const f = (n: string): string => join(dir, n);
  const args = [CLI, 'verify', '--statement', f('statement.cose'), '--receipt', f('receipt.cose'), '--issuer-key', f('issuer-key.pub'), '--service-key', f('log-key.pub')];
  const r = spawnSync(process.execPath, json ? [...args, '--json'] : args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout };
}

describe('scitt-rfc9162 vectors through `atlog verify`', () => {
  it('the published failure codes map 1:1 onto distinct atlog codes', () => {
    const ours = Object.values(PUBLISHED_FAILURE_CODES);
    expect(new Set(ours).size).toBe(ours.length);
    expect(Object.keys(PUBLISHED_FAILURE_CODES).sort()).toEqual(['BAD_STATEMENT_SIGNATURE', 'TAMPERED_INCLUSION_PATH', 'UNSUPPORTED_VDS']);
  });

  it.each(CASES)('%s', (name) => {
    const exp = readVectorJson<{ result: string; failure_code?: string }>('scitt-rfc9162', name, 'expected.json');
    const dir = vectorPath('scitt-rfc9162', name);
    const plain = verify(dir, false);
    expect(plain.status).toBe(exp.result === 'VALID' ? 0 : 1);
    const j = verify(dir, true);
    expect(j.status).toBe(plain.status);
    const out = JSON.parse(j.stdout) as { valid: boolean; checks: Array<{ name: string; ok: boolean }>; failure?: { code: string } };
    expect(out.valid).toBe(exp.result === 'VALID');
    if (exp.result === 'VALID') {
      expect(out.failure).toBeUndefined();
      expect(out.checks.every((c) => c.ok)).toBe(true);
    } else {
      expect(out.failure?.code).toBe(PUBLISHED_FAILURE_CODES[exp.failure_code!]);
    }
  });

  it('uvm_0.2.10.cose (CCF, vds 2) verifies with --ccf-trust-store and is refused without it', () => {
    const ts = vectorPath('scitt-ccf', 'uvm_0.2.10.cose');
    const store = vectorPath('scitt-ccf', 'esrp-cts-db.json');
    const ok = spawnSync(process.execPath, [CLI, 'verify', '--statement', ts, '--ccf-trust-store', store, '--json'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as { valid: boolean }).valid).toBe(true);
    // the service keys of an unrelated log do not make a CCF receipt acceptable
    const key = vectorPath('scitt-rfc9162', 'valid-es256', 'log-key.pub');
    const no = spawnSync(process.execPath, [CLI, 'verify', '--statement', ts, '--service-key', key, '--json'], { encoding: 'utf8' });
    expect(no.status).toBe(1);
    expect((JSON.parse(no.stdout) as { failure: { code: string } }).failure.code).toBe('ERR_RECEIPT_UNSUPPORTED_VDS');
  });
});
