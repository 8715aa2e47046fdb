import { describe, expect, it } from 'vitest';
import { cborDecode } from '../../src/cose/cbor.js';
import { AtlogError } from '../../src/errors.js';
import { parseLocator } from '../../src/http/ids.js';
import { prefersJson } from '../../src/http/media.js';
import { PROBLEM_EXTENSION_KEY, problemCbor, toProblem } from '../../src/http/problems.js';
import { RateLimiter } from '../../src/http/rate-limit.js';

describe('problems.ts mapping', () => {
  it.each([
    ['ERR_REG_MALFORMED', 400, 'Malformed request'],
    ['ERR_REG_BAD_ALG', 400, 'Bad Signature Algorithm'],
    ['ERR_REG_PAYLOAD_MISSING', 400, 'Payload Missing'],
    ['ERR_REG_REJECTED', 400, 'Rejected'],
    ['ERR_REG_TOO_LARGE', 413, 'Payload Too Large'],
    ['ERR_LOG_PUSHBACK', 503, 'Service Unavailable'],
    ['ERR_HTTP_INVALID_LOCATOR', 400, 'Invalid locator'],
    ['ERR_HTTP_OPERATION_NOT_FOUND', 404, 'Operation Not Found'],
    ['ERR_HTTP_NOT_FOUND', 404, 'Not Found'],
    ['ERR_HTTP_NO_SUCH_KEY', 404, 'No such key'],
    ['ERR_HTTP_RATE_LIMITED', 429, 'Too Many Requests'],
    ['ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', 415, 'Unsupported Media Type'],
    ['ERR_CBOR_TRUNCATED', 400, 'Malformed request'],
    ['ERR_COSE_UNKNOWN_ALG', 400, 'Bad Signature Algorithm'],
    ['ERR_LOG_CORRUPT', 500, 'Internal Server Error'],
  ] as const)('%s -> %i %s', (code, status, title) => {
    const p = toProblem(new AtlogError(code, 'why'), 1);
    expect(p.status).toBe(status);
    expect(p.title).toBe(title);
  });

  it.each([
    ['ERR_REG_REJECTED', 'no_kid', 'Confirmation Missing'],
    ['ERR_REG_MALFORMED', 'ERR_STATEMENT_MISSING_KID', 'Confirmation Missing'],
    ['ERR_REG_REJECTED', 'alg_key_mismatch', 'Bad Signature Algorithm'],
    ['ERR_REG_REJECTED', 'bad_signature', 'Rejected'],
  ] as const)('%s with reason %s -> %s', (code, reason, title) => {
    expect(toProblem(new AtlogError(code, 'why', { details: { reason } }), 1).title).toBe(title);
  });

  it('never leaks internals in a 500', () => {
    const p = toProblem(new Error('/secret/path exploded'), 1);
    expect(p).toMatchObject({ status: 500, detail: 'internal error' });
    expect(toProblem(new AtlogError('ERR_LOG_IO', '/secret/path'), 1).detail).toBe('internal error');
  });

  it('sets Retry-After on 503 and encodes RFC 9290 with the extension', () => {
    const p = toProblem(new AtlogError('ERR_LOG_PUSHBACK', 'queue full'), 3);
    expect(p.retryAfter).toBe(3);
    const m = cborDecode(problemCbor(p)) as Map<unknown, unknown>;
    expect(m.get(-1)).toBe('Service Unavailable');
    expect(m.get(-2)).toBe('queue full');
    expect((m.get(PROBLEM_EXTENSION_KEY) as Map<string, string>).get('code')).toBe('ERR_LOG_PUSHBACK');
  });
});

describe('locators', () => {
  it.each([
    ['a'.repeat(64), 'entry'],
    ['A'.repeat(64), 'invalid'],
    ['op-abc_DEF-1', 'operation'],
    ['op-', 'invalid'],
    ['0', 'index'],
    ['42', 'index'],
    ['042', 'invalid'],
    ['9'.repeat(16), 'invalid'],
    ['../etc', 'invalid'],
  ])('%s is %s', (s, kind) => expect(parseLocator(s).kind).toBe(kind));
});

describe('Accept negotiation', () => {
  it.each([
    [undefined, false],
    ['application/json', true],
    ['application/problem+json', true],
    ['application/cbor, application/json', false],
    ['application/cbor;q=0.5, application/json', true],
    ['application/json, */*', true],
    ['*/*', false],
  ])('%s -> json %s', (accept, json) => expect(prefersJson(accept)).toBe(json));
});

describe('RateLimiter', () => {
  it('allows a burst, then refills at the rate, per client', () => {
    let t = 0;
    const rl = new RateLimiter(10, 3, 100, () => t);
    expect([1, 2, 3].map(() => rl.take('a').ok)).toEqual([true, true, true]);
    const refused = rl.take('a');
    expect(refused.ok).toBe(false);
    expect(refused.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(rl.take('b').ok).toBe(true);
    t += 100; // one token at 10/s
    expect(rl.take('a').ok).toBe(true);
    expect(rl.take('a').ok).toBe(false);
  });

  it('is off at rate 0 and bounds its table', () => {
    expect(new RateLimiter(0, 1).take('x').ok).toBe(true);
    const rl = new RateLimiter(1, 1, 2, () => 0);
    rl.take('a');
    rl.take('b');
    rl.take('c'); // evicts a
    expect(rl.take('a').ok).toBe(true); // a is fresh again
  });
});
