import { describe, expect, it } from 'vitest';
import { cborDecode, cborEncode, Tag } from '../../src/cose/cbor.js';
import { decodeSign1, signSign1, verifySign1, type HeaderMap } from '../../src/cose/sign1.js';
import { digest } from '../../src/crypto/digest.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { generateKey } from '../../src/keys/index.js';
import {
  AAT_CONTENT_TYPE, buildStatement, entryHash, parseStatement, receiptsOf, registrationEntry, registrationEntryOf, toTransparentStatement,
} from '../../src/statements/index.js';
import { toHex } from '../../src/util/bytes.js';
import { readVector, readVectorJson } from '../helpers/vectors.js';
import { codeOf } from '../helpers/errors.js';

const key = generateKey('ES256');
const record = new TextEncoder().encode('{"agent_id":"urn:agent:example:bot-1","record_id":"x"}');
const ISS = 'urn:agent:example:bot-1';
const SUB = 'urn:uuid:5a1f2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b';

/** A statement signed by `key` with exactly the given protected header. */
function raw(prot: HeaderMap, opts: { unprotected?: HeaderMap; payload?: Uint8Array; detached?: boolean } = {}): Uint8Array {
  return signSign1({ protected: prot, unprotected: opts.unprotected ?? new Map(), payload: opts.payload ?? record, key, detached: opts.detached ?? false });
}
const cwt = (m: [number | string, unknown][]): Map<number | string, unknown> => new Map(m);
const good = (): Map<number | string, unknown> => new Map<number | string, unknown>([[1, -7], [4, key.kid], [3, AAT_CONTENT_TYPE], [15, cwt([[1, ISS], [2, SUB]])]]);
const without = (label: number, m = good()): Map<number | string, unknown> => {
  m.delete(label);
  return m;
};

