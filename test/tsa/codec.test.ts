import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as cborEncode } from 'cbor-x';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/sha256.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { createTsaCredentials } from '../../src/tsa-server/credentials.js';
import { issueToken } from '../../src/tsa-server/issue.js';
import { bstrHead, cttImprint } from '../../src/tsa/ctt.js';
import { buildTimestampRequest, parseTimestampRequest, uintBytes } from '../../src/tsa/request.js';
import { FAIL_INFO, encodeRejection, parseTimestampResponse, tokenFromResponse } from '../../src/tsa/response.js';
import { parseSignedData, parseTstInfo, uintOf } from '../../src/tsa/token.js';
import { assertEncodableOid, oidOf, parseDer } from '../../src/x509/asn1.js';
import { certificateToPem, normalizeRoots } from '../../src/x509/pem.js';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';

/** Wire formats: our TimeStampReq as openssl reads it, the strict DER reader, and the RFC 9921 ctt imprint. */

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
    const own = buildTimestampRequest(new Uint8Array(32).fill(9), { policy: '2.25.266609495170829544916465184776999607126' });
    const back = parseTimestampRequest(own.der);
    expect(uintOf(back.nonce!, 'nonce')).toBe(own.nonce);
    expect(back.policy).toBe('2.25.266609495170829544916465184776999607126');
    expect(back.certReq).toBe(true);
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
  it('accept DER, PEM text, PEM file bytes and bundles; refuse PEM without a certificate', async () => {
    const a = (await createTsaCredentials()).rootDer;
    const b = (await createTsaCredentials()).rootDer;
    const pem = certificateToPem(a) + certificateToPem(b);
    expect(normalizeRoots([a]).map((c) => c.der)).toEqual([a]);
    expect(normalizeRoots([pem]).map((c) => c.der)).toEqual([a, b]);
    expect(normalizeRoots([new TextEncoder().encode(pem)]).map((c) => c.der)).toEqual([a, b]);
    expect(() => normalizeRoots(['-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n'])).toThrow(expect.objectContaining({ code: 'ERR_TSA_MALFORMED' }));
  });
});

/** X.690 8.19 written out independently of asn1js, to check the OID reader against. */
function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(BigInt);
  const body: number[] = [];
  for (const a of [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)]) {
    const g = [Number(a & 0x7fn)];
    for (let x = a >> 7n; x > 0n; x >>= 7n) g.unshift(0x80 | Number(x & 0x7fn));
    body.push(...g);
  }
  return Uint8Array.of(0x06, body.length, ...body);
}

const code = (f: () => unknown): string => {
  try {
    f();
    return 'OK';
  } catch (e) {
    return (e as { code?: string }).code ?? 'THROWN';
  }
};

