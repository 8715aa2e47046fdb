import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { AtlogError } from '../../src/errors.js';
import { createRequestListener } from '../../src/http/app.js';
import type { HttpContext } from '../../src/http/context.js';
import { createMetrics } from '../../src/http/metrics.js';
import type { ServicePort, ServiceStats, Submission } from '../../src/http/port.js';
import { call, type Answer } from './helpers.js';

/**
 * The request pipeline (src/http/app.ts) on a real node server, over a service stub whose answers each test
 * sets: both paths (the lean POST /entries and express) must take the same steps and answer problems alike.
 */

const ENTRY = 'ab'.repeat(32);
const RECEIPT = new Uint8Array([0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40]);
const JSON_ACCEPT = { Accept: 'application/json' };

/** A ServicePort whose submit and checkpoint answers the test sets; the rest answers "nothing there". */
class StubService implements ServicePort {
  submitError: AtlogError | undefined;
  checkpointError: AtlogError | undefined;
  submitted = 0;
  readonly issuers = { add: () => undefined, revoke: () => undefined, list: () => [] };
  submit(): Promise<Submission> {
    this.submitted++;
    if (this.submitError) return Promise.reject(this.submitError);
    return Promise.resolve({ operationId: 'op-1', entryId: ENTRY, duplicate: false, done: Promise.resolve({ entryId: ENTRY, index: 0, treeSize: 1, receipts: [RECEIPT] }) });
  }
  latestCheckpoint(): undefined {
    if (this.checkpointError) throw this.checkpointError;
    return undefined;
  }
  operation = (): undefined => undefined;
  receipts = (): undefined => undefined;
  transparentStatement = (): undefined => undefined;
  entryIdAt = (): undefined => undefined;
  consistencyReceipt = (): undefined => undefined;
  sessionEntries = (): string[] => [];
  serviceKeys = (): [] => [];
  keySet = (): Uint8Array => new Uint8Array([0x80]);
  reloadPolicy = (): undefined => undefined;
  policyInfo = (): never => {
    throw new AtlogError('ERR_INTERNAL', 'not used');
  };
  stats = (): ServiceStats => ({ queueDepth: 0, queueLimit: 1, batches: 0, entries: 0, duplicates: 0, rejections: {}, treeSize: 0, unanchoredCheckpoints: 0, timestampersDown: [], open: true, policyHash: '' });
  close = (): Promise<void> => Promise.resolve();
}

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** The pipeline on a real server over a fresh stub, for the enclosing describe block. */
interface Running {
  service: StubService;
  url: string;
  ctx: HttpContext;
}

function serve(rate: { rateLimit: number; rateBurst: number }): Running {
  const service = new StubService();
  const ctx: HttpContext = { service, settings: { ...resolveConfig({}), waitLimitMs: 1000, retryAfterS: 7, ...rate }, metrics: createMetrics(service), logger: silent, issuer: 'test', closing: false };
  const t: Running = { service, url: '', ctx };
  const server: Server = createServer(createRequestListener(ctx));
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  return t;
}

function post(url: string, path: string, headers: Record<string, string> = {}, contentType = 'application/cose'): Promise<Answer> {
  return call(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': contentType, ...headers }, body: new Uint8Array([1, 2, 3]) });
}

function json(a: Answer): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(a.body)) as Record<string, unknown>;
}

const SPELLINGS = ['/entries', '/entries/', '/entries?x=1', '/Entries'];

