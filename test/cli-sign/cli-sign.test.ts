import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifySign1 } from '../../src/cose/sign1.js';
import { digest } from '../../src/crypto/digest.js';
import { exportCoseKey, exportPkcs8Pem, generateKey, importCoseKey, isPrivateKey, type PublicKey } from '../../src/keys/index.js';
import { parseStatement } from '../../src/statements/index.js';
import { toBase64Url, toHex } from '../../src/util/bytes.js';
import { REPO_ROOT } from '../helpers/vectors.js';

/** Spawns the compiled CLI (built by the vitest globalSetup) in a temp dir. */
const dir = mkdtempSync(join(tmpdir(), 'atlog-cli-sign-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Async so the independent error cases can run concurrently (each spawn loads the whole CLI). */
function atlog(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/cli/main.js'), ...args], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const p = (f: string): string => join(dir, f);
const payload = '{"record_id":"0b6f1c3e-8a4d-4c1e-9f2a-3d5b7c9e1a20","outcome":"success"}';
writeFileSync(p('record.json'), payload);
// Fixtures written up front, so the concurrent cases below do not depend on each other's order.
const signer = generateKey('ESP256');
writeFileSync(p('signer.key'), exportCoseKey(signer));
writeFileSync(p('signer.key.pub'), exportCoseKey(signer.publicKey));
writeFileSync(p('exists.key'), 'taken');

describe('atlog keygen', () => {
  it.concurrent.each(['ES256', 'Ed25519', 'ML-DSA-65'])('%s writes a 0600 private COSE_Key, a public one, and prints the kid', async (alg) => {
    const r = await atlog('keygen', '--alg', alg, '--out', `${alg}.key`);
    expect(r.status).toBe(0);
    const priv = importCoseKey(new Uint8Array(readFileSync(p(`${alg}.key`))));
    const pub = importCoseKey(new Uint8Array(readFileSync(p(`${alg}.key.pub`))));
    expect(isPrivateKey(priv)).toBe(true);
    expect(isPrivateKey(pub)).toBe(false);
    expect(statSync(p(`${alg}.key`)).mode & 0o777).toBe(0o600);
    expect(r.stdout.trim()).toBe(toBase64Url(priv.kid));
    expect(toHex(pub.kid)).toBe(toHex((pub as PublicKey).thumbprint));
    expect(toHex(pub.kid)).toBe(toHex(priv.kid));
  });

  it.concurrent.each<[string, string[]]>([
    ['unknown alg', ['keygen', '--alg', 'RS256', '--out', 'x.key']],
    ['missing --alg', ['keygen', '--out', 'x.key']],
    ['existing file', ['keygen', '--alg', 'ES256', '--out', 'exists.key']],
  ])('exits 2 with one line on %s', async (_n, args) => {
    const r = await atlog(...args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').length).toBe(1);
  });
});

describe('atlog sign', () => {
  it('signs an AAT record as a Signed Statement that verifies with the .pub key', async () => {
    const r = await atlog('sign', '--key', 'signer.key', '--iss', 'urn:agent:example:bot-1', '--sub', 'urn:uuid:5a1f2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b',
      '--content-type', 'application/aat+json', '--in', 'record.json', '--out', 'st.cose');
    expect(r.status).toBe(0);
    const bytes = new Uint8Array(readFileSync(p('st.cose')));
    const st = parseStatement(bytes);
    expect(st.iss).toBe('urn:agent:example:bot-1');
    expect(st.sub).toBe('urn:uuid:5a1f2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b');
    expect(st.contentType).toBe('application/aat+json');
    expect(st.alg).toBe(-9);
    expect(toHex(st.kid!)).toBe(toHex(signer.kid));
    expect(typeof st.cwtClaims.get(6)).toBe('number');
    expect(new TextDecoder().decode(st.sign1.payload!)).toBe(payload);
    const pub = importCoseKey(new Uint8Array(readFileSync(p('signer.key.pub')))) as PublicKey;
    expect(verifySign1(bytes, pub)).toBe(true);
  });

  it('signs a Hash Envelope with a PEM key, without iat', async () => {
    const key = generateKey('ES384');
    writeFileSync(p('signer.pem'), exportPkcs8Pem(key));
    const r = await atlog('sign', '--key', 'signer.pem', '--iss', 'https://agents.example/bot', '--sub', 'session-1', '--hash-envelope', 'application/aat+json',
      '--hash-alg', 'sha-384', '--location', 'https://records.example/1', '--no-iat', '--in', 'record.json', '--out', 'he.cose');
    expect(r.status).toBe(0);
    const bytes = new Uint8Array(readFileSync(p('he.cose')));
    const st = parseStatement(bytes);
    expect(st.hashEnvelope).toEqual({ hashAlg: -43, preimageContentType: 'application/aat+json', location: 'https://records.example/1' });
    expect(toHex(st.sign1.payload!)).toBe(toHex(digest(-43, new TextEncoder().encode(payload))));
    expect(st.cwtClaims.has(6)).toBe(false);
    expect(verifySign1(bytes, key.publicKey)).toBe(true);
  });

  it.concurrent.each<[string, string[]]>([
    ['neither content type nor hash envelope', ['--in', 'record.json']],
    ['both content type and hash envelope', ['--content-type', 'a', '--hash-envelope', 'b', '--in', 'record.json']],
    ['unreadable payload', ['--content-type', 'a', '--in', 'missing.json']],
    ['iss that is not a URI', ['--content-type', 'a', '--in', 'record.json', '--iss', 'not a uri']],
    ['a public key', ['--content-type', 'a', '--in', 'record.json', '--key', 'signer.key.pub']],
    ['a key file that is no key', ['--content-type', 'a', '--in', 'record.json', '--key', 'record.json']],
    ['a missing key file', ['--content-type', 'a', '--in', 'record.json', '--key', 'nope.key']],
    ['--location without --hash-envelope', ['--content-type', 'a', '--in', 'record.json', '--location', 'https://x']],
    ['an unknown hash alg', ['--hash-envelope', 'a', '--hash-alg', 'md5', '--in', 'record.json']],
  ])('exits 2 with one line on %s', async (_n, extra) => {
    // Later flags win in commander, so the table can override --key / --iss.
    const r = await atlog('sign', '--key', 'signer.key', '--iss', 'urn:agent:x', '--sub', 's', '--out', 'bad.cose', ...extra);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').length).toBe(1);
  });
});
