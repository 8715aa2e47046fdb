import {
  createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type KeyObject,
} from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { afterEach, describe, expect, it } from 'vitest';
import { generateRecordKey, signRecord, verifyRecordSignature, type EcJwk } from '../../src/aat/signature.js';
import { nodeBackend, useNodeSignatures } from '../../src/crypto/node/signatures.js';
import { nobleBackend, signatureBackend, useSignatureBackend, verifySignature } from '../../src/crypto/signatures.js';
import {
  exportPkcs8Pem, exportSpkiPem, generateKey, importCoseKey, importPem, type PrivateKey, type PublicKey,
} from '../../src/keys/index.js';
import { codeOf } from '../helpers/errors.js';

/**
 * The two signature backends (src/crypto/signatures.ts: @noble/curves, the default and the browser's; and
 * src/crypto/node/signatures.ts: node:crypto, which Node layers install) must be interchangeable: what one
 * signs the other verifies, they refuse the same malformed signatures, and keys move between atlog and
 * node:crypto through PEM and JWK byte for byte. ML-DSA has no node:crypto implementation on Node 20; it has
 * one path (@noble/post-quantum), checked against the FIPS 204 vectors in mldsa-vectors.test.ts.
 */

const FAMILIES = [
  { alg: 'ES256', family: 'P-256', hash: 'sha256', n: p256.Point.Fn.ORDER, size: 32 },
  { alg: 'ES384', family: 'P-384', hash: 'sha384', n: p384.Point.Fn.ORDER, size: 48 },
  { alg: 'Ed25519', family: 'Ed25519', hash: null, n: ed25519.Point.Fn.ORDER, size: 32 },
] as const;
const data = new TextEncoder().encode('one verify path, two backends');

afterEach(() => useSignatureBackend(undefined));

const withBackend = <T>(b: 'noble' | 'node', f: () => T): T => {
  useSignatureBackend(b === 'node' ? nodeBackend : nobleBackend);
  try {
    return f();
  } finally {
    useSignatureBackend(undefined);
  }
};

const nodeKeys = (k: PrivateKey): { priv: KeyObject; pub: KeyObject } => ({ priv: createPrivateKey(exportPkcs8Pem(k)), pub: createPublicKey(exportSpkiPem(k)) });

function sScalar(sig: Uint8Array, size: number): bigint {
  let s = 0n;
  for (const b of sig.subarray(size)) s = (s << 8n) | BigInt(b);
  return s;
}

function withS(sig: Uint8Array, size: number, s: bigint): Uint8Array {
  const out = sig.slice();
  for (let i = 2 * size - 1; i >= size; i--, s >>= 8n) out[i] = Number(s & 0xffn);
  return out;
}

describe('the backend switch', () => {
  it('is noble unless a Node layer installs node:crypto', () => {
    expect(signatureBackend().name).toBe('noble');
    useNodeSignatures();
    expect(signatureBackend().name).toBe('node:crypto');
    useSignatureBackend(undefined);
    expect(signatureBackend().name).toBe('noble');
  });
});

