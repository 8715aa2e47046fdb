import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as cborEncode } from 'cbor-x';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/sha256.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { bstrHead, cttImprint } from '../../src/tsa/ctt.js';
import { decodeOid, decodeUint, generalizedTime, oid, readOne, readTlv, uint } from '../../src/tsa/der.js';
import { decodeTime, normalizeRoots } from '../../src/tsa/cert.js';
import { certToPem, createTsaCredentials } from '../../src/tsa/certs.js';
import { buildTimestampRequest, parseTimestampRequest } from '../../src/tsa/request.js';
import { FAIL_INFO, encodeRejection, parseTimestampResponse, tokenFromResponse } from '../../src/tsa/response.js';

/** Wire formats: our TimeStampReq as openssl reads it, DER primitives, and the RFC 9921 ctt imprint. */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'atlog-tsa-codec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TimeStampReq', () => {
  it('openssl reads our request: SHA-256 imprint, nonce, certReq yes', () => {
    const imprint = sha256(new TextEncoder().encode('abc'));
    const req = buildTimestampRequest(imprint, { nonce: 0x1234567890abcdefn, policy: '1.2.3.4.5' });
    const f = join(dir, 'q.tsq');
    writeFileSync(f, req.der);
    const text = execFileSync('openssl', ['ts', '-query', '-in', f, '-text'], { encoding: 'utf8' });
    expect(text).toContain('Hash Algorithm: sha256');
    expect(text).toContain('Nonce: 0x1234567890ABCDEF');
    expect(text).toContain('Certificate required: yes');
    expect(text).toContain('Policy OID: 1.2.3.4.5');
    expect(text).toContain('0000 - ba 78 16 bf 8f 01 cf ea-41 41 40 de 5d ae 22 23'); // SHA-256("abc")
    expect(toHex(imprint).slice(0, 16)).toBe('ba7816bf8f01cfea');
  });

  it('we read openssl requests, and round-trip our own', () => {
    const f = join(dir, 'data');
    writeFileSync(f, 'hello');
    const q = join(dir, 'o.tsq');
    execFileSync('openssl', ['ts', '-query', '-data', f, '-sha256', '-cert', '-out', q]);
    const parsed = parseTimestampRequest(new Uint8Array(execFileSync('cat', [q])));
    expect(parsed.hashAlgorithm).toBe('2.16.840.1.101.3.4.2.1');
    expect(toHex(parsed.hashedMessage)).toBe(toHex(sha256(new TextEncoder().encode('hello'))));
    expect(parsed.certReq).toBe(true);
    const own = buildTimestampRequest(new Uint8Array(32).fill(9));
    const back = parseTimestampRequest(own.der);
    expect(decodeUint(readOne(uint(own.nonce)))).toBe(own.nonce);
    expect(back.nonce).toBeDefined();
  });

  it('random nonces are positive 64-bit values and differ', () => {
    const a = buildTimestampRequest(new Uint8Array(32)).nonce;
    const b = buildTimestampRequest(new Uint8Array(32)).nonce;
    expect(a).not.toBe(b);
    for (const n of [a, b]) expect(n > 0n && n < 2n ** 64n).toBe(true);
  });

  it('bad input: ERR_INVALID_ARGUMENT for the builder, ERR_TSA_MALFORMED for the parser', () => {
    expect(() => buildTimestampRequest(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => buildTimestampRequest(new Uint8Array(32), { policy: 'x.y' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    for (const bad of [new Uint8Array(), Uint8Array.of(0x30, 0x00), Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x02)]) {
      expect(() => parseTimestampRequest(bad)).toThrow(expect.objectContaining({ code: 'ERR_TSA_MALFORMED' }));
    }
  });
});

describe('TimeStampResp', () => {
  it('a rejection parses as status 2 and tokenFromResponse throws ERR_TSA_STATUS', () => {
    const resp = encodeRejection(FAIL_INFO.unacceptedPolicy, 'policy not supported');
    expect(parseTimestampResponse(resp)).toMatchObject({ status: 2, statusStrings: ['policy not supported'] });
    expect(() => tokenFromResponse(resp)).toThrow(expect.objectContaining({ code: 'ERR_TSA_STATUS' }));
    const f = join(dir, 'rej.tsr');
    writeFileSync(f, resp);
    const text = execFileSync('openssl', ['ts', '-reply', '-in', f, '-text'], { encoding: 'utf8' });
    expect(text).toContain('Status: Rejected');
    expect(text).toContain('Failure info: the requested TSA policy is not supported by the TSA');
  });
});

describe('trust roots', () => {
  it('accept DER, PEM text, PEM file bytes and bundles; refuse PEM without a certificate', () => {
    const a = createTsaCredentials().rootDer;
    const b = createTsaCredentials().rootDer;
    const pem = certToPem(a) + certToPem(b);
    expect(normalizeRoots([a]).map((c) => c.der)).toEqual([a]);
    expect(normalizeRoots([pem]).map((c) => c.der)).toEqual([a, b]);
    expect(normalizeRoots([new TextEncoder().encode(pem)]).map((c) => c.der)).toEqual([a, b]);
    expect(() => normalizeRoots(['-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n'])).toThrow(expect.objectContaining({ code: 'ERR_TSA_MALFORMED' }));
  });
});

describe('DER primitives', () => {
  it('OIDs round-trip, including 2.25 UUID arcs beyond 2^53', () => {
    fc.assert(
      fc.property(fc.constantFrom('0', '1', '2'), fc.nat({ max: 39 }), fc.array(fc.bigInt({ min: 0n, max: 2n ** 128n }), { maxLength: 6 }), (a, b, rest) => {
        const s = [a, String(b), ...rest.map(String)].join('.');
        expect(decodeOid(readOne(oid(s)))).toBe(s);
      }),
    );
  });

  it('integers round-trip and lengths are strict', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 160n }), (n) => {
        expect(decodeUint(readOne(uint(n)))).toBe(n);
      }),
    );
    expect(() => readTlv(Uint8Array.of(0x04, 0x81, 0x05, 1, 2, 3, 4, 5))).toThrow(expect.objectContaining({ code: 'ERR_TSA_MALFORMED' })); // non-minimal
    expect(() => readTlv(Uint8Array.of(0x04, 0x80))).toThrow(expect.objectContaining({ code: 'ERR_TSA_MALFORMED' })); // indefinite
    expect(() => readTlv(Uint8Array.of(0x04, 0x05, 1))).toThrow(expect.objectContaining({ code: 'ERR_TSA_MALFORMED' })); // truncated
  });

  it('GeneralizedTime keeps milliseconds without trailing zeros and reads back', () => {
    for (const iso of ['2026-11-21T12:00:00.000Z', '2026-11-21T12:00:00.120Z', '2026-11-21T12:00:00.123Z']) {
      const t = readOne(generalizedTime(new Date(iso)));
      expect(new TextDecoder().decode(t.value)).not.toMatch(/\.\d*0Z$|\.Z$/);
      expect(decodeTime(t).toISOString()).toBe(iso);
    }
  });
});

