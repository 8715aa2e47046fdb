import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load, percentile } from '../../bench/load.js';

/** The http bench's load generator (bench/load.ts) against real servers: counts, bodies, priming, failures. */

let server: Server;
let url: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push(`${req.method} ${req.url} ${body}`);
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('part one, ');
        res.end('part two');
      } else if (body === 'bad') {
        res.writeHead(400, { 'content-length': '3' });
        res.end('no!');
      } else {
        const out = `echo ${body}`;
        res.writeHead(201, { 'content-length': String(Buffer.byteLength(out)) });
        res.end(out);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('bench load generator', () => {
  it('sends every body once over keep-alive connections and counts the answers by status', async () => {
    seen.length = 0;
    const bodies = Array.from({ length: 200 }, (_, i) => Buffer.from(i % 50 === 0 ? 'bad' : `b${i}`));
    const r = await load({ url, method: 'POST', path: '/entries', headers: { 'content-type': 'text/plain' }, bodies, connections: 16 });
    expect(r.statuses.get(201)).toBe(196);
    expect(r.statuses.get(400)).toBe(4);
    expect(r.latencies).toHaveLength(200);
    expect(percentile(r.latencies, 50)).toBeLessThanOrEqual(percentile(r.latencies, 99));
    expect(new Set(seen).size).toBe(197); // 196 distinct good bodies and the 'bad' one, sent 4 times
    expect(seen.filter((x) => x.startsWith('POST /entries'))).toHaveLength(200);
  });

  it('reads chunked bodies and primes each connection once, unmeasured', async () => {
    seen.length = 0;
    const r = await load({ url, method: 'GET', path: '/chunked', amount: 50, connections: 5, prime: { method: 'GET', path: '/healthz' } });
    expect(r.statuses.get(200)).toBe(50);
    expect(r.latencies).toHaveLength(50);
    expect(seen.filter((x) => x.startsWith('GET /healthz'))).toHaveLength(5);
    expect(seen.filter((x) => x.startsWith('GET /chunked'))).toHaveLength(50);
  });

  it('fails the run on a malformed answer or a dropped connection, instead of hanging or counting it', async () => {
    const bad: TcpServer = createTcpServer((s) => s.once('data', () => s.end('garbage\r\n\r\n')));
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', () => r()));
    const badUrl = `http://127.0.0.1:${(bad.address() as AddressInfo).port}`;
    await expect(load({ url: badUrl, method: 'GET', path: '/', amount: 3, connections: 1 })).rejects.toThrow(/malformed response head/);
    const rude: TcpServer = createTcpServer((s) => s.once('data', () => s.destroy()));
    await new Promise<void>((r) => rude.listen(0, '127.0.0.1', () => r()));
    const rudeUrl = `http://127.0.0.1:${(rude.address() as AddressInfo).port}`;
    await expect(load({ url: rudeUrl, method: 'GET', path: '/', amount: 3, connections: 1 })).rejects.toThrow(/closed a connection/);
    await new Promise<void>((r) => bad.close(() => r()));
    await new Promise<void>((r) => rude.close(() => r()));
  });
});
