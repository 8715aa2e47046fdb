import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/sha256.js';
import { OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, TimeStampReq } from '@peculiar/asn1-tsp';
import { Extension, Extensions } from '@peculiar/asn1-x509';
import { createTsaCredentials } from '../../src/tsa-server/credentials.js';
import { EmbeddedTsa } from '../../src/tsa-server/embedded.js';
import { createTsaRouter } from '../../src/tsa-server/router.js';
import { loadOrCreateCredentials, tsaPaths } from '../../src/tsa-server/store.js';
import { createTimestampers } from '../../src/tsa-server/timestampers.js';
import { buildTimestampRequest, digestAlgorithm } from '../../src/tsa/request.js';
import { PKI_STATUS, parseTimestampResponse } from '../../src/tsa/response.js';
import { verifyTimestampToken } from '../../src/tsa/verify.js';
import { encode } from '../../src/x509/asn1.js';
import { extKeyUsage, isCa, parseCertificate } from '../../src/x509/certificate.js';
import { certificateToPem } from '../../src/x509/pem.js';

/** The embedded TSA: its files, its reload, its HTTP face and its refusals. */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'atlog-tsa-emb-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const imprint = sha256(new TextEncoder().encode('x'));

describe('store', () => {
  it('creates root and TSA certificates once, keys 0600, and reloads the same ones', async () => {
    const data = join(dir, 'store1');
    const first = await EmbeddedTsa.open(data);
    const p = tsaPaths(data);
    expect(statSync(p.tsaKey).mode & 0o777).toBe(0o600);
    expect(statSync(p.rootKey).mode & 0o777).toBe(0o600);
    expect(readFileSync(p.rootPem, 'utf8')).toBe(first.rootPem);
    const again = await EmbeddedTsa.open(data);
    expect(again.rootDer).toEqual(first.rootDer);
    expect(again.credentials.tsaDer).toEqual(first.credentials.tsaDer);
    // a token from the reloaded TSA verifies against the root written on the first start
    const token = await again.timestamp(imprint);
    await expect(verifyTimestampToken(token, { imprint, roots: [readFileSync(p.rootPem, 'utf8')] })).resolves.toMatchObject({ policy: first.policy });
  });

  it('the TSA certificate has a critical EKU of id-kp-timeStamping only, and chains to the root', async () => {
    const c = await createTsaCredentials();
    const tsa = parseCertificate(c.tsaDer);
    const root = parseCertificate(c.rootDer);
    expect(extKeyUsage(tsa)).toEqual({ critical: true, purposes: ['1.3.6.1.5.5.7.3.8'] });
    expect(tsa.issuer).toEqual(root.subject);
    expect([isCa(root), isCa(tsa)]).toEqual([true, false]);
    expect(root.extensions.get('2.5.29.19')?.critical).toBe(true);
  });

  it('openssl reads the certificates as the profile says (spec/anchoring.md section 6)', async () => {
    const c = await createTsaCredentials();
    const f = join(dir, 'tsa-cert.pem');
    writeFileSync(f, certificateToPem(c.tsaDer));
    const text = execFileSync('openssl', ['x509', '-in', f, '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toMatch(/Extended Key Usage: critical\s+Time Stamping/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature/);
    expect(text).toContain('Subject Key Identifier');
    expect(text).toContain('Authority Key Identifier');
    expect(text).toContain('ecdsa-with-SHA256');
    writeFileSync(f, certificateToPem(c.rootDer));
    const root = execFileSync('openssl', ['x509', '-in', f, '-noout', '-text'], { encoding: 'utf8' });
    expect(root).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(root).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
  });

  it('renews a TSA certificate close to expiry from the kept root', async () => {
    const data = join(dir, 'store2');
    mkdirSync(join(data, 'tsa'), { recursive: true });
    const old = await createTsaCredentials({ notAfter: new Date(Date.now() + 24 * 3600_000) });
    // write an almost-expired set by hand, in the documented layout
    const p = tsaPaths(data);
    const keyPem = (k: Uint8Array): string => `-----BEGIN PRIVATE KEY-----\n${Buffer.from(k).toString('base64')}\n-----END PRIVATE KEY-----\n`;
    writeFileSync(p.rootPem, certificateToPem(old.rootDer));
    writeFileSync(p.rootKey, keyPem(old.rootKeyPkcs8!));
    writeFileSync(p.tsaPem, certificateToPem(old.tsaDer));
    writeFileSync(p.tsaKey, keyPem(old.tsaKeyPkcs8));
    const r = await loadOrCreateCredentials(data);
    expect(r.renewed).toBe(true);
    expect(r.credentials.rootDer).toEqual(old.rootDer);
    expect(parseCertificate(r.credentials.tsaDer).notAfter.getTime()).toBeGreaterThan(Date.now() + 365 * 24 * 3600_000);
  });

  it('refuses a partial directory with ERR_TSA_STORE', async () => {
    const data = join(dir, 'store3');
    await EmbeddedTsa.open(data);
    unlinkSync(tsaPaths(data).tsaKey);
    await expect(EmbeddedTsa.open(data)).rejects.toMatchObject({ code: 'ERR_TSA_STORE' });
  });
});

describe('timestamp()', () => {
  it('self-tests its first token, and every later token verifies against the root too', async () => {
    const tsa = new EmbeddedTsa(await createTsaCredentials());
    for (let i = 0; i < 3; i++) {
      const im = sha256(new TextEncoder().encode(`head ${i}`));
      await expect(verifyTimestampToken(await tsa.timestamp(im), { imprint: im, roots: [tsa.rootDer], policy: tsa.policy })).resolves.toMatchObject({ policy: tsa.policy });
    }
  });

  it('refuses to stamp, first token or later, when its clock is outside the certificate validity', async () => {
    const creds = await createTsaCredentials();
    let now = new Date();
    const tsa = new EmbeddedTsa(creds, { clock: () => now });
    await tsa.timestamp(imprint);
    now = new Date(parseCertificate(creds.tsaDer).notAfter.getTime() + 1000);
    await expect(tsa.timestamp(imprint)).rejects.toMatchObject({ code: 'ERR_TSA_CERT_EXPIRED' });
    const fresh = new EmbeddedTsa(creds, { clock: () => now });
    await expect(fresh.timestamp(imprint)).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_TSA_/) });
  });
});

