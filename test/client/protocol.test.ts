import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type ClientOptions } from '../../src/client/index.js';
import { backoffMs, retryAfterMs } from '../../src/client/transport.js';
import { cborEncode } from '../../src/cose/cbor.js';
import { rejection } from '../helpers/errors.js';
import { REPO_ROOT } from '../helpers/vectors.js';
import { answer, scriptServer, type Script, type ScriptServer } from './script-server.js';

/**
 * The client against a scripted real HTTP server: every way a SCRAPI service (draft -11 and earlier) may
 * answer a registration, and the failures of a network: 429 and 503 with and without Retry-After, dropped
 * connections, a service that never answers, and the caller aborting.
 */

const RECEIPT = new Uint8Array(readFileSync(join(REPO_ROOT, 'test-vectors', 'receipts', 'receipt-valid-ES256.cose')));
const STATEMENT = new Uint8Array(readFileSync(join(REPO_ROOT, 'test-vectors', 'receipts', 'statement.cose')));
const ENTRY = 'a'.repeat(64);
const COSE = { 'Content-Type': 'application/cose' };

let server: ScriptServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(script: Script, opts: Partial<ClientOptions> = {}): Promise<ReturnType<typeof createClient>> {
  server = await scriptServer(script);
  return createClient({ url: server.url, backoffMs: 1, maxBackoffMs: 5, pollIntervalMs: 1, ...opts });
}


