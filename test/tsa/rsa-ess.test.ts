import { constants, createPrivateKey, sign } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/sha256.js';
import { toHex } from '../../src/util/bytes.js';
import { RsaSaPssParams, id_mgf1, id_RSASSA_PSS, id_sha1, id_sha256, id_sha256WithRSAEncryption } from '@peculiar/asn1-rsa';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { issueToken, type TokenSigner } from '../../src/tsa-server/issue.js';
import { HttpTsaClient } from '../../src/tsa/client.js';
import { id_aa_signingCertificate, id_aa_signingCertificateV2 } from '../../src/tsa/ess.js';
import { buildTimestampRequest, digestAlgorithm, parseTimestampRequest } from '../../src/tsa/request.js';
import { parseSignedData } from '../../src/tsa/token.js';
import { verifyTimestampToken } from '../../src/tsa/verify.js';
import { encode } from '../../src/x509/asn1.js';
import { createOpensslTsa, opensslVerifyToken, startOpensslServer, type OpensslTsa } from './helpers/openssl.js';

/**
 * Signature schemes and ESS variants beyond the default path: RSA PKCS#1 v1.5 and RSA-PSS tokens (signed by our
 * token builder with an openssl-made RSA TSA certificate, and judged by `openssl ts -verify` as well as by us),
 * and openssl tokens carrying an ESSCertID (SHA-1, signingCertificate v1) instead of ESSCertIDv2.
 */

let dir: string;
let rsa: OpensslTsa;
const imprint = sha256(new TextEncoder().encode('rsa tree head'));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'atlog-tsa-rsa-'));
  rsa = createOpensslTsa(join(dir, 'rsa'), 'rsa');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** RFC 4055 section 3.1 RSASSA-PSS-params with the given message and MGF1 hashes, salt length 32. */
const pssAlg = (hash: string, mgfHash: string): AlgorithmIdentifier =>
  new AlgorithmIdentifier({
    algorithm: id_RSASSA_PSS,
    parameters: encode(new RsaSaPssParams({ hashAlgorithm: digestAlgorithm(hash), maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: id_mgf1, parameters: encode(digestAlgorithm(mgfHash)).buffer as ArrayBuffer }), saltLength: 32 })).buffer as ArrayBuffer,
  });
const PSS_ALG = pssAlg(id_sha256, id_sha256);

function rsaSigner(pss: boolean): TokenSigner {
  const key = createPrivateKey(readFileSync(join(rsa.dir, 'tsa.key')));
  return {
    certDer: rsa.tsaDer,
    signatureAlgorithm: pss ? PSS_ALG : new AlgorithmIdentifier({ algorithm: id_sha256WithRSAEncryption, parameters: null }),
    sign: (data) =>
      new Uint8Array(sign('sha256', data, pss ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : key)),
  };
}

/** `openssl cms -verify` of a token as CMS SignedData, requiring the timeStamping purpose of the signer. */
function opensslCmsVerify(token: Uint8Array): string {
  const f = join(dir, `cms-${Math.random().toString(36).slice(2)}.der`);
  writeFileSync(f, token);
  const r = spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-in', f, '-CAfile', join(rsa.dir, 'ca.pem'), '-purpose', 'timestampsign', '-out', '/dev/null'], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}

describe('RSA tokens from our token builder', () => {
  it.each([
    ['PKCS#1 v1.5', false],
    ['PSS', true],
  ] as const)('%s: we and openssl accept it; a flipped signature byte is rejected by both', async (_name, pss) => {
    const req = buildTimestampRequest(imprint);
    const token = issueToken(parseTimestampRequest(req.der), rsaSigner(pss), { genTime: new Date(), serialNumber: 42n, policy: '1.2.3.4.1' });
    const v = await verifyTimestampToken(token, { imprint, roots: [rsa.caPem], nonce: req.nonce });
    expect(v.serialNumber).toBe(42n);
    // `openssl ts -verify` goes through OpenSSL's PKCS7 code, which has no RSA-PSS; its CMS code does.
    if (!pss) expect(opensslVerifyToken(dir, token, toHex(imprint), join(rsa.dir, 'ca.pem')).out).toContain('Verification: OK');
    expect(opensslCmsVerify(token)).toContain('CMS Verification successful');

    const sig = parseSignedData(token).signerInfo.signature;
    const bad = new Uint8Array(token);
    bad[sig.byteOffset - token.byteOffset + 10]! ^= 0x01;
    await expect(verifyTimestampToken(bad, { imprint, roots: [rsa.caPem] })).rejects.toMatchObject({ code: 'ERR_TSA_BAD_SIGNATURE' });
    expect(opensslCmsVerify(bad)).not.toContain('CMS Verification successful');
  });

  it('PSS with an MGF1 hash other than the message hash -> ERR_TSA_UNSUPPORTED_ALGORITHM', async () => {
    const odd = pssAlg(id_sha256, id_sha1);
    const token = issueToken(parseTimestampRequest(buildTimestampRequest(imprint).der), { ...rsaSigner(true), signatureAlgorithm: odd }, { genTime: new Date(), serialNumber: 1n, policy: '1.2.3' });
    await expect(verifyTimestampToken(token, { imprint, roots: [rsa.caPem] })).rejects.toMatchObject({ code: 'ERR_TSA_UNSUPPORTED_ALGORITHM' });
  });
});

describe('openssl tokens with ESSCertID v1 (SHA-1)', () => {
  it('verify, and a flipped ESSCertID hash byte -> ERR_TSA_ESS_CERT_ID', async () => {
    const fx = createOpensslTsa(join(dir, 'ess1'), 'p256', 'ess1', 'sha1');
    const srv = await startOpensslServer(fx.config);
    try {
      const token = await new HttpTsaClient(srv.url, { roots: [fx.caPem], retries: 0 }).timestamp(imprint);
      const attrs = parseSignedData(token).signerInfo.signedAttrs;
      expect(attrs.has(id_aa_signingCertificate)).toBe(true);
      expect(attrs.has(id_aa_signingCertificateV2)).toBe(false);
      await expect(verifyTimestampToken(token, { imprint, roots: [fx.caPem] })).resolves.toMatchObject({ policy: fx.policy });
      const v1 = attrs.get(id_aa_signingCertificate)![0]!;
      const bad = new Uint8Array(token);
      bad[v1.byteOffset - token.byteOffset + 10]! ^= 0x01; // inside the 20-byte SHA-1 certHash
      await expect(verifyTimestampToken(bad, { imprint, roots: [fx.caPem] })).rejects.toMatchObject({ code: 'ERR_TSA_ESS_CERT_ID' });
    } finally {
      await srv.kill();
    }
  });
});
