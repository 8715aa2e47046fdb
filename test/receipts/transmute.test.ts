import { createPublicKey } from 'node:crypto';
import * as transmute from '@transmute/cose';
import { describe, expect, it } from 'vitest';
import { importCoseKey, generateKey, parseKeyFile, type PublicKey } from '../../src/keys/index.js';
import { leafHash } from '../../src/merkle/index.js';
import { issueConsistencyReceipt, issueInclusionReceipt, signTreeHead, verifyConsistencyReceipt, verifyReceipt } from '../../src/receipts/index.js';
import { buildStatement, entryHash, registrationEntry } from '../../src/statements/index.js';
import { toBase64Url, toHex } from '../../src/util/bytes.js';
import { verifyTransparentStatement } from '../../src/verify/index.js';
import { entries, flip, MemoryTree } from './helpers.js';
import { codeOf as code } from '../helpers/errors.js';

/**
 * Receipts against @transmute/cose, an independent RFC 9942 implementation (its own CBOR, WebCrypto, its own
 * RFC 9162 code). Convention difference, adapted in the inputs only: transmute's `entries` and `entry` are the
 * Merkle LEAF HASHES (its root() hashes them as given, and its verifier takes `leaf(bytes)`), while atlog's leaf
 * data is the 32-byte entry hash; so transmute gets leafHash(entryHash).
 */

type Jwk = { kty: string; crv: string; x: string; y: string; d?: string; alg: string };

const toAb = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

function jwkOf(pub: PublicKey): Jwk {
  const m = pub.toCoseKey();
  return { kty: 'EC', crv: 'P-256', x: toBase64Url(m.get(-2) as Uint8Array), y: toBase64Url(m.get(-3) as Uint8Array), alg: 'ES256' };
}

const theirVerifier = (pub: PublicKey) => transmute.detached.verifier({ resolver: { resolve: async () => jwkOf(pub) } });

describe('atlog receipts verify with @transmute/cose', () => {
  const key = generateKey('ES256');
  const es = entries(11);
  const t = new MemoryTree(es);

  it('inclusion receipts of every leaf of trees of size 1, 2, 7 and 11', async () => {
    for (const n of [1, 2, 7, 11]) {
      const sth = signTreeHead({ key, issuer: 'https://atlog.example', treeSize: n, root: t.rootAt(n) });
      for (let i = 0; i < n; i++) {
        const receipt = issueInclusionReceipt(sth, i, await t.inclusion(i, n));
        const root = await transmute.receipt.inclusion.verify({ entry: leafHash(es[i]!), receipt: toAb(receipt), verifier: theirVerifier(key.publicKey) });
        expect(toHex(new Uint8Array(root))).toBe(toHex(t.rootAt(n)));
      }
    }
  });

  it('transmute rejects a receipt for another entry and one with a tampered path', async () => {
    const sth = signTreeHead({ key, issuer: 'https://atlog.example', treeSize: 11, root: t.rootAt(11) });
    const receipt = issueInclusionReceipt(sth, 4, await t.inclusion(4, 11));
    await expect(transmute.receipt.inclusion.verify({ entry: leafHash(es[5]!), receipt: toAb(receipt), verifier: theirVerifier(key.publicKey) })).rejects.toThrow();
    const path = (await t.inclusion(4, 11)).map((h, k) => (k === 1 ? flip(h) : h));
    const bad = issueInclusionReceipt(sth, 4, path);
    await expect(transmute.receipt.inclusion.verify({ entry: leafHash(es[4]!), receipt: toAb(bad), verifier: theirVerifier(key.publicKey) })).rejects.toThrow();
  });

  it('consistency receipts (old sizes that are not powers of 2)', async () => {
    const sth = signTreeHead({ key, issuer: 'https://atlog.example', treeSize: 11, root: t.rootAt(11) });
    for (const s1 of [3, 5, 6, 7, 9, 10]) {
      const r = issueConsistencyReceipt(sth, s1, await t.consistency(s1, 11));
      const ok = await transmute.receipt.consistency.verify({ oldRoot: toAb(t.rootAt(s1)), newRoot: toAb(t.rootAt(11)), receipt: toAb(r), verifier: theirVerifier(key.publicKey) });
      expect(ok).toBe(true);
    }
  });

  it('documented deviation: transmute 0.2.11 skips RFC 9162 2.1.4.2 step 2 (prepend the old root when size1 is a power of 2)', async () => {
    // so it rejects RFC-correct proofs from sizes 1, 2, 4, 8 (and the empty proof for equal sizes); atlog's own
    // verifier accepts them (receipts.test.ts checks every size pair up to 13)
    const sth = signTreeHead({ key, issuer: 'https://atlog.example', treeSize: 11, root: t.rootAt(11) });
    const r = issueConsistencyReceipt(sth, 4, await t.consistency(4, 11));
    expect(verifyConsistencyReceipt(r, { oldRoot: t.rootAt(4), keys: [key.publicKey] }).size2).toBe(11);
    await expect(
      (async () => transmute.receipt.consistency.verify({ oldRoot: toAb(t.rootAt(4)), newRoot: toAb(t.rootAt(11)), receipt: toAb(r), verifier: theirVerifier(key.publicKey) }))(),
    ).rejects.toThrow();
  });
});