describe('registration answers', () => {
  it('201 with the receipt: no polling; the entry id comes from Location', async () => {
    const c = await serve((_r, res) => answer(res, 201, { ...COSE, Location: `/entries/${ENTRY}` }, RECEIPT));
    const reg = await c.register(STATEMENT);
    expect(reg).toMatchObject({ entryId: ENTRY, polled: false, location: `${server!.url}/entries/${ENTRY}` });
    expect(reg.receipt).toEqual(RECEIPT);
    expect(server!.seen[0]).toMatchObject({ method: 'POST', url: '/entries' });
    expect(server!.seen[0]!.headers['content-type']).toBe('application/cose');
    expect(server!.seen[0]!.body).toEqual(STATEMENT);
  });

  it('303 then 302 then 200 (SCRAPI -11): polls the operation until the receipt arrives', async () => {
    const c = await serve((req, res, n) => {
      if (n === 0) return answer(res, 303, { Location: '/entries/op-1', 'Retry-After': '0' });
      if (n < 3) return answer(res, 302, { Location: '/entries/op-1', 'Retry-After': '0' });
      answer(res, 200, { ...COSE, Location: `/entries/${ENTRY}` }, RECEIPT);
    });
    const reg = await c.register(STATEMENT);
    expect(reg).toMatchObject({ entryId: ENTRY, polled: true });
    expect(reg.receipt).toEqual(RECEIPT);
    expect(server!.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /entries', 'GET /entries/op-1', 'GET /entries/op-1', 'GET /entries/op-1']);
  });

  it('202 then 204 then 200 (earlier drafts): polls the operation Location', async () => {
    const c = await serve((req, res, n) => {
      if (n === 0) return answer(res, 202, { Location: '/operations/7', 'Content-Type': 'application/cbor' }, cborEncode(new Map([['operationID', '7'], ['status', 'running']])));
      if (n === 1) return answer(res, 204, { 'Retry-After': '0' });
      answer(res, 200, { ...COSE, Location: `/entries/${ENTRY}` }, RECEIPT);
    });
    const reg = await c.register(STATEMENT);
    expect(reg).toMatchObject({ entryId: ENTRY, polled: true });
    expect(server!.seen.map((s) => s.url)).toEqual(['/entries', '/operations/7', '/operations/7']);
  });

  it('an operation status document (running, then succeeded with entryID) leads to the entry', async () => {
    const op = (status: string): Uint8Array => cborEncode(new Map<string, string>([['status', status], ...(status === 'succeeded' ? [['entryID', ENTRY] as [string, string]] : [])]));
    const c = await serve((req, res, n) => {
      if (n === 0) return answer(res, 202, { Location: '/operations/7' });
      if (n === 1) return answer(res, 200, { 'Content-Type': 'application/cbor' }, op('running'));
      if (n === 2) return answer(res, 200, { 'Content-Type': 'application/cbor' }, op('succeeded'));
      answer(res, 200, COSE, RECEIPT);
    });
    const reg = await c.register(STATEMENT);
    expect(reg.entryId).toBe(ENTRY);
    expect(server!.seen.map((s) => s.url)).toEqual(['/entries', '/operations/7', '/operations/7', `/entries/${ENTRY}`]);
  });

  it('a failed operation is a rejection; an unknown one (404) is not found', async () => {
    let c = await serve((req, res, n) =>
      n === 0 ? answer(res, 202, { Location: '/operations/7' }) : answer(res, 200, { 'Content-Type': 'application/json' }, JSON.stringify({ status: 'failed', error: { title: 'Rejected' } })),
    );
    expect((await rejection(c.register(STATEMENT))).code).toBe('ERR_CLIENT_REJECTED');
    await server!.close();
    c = await serve((req, res, n) => (n === 0 ? answer(res, 303, { Location: '/entries/op-9' }) : answer(res, 404, {})));
    const e = await rejection(c.register(STATEMENT));
    expect(e.code).toBe('ERR_CLIENT_NOT_FOUND');
    expect((e.details?.problem as { status: number }).status).toBe(404);
  });

  it('201 with only a Location: the receipt is fetched from it', async () => {
    const c = await serve((req, res, n) => (n === 0 ? answer(res, 201, { Location: `/entries/${ENTRY}` }) : answer(res, 200, COSE, RECEIPT)));
    const reg = await c.register(STATEMENT);
    expect(reg.entryId).toBe(ENTRY);
    expect(reg.receipt).toEqual(RECEIPT);
  });

  it('keeps a base path: https://host/scitt posts to /scitt/entries', async () => {
    server = await scriptServer((_r, res) => answer(res, 201, { ...COSE, Location: `/scitt/entries/${ENTRY}` }, RECEIPT));
    const c = createClient({ url: `${server.url}/scitt`, headers: { 'X-Test': 'yes' } });
    await c.register(STATEMENT);
    expect(server.seen[0]!.url).toBe('/scitt/entries');
    expect(server.seen[0]!.headers['x-test']).toBe('yes');
  });

  it('a 200 whose body is no receipt (a proxy page) is ERR_CLIENT_UNEXPECTED, as is a 303 without Location', async () => {
    let c = await serve((_r, res) => answer(res, 201, { 'Content-Type': 'text/html' }, '<html>gateway</html>'));
    expect((await rejection(c.register(STATEMENT))).code).toBe('ERR_CLIENT_UNEXPECTED');
    await server!.close();
    c = await serve((_r, res) => answer(res, 303, {}));
    expect((await rejection(c.register(STATEMENT))).code).toBe('ERR_CLIENT_UNEXPECTED');
  });
});

describe('problem details', () => {
  it('a CBOR problem (RFC 9290) with atlog extension: ERR_CLIENT_REJECTED with title, detail, code and reason', async () => {
    const body = cborEncode(new Map<unknown, unknown>([[-1, 'Rejected'], [-2, 'issuer x is not known'], ['tag:atlog.dev,2026:problem', new Map([['code', 'ERR_REG_REJECTED'], ['reason', 'unknown_issuer']])]]));
    const c = await serve((_r, res) => answer(res, 400, { 'Content-Type': 'application/concise-problem-details+cbor' }, body));
    const e = await rejection(c.register(STATEMENT));
    expect(e.code).toBe('ERR_CLIENT_REJECTED');
    expect(e.details?.problem).toEqual({ status: 400, title: 'Rejected', detail: 'issuer x is not known', code: 'ERR_REG_REJECTED', extensions: { reason: 'unknown_issuer' } });
    expect(server!.seen).toHaveLength(1); // a refusal is never retried
  });

  it('a JSON problem (RFC 9457), and an HTML error page, are decoded too', async () => {
    let c = await serve((_r, res) => answer(res, 415, { 'Content-Type': 'application/problem+json' }, JSON.stringify({ title: 'Unsupported Media Type', detail: 'x', code: 'ERR_HTTP_UNSUPPORTED_MEDIA_TYPE' })));
    let e = await rejection(c.register(STATEMENT));
    expect(e.details?.problem).toMatchObject({ status: 415, title: 'Unsupported Media Type', code: 'ERR_HTTP_UNSUPPORTED_MEDIA_TYPE' });
    await server!.close();
    c = await serve((_r, res) => answer(res, 500, { 'Content-Type': 'text/html' }, '<h1>oops</h1>'));
    e = await rejection(c.checkpoint());
    expect(e.code).toBe('ERR_CLIENT_SERVER_ERROR');
    expect(e.details?.problem).toMatchObject({ status: 500, title: 'HTTP 500', code: undefined });
  });
});

describe('retries', () => {
  it('429 with Retry-After: waits what the service asks, not its own (hour-long) backoff', async () => {
    const c = await serve((_r, res, n) => (n === 0 ? answer(res, 429, { 'Retry-After': '1' }) : answer(res, 201, { ...COSE, Location: `/entries/${ENTRY}` }, RECEIPT)), {
      backoffMs: 3_600_000,
      maxBackoffMs: 3_600_000,
    });
    expect((await c.register(STATEMENT)).entryId).toBe(ENTRY);
    expect(server!.seen).toHaveLength(2);
  });

  it('a Retry-After beyond the time limit fails at once with ERR_CLIENT_UNAVAILABLE and the wait asked for', async () => {
    const c = await serve((_r, res) => answer(res, 503, { 'Retry-After': '120' }), { timeoutMs: 10_000 });
    const e = await rejection(c.keys());
    expect(e.code).toBe('ERR_CLIENT_UNAVAILABLE');
    expect(e.details?.retryAfterMs).toBe(120_000);
    expect(server!.seen).toHaveLength(1);
  });

  it('503 without Retry-After: backs off and retries; gives up after `retries` with the last problem', async () => {
    let c = await serve((_r, res, n) => (n < 2 ? answer(res, 503) : answer(res, 201, { ...COSE, Location: `/entries/${ENTRY}` }, RECEIPT)));
    expect((await c.register(STATEMENT)).entryId).toBe(ENTRY);
    expect(server!.seen).toHaveLength(3);
    await server!.close();
    c = await serve((_r, res) => answer(res, 503), { retries: 2 });
    const e = await rejection(c.register(STATEMENT));
    expect(e.code).toBe('ERR_CLIENT_UNAVAILABLE');
    expect(e.details).toMatchObject({ status: 503, attempts: 3 });
    expect(server!.seen).toHaveLength(3);
  });

  it('a dropped connection is retried (registration is idempotent); with retries 0 it is ERR_CLIENT_NETWORK', async () => {
    const drop: Script = (req, res, n) => (n === 0 ? res.socket?.destroy() : answer(res, 201, { ...COSE, Location: `/entries/${ENTRY}` }, RECEIPT));
    let c = await serve(drop);
    expect((await c.register(STATEMENT)).entryId).toBe(ENTRY);
    expect(server!.seen).toHaveLength(2);
    await server!.close();
    c = await serve(drop, { retries: 0 });
    expect((await rejection(c.register(STATEMENT))).code).toBe('ERR_CLIENT_NETWORK');
  });

  it('a refused connection (nothing listening) is ERR_CLIENT_NETWORK after the retries', async () => {
    server = await scriptServer(() => undefined);
    const url = server.url;
    await server.close();
    server = undefined;
    const e = await rejection(createClient({ url, retries: 2, backoffMs: 1 }).checkpoint());
    expect(e.code).toBe('ERR_CLIENT_NETWORK');
    expect(e.details?.attempts).toBe(3);
  });

  it('the backoff doubles, stays within its cap, and is jittered; Retry-After takes seconds or a date', () => {
    expect(backoffMs(0, 100, 10_000, () => 0)).toBe(50);
    expect(backoffMs(3, 100, 10_000, () => 1)).toBe(800);
    expect(backoffMs(20, 100, 10_000, () => 1)).toBe(10_000);
    const h = (v: string): Headers => new Headers({ 'Retry-After': v });
    expect(retryAfterMs(h('2'))).toBe(2000);
    expect(retryAfterMs(h(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString()), Date.UTC(2030, 0, 1))).toBe(10_000);
    expect(retryAfterMs(h('soon'))).toBeUndefined();
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });
});

describe('time limits and abort', () => {
  it('a service that never answers: ERR_CLIENT_TIMEOUT after timeoutMs', async () => {
    const c = await serve(() => undefined, { timeoutMs: 300 });
    expect((await rejection(c.checkpoint())).code).toBe('ERR_CLIENT_TIMEOUT');
    expect((await rejection(c.checkpoint({ timeoutMs: 100 }))).code).toBe('ERR_CLIENT_TIMEOUT');
  });

  it('polling that outlasts the limit: ERR_CLIENT_TIMEOUT with the Location, which waitForReceipt resumes', async () => {
    let done = false;
    const c = await serve((req, res) => {
      if (req.method === 'POST') return answer(res, 303, { Location: '/entries/op-5', 'Retry-After': '3600' });
      if (!done) return answer(res, 302, { Location: '/entries/op-5', 'Retry-After': '0' });
      answer(res, 200, { ...COSE, Location: `/entries/${ENTRY}` }, RECEIPT);
    });
    const e = await rejection(c.register(STATEMENT, { timeoutMs: 2_000 }));
    expect(e.code).toBe('ERR_CLIENT_TIMEOUT');
    expect(e.details?.location).toBe(`${server!.url}/entries/op-5`);
    done = true;
    expect((await c.waitForReceipt(e.details!.location as string)).entryId).toBe(ENTRY);
  });

  it('an AbortSignal stops a call in flight (ERR_CLIENT_ABORTED); an aborted signal sends nothing', async () => {
    const ctrl = new AbortController();
    const c = await serve(() => ctrl.abort());
    expect((await rejection(c.register(STATEMENT, { signal: ctrl.signal }))).code).toBe('ERR_CLIENT_ABORTED');
    expect(server!.seen).toHaveLength(1);
    expect((await rejection(c.keys({ signal: ctrl.signal }))).code).toBe('ERR_CLIENT_ABORTED');
    expect(server!.seen).toHaveLength(1);
    // the client-wide signal too, also while the client waits between polls
    await server!.close();
    const all = new AbortController();
    server = await scriptServer((req, res) => {
      answer(res, 303, { Location: '/entries/op-1', 'Retry-After': '30' });
      setImmediate(() => all.abort());
    });
    const c2 = createClient({ url: server.url, signal: all.signal });
    expect((await rejection(c2.register(STATEMENT))).code).toBe('ERR_CLIENT_ABORTED');
    expect((await rejection(c2.keys())).code).toBe('ERR_CLIENT_ABORTED');
    expect(server.seen).toHaveLength(1);
  });

  it('bad options are refused up front', () => {
    for (const o of [{ url: 'ftp://x' }, { url: 'not a url' }, { url: 'http://x', retries: -1 }, { url: 'http://x', timeoutMs: Number.NaN }]) {
      expect(() => createClient(o)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });
});