describe('buildStatement / parseStatement', () => {
  it('builds an AAT statement with the RFC 9943 header profile', () => {
    const bytes = buildStatement({ key, iss: ISS, sub: SUB, payload: record, contentType: AAT_CONTENT_TYPE, iat: new Date(1_700_000_000_500) });
    expect(verifySign1(bytes, key.publicKey)).toBe(true);
    const st = parseStatement(bytes);
    expect(st.iss).toBe(ISS);
    expect(st.sub).toBe(SUB);
    expect(st.alg).toBe(-7);
    expect(toHex(st.kid!)).toBe(toHex(key.kid));
    expect(st.contentType).toBe(AAT_CONTENT_TYPE);
    expect(st.hashEnvelope).toBeUndefined();
    expect(st.cwtClaims.get(6)).toBe(1_700_000_000);
    // NumericDate is emitted without tag 1.
    const claims = cborDecode(cborEncode(decodeSign1(bytes).protected.get(15))) as Map<number, unknown>;
    expect(claims.get(6)).toBe(1_700_000_000);
    expect(st.sign1.payload).toEqual(record);
  });

  it.each([[-16, 32], [-43, 48], [-44, 64]] as const)('Hash Envelope with hash alg %i', (hashAlg, len) => {
    const bytes = buildStatement({ key, iss: ISS, sub: SUB, payload: record, hashEnvelope: { preimageContentType: AAT_CONTENT_TYPE, hashAlg, location: 'https://example.com/r/1' } });
    const st = parseStatement(bytes);
    expect(st.contentType).toBeUndefined();
    expect(st.sign1.protected.has(3)).toBe(false);
    expect(st.hashEnvelope).toEqual({ hashAlg, preimageContentType: AAT_CONTENT_TYPE, location: 'https://example.com/r/1' });
    expect(st.sign1.payload!.length).toBe(len);
    expect(toHex(st.sign1.payload!)).toBe(toHex(digest(hashAlg, record)));
    expect(verifySign1(bytes, key.publicKey)).toBe(true);
  });

  it('works for every signing algorithm', () => {
    for (const alg of ['ESP256', 'ES384', 'Ed25519', 'ML-DSA-65'] as const) {
      const k = generateKey(alg);
      const bytes = buildStatement({ key: k, iss: ISS, sub: SUB, payload: record, hashEnvelope: { preimageContentType: AAT_CONTENT_TYPE } });
      expect(parseStatement(bytes).alg).toBe(k.alg);
      expect(verifySign1(bytes, k.publicKey)).toBe(true);
    }
  });

  it.each<[string, () => unknown, string]>([
    ['no content type', () => buildStatement({ key, iss: ISS, sub: SUB, payload: record }), 'ERR_INVALID_ARGUMENT'],
    ['content type and hash envelope', () => buildStatement({ key, iss: ISS, sub: SUB, payload: record, contentType: 'x', hashEnvelope: { preimageContentType: 'y' } }), 'ERR_INVALID_ARGUMENT'],
    ['empty iss', () => buildStatement({ key, iss: '', sub: SUB, payload: record, contentType: 'x' }), 'ERR_INVALID_ARGUMENT'],
    ['bad hash alg', () => buildStatement({ key, iss: ISS, sub: SUB, payload: record, hashEnvelope: { preimageContentType: 'y', hashAlg: -1 as -16 } }), 'ERR_HASH_UNSUPPORTED'],
    ['extra header collides', () => buildStatement({ key, iss: ISS, sub: SUB, payload: record, contentType: 'x', extraProtected: new Map([[4, new Uint8Array(1)]]) }), 'ERR_INVALID_ARGUMENT'],
  ])('buildStatement refuses %s', (_n, f, code) => {
    expect(codeOf(f)).toBe(code);
  });

  it.each<[string, Uint8Array, string]>([
    ['no CWT claims', raw(without(15)), 'ERR_STATEMENT_MISSING_CWT'],
    ['CWT claims only unprotected', raw(without(15), { unprotected: new Map([[15, cwt([[1, ISS], [2, SUB]])]]) }), 'ERR_STATEMENT_MISSING_CWT'],
    ['CWT claims not a map', raw(new Map([...good(), [15, [1]]])), 'ERR_STATEMENT_BAD_CWT'],
    ['no iss', raw(new Map([...good(), [15, cwt([[2, SUB]])]])), 'ERR_STATEMENT_MISSING_ISS'],
    ['iss not text', raw(new Map([...good(), [15, cwt([[1, 5], [2, SUB]])]])), 'ERR_STATEMENT_BAD_CWT'],
    ['no sub', raw(new Map([...good(), [15, cwt([[1, ISS]])]])), 'ERR_STATEMENT_MISSING_SUB'],
    ['sub as bytes', raw(new Map([...good(), [15, cwt([[1, ISS], [2, new Uint8Array(1)]])]])), 'ERR_STATEMENT_BAD_CWT'],
    ['iat as text', raw(new Map([...good(), [15, cwt([[1, ISS], [2, SUB], [6, 'now']])]])), 'ERR_STATEMENT_BAD_CWT'],
    ['no kid', raw(without(4)), 'ERR_STATEMENT_MISSING_KID'],
    ['kid only unprotected', raw(without(4), { unprotected: new Map([[4, key.kid]]) }), 'ERR_STATEMENT_MISSING_KID'],
    ['no alg', cborEncode(new Tag([cborEncode(without(1)), new Map(), record, new Uint8Array(64)], 18)), 'ERR_STATEMENT_MISSING_ALG'],
    ['text alg', cborEncode(new Tag([cborEncode(new Map([...good(), [1, 'ES256']])), new Map(), record, new Uint8Array(64)], 18)), 'ERR_STATEMENT_BAD_ALG'],
    ['detached payload', raw(good(), { detached: true }), 'ERR_STATEMENT_PAYLOAD_MISSING'],
    ['hash envelope with content type', raw(new Map([...good(), [258, -16], [259, 'x']]), { payload: sha256(record) }), 'ERR_STATEMENT_BAD_HASH_ENVELOPE'],
    ['hash envelope with unknown hash alg', raw(new Map([...without(3), [258, -15]]), { payload: sha256(record) }), 'ERR_STATEMENT_BAD_HASH_ENVELOPE'],
    ['hash envelope payload of the wrong length', raw(new Map([...without(3), [258, -16]]), { payload: record }), 'ERR_STATEMENT_BAD_HASH_ENVELOPE'],
    ['preimage content type without 258', raw(new Map([...without(3), [259, 'x']])), 'ERR_STATEMENT_BAD_HASH_ENVELOPE'],
    ['258 unprotected', raw(without(3), { unprotected: new Map([[258, -16]]) }), 'ERR_STATEMENT_BAD_HASH_ENVELOPE'],
    ['location not text', raw(new Map([...without(3), [258, -16], [260, 5]]), { payload: sha256(record) }), 'ERR_STATEMENT_BAD_HASH_ENVELOPE'],
    ['not a COSE_Sign1', cborEncode([1, 2]), 'ERR_COSE_NOT_SIGN1'],
  ])('parseStatement rejects %s', (_n, bytes, code) => {
    expect(codeOf(() => parseStatement(bytes))).toBe(code);
  });

  it('parses a statement with an algorithm atlog cannot verify; verification then says so', () => {
    const bytes = cborEncode(new Tag([cborEncode(new Map([...good(), [1, -65535]])), new Map(), record, new Uint8Array(64)], 18));
    expect(parseStatement(bytes).alg).toBe(-65535);
    expect(codeOf(() => verifySign1(bytes, key.publicKey))).toBe('ERR_COSE_UNKNOWN_ALG');
  });

  it('accepts x5chain instead of kid, tagged NumericDates, and options for lenient callers', () => {
    const x5 = parseStatement(raw(new Map([...without(4), [33, new Uint8Array(10)]])));
    expect(x5.kid).toBeUndefined();
    const tagged = parseStatement(raw(new Map([...good(), [15, cwt([[1, ISS], [2, SUB], [6, new Tag(1_700_000_000, 1)], [4, new Tag(1.5e9, 1)]])]])));
    expect(tagged.cwtClaims.get(6)).toBe(1_700_000_000);
    expect(tagged.cwtClaims.get(4)).toBe(1.5e9);
    expect(parseStatement(raw(without(4)), { allowMissingKid: true }).kid).toBeUndefined();
    expect(parseStatement(raw(good(), { detached: true }), { allowDetached: true }).sign1.payload).toBeNull();
  });
});

