import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/keys/index.js';
import { issueInclusionReceipt, signTreeHead } from '../../src/receipts/index.js';
import { cttImprint } from '../../src/tsa/ctt.js';
import { EmbeddedTsa } from '../../src/tsa-server/embedded.js';

/**
 * docs/trusted-time.md promises auditors a command that works: run its snippet verbatim against real receipts
 * (ES256 and ML-DSA-65 tree heads) timestamped by the embedded TSA, and check openssl's verdict.
 */

const DOC = new URL('../../docs/trusted-time.md', import.meta.url);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function snippet(): string {
  const text = readFileSync(DOC, 'utf8');
  const at = text.indexOf('<!-- auditor-snippet');
  const m = /```sh\n([\s\S]*?)```/.exec(text.slice(at));
  if (at < 0 || !m) throw new Error('auditor snippet not found in docs/trusted-time.md');
  return m[1]!;
}

let dir: string;
let tsa: EmbeddedTsa;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atlog-tsa-audit-'));
  tsa = await EmbeddedTsa.open(join(dir, 'data'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Run the snippet byte for byte in `cwd`, which holds receipt.cose, root.pem and (as after `npm i cbor-x`)
 * a node_modules where cbor-x resolves.
 */
function runSnippet(cwd: string): { status: number; out: string } {
  copyFileSync(join(dir, 'data', 'tsa', 'root.pem'), join(cwd, 'root.pem'));
  symlinkSync(join(ROOT, 'node_modules'), join(cwd, 'node_modules'));
  try {
    return { status: 0, out: execFileSync('bash', ['-c', snippet()], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { status: err.status, out: `${err.stdout}${err.stderr}` };
  }
}

describe('the auditor snippet in docs/trusted-time.md', () => {
  it.each(['ES256', 'ML-DSA-65'])('extracts the token and openssl verifies it (%s tree head)', async (alg) => {
    const key = generateKey(alg);
    const sth = signTreeHead({ key, issuer: 'https://log.example', treeSize: 1, root: new Uint8Array(32).fill(3) });
    const token = await tsa.timestamp(cttImprint(sth.signature));
    const work = mkdtempSync(join(dir, 'w-'));
    writeFileSync(join(work, 'receipt.cose'), issueInclusionReceipt(sth, 0, [], { timestamps: [token] }));
    const r = runSnippet(work);
    expect(r.out).toContain('Verification: OK');
    expect(r.status).toBe(0);
    expect(new Uint8Array(readFileSync(join(work, 'token.der')))).toEqual(token);
  });

  it('fails when the token belongs to another tree head', async () => {
    const key = generateKey('ES256');
    const a = signTreeHead({ key, issuer: 'https://log.example', treeSize: 1, root: new Uint8Array(32).fill(1) });
    const b = signTreeHead({ key, issuer: 'https://log.example', treeSize: 2, root: new Uint8Array(32).fill(2) });
    const work = mkdtempSync(join(dir, 'w-'));
    writeFileSync(join(work, 'receipt.cose'), issueInclusionReceipt(b, 0, [new Uint8Array(32)], { timestamps: [await tsa.timestamp(cttImprint(a.signature))] }));
    const r = runSnippet(work);
    expect(r.status).not.toBe(0);
    expect(r.out).not.toContain('Verification: OK');
  });
});