describe('@transmute/cose receipts verify with atlog', () => {
  async function transmuteKey(): Promise<{ signer: transmute.CoseSign1Signer; pub: PublicKey }> {
    const secret = (await transmute.key.generate('ES256', 'application/jwk+json')) as Jwk & { d: string };
    const detached = transmute.detached.signer({ remote: transmute.crypto.signer({ privateKeyJwk: secret }) });
    // its detached signer resolves to a Buffer where its receipt API types an ArrayBuffer
    const signer: transmute.CoseSign1Signer = { sign: async (req) => toAb(new Uint8Array(await detached.sign(req))) };
    const pub = importCoseKey(new Map<number, unknown>([[1, 2], [-1, 1], [-2, Buffer.from(secret.x, 'base64url')], [-3, Buffer.from(secret.y, 'base64url')]])) as PublicKey;
    return { signer, pub };
  }
  const es = entries(9, 'transmute');
  const leaves = es.map(leafHash);
  const header = (): Map<number, unknown> => new Map<number, unknown>([[1, -7], [395, 1]]);

  it('inclusion receipts for every leaf of a 9-leaf tree', async () => {
    const { signer, pub } = await transmuteKey();
    for (let i = 0; i < 9; i++) {
      const receipt = new Uint8Array(await transmute.receipt.inclusion.issue({ protectedHeader: header(), entry: i, entries: leaves, signer }));
      const v = verifyReceipt(receipt, { entryHash: es[i]!, keys: [pub] });
      expect(v).toMatchObject({ treeSize: 9, leafIndex: i, alg: -7, vds: 1 });
      expect(v.root).toEqual(new MemoryTree(es).rootAt());
    }
  });

  it('atlog rejects a transmute receipt for the wrong entry, and one signed by another key', async () => {
    const { signer, pub } = await transmuteKey();
    const receipt = new Uint8Array(await transmute.receipt.inclusion.issue({ protectedHeader: header(), entry: 2, entries: leaves, signer }));
    expect(code(() => verifyReceipt(receipt, { entryHash: es[3]!, keys: [pub] }))).toBe('ERR_RECEIPT_INCLUSION_INVALID');
    expect(code(() => verifyReceipt(receipt, { entryHash: es[2]!, keys: [generateKey('ES256').publicKey] }))).toBe('ERR_RECEIPT_INCLUSION_INVALID');
  });

  it('consistency receipts', async () => {
    const { signer, pub } = await transmuteKey();
    const old = new Uint8Array(await transmute.receipt.inclusion.issue({ protectedHeader: header(), entry: 1, entries: leaves.slice(0, 5), signer }));
    const { receipt } = await transmute.receipt.consistency.issue({ protectedHeader: header(), receipt: toAb(old), entries: leaves, signer });
    const t = new MemoryTree(es);
    const v = verifyConsistencyReceipt(new Uint8Array(receipt), { oldRoot: t.rootAt(5), keys: [pub] });
    expect(v).toMatchObject({ size1: 5, size2: 9 });
    expect(v.newRoot).toEqual(t.rootAt(9));
  });
});

