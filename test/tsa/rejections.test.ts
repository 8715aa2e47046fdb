import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/sha256.js';
import { isAtlogError } from '../../src/errors.js';
import { id_contentType, id_messageDigest } from '@peculiar/asn1-cms';
import { createTsaCredentials, type CreateCredentialsOptions } from '../../src/tsa-server/credentials.js';
import { EmbeddedTsa } from '../../src/tsa-server/embedded.js';
import { HttpTsaClient } from '../../src/tsa/client.js';
import { id_aa_signingCertificateV2 } from '../../src/tsa/ess.js';
import { buildTimestampRequest } from '../../src/tsa/request.js';
import { tokenFromResponse } from '../../src/tsa/response.js';
import { parseSignedData } from '../../src/tsa/token.js';
import { verifyTimestampResponse, verifyTimestampToken } from '../../src/tsa/verify.js';
import { children, contents, der, isSequence, isUniversal, parseDer } from '../../src/x509/asn1.js';
import { createOpensslTsa, startOpensslServer, type OpensslTsa, type RunningTsa } from './helpers/openssl.js';

/** Every check of verifyTimestampToken fails with its own code; tokens come from openssl and from our TSA. */

let dir: string;
let rsa: OpensslTsa;
let srv: RunningTsa;
const imprint = sha256(new TextEncoder().encode('signed tree head signature'));
let good: { token: Uint8Array; nonce: bigint }; // from openssl, RSA signer
let goodEc: { token: Uint8Array; root: Uint8Array }; // from the embedded TSA, P-256 signer

async function opensslToken(): Promise<{ token: Uint8Array; nonce: bigint; resp: Uint8Array }> {
  const req = buildTimestampRequest(imprint);
  const res = await fetch(srv.url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: req.der });
  const resp = new Uint8Array(await res.arrayBuffer());
  return { token: tokenFromResponse(resp), nonce: req.nonce, resp };
}

async function embeddedToken(opts: CreateCredentialsOptions & { at?: Date; certReq?: boolean } = {}): Promise<{ token: Uint8Array; root: Uint8Array }> {
  const creds = await createTsaCredentials(opts);
  const tsa = new EmbeddedTsa(creds, opts.at ? { clock: () => opts.at! } : {});
  const req = buildTimestampRequest(imprint);
  const der = new Uint8Array(req.der);
  if (opts.certReq === false) der[der.length - 1] = 0x00; // certReq BOOLEAN is the last byte
  return { token: tokenFromResponse(tsa.respond(der)), root: creds.rootDer };
}

/** Offset of a subarray of `whole` (the parse tree's byte slices are views of the bytes parsed). */
const offsetIn = (whole: Uint8Array, part: Uint8Array): number => part.byteOffset - whole.byteOffset;

/** The contents octets of one DER element, as a view of it. */
const valueOf = (element: Uint8Array): Uint8Array => contents(parseDer(element, 'element'));

function flip(token: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const t = new Uint8Array(token);
  t[at]! ^= mask;
  return t;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    if (isAtlogError(e)) return e.code;
    throw e;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atlog-tsa-rej-'));
  rsa = createOpensslTsa(join(dir, 'rsa'), 'rsa');
  srv = await startOpensslServer(rsa.config);
  good = await opensslToken();
  goodEc = await embeddedToken();
});