describe('respond()', () => {
  let tsa: EmbeddedTsa;
  beforeAll(async () => {
    tsa = new EmbeddedTsa(await createTsaCredentials());
  });
  const status = (der: Uint8Array): number => parseTimestampResponse(tsa.respond(der)).status;

  it('grants a SHA-256 request and echoes the nonce', async () => {
    const req = buildTimestampRequest(imprint);
    const resp = parseTimestampResponse(tsa.respond(req.der));
    expect(resp.status).toBe(PKI_STATUS.granted);
    await expect(verifyTimestampToken(resp.token!, { imprint, roots: [tsa.rootDer], nonce: req.nonce })).resolves.toMatchObject({ nonce: req.nonce });
  });

  const request = (alg: string, digest: Uint8Array, more: Partial<TimeStampReq> = {}): Uint8Array =>
    encode(new TimeStampReq({ messageImprint: new MessageImprint({ hashAlgorithm: digestAlgorithm(alg), hashedMessage: new OctetString(digest) }), ...more }));
  const failInfo = (der: Uint8Array): string => {
    const f = join(dir, `r-${Math.random().toString(36).slice(2)}.tsr`);
    writeFileSync(f, tsa.respond(der));
    return execFileSync('openssl', ['ts', '-reply', '-in', f, '-text'], { encoding: 'utf8' });
  };

  it('rejects garbage, unknown hash algorithms, wrong lengths, other policies and extensions, each with its failInfo', () => {
    expect(status(new TextEncoder().encode('garbage'))).toBe(PKI_STATUS.rejection);
    expect(status(request('2.16.840.1.101.3.4.2.1', imprint, { certReq: true }))).toBe(PKI_STATUS.granted);
    const md5 = request('1.2.840.113549.2.5', new Uint8Array(16), { certReq: true });
    expect(status(md5)).toBe(PKI_STATUS.rejection);
    expect(failInfo(md5)).toContain('unrecognized or unsupported algorithm identifier');
    const short = request('2.16.840.1.101.3.4.2.1', new Uint8Array(20));
    expect(status(short)).toBe(PKI_STATUS.rejection);
    expect(failInfo(short)).toContain('the data submitted has the wrong format');
    expect(status(buildTimestampRequest(imprint, { policy: '1.2.3' }).der)).toBe(PKI_STATUS.rejection);
    const ext = request('2.16.840.1.101.3.4.2.1', imprint, { extensions: new Extensions([new Extension({ extnID: '1.2.3.4', critical: false, extnValue: new OctetString(new Uint8Array(1)) })]) });
    expect(status(ext)).toBe(PKI_STATUS.rejection);
    expect(failInfo(ext)).toContain('the requested extension is not supported by the TSA');
  });
});

