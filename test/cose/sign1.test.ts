import { describe, expect, it } from 'vitest';
import { cborEncode, Tag } from '../../src/cose/cbor.js';
import {
  decodeSign1, encodeProtected, encodeSign1, signSign1, toBeSigned, verifySign1, type HeaderMap, type Sign1,
} from '../../src/cose/sign1.js';
import { generateKey } from '../../src/keys/index.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { codeOf } from '../helpers/errors.js';

const ALGS = ['ESP256', 'ES256', 'ES384', 'Ed25519', 'EdDSA', 'ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'] as const;
const KEYS = Object.fromEntries(ALGS.map((a) => [a, generateKey(a)]));
const payload = new TextEncoder().encode('{"hello":"world"}');

function flip(b: Uint8Array, i = b.length - 1): Uint8Array {
  const c = b.slice();
  c[i]! ^= 0x01;
  return c;
}

describe('signSign1 / verifySign1 for every algorithm', () => {
  it.each(ALGS)('%s: attached round trip and tampering', (alg) => {
    const key = KEYS[alg]!;
    const msg = signSign1({ protected: new Map([[3, 'application/json']]), payload, key });
    const s = decodeSign1(msg);
    expect(s.protected.get(1)).toBe(key.alg);
    expect(s.payload).toEqual(payload);
    expect(verifySign1(msg, key.publicKey)).toBe(true);
    expect(verifySign1(s, key.publicKey)).toBe(true);
    // Tampering with any of the three signed parts fails verification.
    expect(verifySign1({ ...s, protectedBytes: flip(s.protectedBytes) }, key.publicKey)).toBe(false);
    expect(verifySign1({ ...s, payload: flip(s.payload!) }, key.publicKey)).toBe(false);
    expect(verifySign1({ ...s, signature: flip(s.signature, 5) }, key.publicKey)).toBe(false);
    // The unprotected header is not signed.
    expect(verifySign1({ ...s, unprotected: new Map([[99, 1]]) }, key.publicKey)).toBe(true);
  });

  it.each(ALGS)('%s: detached payload', (alg) => {
    const key = KEYS[alg]!;
    const msg = signSign1({ protected: new Map(), payload, key, detached: true });
    expect(decodeSign1(msg).payload).toBeNull();
    expect(verifySign1(msg, key.publicKey, { detachedPayload: payload })).toBe(true);
    expect(verifySign1(msg, key.publicKey, { detachedPayload: flip(payload) })).toBe(false);
    expect(codeOf(() => verifySign1(msg, key.publicKey))).toBe('ERR_COSE_PAYLOAD_MISSING');
  });

  it('external AAD is covered by the signature', () => {
    const key = KEYS.ESP256!;
    const aad = new Uint8Array([9, 9]);
    const msg = signSign1({ protected: new Map(), payload, key, externalAad: aad });
    expect(verifySign1(msg, key.publicKey, { externalAad: aad })).toBe(true);
    expect(verifySign1(msg, key.publicKey)).toBe(false);
  });

  it('accepts the alias ids: a -7 key verifies a -9 message and the reverse', () => {
    const k7 = KEYS.ES256!;
    const m9 = signSign1({ protected: new Map([[1, -9]]), payload, key: k7 });
    expect(verifySign1(m9, k7.publicKey)).toBe(true);
    const k19 = KEYS.Ed25519!;
    const m8 = signSign1({ protected: new Map([[1, -8]]), payload, key: k19 });
    expect(verifySign1(m8, k19.publicKey)).toBe(true);
  });

  it('ECDSA signatures are raw r||s of fixed length', () => {
    expect(decodeSign1(signSign1({ protected: new Map(), payload, key: KEYS.ES256! })).signature.length).toBe(64);
    expect(decodeSign1(signSign1({ protected: new Map(), payload, key: KEYS.ES384! })).signature.length).toBe(96);
  });
});

