import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTsaClient } from '../../src/tsa/client.js';
import { createOpensslTsa, type OpensslTsa } from './helpers/openssl.js';

/**
 * HttpTsaClient failure modes. Anchoring policy (a TSA down -> unanchored, retry, interval, counters) is tested
 * on the service's anchorer (test/service/anchoring.test.ts); a real openssl TSA killed under a running
 * server in test/tsa/serve.test.ts.
 */

let dir: string;
let fx: OpensslTsa;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'atlog-tsa-client-'));
  fx = createOpensslTsa(join(dir, 'p256'), 'p256');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('HttpTsaClient failures', () => {
  it('nothing listening -> ERR_TSA_UNREACHABLE after its retries', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const calls: number[] = [];
    const counting: typeof fetch = (input, init) => (calls.push(1), fetch(input, init));
    const c = new HttpTsaClient(`http://127.0.0.1:${port}/`, { roots: [fx.caPem], retries: 2, backoffMs: 1, fetch: counting });
    await expect(c.timestamp(new Uint8Array(32))).rejects.toMatchObject({ code: 'ERR_TSA_UNREACHABLE' });
    expect(calls).toHaveLength(3);
  });

  it('a server that never answers -> ERR_TSA_TIMEOUT', async () => {
    const sockets: Array<import('node:net').Socket> = [];
    const silent: Server = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const c = new HttpTsaClient(`http://127.0.0.1:${(silent.address() as { port: number }).port}/`, { roots: [fx.caPem], retries: 0, timeoutMs: 200 });
    await expect(c.timestamp(new Uint8Array(32))).rejects.toMatchObject({ code: 'ERR_TSA_TIMEOUT' });
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('HTTP 404 -> ERR_TSA_HTTP without retrying; 503 is retried', async () => {
    for (const [status, expected] of [[404, 1], [503, 3]] as const) {
      let calls = 0;
      const f: typeof fetch = async () => (calls++, new Response('no', { status }));
      const c = new HttpTsaClient('http://tsa.invalid/', { roots: [fx.caPem], retries: 2, backoffMs: 1, fetch: f });
      await expect(c.timestamp(new Uint8Array(32))).rejects.toMatchObject({ code: 'ERR_TSA_HTTP', details: { status } });
      expect(calls).toBe(expected);
    }
  });

  it('a reply over 1 MiB -> ERR_TSA_MALFORMED, without retrying', async () => {
    let calls = 0;
    const big: typeof fetch = async () => (calls++, new Response(new Uint8Array((1 << 20) + 1), { status: 200 }));
    const c = new HttpTsaClient('http://tsa.invalid/', { roots: [fx.caPem], retries: 2, backoffMs: 1, fetch: big });
    await expect(c.timestamp(new Uint8Array(32))).rejects.toMatchObject({ code: 'ERR_TSA_MALFORMED' });
    expect(calls).toBe(1);
  });

  it('configuration errors -> ERR_TSA_CONFIG', () => {
    for (const [url, roots] of [['ftp://x/', [fx.caPem]], ['not a url', [fx.caPem]], ['http://x/', []]] as const) {
      expect(() => new HttpTsaClient(url, { roots })).toThrow(expect.objectContaining({ code: 'ERR_TSA_CONFIG' }));
    }
  });
});