describe('published statements', () => {
  it.each(['valid-es256', 'valid-eddsa'])('scitt-cose %s: headers, and entry hash = published leaf entry', (dir) => {
    const bytes = readVector('scitt-rfc9162', dir, 'statement.cose');
    const want = readVectorJson<{ leaf_entry: string; protected_header: { statement: { issuer: string; subject: string; alg_code: number } } }>('scitt-rfc9162', dir, 'expected.json');
    // These vectors carry no kid (the key is given out of band), hence allowMissingKid.
    expect(codeOf(() => parseStatement(bytes))).toBe('ERR_STATEMENT_MISSING_KID');
    const st = parseStatement(bytes, { allowMissingKid: true });
    expect(st.iss).toBe(want.protected_header.statement.issuer);
    expect(st.sub).toBe(want.protected_header.statement.subject);
    expect(st.alg).toBe(want.protected_header.statement.alg_code);
    expect(toHex(registrationEntry(bytes))).toBe(toHex(bytes));
    expect(toHex(entryHash(registrationEntry(bytes)))).toBe(want.leaf_entry);
  });

  it.each(['1ts.scitt', '2ts.scitt', 'uvm_0.2.10.cose'])('CCF %s: x5chain statement, Hash Envelope, receipts, data hash', (file) => {
    const bytes = readVector('scitt-ccf', file);
    const st = parseStatement(bytes);
    expect(st.kid).toBeUndefined();
    expect(st.iss.startsWith('did:x509:')).toBe(true);
    expect(st.alg).toBe(-38); // PS384
    expect(st.hashEnvelope?.hashAlg).toBe(-43);
    expect(typeof st.cwtClaims.get(6)).toBe('number'); // received as tag 1
    const receipts = receiptsOf(bytes);
    expect(receipts.length).toBeGreaterThan(0);
    // CCF's leaf commits to data_hash = SHA-256(statement with unprotected {}): our entry hash.
    const r = decodeSign1(receipts[0]!);
    const proof = cborDecode((r.unprotected.get(396) as Map<number, Uint8Array[]>).get(-1)![0]!) as Map<number, unknown[]>;
    const leaf = proof.get(1) as Uint8Array[];
    expect(toHex(leaf[2]!)).toBe(toHex(entryHash(registrationEntry(bytes))));
  });
});