describe('@transmute/cose receipts that carry its own kids (a kid is a hint, the signature decides)', () => {
  /** A transmute key: its kid is the RFC 7638 JWK thumbprint text it assigns, not atlog's RFC 9679 thumbprint. */
  async function transmuteKey(): Promise<{ signer: transmute.CoseSign1Signer; jwk: Jwk & { kid: string }; pem: string }> {
    const secret = (await transmute.key.generate('ES256', 'application/jwk+json')) as Jwk & { d: string; kid: string };
    const detached = transmute.detached.signer({ remote: transmute.crypto.signer({ privateKeyJwk: secret }) });
    const signer: transmute.CoseSign1Signer = { sign: async (req) => toAb(new Uint8Array(await detached.sign(req))) };
    const { d: _d, ...pub } = secret;
    // the PEM comes from node:crypto, not from atlog's key code
    const pem = createPublicKey({ key: { kty: pub.kty, crv: pub.crv, x: pub.x, y: pub.y }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    return { signer, jwk: pub, pem };
  }
  const coseKey = (jwk: Jwk, kid?: Uint8Array): PublicKey => {
    const m = new Map<number, unknown>([[1, 2], [-1, 1], [-2, Buffer.from(jwk.x, 'base64url')], [-3, Buffer.from(jwk.y, 'base64url')]]);
    if (kid) m.set(2, kid);
    return importCoseKey(m) as PublicKey;
  };
  const fromPem = (pem: string): PublicKey[] => parseKeyFile(new TextEncoder().encode(pem)) as PublicKey[];
  const es = entries(6, 'transmute-kid');
  const leaves = es.map(leafHash);
  // transmute's CBOR writes a Buffer as a bstr (a bare Uint8Array would become a tagged typed array)
  const kidHeader = (kid: string): Map<number, unknown> => new Map<number, unknown>([[1, -7], [4, Buffer.from(kid, 'utf8')], [395, 1]]);

  it('inclusion and consistency receipts verify with the key as PEM and as a COSE_Key without label 2', async () => {
    const { signer, jwk, pem } = await transmuteKey();
    const keys = fromPem(pem);
    expect(keys[0]!.kidGiven).toBe(false);
    expect(toHex(keys[0]!.kid)).not.toBe(toHex(new TextEncoder().encode(jwk.kid))); // the receipt's kid names no key
    const t = new MemoryTree(es);
    for (let i = 0; i < 6; i++) {
      const receipt = new Uint8Array(await transmute.receipt.inclusion.issue({ protectedHeader: kidHeader(jwk.kid), entry: i, entries: leaves, signer }));
      for (const k of [keys, [coseKey(jwk)]]) expect(verifyReceipt(receipt, { entryHash: es[i]!, keys: k }).root).toEqual(t.rootAt(6));
    }
    const old = new Uint8Array(await transmute.receipt.inclusion.issue({ protectedHeader: kidHeader(jwk.kid), entry: 1, entries: leaves.slice(0, 3), signer }));
    const { receipt } = await transmute.receipt.consistency.issue({ protectedHeader: kidHeader(jwk.kid), receipt: toAb(old), entries: leaves, signer });
    expect(verifyConsistencyReceipt(new Uint8Array(receipt), { oldRoot: t.rootAt(3), keys }).newRoot).toEqual(t.rootAt(6));
  });

  it('the offline verifier accepts a statement with such a receipt and the service key as PEM', async () => {
    const { signer, jwk, pem } = await transmuteKey();
    const issuer = generateKey('ES256');
    const statement = buildStatement({ key: issuer, iss: 'https://issuer.example', sub: 'urn:example:kid-hint', payload: new TextEncoder().encode('{}'), contentType: 'application/json' });
    const ls = [...leaves.slice(0, 4), leafHash(entryHash(registrationEntry(statement)))];
    const receipt = new Uint8Array(await transmute.receipt.inclusion.issue({ protectedHeader: kidHeader(jwk.kid), entry: 4, entries: ls, signer }));
    const ok = await verifyTransparentStatement({ statement, receipts: [receipt], serviceKeys: fromPem(pem), issuerKeys: [issuer.publicKey] });
    expect(ok.valid).toBe(true);
    const other = await transmuteKey();
    const bad = await verifyTransparentStatement({ statement, receipts: [receipt], serviceKeys: fromPem(other.pem), issuerKeys: [issuer.publicKey] });
    expect(bad).toMatchObject({ valid: false, failure: { code: 'ERR_RECEIPT_UNKNOWN_KEY' } });
  });

  it('a key with a kid of its own still selects by kid', async () => {
    const { signer, jwk } = await transmuteKey();
    const receipt = new Uint8Array(await transmute.receipt.inclusion.issue({ protectedHeader: kidHeader(jwk.kid), entry: 2, entries: leaves, signer }));
    // the same key material, once under the kid the receipt names and once under another kid
    expect(verifyReceipt(receipt, { entryHash: es[2]!, keys: [coseKey(jwk, new TextEncoder().encode(jwk.kid))] }).leafIndex).toBe(2);
    const renamed = coseKey(jwk, new TextEncoder().encode('another-kid'));
    expect(renamed.kidGiven).toBe(true);
    expect(code(() => verifyReceipt(receipt, { entryHash: es[2]!, keys: [renamed] }))).toBe('ERR_RECEIPT_UNKNOWN_KEY');
    // a set with a named key of other material and the right key without a kid: the signature decides
    const stranger = coseKey((await transmuteKey()).jwk, new TextEncoder().encode(jwk.kid));
    expect(verifyReceipt(receipt, { entryHash: es[2]!, keys: [stranger, coseKey(jwk)] }).leafIndex).toBe(2);
  });

  it('a wrong key fails with the right code', async () => {
    const { signer, jwk, pem } = await transmuteKey();
    const receipt = new Uint8Array(await transmute.receipt.inclusion.issue({ protectedHeader: kidHeader(jwk.kid), entry: 3, entries: leaves, signer }));
    const other = await transmuteKey();
    // the kid names no trusted key and the key without a kid does not verify: a key the verifier does not know
    expect(code(() => verifyReceipt(receipt, { entryHash: es[3]!, keys: fromPem(other.pem) }))).toBe('ERR_RECEIPT_UNKNOWN_KEY');
    expect(code(() => verifyReceipt(receipt, { entryHash: es[3]!, keys: [coseKey(other.jwk)] }))).toBe('ERR_RECEIPT_UNKNOWN_KEY');
    // the kid names a trusted key that refuses the signature: the receipt is not what that key signed
    const impostor = coseKey(other.jwk, new TextEncoder().encode(jwk.kid));
    expect(code(() => verifyReceipt(receipt, { entryHash: es[3]!, keys: [impostor] }))).toBe('ERR_RECEIPT_INCLUSION_INVALID');
    // the right key, the wrong entry: with a key named by kid it is the inclusion that fails
    expect(code(() => verifyReceipt(receipt, { entryHash: es[4]!, keys: [coseKey(jwk, new TextEncoder().encode(jwk.kid))] }))).toBe('ERR_RECEIPT_INCLUSION_INVALID');
    // a key of another algorithm cannot be tried at all
    expect(code(() => verifyReceipt(receipt, { entryHash: es[3]!, keys: [generateKey('ES384').publicKey] }))).toBe('ERR_RECEIPT_UNKNOWN_KEY');
    expect(verifyReceipt(receipt, { entryHash: es[3]!, keys: fromPem(pem) }).leafIndex).toBe(3);
  });
});