describe.each(FAMILIES)('$alg: noble and node:crypto agree', ({ alg, hash, n, size }) => {
  const key = generateKey(alg);

  it('each backend verifies what the other signs, and neither accepts a changed message', () => {
    const byNoble = withBackend('noble', () => key.sign(data));
    const byNode = withBackend('node', () => key.sign(data));
    for (const b of ['noble', 'node'] as const) {
      withBackend(b, () => {
        expect(key.publicKey.verify(data, byNoble)).toBe(true);
        expect(key.publicKey.verify(data, byNode)).toBe(true);
        expect(key.publicKey.verify(data.subarray(1), byNoble)).toBe(false);
        expect(key.publicKey.verify(data.subarray(1), byNode)).toBe(false);
      });
    }
  });

  it('agrees with node:crypto itself, through keys exported as PEM', () => {
    const { priv, pub } = nodeKeys(key);
    const nodeSig = new Uint8Array(nodeSign(hash, data, { key: priv, dsaEncoding: 'ieee-p1363' }));
    expect(withBackend('noble', () => key.publicKey.verify(data, nodeSig))).toBe(true);
    const nobleSig = withBackend('noble', () => key.sign(data));
    expect(nodeVerify(hash, data, { key: pub, dsaEncoding: 'ieee-p1363' }, nobleSig)).toBe(true);
  });

  it('both refuse the same malformed signatures', () => {
    const sig = withBackend('node', () => key.sign(data));
    const bad: [string, Uint8Array][] = [
      ['empty', new Uint8Array()],
      ['one byte short', sig.subarray(1)],
      ['one byte long', new Uint8Array([...sig, 0])],
      ['all zero', new Uint8Array(2 * size)],
      ['r flipped', Uint8Array.from(sig, (b, i) => (i === 0 ? b ^ 1 : b))],
      ['s flipped', Uint8Array.from(sig, (b, i) => (i === sig.length - 1 ? b ^ 1 : b))],
      ['S + n (not reduced)', withS(sig, size, sScalar(sig, size) + n)],
    ];
    for (const [what, s] of bad) {
      expect([what, withBackend('noble', () => key.publicKey.verify(data, s))]).toEqual([what, false]);
      expect([what, withBackend('node', () => key.publicKey.verify(data, s))]).toEqual([what, false]);
    }
  });

  if (alg !== 'Ed25519') {
    it('both accept a high-S signature and both sign low-S', () => {
      const { priv } = nodeKeys(key);
      for (let i = 0; i < 8; i++) {
        const s = sScalar(withBackend('node', () => key.sign(data)), size);
        expect(s <= n / 2n).toBe(true);
        expect(sScalar(withBackend('noble', () => key.sign(data)), size) <= n / 2n).toBe(true);
        // OpenSSL itself picks either half; flip any signature into the high half
        const raw = new Uint8Array(nodeSign(hash, data, { key: priv, dsaEncoding: 'ieee-p1363' }));
        const rs = sScalar(raw, size);
        const high = withS(raw, size, rs > n / 2n ? rs : n - rs);
        expect(withBackend('noble', () => key.publicKey.verify(data, high))).toBe(true);
        expect(withBackend('node', () => key.publicKey.verify(data, high))).toBe(true);
      }
    });
  }

  it('keys from node:crypto import through PEM (SPKI, PKCS#8, SEC1) and export byte for byte as OpenSSL does', () => {
    const pair = alg === 'Ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : 'P-384' });
    const spki = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const pkcs8 = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const pub = importPem(spki) as PublicKey;
    const priv = importPem(pkcs8) as PrivateKey;
    expect(exportSpkiPem(pub)).toBe(spki);
    expect(exportSpkiPem(priv)).toBe(spki);
    expect(exportPkcs8Pem(priv)).toBe(pkcs8);
    if (alg !== 'Ed25519') {
      const sec1 = pair.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
      expect(exportPkcs8Pem(importPem(sec1) as PrivateKey)).toBe(pkcs8);
      // a compressed point in SPKI is accepted and re-exported uncompressed
      const info = AsnConvert.parse(pair.publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
      info.subjectPublicKey = (alg === 'ES256' ? p256 : p384).Point.fromBytes(new Uint8Array(info.subjectPublicKey)).toBytes(true).slice().buffer;
      const compressed = `-----BEGIN PUBLIC KEY-----\n${Buffer.from(AsnConvert.serialize(info)).toString('base64')}\n-----END PUBLIC KEY-----\n`;
      expect(exportSpkiPem(importPem(compressed))).toBe(spki);
    }
    const sig = new Uint8Array(nodeSign(hash, data, { key: pair.privateKey, dsaEncoding: 'ieee-p1363' }));
    expect(withBackend('noble', () => pub.verify(data, sig))).toBe(true);
    expect(nodeVerify(hash, data, { key: pair.publicKey, dsaEncoding: 'ieee-p1363' }, withBackend('noble', () => priv.sign(data)))).toBe(true);
  });

  it('keys from node:crypto import as COSE_Key built from their JWK, with the same thumbprint both ways', () => {
    const { priv, pub } = nodeKeys(key);
    const jwk = priv.export({ format: 'jwk' });
    const b64 = (s: string | undefined): Uint8Array => new Uint8Array(Buffer.from(s ?? '', 'base64url'));
    const m = new Map<number, unknown>(alg === 'Ed25519'
      ? [[1, 1], [-1, 6], [-2, b64(jwk.x)], [-4, b64(jwk.d)]]
      : [[1, 2], [-1, alg === 'ES256' ? 1 : 2], [-2, b64(jwk.x)], [-3, b64(jwk.y)], [-4, b64(jwk.d)]]);
    const k = importCoseKey(m) as PrivateKey;
    expect(k.kid).toEqual(key.kid);
    expect(k.publicKey.toCoseKey().get(-2)).toEqual(key.publicKey.toCoseKey().get(-2));
    const fromJwk = createPrivateKey({ key: jwk, format: 'jwk' });
    expect(withBackend('noble', () => k.publicKey.verify(data, new Uint8Array(nodeSign(hash, data, { key: fromJwk, dsaEncoding: 'ieee-p1363' }))))).toBe(true);
    expect(nodeVerify(hash, data, { key: pub, dsaEncoding: 'ieee-p1363' }, withBackend('noble', () => k.sign(data)))).toBe(true);
  });
});

/** The Ed25519 point (0, -1), of order 2. */
const ORDER_2 = 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f';
const leInt = (b: Uint8Array): bigint => b.reduceRight((x, v) => (x << 8n) | BigInt(v), 0n);
const leBytes = (x: bigint): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn));