describe('RFC 9921 3161-ctt imprint', () => {
  it('is SHA-256 over the bstr-encoded signature, head included, as cbor-x encodes it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 70000 }), (sig) => {
        const encoded = new Uint8Array(cborEncode(Buffer.from(sig)));
        expect(toHex(cttImprint(sig))).toBe(toHex(sha256(encoded)));
      }),
      { numRuns: 30 },
    );
    // the lengths that matter: ES256 64, ES384 96, ML-DSA-65 3309
    expect(bstrHead(64)).toEqual(Uint8Array.of(0x58, 64));
    expect(bstrHead(3309)).toEqual(Uint8Array.of(0x59, 0x0c, 0xed));
    expect(bstrHead(23)).toEqual(Uint8Array.of(0x57));
  });

  it('matches the RFC 9921 section 3.1.1 example (COSE_Sign1, ES256, SHA-256)', () => {
    const sig = fromHex(
      '8eb33e4ca31d1c465ab05aac34cc6b23d58fef5c083106c4d25a91aef0b0117e2af9a291aa32e14ab834dc56ed2a223444547e01f11d3b0916e5a4c345cacb36',
    );
    expect(toHex(cttImprint(sig))).toBe('44c2419d131d53d55584b5dd33b788c24e551c6d44b1afc8b2b85e6954763b4e');
  });

  it('differs from the plain digest of the signature', () => {
    const s = new Uint8Array(64).fill(1);
    expect(toHex(cttImprint(s))).not.toBe(toHex(sha256(s)));
  });
});