describe('createTsaRouter', () => {
  let http: Server;
  let base: string;
  let tsa: EmbeddedTsa;
  beforeAll(async () => {
    tsa = await EmbeddedTsa.open(join(dir, 'router'));
    const app = express();
    app.use(createTsaRouter(tsa));
    http = app.listen(0, '127.0.0.1');
    await new Promise((r) => http.once('listening', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => http.close(r)));

  const post = (body: Uint8Array, type = 'application/timestamp-query'): Promise<Response> =>
    fetch(`${base}/tsa`, { method: 'POST', headers: { 'content-type': type }, body });

  it('200 application/timestamp-reply for a good request', async () => {
    const res = await post(buildTimestampRequest(imprint).der);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/timestamp-reply');
    expect(parseTimestampResponse(new Uint8Array(await res.arrayBuffer())).status).toBe(PKI_STATUS.granted);
  });

  it('415 for another content type, 400 with a rejection for bytes that are not a request', async () => {
    expect((await post(buildTimestampRequest(imprint).der, 'application/octet-stream')).status).toBe(415);
    const bad = await post(new TextEncoder().encode('nope'));
    expect(bad.status).toBe(400);
    expect(parseTimestampResponse(new Uint8Array(await bad.arrayBuffer())).status).toBe(PKI_STATUS.rejection);
    expect((await post(new Uint8Array())).status).toBe(400);
  });

  it('GET /tsa/root.pem serves the root certificate', async () => {
    const res = await fetch(`${base}/tsa/root.pem`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(tsa.rootPem);
  });
});

describe('createTimestampers', () => {
  it('embedded: one timestamper and its root', async () => {
    const r = await createTimestampers({ tsa: 'embedded', dataDir: join(dir, 'ct1') });
    expect(r.timestampers.map((t) => t.name)).toEqual(['embedded']);
    expect(r.roots).toEqual([r.embedded!.rootDer]);
  });

  it('none: no timestampers', async () => {
    const r = await createTimestampers({ tsa: 'none', dataDir: join(dir, 'ct2') });
    expect(r.timestampers).toEqual([]);
    expect(r.embedded).toBeUndefined();
  });

  it('URLs need --tsa-root; with it, one client per URL plus the roots in the file', async () => {
    await expect(createTimestampers({ tsa: 'http://127.0.0.1:1/tsr', dataDir: dir })).rejects.toMatchObject({ code: 'ERR_TSA_CONFIG' });
    const rootFile = join(dir, 'roots.pem');
    const a = await createTsaCredentials();
    const b = await createTsaCredentials();
    writeFileSync(rootFile, certificateToPem(a.rootDer) + certificateToPem(b.rootDer));
    const r = await createTimestampers({ tsa: 'http://127.0.0.1:1/a, https://tsa.example/b,embedded', tsaRoots: [rootFile], dataDir: join(dir, 'ct3') });
    expect(r.timestampers.map((t) => t.name)).toEqual(['http://127.0.0.1:1/a', 'https://tsa.example/b', 'embedded']);
    expect(r.roots).toEqual([r.embedded!.rootDer, a.rootDer, b.rootDer]);
  });

  it('a missing root file is ERR_TSA_CONFIG; a file without a certificate is ERR_TSA_MALFORMED', async () => {
    const url = 'http://127.0.0.1:1/a';
    await expect(createTimestampers({ tsa: url, tsaRoots: [join(dir, 'nope.pem')], dataDir: dir })).rejects.toMatchObject({ code: 'ERR_TSA_CONFIG' });
    writeFileSync(join(dir, 'empty.pem'), 'not a certificate\n');
    await expect(createTimestampers({ tsa: url, tsaRoots: [join(dir, 'empty.pem')], dataDir: dir })).rejects.toMatchObject({ code: 'ERR_TSA_MALFORMED' });
  });

  it('rejects empty, unknown and mixed-with-none values with ERR_TSA_CONFIG', async () => {
    for (const tsa of ['', 'ftp://x', 'none,embedded', 'sometimes']) {
      await expect(createTimestampers({ tsa, dataDir: dir })).rejects.toMatchObject({ code: 'ERR_TSA_CONFIG' });
    }
  });
});
