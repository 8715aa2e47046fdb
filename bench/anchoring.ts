import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { Anchorer, type AnchorStore } from '../src/service/anchoring.js';
import { HttpTsaClient } from '../src/tsa/client.js';
import { cttImprint } from '../src/tsa/ctt.js';
import { EmbeddedTsa } from '../src/tsa-server/embedded.js';
import { buildTimestampRequest } from '../src/tsa/request.js';
import { createTsaRouter } from '../src/tsa-server/router.js';
import { verifyTimestampToken } from '../src/tsa/verify.js';
import { createOpensslTsa, startOpensslServer } from '../test/tsa/helpers/openssl.js';

/**
 * `npm run bench -- anchoring`: the cost of RFC 3161 anchoring per signed tree head.
 * Baseline: one ECDSA P-256 signature with node:crypto (what signing a tree head costs). Then: issuing a token
 * in the embedded TSA, the Timestamper call (issue; only the first token of an instance is fully self-verified), verifying tokens from our TSA
 * and from openssl (RSA-2048, P-384 signers), and an HTTP round trip to the embedded TSA and to a real
 * `openssl ts` TSA. Options: --n N (iterations for in-process steps, default 300), --http N (default 40).
 */

interface Row {
  step: string;
  n: number;
  usPerOp: number;
}

async function time(step: string, n: number, f: (i: number) => unknown): Promise<Row> {
  for (let i = 0; i < Math.min(20, n); i++) await f(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await f(i);
  return { step, n, usPerOp: Number(process.hrtime.bigint() - t0) / 1000 / n };
}

export async function run(argv: readonly string[] = []): Promise<void> {
  const get = (k: string, d: number): number => {
    const i = argv.indexOf(`--${k}`);
    return i >= 0 ? Number(argv[i + 1]) : d;
  };
  const n = get('n', 300);
  const nHttp = get('http', 40);
  const dir = mkdtempSync(join(tmpdir(), 'atlog-bench-tsa-'));
  const rows: Row[] = [];
  let http: Server | undefined;
  const servers: Array<{ kill(): Promise<void> }> = [];
  try {
    const sig = new Uint8Array(64).fill(5);
    const imprint = cttImprint(sig);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    rows.push(await time('baseline: ECDSA P-256 sign (node:crypto)', n, () => sign('sha256', sig, privateKey)));
    rows.push(await time('baseline: SHA-256 of the signature', n, () => createHash('sha256').update(sig).digest()));

    const tsa = await EmbeddedTsa.open(join(dir, 'data'));
    const req = buildTimestampRequest(imprint).der;
    rows.push(await time('embedded TSA: respond(req) (issue a token)', n, () => tsa.respond(req)));
    rows.push(await time('embedded TSA: timestamp() (issue, after the self-test)', n, () => tsa.timestamp(imprint)));
    // The service's anchorer with a store that keeps nothing: the TSA round trip and bookkeeping, not LevelDB.
    const nowhere: AnchorStore = { tokens: async () => [], saveTokens: async () => {}, firstTokenPuts: () => [], incomplete: async () => [], signatures: async () => [] };
    const quiet = { info() {}, warn() {}, error() {}, debug() {} };
    const anchorer = new Anchorer([tsa], nowhere, { timeoutMs: 10_000, retryMs: 60_000, logger: quiet });
    rows.push(await time('Anchorer.anchor (one head), embedded TSA', n, (i) => anchorer.anchor(i + 1, [sig])));

    const own = await tsa.timestamp(imprint);
    rows.push(await time('verifyTimestampToken: embedded (P-256)', n, () => verifyTimestampToken(own, { imprint, roots: [tsa.rootDer] })));
    for (const alg of ['rsa', 'p384'] as const) {
      const fx = createOpensslTsa(join(dir, alg), alg);
      const srv = await startOpensslServer(fx.config);
      servers.push(srv);
      const client = new HttpTsaClient(srv.url, { roots: [fx.caDer], retries: 0 });
      const token = await client.timestamp(imprint);
      rows.push(await time(`verifyTimestampToken: openssl (${alg === 'rsa' ? 'RSA-2048' : 'P-384'})`, n, () => verifyTimestampToken(token, { imprint, roots: [fx.caDer] })));
      if (alg === 'rsa') rows.push(await time('HttpTsaClient -> openssl ts TSA (process per request)', nHttp, () => client.timestamp(imprint)));
    }

    const app = express();
    app.use(createTsaRouter(tsa));
    http = app.listen(0, '127.0.0.1');
    await new Promise((r) => http!.once('listening', r));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/tsa`;
    const client = new HttpTsaClient(url, { roots: [tsa.rootDer], retries: 0 });
    rows.push(await time('HttpTsaClient -> embedded TSA over HTTP', nHttp * 5, () => client.timestamp(imprint)));
  } finally {
    for (const s of servers) await s.kill();
    if (http) await new Promise((r) => http!.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
  const base = rows[0]!.usPerOp;
  console.log(`\nAnchoring benchmark, ${new Date().toISOString()}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), node ${process.version}\n`);
  console.log('| step | n | µs/op | x P-256 sign |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.step} | ${r.n} | ${r.usPerOp.toFixed(1)} | ${(r.usPerOp / base).toFixed(1)} |`);
  console.log(`\n${JSON.stringify(rows)}`);
}

// Direct use: `node --import tsx bench/anchoring.ts [--n N] [--http N]`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run(process.argv.slice(2));
}