describe('Ed25519 edge cases, the same in both backends', () => {
  const key = generateKey('Ed25519');
  it('a non-canonical S (S + L) verifies in neither', () => {
    const sig = key.sign(data);
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!);
    s += ed25519.Point.Fn.ORDER;
    const bad = sig.slice();
    for (let i = 32; i < 64; i++, s >>= 8n) bad[i] = Number(s & 0xffn);
    expect(withBackend('noble', () => key.publicKey.verify(data, bad))).toBe(false);
    expect(withBackend('node', () => key.publicKey.verify(data, bad))).toBe(false);
  });

  it('a signature whose R has a small-order part verifies in neither (noble alone would take it)', () => {
    // R = [r]B + T with T of order 2, S = r + k·a: the cofactored equation holds, the cofactorless one does not.
    const seed = ed25519.utils.randomSecretKey();
    const { scalar: a, point: A } = ed25519.utils.getExtendedPublicKey(seed);
    const k = importCoseKey(new Map<number, unknown>([[1, 1], [-1, 6], [-4, seed]])) as PrivateKey;
    const L = ed25519.Point.Fn.ORDER;
    const R = ed25519.Point.BASE.multiply(123456789n).add(ed25519.Point.fromHex(ORDER_2));
    const h = leInt(sha512(new Uint8Array([...R.toBytes(), ...A.toBytes(), ...data]))) % L;
    const sig = new Uint8Array([...R.toBytes(), ...leBytes((123456789n + h * a) % L)]);
    expect(ed25519.verify(sig, data, A.toBytes(), { zip215: false })).toBe(true); // the divergence being closed
    expect(nodeVerify(null, data, createPublicKey(exportSpkiPem(k)), sig)).toBe(false);
    expect(withBackend('noble', () => k.publicKey.verify(data, sig))).toBe(false);
    expect(withBackend('node', () => k.publicKey.verify(data, sig))).toBe(false);
  });

  it('a public key with a small-order part is refused on import', () => {
    const A = ed25519.Point.BASE.multiply(987654321n).add(ed25519.Point.fromHex(ORDER_2));
    expect(codeOf(() => importCoseKey(new Map<number, unknown>([[1, 1], [-1, 6], [-2, A.toBytes()]])))).toBe('ERR_KEY_INVALID');
  });

  it('a small-order public key, under which anyone forges signatures, is refused on import', () => {
    const identity = new Uint8Array(32);
    identity[0] = 1; // the neutral element (0, 1)
    expect(codeOf(() => importCoseKey(new Map<number, unknown>([[1, 1], [-1, 6], [-2, identity]])))).toBe('ERR_KEY_INVALID');
    const offCurve = new Uint8Array(32).fill(0xff); // y >= p: not canonical
    expect(codeOf(() => importCoseKey(new Map<number, unknown>([[1, 1], [-1, 6], [-2, offCurve]])))).toBe('ERR_KEY_INVALID');
  });
});

describe('the single verify path', () => {
  it('never throws, and refuses wrong lengths before any backend sees them', () => {
    const key = generateKey('ES256');
    const calls: number[] = [];
    useSignatureBackend({ name: 'probe', verify: () => (calls.push(1), true), sign: () => new Uint8Array(64) });
    expect(key.publicKey.verify(data, new Uint8Array(63))).toBe(false);
    expect(calls.length).toBe(0);
    expect(key.publicKey.verify(data, new Uint8Array(64))).toBe(true);
    useSignatureBackend({ name: 'throws', verify: () => { throw new Error('boom'); }, sign: () => new Uint8Array(64) });
    expect(verifySignature('P-256', new Uint8Array(65), data, new Uint8Array(64))).toBe(false);
  });

  it('carries AAT record signatures too: JWK keys, either backend, without Buffer', () => {
    const { privateKey, publicKey } = generateRecordKey();
    const jwk = createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: Buffer.from(privateKey).toString('base64url'), x: Buffer.from(publicKey.subarray(1, 33)).toString('base64url'), y: Buffer.from(publicKey.subarray(33)).toString('base64url') }, format: 'jwk' })
      .export({ format: 'jwk' }) as EcJwk;
    const pubJwk: EcJwk = { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! };
    const record = { aat_version: '1', session_id: 'urn:s', seq: 0 } as never;
    const saved = globalThis.Buffer;
    // @ts-expect-error: the pure path must not need it
    delete globalThis.Buffer;
    try {
      const byNoble = withBackend('noble', () => signRecord(record, jwk));
      const byNode = withBackend('node', () => signRecord(record, privateKey));
      for (const b of ['noble', 'node'] as const) {
        expect(withBackend(b, () => verifyRecordSignature(byNoble, pubJwk))).toBe(true);
        expect(withBackend(b, () => verifyRecordSignature(byNode, p256.Point.fromBytes(publicKey).toBytes(true)))).toBe(true);
      }
    } finally {
      globalThis.Buffer = saved;
    }
  });
});
