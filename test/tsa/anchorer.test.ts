import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Anchorer } from '../../src/tsa/anchorer.js';
import { HttpTsaClient } from '../../src/tsa/client.js';
import { verifyCttToken } from '../../src/tsa/ctt.js';
import { EmbeddedTsa } from '../../src/tsa/embedded.js';
import { createTsaCredentials } from '../../src/tsa/certs.js';
import type { Timestamper } from '../../src/tsa/timestamper.js';
import { createOpensslTsa, startOpensslServer, type OpensslTsa, type RunningTsa } from './helpers/openssl.js';

/** Anchoring through a real TSA process that dies and comes back. */

let dir: string;
let fx: OpensslTsa;
let srv: RunningTsa;
const sig = (n: number): Uint8Array => new Uint8Array(64).fill(n);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atlog-tsa-anchor-'));
  fx = createOpensslTsa(join(dir, 'p256'), 'p256');
  srv = await startOpensslServer(fx.config);
});
afterAll(async () => {
  await srv.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('TSA killed mid-run', () => {
  it('client errors with ERR_TSA_UNREACHABLE; the Anchorer queues the tree head and anchors it by retry once the TSA is back', async () => {
    const client = new HttpTsaClient(srv.url, { roots: [fx.caPem], retries: 1, backoffMs: 10, timeoutMs: 5000 });
    const late: Array<{ key: string; tokens: Uint8Array[] }> = [];
    const anchorer = new Anchorer({ timestampers: [client], onLateTokens: (key, tokens) => void late.push({ key, tokens }) });

    const first = await anchorer.anchorTreeHead('1', sig(1));
    expect(first.tokens).toHaveLength(1);
    await expect(verifyCttToken(first.tokens[0]!, sig(1), [fx.caPem])).resolves.toMatchObject({ policy: fx.policy });

    const port = srv.port;
    await srv.kill();
    await expect(client.timestamp(new Uint8Array(32))).rejects.toMatchObject({ code: 'ERR_TSA_UNREACHABLE' });

    const second = await anchorer.anchorTreeHead('2', sig(2));
    expect(second).toMatchObject({ tokens: [], failed: [srv.url], skipped: false });
    expect(anchorer.stats).toMatchObject({ anchored: 1, unanchoredPending: 1 });
    expect(anchorer.stats.failures).toBeGreaterThanOrEqual(1);

    expect(await anchorer.retryPending()).toBe(0); // still down
    expect(anchorer.stats.unanchoredPending).toBe(1);

    srv = await startOpensslServer(fx.config, port);
    expect(await anchorer.retryPending()).toBe(1);
    expect(late.map((l) => l.key)).toEqual(['2']);
    await expect(verifyCttToken(late[0]!.tokens[0]!, sig(2), [fx.caPem])).resolves.toMatchObject({ policy: fx.policy });
    expect(anchorer.stats).toMatchObject({ anchored: 2, lateAnchored: 1, unanchoredPending: 0 });
  });
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

describe('Anchorer policy', () => {
  const never: Timestamper = { name: 'hangs', timestamp: () => new Promise<Uint8Array>(() => undefined) };
  const broken: Timestamper = { name: 'broken', timestamp: () => Promise.reject(new Error('down')) };

  it('one TSA failing does not stop the others; a per-TSA timeout bounds a hanging one', async () => {
    const embedded = new EmbeddedTsa(createTsaCredentials());
    const a = new Anchorer({ timestampers: [embedded, never, broken], perTsaTimeoutMs: 100 });
    const r = await a.anchorTreeHead('7', sig(7));
    expect(r.tokens).toHaveLength(1);
    expect(r.failed).toEqual(['hangs', 'broken']);
    expect(a.stats).toMatchObject({ anchored: 1, unanchoredPending: 0, failures: 2 });
    await expect(verifyCttToken(r.tokens[0]!, sig(7), [embedded.rootDer])).resolves.toBeDefined();
  });

  it('at most one timestamp per interval: tree heads in between are skipped, not queued', async () => {
    let now = 1_000_000;
    const embedded = new EmbeddedTsa(createTsaCredentials());
    const a = new Anchorer({ timestampers: [embedded], minIntervalMs: 60_000, now: () => now });
    expect((await a.anchorTreeHead('1', sig(1))).tokens).toHaveLength(1);
    now += 59_999;
    expect(await a.anchorTreeHead('2', sig(2))).toMatchObject({ skipped: true, tokens: [] });
    now += 1;
    expect((await a.anchorTreeHead('3', sig(3))).tokens).toHaveLength(1);
    expect(a.stats).toMatchObject({ anchored: 2, skipped: 1, unanchoredPending: 0 });
  });

  it('no TSAs: disabled, everything skipped', async () => {
    const a = new Anchorer({ timestampers: [] });
    expect(a.enabled).toBe(false);
    expect(await a.anchorTreeHead('1', sig(1))).toMatchObject({ skipped: true });
  });

  it('the retry queue is bounded and drops the oldest', async () => {
    const a = new Anchorer({ timestampers: [broken], maxPending: 2 });
    for (let i = 1; i <= 3; i++) await a.anchorTreeHead(String(i), sig(i));
    expect(a.stats).toMatchObject({ unanchoredPending: 2, dropped: 1, failures: 3 });
  });

  it('the background retry stores late tokens; a failing store keeps the tree head queued', async () => {
    let up = false;
    const embedded = new EmbeddedTsa(createTsaCredentials());
    const flaky: Timestamper = { name: 'flaky', timestamp: (i) => (up ? embedded.timestamp(i) : Promise.reject(new Error('down'))) };
    let storeFails = true;
    const stored: string[] = [];
    const a = new Anchorer({
      timestampers: [flaky],
      retryIntervalMs: 20,
      onLateTokens: (key) => {
        if (storeFails) throw new Error('disk full');
        stored.push(key);
      },
    });
    await a.anchorTreeHead('9', sig(9));
    up = true;
    expect(await a.retryPending()).toBe(0); // the store failed
    expect(a.stats.unanchoredPending).toBe(1);
    storeFails = false;
    a.start();
    await vi.waitFor(() => expect(stored).toEqual(['9']), { timeout: 5000, interval: 20 });
    await a.stop();
    expect(a.stats).toMatchObject({ unanchoredPending: 0, lateAnchored: 1 });
  });

  it('anchor() lists failures instead of throwing', async () => {
    const a = new Anchorer({ timestampers: [broken] });
    const r = await a.anchor(sig(1));
    expect(r).toEqual({ tokens: [], failed: ['broken'] });
  });
});