describe('one pipeline for both paths (no rate limit)', () => {
  const t = serve({ rateLimit: 0, rateBurst: 1 });
  beforeEach(() => {
    t.service.submitError = undefined;
    t.service.checkpointError = undefined;
    t.ctx.closing = false;
  });

  it.each(SPELLINGS)('POST %s registers: 201 with the receipt', async (path) => {
    const before = t.service.submitted;
    const a = await post(t.url, path);
    expect(a.status).toBe(201);
    expect(a.headers.get('location')).toBe(`/entries/${ENTRY}`);
    expect(a.body).toEqual(RECEIPT);
    expect(t.service.submitted).toBe(before + 1);
  });

  it.each(SPELLINGS)('POST %s: 415 as CBOR concise problem details, and as JSON when Accept prefers it', async (path) => {
    const cbor = await post(t.url, path, {}, 'application/json');
    expect(cbor.status).toBe(415);
    expect(cbor.type).toBe('application/concise-problem-details+cbor');
    expect(cbor.problem).toMatchObject({ title: 'Unsupported Media Type', code: 'ERR_HTTP_UNSUPPORTED_MEDIA_TYPE' });
    const j = await post(t.url, path, JSON_ACCEPT, 'application/json');
    expect(j.status).toBe(415);
    expect(j.type).toBe('application/problem+json; charset=utf-8');
    expect(json(j)).toMatchObject({ type: 'about:blank', status: 415, title: 'Unsupported Media Type', code: 'ERR_HTTP_UNSUPPORTED_MEDIA_TYPE' });
  });

  it.each(SPELLINGS)('POST %s: 503 with Retry-After when the queue is full, in both formats', async (path) => {
    t.service.submitError = new AtlogError('ERR_LOG_PUSHBACK', 'registration queue is full', { details: { retryAfter: 2 } });
    const cbor = await post(t.url, path);
    expect(cbor.status).toBe(503);
    expect(cbor.headers.get('retry-after')).toBe('2');
    expect(cbor.problem).toMatchObject({ title: 'Service Unavailable', code: 'ERR_LOG_PUSHBACK' });
    const j = await post(t.url, path, JSON_ACCEPT);
    expect(j.status).toBe(503);
    expect(json(j)).toMatchObject({ status: 503, code: 'ERR_LOG_PUSHBACK' });
  });

  it('the express path answers 503 the same way (service closing), with the configured Retry-After', async () => {
    t.service.checkpointError = new AtlogError('ERR_SERVICE_CLOSED', 'the service is closing');
    const cbor = await call(`${t.url}/checkpoint`);
    expect(cbor.status).toBe(503);
    expect(cbor.type).toBe('application/concise-problem-details+cbor');
    expect(cbor.headers.get('retry-after')).toBe('7');
    expect(cbor.problem).toMatchObject({ title: 'Service Unavailable', code: 'ERR_SERVICE_CLOSED' });
    const j = await call(`${t.url}/checkpoint`, { headers: JSON_ACCEPT });
    expect(json(j)).toMatchObject({ status: 503, code: 'ERR_SERVICE_CLOSED' });
  });

  it('while shutting down: 503 ERR_HTTP_SHUTTING_DOWN and Connection: close on both paths', async () => {
    t.ctx.closing = true;
    for (const path of SPELLINGS) {
      const a = await post(t.url, path);
      expect(a.status).toBe(503);
      expect(a.problem?.code).toBe('ERR_HTTP_SHUTTING_DOWN');
      expect(a.headers.get('connection')).toBe('close');
    }
    const other = await call(`${t.url}/nope`);
    expect(other.status).toBe(404);
    expect(other.headers.get('connection')).toBe('close');
  });

  it('the express routes have no POST /entries of their own: other POSTs under /entries are 404', async () => {
    const before = t.service.submitted;
    for (const path of ['/entries/x', '/entriesx', '/entries//']) {
      const a = await post(t.url, path);
      expect(a.status).toBe(404);
      expect(a.problem?.code).toBe('ERR_HTTP_NOT_FOUND');
    }
    expect(t.service.submitted).toBe(before);
  });

  it('counts registrations under the route /entries whatever the spelling', async () => {
    const count = async (): Promise<number> =>
      (await t.ctx.metrics.requests.get()).values.filter((v) => v.labels.route === '/entries' && v.labels.status === '201').reduce((n, v) => n + v.value, 0);
    const before = await count();
    for (const path of SPELLINGS) expect((await post(t.url, path)).status).toBe(201);
    // The server counts on 'finish', which may come just after the client has read the answer.
    await vi.waitFor(async () => expect((await count()) - before).toBe(SPELLINGS.length));
  });
});

describe('one rejection path for both (rate limit 1/s, burst 1)', () => {
  const t = serve({ rateLimit: 1, rateBurst: 1 });

  it('429 from the lean path and from express: same problem bytes, Retry-After, keep-alive, not counted as a route', async () => {
    expect((await post(t.url, '/entries')).status).toBe(201); // the one token
    const answers: Answer[] = [];
    for (const path of SPELLINGS) answers.push(await post(t.url, path));
    answers.push(await call(`${t.url}/checkpoint`));
    for (const a of answers) {
      expect(a.status).toBe(429);
      expect(a.type).toBe('application/concise-problem-details+cbor');
      expect(a.problem).toMatchObject({ title: 'Too Many Requests', code: 'ERR_HTTP_RATE_LIMITED' });
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(a.headers.get('connection')).toBe('keep-alive');
      expect(a.body).toEqual(answers[0]!.body);
    }
    const j = [await post(t.url, '/entries/', JSON_ACCEPT), await call(`${t.url}/checkpoint`, { headers: JSON_ACCEPT })];
    for (const a of j) {
      expect(a.status).toBe(429);
      expect(json(a)).toMatchObject({ status: 429, title: 'Too Many Requests', code: 'ERR_HTTP_RATE_LIMITED' });
    }
    expect(new TextDecoder().decode(j[0]!.body)).toBe(new TextDecoder().decode(j[1]!.body));
    await vi.waitFor(async () => {
      const refused = (await t.ctx.metrics.requests.get()).values.filter((v) => v.labels.status === '429');
      expect(new Set(refused.map((v) => v.labels.route))).toEqual(new Set(['unmatched']));
      expect(refused.reduce((n, v) => n + v.value, 0)).toBe(answers.length + j.length);
    });
  });

  it('/healthz is not rate limited', async () => {
    expect((await call(`${t.url}/healthz`)).status).toBe(200);
  });
});