describe('verifySign1 errors', () => {
  const key = KEYS.ES256!;
  const good = decodeSign1(signSign1({ protected: new Map(), payload, key }));
  const withProtected = (m: HeaderMap, sig = good.signature): Sign1 => ({ ...good, protected: m, protectedBytes: encodeProtected(m), signature: sig });

  it.each<[string, () => unknown, string]>([
    ['alg does not fit the key', () => verifySign1(good, KEYS.Ed25519!.publicKey), 'ERR_COSE_ALG_MISMATCH'],
    ['ES384 message for a P-256 key', () => verifySign1(withProtected(new Map([[1, -35]])), key.publicKey), 'ERR_COSE_ALG_MISMATCH'],
    ['unknown alg', () => verifySign1(withProtected(new Map([[1, -999]])), key.publicKey), 'ERR_COSE_UNKNOWN_ALG'],
    ['text alg', () => verifySign1(withProtected(new Map([[1, 'ES256']])), key.publicKey), 'ERR_COSE_UNKNOWN_ALG'],
    ['missing alg', () => verifySign1(withProtected(new Map()), key.publicKey), 'ERR_COSE_MISSING_ALG'],
    ['alg only unprotected', () => verifySign1({ ...withProtected(new Map()), unprotected: new Map([[1, -7]]) }, key.publicKey), 'ERR_COSE_MISSING_ALG'],
    ['unknown crit label', () => verifySign1(withProtected(new Map<number | string, unknown>([[1, -7], [2, [99]], [99, 1]])), key.publicKey), 'ERR_COSE_CRIT_UNSUPPORTED'],
    ['crit label absent', () => verifySign1(withProtected(new Map<number | string, unknown>([[1, -7], [2, [3]]])), key.publicKey), 'ERR_COSE_BAD_HEADER'],
    ['DER-length ECDSA signature', () => verifySign1(withProtected(good.protected, new Uint8Array(71)), key.publicKey), 'ERR_COSE_BAD_SIGNATURE_LENGTH'],
    ['short signature', () => verifySign1(withProtected(good.protected, new Uint8Array(63)), key.publicKey), 'ERR_COSE_BAD_SIGNATURE_LENGTH'],
    ['payload conflict', () => verifySign1(good, key.publicKey, { detachedPayload: new Uint8Array([1]) }), 'ERR_COSE_PAYLOAD_CONFLICT'],
    ['signing with a header alg of another family', () => signSign1({ protected: new Map([[1, -8]]), payload, key }), 'ERR_COSE_ALG_MISMATCH'],
    ['signing with an unknown alg', () => signSign1({ protected: new Map([[1, -1000]]), payload, key }), 'ERR_COSE_UNKNOWN_ALG'],
    ['key.sign with another alg', () => key.sign(payload, -35), 'ERR_COSE_ALG_MISMATCH'],
    ['key.verify with another alg', () => key.publicKey.verify(payload, good.signature, -19), 'ERR_COSE_ALG_MISMATCH'],
  ])('%s', (_name, f, code) => {
    expect(codeOf(f)).toBe(code);
  });

  it('accepts crit listing understood labels', () => {
    const msg = signSign1({ protected: new Map<number | string, unknown>([[2, [3]], [3, 'text/plain']]), payload, key });
    expect(verifySign1(msg, key.publicKey)).toBe(true);
    const custom = signSign1({ protected: new Map<number | string, unknown>([[2, ['x']], ['x', 1]]), payload, key });
    expect(codeOf(() => verifySign1(custom, key.publicKey))).toBe('ERR_COSE_CRIT_UNSUPPORTED');
    expect(verifySign1(custom, key.publicKey, { critLabels: ['x'] })).toBe(true);
  });
});

