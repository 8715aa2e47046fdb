import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/sha256.js';
import { toHex } from '../../src/util/bytes.js';
import { HttpTsaClient } from '../../src/tsa/client.js';
import { cttImprint, verifyCttToken } from '../../src/tsa/ctt.js';
import { EmbeddedTsa } from '../../src/tsa-server/embedded.js';
import { createTsaRouter } from '../../src/tsa-server/router.js';
import { verifyTimestampToken } from '../../src/tsa/verify.js';
import { createOpensslTsa, opensslVerifyToken, startOpensslServer, type KeyAlg, type OpensslTsa, type RunningTsa } from './helpers/openssl.js';

/** Both directions against the real `openssl ts`: its TSA feeds our client and verifier; our TSA feeds its verifier. */

let dir: string;
const tsas = new Map<KeyAlg, { fx: OpensslTsa; srv: RunningTsa }>();
let embedded: EmbeddedTsa;
let http: Server;
let embeddedUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atlog-tsa-interop-'));
  for (const alg of ['rsa', 'p256', 'p384'] as const) {
    const fx = createOpensslTsa(join(dir, alg), alg);
    tsas.set(alg, { fx, srv: await startOpensslServer(fx.config) });
  }
  embedded = await EmbeddedTsa.open(join(dir, 'data'));
  const app = express();
  app.use(createTsaRouter(embedded));
  http = app.listen(0, '127.0.0.1');
  await new Promise((r) => http.once('listening', r));
  embeddedUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/tsa`;
});

afterAll(async () => {
  for (const { srv } of tsas.values()) await srv.kill();
  await new Promise((r) => http?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const imprintOf = (s: string): Uint8Array => sha256(new TextEncoder().encode(s));

describe('openssl TSA -> HttpTsaClient -> verifyTimestampToken', () => {
  it.each(['rsa', 'p256', 'p384'] as const)('%s signer: token verifies with policy, serial and TSA name', async (alg) => {
    const { fx, srv } = tsas.get(alg)!;
    const client = new HttpTsaClient(srv.url, { roots: [fx.caPem], timeoutMs: 10_000, retries: 0 });
    const imprint = imprintOf(`tree head ${alg}`);
    const token = await client.timestamp(imprint);
    const v = await verifyTimestampToken(token, { imprint, roots: [fx.caDer], policy: fx.policy, now: new Date() });
    expect(v.policy).toBe(fx.policy);
    expect(v.serialNumber).toBeGreaterThan(0n);
    expect(v.tsaName).toBe(`CN=openssl tsa ${alg}, O=atlog tests`);
    expect(v.signerCertificate).toEqual(fx.tsaDer);
    expect(Math.abs(v.genTime.getTime() - Date.now())).toBeLessThan(5 * 60_000);
    // and openssl agrees with itself about the same token
    const o = opensslVerifyToken(dir, token, toHex(imprint), join(fx.dir, 'ca.pem'));
    expect(o.out).toContain('Verification: OK');
  });

  it('a 3161-ctt token over a COSE signature verifies with verifyCttToken', async () => {
    const { fx, srv } = tsas.get('p256')!;
    const signature = new Uint8Array(64).fill(7);
    const token = await new HttpTsaClient(srv.url, { roots: [fx.caPem] }).timestamp(cttImprint(signature));
    const v = await verifyCttToken(token, signature, [fx.caPem]);
    expect(v.policy).toBe(fx.policy);
    const other = new Uint8Array(64).fill(8);
    await expect(verifyCttToken(token, other, [fx.caPem])).rejects.toMatchObject({ code: 'ERR_TSA_IMPRINT_MISMATCH' });
  });
});

describe('embedded TSA -> openssl ts -verify', () => {
  it('tokens from timestamp() pass openssl with the root.pem written for auditors', async () => {
    for (const s of ['a', 'b']) {
      const imprint = imprintOf(s);
      const token = await embedded.timestamp(imprint);
      const o = opensslVerifyToken(dir, token, toHex(imprint), join(dir, 'data', 'tsa', 'root.pem'));
      expect(o.status).toBe(0);
      expect(o.out).toContain('Verification: OK');
    }
  });

  it('openssl rejects an embedded token for another digest', async () => {
    const token = await embedded.timestamp(imprintOf('x'));
    const o = opensslVerifyToken(dir, token, toHex(imprintOf('y')), join(dir, 'data', 'tsa', 'root.pem'));
    expect(o.status).not.toBe(0);
    expect(o.out).not.toContain('Verification: OK');
  });

  it('serves openssl-made queries over HTTP (POST /tsa) and openssl verifies the reply', async () => {
    const data = join(dir, 'data.bin');
    writeFileSync(data, 'some bytes to stamp');
    const q = join(dir, 'q.tsq');
    const { execFileSync } = await import('node:child_process');
    execFileSync('openssl', ['ts', '-query', '-data', data, '-sha256', '-cert', '-out', q]);
    const { readFileSync } = await import('node:fs');
    const res = await fetch(embeddedUrl, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: readFileSync(q) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/timestamp-reply');
    const r = join(dir, 'r.tsr');
    writeFileSync(r, new Uint8Array(await res.arrayBuffer()));
    const out = execFileSync('openssl', ['ts', '-verify', '-queryfile', q, '-in', r, '-CAfile', join(dir, 'data', 'tsa', 'root.pem')], { encoding: 'utf8' });
    expect(out).toContain('Verification: OK');
  });

  it('HttpTsaClient uses the embedded TSA over HTTP like any external TSA', async () => {
    const rootPem = await (await fetch(embeddedUrl + '/root.pem')).text();
    expect(rootPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const imprint = imprintOf('over http');
    const token = await new HttpTsaClient(embeddedUrl, { roots: [rootPem], retries: 0 }).timestamp(imprint);
    const v = await verifyTimestampToken(token, { imprint, roots: [rootPem], policy: embedded.policy });
    expect(v.tsaName).toBe('CN=atlog embedded TSA');
  });
});
