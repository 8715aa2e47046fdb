import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeSign1 } from '../../src/cose/sign1.js';
import { importCoseKeySet } from '../../src/keys/index.js';
import { verifyTransparentStatement } from '../../src/verify/statement.js';
import { verifyCttToken } from '../../src/tsa/ctt.js';
import { aatStatement, call, makeAgent, postEntry, startTestServer, type Agent } from '../http/helpers.js';
import { createOpensslTsa, startOpensslServer, type OpensslTsa, type RunningTsa } from './helpers/openssl.js';

/**
 * Trusted time through `atlog serve`'s own wiring: `--tsa embedded,<openssl TSA URL> --tsa-root <its root>`.
 * Receipts carry one 270 token per TSA; the embedded TSA answers on /tsa; an external TSA that dies leaves
 * checkpoints unanchored until it is back, and receipts fetched afterwards carry the late token.
 */

let osslDir: string;
let fx: OpensslTsa;
let ossl: RunningTsa;
let agent: Agent;
let srv: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  agent = makeAgent();
  osslDir = mkdtempSync(join(tmpdir(), 'atlog-tsa-serve-'));
  fx = createOpensslTsa(osslDir, 'p256');
  ossl = await startOpensslServer(fx.config);
  srv = await startTestServer([agent], { tsa: `embedded,${ossl.url}` as 'embedded', tsaRoot: join(fx.dir, 'ca.pem') });
});

afterAll(async () => {
  await srv?.stop();
  await ossl?.kill();
  rmSync(osslDir, { recursive: true, force: true });
});

/** The tokens under label 270 of a receipt, and its signature. */
function tokensOf(receipt: Uint8Array): { tokens: Uint8Array[]; signature: Uint8Array } {
  const s = decodeSign1(receipt);
  const v = s.unprotected.get(270);
  const tokens = v === undefined ? [] : Array.isArray(v) ? (v as Uint8Array[]) : [v as Uint8Array];
  return { tokens, signature: s.signature };
}

async function register(): Promise<{ receipt: Uint8Array; location: string; statement: Uint8Array }> {
  const { bytes } = aatStatement(agent);
  const a = await postEntry(srv.url, bytes);
  expect(a.status).toBe(201);
  return { receipt: a.body, location: a.headers.get('location')!, statement: bytes };
}

describe('atlog serve with --tsa embedded,URL --tsa-root FILE', () => {
  it('receipts carry a token from each TSA, each verifying against its root; the offline verifier agrees', async () => {
    const { receipt, statement } = await register();
    const { tokens, signature } = tokensOf(receipt);
    expect(tokens).toHaveLength(2);
    const embeddedRoot = readFileSync(join(srv.dir, 'data', 'tsa', 'root.pem'), 'utf8');
    const names = [];
    for (const t of tokens) names.push((await verifyCttToken(t, signature, [embeddedRoot, fx.caPem])).tsaName);
    expect(names.sort()).toEqual(['CN=atlog embedded TSA', 'CN=openssl tsa p256, O=atlog tests']);

    const keys = importCoseKeySet((await call(`${srv.url}/.well-known/scitt-keys`)).body).map((k) => ('publicKey' in k ? k.publicKey : k));
    const report = await verifyTransparentStatement({ statement, receipts: [receipt], serviceKeys: keys, tsaRoots: [embeddedRoot, fx.caPem] });
    expect(report.valid).toBe(true);
    const wrongRoot = await verifyTransparentStatement({ statement, receipts: [receipt], serviceKeys: keys, tsaRoots: [fx.caPem] });
    expect(wrongRoot.valid).toBe(false); // the embedded token does not chain to the openssl root
  });

  it('serves the embedded TSA: GET /tsa/root.pem is <dataDir>/tsa/root.pem; POST /tsa needs the right type', async () => {
    const pem = await (await fetch(`${srv.url}/tsa/root.pem`)).text();
    expect(pem).toBe(readFileSync(join(srv.dir, 'data', 'tsa', 'root.pem'), 'utf8'));
    expect((await fetch(`${srv.url}/tsa`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(415);
  });

  it('an external TSA that dies leaves the checkpoint unanchored; once it is back the receipt gains its token', async () => {
    const port = ossl.port;
    await ossl.kill();
    const { receipt, location } = await register();
    expect(tokensOf(receipt).tokens).toHaveLength(1); // the embedded TSA still answered
    const health = async (): Promise<{ unanchoredCheckpoints: number; timestampersDown: string[] }> =>
      JSON.parse(new TextDecoder().decode((await call(`${srv.url}/healthz`)).body)) as { unanchoredCheckpoints: number; timestampersDown: string[] };
    const h = await health();
    expect(h.unanchoredCheckpoints).toBeGreaterThanOrEqual(1);
    expect(h.timestampersDown).toEqual([ossl.url]);

    ossl = await startOpensslServer(fx.config, port);
    await vi.waitFor(async () => expect((await health()).unanchoredCheckpoints).toBe(0), { timeout: 20_000, interval: 200 });
    const again = await call(`${srv.url}${location}`);
    expect(again.status).toBe(200);
    const { tokens, signature } = tokensOf(again.body);
    expect(tokens).toHaveLength(2);
    for (const t of tokens) await verifyCttToken(t, signature, [readFileSync(join(srv.dir, 'data', 'tsa', 'root.pem')), fx.caDer]);
  });
});