describe('decodeSign1 structure', () => {
  const pb = encodeProtected(new Map([[1, -7]]));
  const sig = new Uint8Array(64);
  it.each<[string, unknown, string]>([
    ['untagged array', [pb, new Map(), payload, sig], 'ERR_COSE_NOT_SIGN1'],
    ['tag 98 (COSE_Sign)', new Tag([pb, new Map(), payload, sig], 98), 'ERR_COSE_NOT_SIGN1'],
    ['three items', new Tag([pb, new Map(), payload], 18), 'ERR_COSE_MALFORMED'],
    ['protected is a map', new Tag([new Map([[1, -7]]), new Map(), payload, sig], 18), 'ERR_COSE_MALFORMED'],
    ['protected bstr holds an array', new Tag([cborEncode([1]), new Map(), payload, sig], 18), 'ERR_COSE_MALFORMED'],
    ['protected bstr holds garbage', new Tag([new Uint8Array([0xa1, 0x01]), new Map(), payload, sig], 18), 'ERR_CBOR_TRUNCATED'],
    ['unprotected is an array', new Tag([pb, [], payload, sig], 18), 'ERR_COSE_MALFORMED'],
    ['payload is text', new Tag([pb, new Map(), 'x', sig], 18), 'ERR_COSE_MALFORMED'],
    ['signature is nil', new Tag([pb, new Map(), payload, null], 18), 'ERR_COSE_MALFORMED'],
    ['label in both buckets', new Tag([pb, new Map([[1, -7]]), payload, sig], 18), 'ERR_COSE_DUPLICATE_LABEL'],
    ['kid is text', new Tag([encodeProtected(new Map<number, unknown>([[1, -7], [4, 'k']])), new Map(), payload, sig], 18), 'ERR_COSE_BAD_HEADER'],
    ['crit unprotected', new Tag([pb, new Map([[2, [1]]]), payload, sig], 18), 'ERR_COSE_BAD_HEADER'],
    ['394 not an array of bstr', new Tag([pb, new Map([[394, [1]]]), payload, sig], 18), 'ERR_COSE_BAD_HEADER'],
  ])('%s', (_name, value, code) => {
    expect(codeOf(() => decodeSign1(cborEncode(value)))).toBe(code);
  });

  it('rejects a duplicate key inside the protected header and trailing bytes after the message', () => {
    const dupProt = fromHex('a201260126');
    expect(codeOf(() => decodeSign1(cborEncode(new Tag([dupProt, new Map(), payload, sig], 18))))).toBe('ERR_CBOR_DUPLICATE_KEY');
    const ok = cborEncode(new Tag([pb, new Map(), payload, sig], 18));
    const trailing = new Uint8Array([...ok, 0]);
    expect(codeOf(() => decodeSign1(trailing))).toBe('ERR_CBOR_TRAILING_BYTES');
    expect(codeOf(() => decodeSign1(ok, { maxBytes: 10 }))).toBe('ERR_CBOR_TOO_LARGE');
  });

  it('treats an empty protected bstr as an empty map and keeps protected bytes as received', () => {
    const s = decodeSign1(cborEncode(new Tag([new Uint8Array(0), new Map(), null, sig], 18)));
    expect(s.protected.size).toBe(0);
    expect(s.payload).toBeNull();
    // Non-sorted but valid protected bytes are kept exactly (never re-encoded).
    const unsorted = fromHex('a20361610126');
    const s2 = decodeSign1(cborEncode(new Tag([unsorted, new Map(), payload, sig], 18)));
    expect(toHex(s2.protectedBytes)).toBe('a20361610126');
    expect(toHex(decodeSign1(encodeSign1(s2)).protectedBytes)).toBe('a20361610126');
  });
});

describe('toBeSigned and encodeProtected', () => {
  it('is ["Signature1", protected, external_aad, payload]', () => {
    expect(toHex(toBeSigned(fromHex('a10126'), fromHex('0102')))).toBe('846a5369676e61747572653143a101264042' + '0102');
    expect(toHex(toBeSigned(new Uint8Array(0), new Uint8Array(0), fromHex('ff')))).toBe('846a5369676e617475726531' + '40' + '41ff' + '40');
  });

  it('encodes protected deterministically, empty as zero-length', () => {
    expect(encodeProtected(new Map()).length).toBe(0);
    expect(toHex(encodeProtected(new Map<number, unknown>([[4, new Uint8Array([1])], [1, -7]])))).toBe('a201260441' + '01');
  });
});
