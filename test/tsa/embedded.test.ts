import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/sha256.js';
import { certToPem, createTsaCredentials } from '../../src/tsa/certs.js';
import { parseCert } from '../../src/tsa/cert.js';
import { EmbeddedTsa } from '../../src/tsa/embedded.js';
import { createTimestampers } from '../../src/tsa/index.js';
import { buildTimestampRequest } from '../../src/tsa/request.js';
import { PKI_STATUS, parseTimestampResponse } from '../../src/tsa/response.js';
import { createTsaRouter } from '../../src/tsa/router.js';
import { loadOrCreateCredentials, tsaPaths } from '../../src/tsa/store.js';
import { verifyTimestampToken } from '../../src/tsa/verify.js';
import { TAG, children, oid, readOne, seq, derNull, octets, uint, bool } from '../../src/tsa/der.js';

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

  it('the TSA certificate has a critical EKU of id-kp-timeStamping only, and chains to the root', () => {
    const c = createTsaCredentials();
    const tsa = parseCert(c.tsaDer);
    const root = parseCert(c.rootDer);
    const eku = tsa.extensions.get('2.5.29.37')!;
    expect(eku.critical).toBe(true);
    expect(children(readOne(eku.value, TAG.SEQUENCE)).length).toBe(1);
    expect(tsa.issuer).toEqual(root.subject);
  });

  it('renews a TSA certificate close to expiry from the kept root', async () => {
    const data = join(dir, 'store2');
    mkdirSync(join(data, 'tsa'), { recursive: true });
    const old = createTsaCredentials({ notAfter: new Date(Date.now() + 24 * 3600_000) });
    // write an almost-expired set by hand, in the documented layout
    const p = tsaPaths(data);
    const keyPem = (k: Uint8Array): string => `-----BEGIN PRIVATE KEY-----\n${Buffer.from(k).toString('base64')}\n-----END PRIVATE KEY-----\n`;
    writeFileSync(p.rootPem, certToPem(old.rootDer));
    writeFileSync(p.rootKey, keyPem(old.rootKeyPkcs8!));
    writeFileSync(p.tsaPem, certToPem(old.tsaDer));
    writeFileSync(p.tsaKey, keyPem(old.tsaKeyPkcs8));
    const r = await loadOrCreateCredentials(data);
    expect(r.renewed).toBe(true);
    expect(r.credentials.rootDer).toEqual(old.rootDer);
    expect(parseCert(r.credentials.tsaDer).notAfter.getTime()).toBeGreaterThan(Date.now() + 365 * 24 * 3600_000);
  });

  it('refuses a partial directory with ERR_TSA_STORE', async () => {
    const data = join(dir, 'store3');
    await EmbeddedTsa.open(data);
    unlinkSync(tsaPaths(data).tsaKey);
    await expect(EmbeddedTsa.open(data)).rejects.toMatchObject({ code: 'ERR_TSA_STORE' });
  });
});

describe('respond()', () => {
  const tsa = new EmbeddedTsa(createTsaCredentials());
  const status = (der: Uint8Array): number => parseTimestampResponse(tsa.respond(der)).status;

  it('grants a SHA-256 request and echoes the nonce', async () => {
    const req = buildTimestampRequest(imprint);
    const resp = parseTimestampResponse(tsa.respond(req.der));
    expect(resp.status).toBe(PKI_STATUS.granted);
    await expect(verifyTimestampToken(resp.token!, { imprint, roots: [tsa.rootDer], nonce: req.nonce })).resolves.toMatchObject({ nonce: req.nonce });
  });

  it('rejects garbage, unknown hash algorithms, wrong lengths, other policies and extensions', () => {
    expect(status(new TextEncoder().encode('garbage'))).toBe(PKI_STATUS.rejection);
    const md5 = seq(uint(1n), seq(seq(oid('1.2.840.113549.2.5'), derNull()), octets(new Uint8Array(16))), bool(true));
    expect(status(md5)).toBe(PKI_STATUS.rejection);
    const short = seq(uint(1n), seq(seq(oid('2.16.840.1.101.3.4.2.1'), derNull()), octets(new Uint8Array(20))));
    expect(status(short)).toBe(PKI_STATUS.rejection);
    expect(status(buildTimestampRequest(imprint, { policy: '1.2.3' }).der)).toBe(PKI_STATUS.rejection);
    const ext = seq(uint(1n), seq(seq(oid('2.16.840.1.101.3.4.2.1'), derNull()), octets(imprint)), new Uint8Array([0xa0, 0x00]));
    expect(status(ext)).toBe(PKI_STATUS.rejection);
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
    const a = createTsaCredentials();
    const b = createTsaCredentials();
    writeFileSync(rootFile, certToPem(a.rootDer) + certToPem(b.rootDer));
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
