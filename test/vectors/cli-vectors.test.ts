import { execFile } from 'node:child_process';
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

/** Run the CLI; async so that the cases of the concurrent suite overlap their process start-up. */
function atlog(args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'verify', ...args], { encoding: 'utf8' }, (err, stdout) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout });
    });
  });
}

function verify(dir: string, json: boolean): Promise<{ status: number | null; stdout: string }> {
  const f = (n: string): string => join(dir, n);
  const args = ['--statement', f('statement.cose'), '--receipt', f('receipt.cose'), '--issuer-key', f('issuer-key.pub'), '--service-key', f('log-key.pub')];
  return atlog(json ? [...args, '--json'] : args);
}

describe.concurrent('scitt-rfc9162 vectors through `atlog verify`', () => {
  it('the published failure codes map 1:1 onto distinct atlog codes', () => {
    const ours = Object.values(PUBLISHED_FAILURE_CODES);
    expect(new Set(ours).size).toBe(ours.length);
    expect(Object.keys(PUBLISHED_FAILURE_CODES).sort()).toEqual(['BAD_STATEMENT_SIGNATURE', 'TAMPERED_INCLUSION_PATH', 'UNSUPPORTED_VDS']);
  });

  it.each(CASES)('%s', async (name) => {
    const exp = readVectorJson<{ result: string; failure_code?: string }>('scitt-rfc9162', name, 'expected.json');
    const dir = vectorPath('scitt-rfc9162', name);
    const [plain, j] = await Promise.all([verify(dir, false), verify(dir, true)]);
    expect(plain.status).toBe(exp.result === 'VALID' ? 0 : 1);
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

  it('uvm_0.2.10.cose (CCF, vds 2) verifies with --ccf-trust-store and is refused without it', async () => {
    const ts = vectorPath('scitt-ccf', 'uvm_0.2.10.cose');
    const store = vectorPath('scitt-ccf', 'esrp-cts-db.json');
    const ok = await atlog(['--statement', ts, '--ccf-trust-store', store, '--json']);
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as { valid: boolean }).valid).toBe(true);
    // the service keys of an unrelated log do not make a CCF receipt acceptable
    const key = vectorPath('scitt-rfc9162', 'valid-es256', 'log-key.pub');
    const no = await atlog(['--statement', ts, '--service-key', key, '--json']);
    expect(no.status).toBe(1);
    expect((JSON.parse(no.stdout) as { failure: { code: string } }).failure.code).toBe('ERR_RECEIPT_UNSUPPORTED_VDS');
  });
});