afterAll(async () => {
  await srv.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('baseline', () => {
  it('the untouched tokens verify', async () => {
    expect(await code(verifyTimestampToken(good.token, { imprint, roots: [rsa.caDer], nonce: good.nonce, policy: rsa.policy }))).toBe('OK');
    expect(await code(verifyTimestampToken(goodEc.token, { imprint, roots: [goodEc.root] }))).toBe('OK');
  });
});

describe('field checks', () => {
  it('wrong imprint -> ERR_TSA_IMPRINT_MISMATCH', async () => {
    const other = sha256(new TextEncoder().encode('another'));
    expect(await code(verifyTimestampToken(good.token, { imprint: other, roots: [rsa.caDer] }))).toBe('ERR_TSA_IMPRINT_MISMATCH');
  });

  it('wrong nonce -> ERR_TSA_NONCE_MISMATCH', async () => {
    expect(await code(verifyTimestampToken(good.token, { imprint, roots: [rsa.caDer], nonce: good.nonce + 1n }))).toBe('ERR_TSA_NONCE_MISMATCH');
  });

  it('a replayed reply to an earlier request -> HttpTsaClient throws ERR_TSA_NONCE_MISMATCH', async () => {
    const old = await opensslToken();
    const replay: typeof fetch = async () => new Response(old.resp, { status: 200, headers: { 'content-type': 'application/timestamp-reply' } });
    const client = new HttpTsaClient(srv.url, { roots: [rsa.caDer], fetch: replay, retries: 0 });
    expect(await code(client.timestamp(imprint))).toBe('ERR_TSA_NONCE_MISMATCH');
  });

  it('other policy -> ERR_TSA_POLICY', async () => {
    expect(await code(verifyTimestampToken(good.token, { imprint, roots: [rsa.caDer], policy: '1.2.3.4' }))).toBe('ERR_TSA_POLICY');
  });

  it('a rejection response -> ERR_TSA_STATUS', async () => {
    const tsa = new EmbeddedTsa(await createTsaCredentials());
    const resp = tsa.respond(buildTimestampRequest(imprint, { policy: '1.2.3.4' }).der);
    expect(await code(verifyTimestampResponse(resp, { imprint, roots: [tsa.rootDer] }))).toBe('ERR_TSA_STATUS');
  });

  it('genTime in the future of `now` -> ERR_TSA_FUTURE_TIME', async () => {
    expect(await code(verifyTimestampToken(good.token, { imprint, roots: [rsa.caDer], now: new Date(Date.now() - 3600_000) }))).toBe('ERR_TSA_FUTURE_TIME');
  });
});

describe('certificates', () => {
  it('untrusted root -> ERR_TSA_UNTRUSTED_ROOT (another root, and no root at all)', async () => {
    expect(await code(verifyTimestampToken(good.token, { imprint, roots: [goodEc.root] }))).toBe('ERR_TSA_UNTRUSTED_ROOT');
    expect(await code(verifyTimestampToken(good.token, { imprint, roots: [] }))).toBe('ERR_TSA_UNTRUSTED_ROOT');
  });

  it('TSA certificate expired at genTime, or not yet valid -> ERR_TSA_CERT_EXPIRED', async () => {
    const past = await embeddedToken({ notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') });
    expect(await code(verifyTimestampToken(past.token, { imprint, roots: [past.root] }))).toBe('ERR_TSA_CERT_EXPIRED');
    const future = await embeddedToken({ at: new Date(Date.now() + 11 * 365 * 24 * 3600_000) }); // beyond the 10-year TSA cert
    expect(await code(verifyTimestampToken(future.token, { imprint, roots: [future.root] }))).toBe('ERR_TSA_CERT_EXPIRED');
    const early = await embeddedToken({ at: new Date('2001-01-01T00:00:00Z') });
    expect(await code(verifyTimestampToken(early.token, { imprint, roots: [early.root] }))).toBe('ERR_TSA_CERT_EXPIRED');
  });

  it('TSA certificate without EKU, or with a non-critical one -> ERR_TSA_EKU', async () => {
    for (const eku of ['none', 'noncritical'] as const) {
      const t = await embeddedToken({ eku });
      expect(await code(verifyTimestampToken(t.token, { imprint, roots: [t.root] }))).toBe('ERR_TSA_EKU');
    }
  });

  it('token without certificates (certReq FALSE) -> ERR_TSA_SIGNER_NOT_FOUND', async () => {
    const t = await embeddedToken({ certReq: false });
    expect(await code(verifyTimestampToken(t.token, { imprint, roots: [t.root] }))).toBe('ERR_TSA_SIGNER_NOT_FOUND');
  });
});

describe('tampering', () => {
  it('a byte of the TSTInfo (serial number) -> ERR_TSA_MESSAGE_DIGEST', async () => {
    const sd = parseSignedData(good.token);
    const serial = contents(children(parseDer(sd.eContent, 'TSTInfo'))[3]!);
    const t = flip(good.token, offsetIn(good.token, serial));
    expect(await code(verifyTimestampToken(t, { imprint, roots: [rsa.caDer] }))).toBe('ERR_TSA_MESSAGE_DIGEST');
  });

  it('the signed messageDigest value -> ERR_TSA_MESSAGE_DIGEST', async () => {
    const md = valueOf(parseSignedData(good.token).signerInfo.signedAttrs.get(id_messageDigest)![0]!);
    const t = flip(good.token, offsetIn(good.token, md));
    expect(await code(verifyTimestampToken(t, { imprint, roots: [rsa.caDer] }))).toBe('ERR_TSA_MESSAGE_DIGEST');
  });

  it('the ESSCertIDv2 certHash or issuerSerial -> ERR_TSA_ESS_CERT_ID', async () => {
    const essCertId = (token: Uint8Array) => {
      const v2 = parseSignedData(token).signerInfo.signedAttrs.get(id_aa_signingCertificateV2)![0]!;
      return children(children(children(parseDer(v2, 'SigningCertificateV2'))[0]!)[0]!); // SigningCertificateV2.certs[0] fields
    };
    for (const { token, root } of [{ token: good.token, root: rsa.caDer }, goodEc]) {
      const certHash = contents(essCertId(token).find((f) => isUniversal(f, 4))!);
      const t = flip(token, offsetIn(token, certHash) + 3);
      expect(await code(verifyTimestampToken(t, { imprint, roots: [root] }))).toBe('ERR_TSA_ESS_CERT_ID');
    }
    const issuerSerial = essCertId(goodEc.token).find(isSequence)!;
    const serial = contents(children(issuerSerial)[1]!);
    const t = flip(goodEc.token, offsetIn(goodEc.token, serial) + 2);
    expect(await code(verifyTimestampToken(t, { imprint, roots: [goodEc.root] }))).toBe('ERR_TSA_ESS_CERT_ID');
  });

  it('the signature value (RSA and ECDSA) -> ERR_TSA_BAD_SIGNATURE', async () => {
    for (const { token, root } of [{ token: good.token, root: rsa.caDer }, goodEc]) {
      const sig = parseSignedData(token).signerInfo.signature;
      const t = flip(token, offsetIn(token, sig) + sig.length - 5);
      expect(await code(verifyTimestampToken(t, { imprint, roots: [root] }))).toBe('ERR_TSA_BAD_SIGNATURE');
    }
  });

  it('the signed contentType attribute -> ERR_TSA_CONTENT_TYPE', async () => {
    const ct = valueOf(parseSignedData(goodEc.token).signerInfo.signedAttrs.get(id_contentType)![0]!);
    const t = flip(goodEc.token, offsetIn(goodEc.token, ct) + ct.length - 1, 0x03);
    expect(await code(verifyTimestampToken(t, { imprint, roots: [goodEc.root] }))).toBe('ERR_TSA_CONTENT_TYPE');
  });

  it('content type or eContentType changed -> ERR_TSA_CONTENT_TYPE', async () => {
    // ContentInfo contentType: the last OID byte of id-signedData (…7.2) becomes …7.1 (id-data).
    const root = parseDer(good.token, 'token');
    const ci = contents(children(root)[0]!);
    expect(await code(verifyTimestampToken(flip(good.token, offsetIn(good.token, ci) + ci.length - 1, 0x03), { imprint, roots: [rsa.caDer] }))).toBe('ERR_TSA_CONTENT_TYPE');
    const sd = children(children(root)[1]!)[0]!;
    const ect = contents(children(children(sd)[2]!)[0]!);
    expect(await code(verifyTimestampToken(flip(good.token, offsetIn(good.token, ect) + ect.length - 1, 0x01), { imprint, roots: [rsa.caDer] }))).toBe('ERR_TSA_CONTENT_TYPE');
  });

  it('tag and length edits that asn1js alone would read -> ERR_TSA_MALFORMED', async () => {
    const root = parseDer(goodEc.token, 'token');
    const wrapper = children(root)[1]!; // ContentInfo [0]
    const signerInfo = children(children(children(wrapper)[0]!).at(-1)!)[0]!;
    const digestAlgorithm = children(signerInfo)[2]!;
    const at = (node: ReturnType<typeof parseDer>): number => offsetIn(goodEc.token, der(node));
    const edits: Array<[string, number, number]> = [
      ['[0] wrapper length shorter than its content', at(wrapper) + 2, 0x01], // a0 82 LL LL: high length octet
      ['SignerInfo tagged SET', at(signerInfo), 0x01],
      ['digestAlgorithm tagged [16] instead of SEQUENCE', at(digestAlgorithm), 0x80],
      ['digestAlgorithm tagged [0], like the signed attributes after it', at(digestAlgorithm), 0x90],
    ];
    for (const [name, offset, mask] of edits) {
      expect([name, await code(verifyTimestampToken(flip(goodEc.token, offset, mask), { imprint, roots: [goodEc.root] }))]).toEqual([name, 'ERR_TSA_MALFORMED']);
    }
  });

  it('malformed tokens -> ERR_TSA_MALFORMED', async () => {
    const cases = [new Uint8Array(), Uint8Array.of(0x30, 0x80, 0, 0), good.token.subarray(0, good.token.length - 1), new Uint8Array([...good.token, 0]), new TextEncoder().encode('not a token')];
    for (const t of cases) expect(await code(verifyTimestampToken(t, { imprint, roots: [rsa.caDer] }))).toBe('ERR_TSA_MALFORMED');
  });

  it('any single-byte change anywhere in the token is rejected with an ERR_TSA_* code', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: goodEc.token.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, mask) => {
        const c = await code(verifyTimestampToken(flip(goodEc.token, at, mask), { imprint, roots: [goodEc.root] }));
        expect(c).toMatch(/^ERR_TSA_/);
      }),
      { numRuns: 300 },
    );
  });

  it('structural mutations (splices, cuts, inserted bytes) and random bytes only ever give ERR_TSA_* codes', async () => {
    const mutated = fc
      .tuple(fc.nat({ max: goodEc.token.length }), fc.nat({ max: 40 }), fc.uint8Array({ maxLength: 12 }))
      .map(([at, cut, insert]) => new Uint8Array([...goodEc.token.subarray(0, at), ...insert, ...goodEc.token.subarray(Math.min(goodEc.token.length, at + cut))]));
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutated, fc.uint8Array({ maxLength: 300 })), async (t) => {
        const c = await code(verifyTimestampToken(t, { imprint, roots: [goodEc.root] }));
        if (c !== 'OK') expect(c).toMatch(/^ERR_TSA_/);
        else expect(t).toEqual(goodEc.token); // only the identity mutation may pass
      }),
      { numRuns: 400 },
    );
  });

  it('openssl token: a changed byte is rejected, or lies in an unused duplicate certificate and changes nothing verified', async () => {
    // openssl ships the TSA certificate twice (signer_cert and certs); flips in the spare copy are harmless.
    const base = await verifyTimestampToken(good.token, { imprint, roots: [rsa.caDer] });
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: good.token.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, mask) => {
        try {
          const v = await verifyTimestampToken(flip(good.token, at, mask), { imprint, roots: [rsa.caDer] });
          expect(v).toEqual(base);
        } catch (e) {
          expect(isAtlogError(e) && e.code.startsWith('ERR_TSA_')).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