describe('registration entry and Transparent Statements', () => {
  const stmt = buildStatement({ key, iss: ISS, sub: SUB, payload: record, contentType: AAT_CONTENT_TYPE, unprotected: new Map([[99, 'x']]) });
  const receipt1 = signSign1({ protected: new Map([[395, 1]]), payload: new Uint8Array(32), detached: true, key });
  const receipt2 = signSign1({ protected: new Map([[395, 1]]), payload: new Uint8Array(32).fill(1), detached: true, key });

  it('the entry is the statement with an empty unprotected header, and still verifies', () => {
    const entry = registrationEntry(stmt);
    const s = decodeSign1(entry);
    expect(s.unprotected.size).toBe(0);
    expect(toHex(s.protectedBytes)).toBe(toHex(decodeSign1(stmt).protectedBytes));
    expect(verifySign1(entry, key.publicKey)).toBe(true);
    expect(toHex(entryHash(entry))).toBe(toHex(sha256(entry)));
    expect(codeOf(() => entryHash('x' as unknown as Uint8Array))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('registrationEntryOf: the bytes themselves when the unprotected header is empty, else the re-encoding', () => {
    const bare = buildStatement({ key, iss: ISS, sub: SUB, payload: record, contentType: AAT_CONTENT_TYPE });
    expect(registrationEntryOf(bare, decodeSign1(bare))).toBe(bare);
    expect(toHex(registrationEntryOf(bare, decodeSign1(bare)))).toBe(toHex(registrationEntry(bare)));
    const entry = registrationEntryOf(stmt, decodeSign1(stmt));
    expect(entry).not.toBe(stmt);
    expect(toHex(entry)).toBe(toHex(registrationEntry(stmt)));
    // A receipt-carrying Transparent Statement maps to the same entry as the statement it came from.
    const ts = toTransparentStatement(bare, [receipt1]);
    expect(toHex(registrationEntryOf(ts, decodeSign1(ts)))).toBe(toHex(bare));
  });

  it('adds receipts under 394, appending to existing ones; the entry is unchanged', () => {
    const ts1 = toTransparentStatement(registrationEntry(stmt), [receipt1]);
    expect(receiptsOf(ts1).map(toHex)).toEqual([toHex(receipt1)]);
    const ts2 = toTransparentStatement(ts1, [receipt2]);
    expect(receiptsOf(ts2).map(toHex)).toEqual([toHex(receipt1), toHex(receipt2)]);
    expect(toHex(registrationEntry(ts2))).toBe(toHex(registrationEntry(stmt)));
    expect(verifySign1(ts2, key.publicKey)).toBe(true);
    const fromStatement = toTransparentStatement(stmt, [receipt1]);
    expect(decodeSign1(fromStatement).unprotected.get(99)).toBe('x');
    expect(receiptsOf(stmt)).toEqual([]);
  });

  it('refuses receipts that are not COSE_Sign1 bytes', () => {
    expect(codeOf(() => toTransparentStatement(stmt, [new Uint8Array([1])]))).toBe('ERR_COSE_NOT_SIGN1');
    expect(codeOf(() => toTransparentStatement(stmt, ['x' as unknown as Uint8Array]))).toBe('ERR_INVALID_ARGUMENT');
  });
});
