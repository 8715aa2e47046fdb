import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '../../src/util/bytes.js';
import {
  generateRecordKey,
  nextRecord,
  recordHash,
  recordPublicKey,
  signRecord,
  signingInput,
  validateRecord,
  verifyRecordSignature,
  type AatRecord,
  type EcJwk,
} from '../../src/aat/index.js';
import { CHECK_GENESIS, clone, ts } from './fixtures.js';
import { expectCode } from '../helpers/errors.js';

const genesis = (): AatRecord => validateRecord(clone(CHECK_GENESIS));
const { privateKey, publicKey } = generateRecordKey();

/** The same key pair as node:crypto KeyObjects, through JWK (an independent implementation). */
function nodeKeys(): { priv: ReturnType<typeof createPrivateKey>; pub: ReturnType<typeof createPublicKey>; jwk: EcJwk } {
  const jwk: EcJwk = {
    kty: 'EC',
    crv: 'P-256',
    x: toBase64Url(publicKey.slice(1, 33)),
    y: toBase64Url(publicKey.slice(33, 65)),
    d: toBase64Url(privateKey),
  };
  return { priv: createPrivateKey({ key: { ...jwk }, format: 'jwk' }), pub: createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' }), jwk };
}

describe('record signature', () => {
  it('signs and verifies; the signature is 64-byte P1363 in unpadded base64url', () => {
    const signed = signRecord(genesis(), privateKey);
    expect(signed.signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(fromBase64Url(signed.signature!).length).toBe(64);
    expect(verifyRecordSignature(signed, publicKey)).toBe(true);
    expect(validateRecord(signed)).toBe(signed);
  });

  it('node:crypto verifies our signature (ES256 over the JCS bytes without signature)', () => {
    const { pub } = nodeKeys();
    const signed = signRecord(genesis(), privateKey);
    const ok = nodeVerify('sha256', signingInput(signed), { key: pub, dsaEncoding: 'ieee-p1363' }, fromBase64Url(signed.signature!));
    expect(ok).toBe(true);
  });

  it('we verify node:crypto signatures, high-S included', () => {
    const { priv } = nodeKeys();
    const g = genesis();
    for (let i = 0; i < 8; i++) {
      const sig = nodeSign('sha256', signingInput(g), { key: priv, dsaEncoding: 'ieee-p1363' });
      expect(verifyRecordSignature({ ...g, signature: toBase64Url(sig) }, publicKey)).toBe(true);
    }
  });

  it('accepts JWK keys and compressed public keys', () => {
    const { jwk } = nodeKeys();
    const signed = signRecord(genesis(), jwk);
    expect(verifyRecordSignature(signed, { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y })).toBe(true);
    const compressed = new Uint8Array(33);
    compressed[0] = (publicKey[64]! & 1) === 1 ? 3 : 2;
    compressed.set(publicKey.slice(1, 33), 1);
    expect(verifyRecordSignature(signed, compressed)).toBe(true);
    expect(recordPublicKey(privateKey)).toEqual(publicKey);
  });

  it('signer_kid is covered by the signature', () => {
    const signed = signRecord(genesis(), privateKey, { kid: 'kid-1' });
    expect(signed.signer_kid).toBe('kid-1');
    expect(verifyRecordSignature(signed, publicKey)).toBe(true);
    expect(verifyRecordSignature({ ...signed, signer_kid: 'kid-2' }, publicKey)).toBe(false);
  });

  it('re-signing replaces the signature; a detached batch does not break it', () => {
    const once = signRecord(genesis(), privateKey);
    const twice = signRecord(once, privateKey);
    expect(verifyRecordSignature(twice, publicKey)).toBe(true);
    expect(verifyRecordSignature({ ...once, batch: { root: 'x' } }, publicKey)).toBe(true);
  });

  it('the signature is part of the record hash (next prev_hash covers it)', () => {
    const g = genesis();
    const signed = signRecord(g, privateKey);
    expect(recordHash(signed)).not.toBe(recordHash(g));
    const next = nextRecord(signed, { action_type: 'decision', action_detail: { decision_type: 'x' }, timestamp: ts(1) });
    expect(next.prev_hash).toBe(recordHash(signed));
  });

  const other = generateRecordKey();
  it.each<[string, (r: AatRecord) => AatRecord, Uint8Array]>([
    ['outcome changed', (r) => ({ ...r, outcome: 'failure' }), publicKey],
    ['nested detail changed', (r) => ({ ...r, action_detail: { event: 'session_start', x: 1 } }), publicKey],
    ['member added', (r) => ({ ...r, model_id: 'm' }), publicKey],
    ['other key', (r) => r, other.publicKey],
    ['signature removed', (r) => { const { signature: _s, ...rest } = r; return rest as AatRecord; }, publicKey],
    ['signature truncated', (r) => ({ ...r, signature: r.signature!.slice(0, 80) }), publicKey],
    ['signature padded', (r) => ({ ...r, signature: `${r.signature!}==` }), publicKey],
    ['signature not base64url', (r) => ({ ...r, signature: '!!!!' }), publicKey],
    ['signature bit flipped', (r) => {
      const b = fromBase64Url(r.signature!);
      b[10]! ^= 1;
      return { ...r, signature: toBase64Url(b) };
    }, publicKey],
    ['DER instead of P1363', (r) => {
      const der = nodeSign('sha256', signingInput(r), { key: nodeKeys().priv, dsaEncoding: 'der' });
      return { ...r, signature: toBase64Url(der) };
    }, publicKey],
  ])('rejects: %s', (_n, mutate, key) => {
    expect(verifyRecordSignature(mutate(signRecord(genesis(), privateKey)), key)).toBe(false);
  });

  it.each<[string, unknown]>([
    ['31-byte scalar', new Uint8Array(31)],
    ['zero scalar', new Uint8Array(32)],
    ['JWK of another curve', { kty: 'EC', crv: 'P-384', d: 'AA' }],
    ['JWK without d', { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }],
  ])('signRecord rejects a bad private key (%s)', (_n, key) => {
    expectCode(() => signRecord(genesis(), key as Uint8Array), 'ERR_AAT_KEY');
  });

  it.each<[string, unknown]>([
    ['64 bytes', new Uint8Array(64)],
    ['65 bytes off the curve', (() => { const b = new Uint8Array(65); b[0] = 4; b[1] = 1; return b; })()],
    ['JWK with short x', { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }],
  ])('verifyRecordSignature rejects a bad public key (%s)', (_n, key) => {
    expectCode(() => verifyRecordSignature(signRecord(genesis(), privateKey), key as Uint8Array), 'ERR_AAT_KEY');
  });
});