describe('the DER reader (asn1js with the DER rules added)', () => {
  it('OIDs read exactly, including 2.25 UUID arcs beyond 2^53 that asn1js itself rounds or prints as {hex}', () => {
    fc.assert(
      fc.property(fc.constantFrom('0', '1', '2'), fc.nat({ max: 39 }), fc.array(fc.bigInt({ min: 0n, max: 2n ** 128n }), { maxLength: 6 }), (a, b, rest) => {
        const s = [a, String(b), ...rest.map(String)].join('.');
        expect(oidOf(parseDer(encodeOid(s), 'oid'))).toBe(s);
      }),
    );
  });

  it('OIDs atlog writes must survive asn1js encoding: the embedded policy does, arcs near 2^50 do not', () => {
    expect(code(() => assertEncodableOid('2.25.266609495170829544916465184776999607126', 'policy'))).toBe('OK');
    expect(code(() => assertEncodableOid('1.3.6.1.4.1.55555.1', 'policy'))).toBe('OK');
    for (const bad of [`1.2.${2n ** 50n}`, '1.40.1', 'x.y', '1']) expect(code(() => assertEncodableOid(bad, 'policy'))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('integers round-trip through the contents-octet helpers', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 160n }), (n) => {
        expect(uintOf(uintBytes(n), 'n')).toBe(n);
      }),
    );
    expect(code(() => uintOf(Uint8Array.of(0x80), 'n'))).toBe('ERR_TSA_MALFORMED'); // negative
  });

  it('refuses what BER allows and DER does not', () => {
    const cases: Array<[string, number[]]> = [
      ['non-minimal length', [0x04, 0x81, 0x05, 1, 2, 3, 4, 5]],
      ['leading zero length octet', [0x04, 0x82, 0x00, 0x05, 1, 2, 3, 4, 5]],
      ['indefinite length', [0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00]],
      ['truncated', [0x04, 0x05, 1]],
      ['trailing bytes', [0x05, 0x00, 0x00]],
      ['an element overrunning its container', [0x30, 0x05, 0xa0, 0x02, 0x02, 0x01, 0x01]],
      ['a container with a stray byte', [0x30, 0x03, 0x05, 0x00, 0x00]],
      ['constructed OCTET STRING', [0x24, 0x04, 0x04, 0x02, 0x01, 0x02]],
      ['BOOLEAN 0x01', [0x01, 0x01, 0x01]],
      ['non-minimal INTEGER', [0x02, 0x02, 0x00, 0x01]],
      ['non-minimal negative INTEGER', [0x02, 0x02, 0xff, 0x80]],
      ['NULL with contents', [0x05, 0x01, 0x00]],
      ['BIT STRING padding bits set', [0x03, 0x02, 0x01, 0x01]],
      ['OID arc with a leading 0x80', [0x06, 0x03, 0x2a, 0x80, 0x01]],
      ['empty input', []],
    ];
    for (const [name, bytes] of cases) expect([name, code(() => parseDer(Uint8Array.from(bytes), name))]).toEqual([name, 'ERR_TSA_MALFORMED']);
    // and the same shapes in their DER form are fine, including a 256-byte length that asn1js alone flags
    for (const ok of [[0x04, 0x05, 1, 2, 3, 4, 5], [0x01, 0x01, 0xff], [0x02, 0x02, 0x00, 0x80], [0x03, 0x02, 0x01, 0x02], [0x04, 0x82, 0x01, 0x00, ...new Array(256).fill(7)]]) {
      expect(code(() => parseDer(Uint8Array.from(ok), 'ok'))).toBe('OK');
    }
  });

  it('genTime keeps milliseconds without trailing zeros, reads back, and must be a UTC GeneralizedTime', async () => {
    const c = await createTsaCredentials();
    const key = createPrivateKey({ key: Buffer.from(c.tsaKeyPkcs8), format: 'der', type: 'pkcs8' });
    const signer = { certDer: c.tsaDer, signatureAlgorithm: new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' }), sign: (d: Uint8Array) => new Uint8Array(sign('sha256', d, key)) };
    const req = parseTimestampRequest(buildTimestampRequest(new Uint8Array(32)).der);
    const tstOf = (iso: string): Uint8Array => parseSignedData(issueToken(req, signer, { genTime: new Date(iso), serialNumber: 1n, policy: '1.2.3' })).eContent.slice();
    for (const iso of ['2026-11-21T12:00:00.000Z', '2026-11-21T12:00:00.120Z', '2026-11-21T12:00:00.123Z']) {
      const tst = tstOf(iso);
      expect(new TextDecoder().decode(tst)).not.toMatch(/\.\d*0Z|\.Z/);
      expect(parseTstInfo(tst).genTime.toISOString()).toBe(iso);
    }
    // same-length edits of "20261121120000.12Z": a trailing zero, month 13, no "Z"
    const tst = tstOf('2026-11-21T12:00:00.120Z');
    const at = new TextDecoder('latin1').decode(tst).indexOf('20261121120000.12Z');
    for (const [offset, char] of [[16, '0'], [5, '3'], [17, '0']] as const) {
      const t = tst.slice();
      t[at + offset] = char.charCodeAt(0);
      expect(code(() => parseTstInfo(t))).toBe('ERR_TSA_MALFORMED');
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
