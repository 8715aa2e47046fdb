import { describe, expect, it } from 'vitest';
import { ALG_ES256, ALG_ESP256, ALG_ML_DSA_65 } from '../../src/cose/algorithms.js';
import { cborDecode, cborEncode, Tag } from '../../src/cose/cbor.js';
import { encodeProtected } from '../../src/cose/sign1.js';
import { generateKey } from '../../src/keys/index.js';
import {
  decodeSignedTreeHead,
  encodeSignedTreeHead,
  HEADER_TREE_SIZE,
  issueConsistencyReceipt,
  inclusionReceiptIssuer,
  issueInclusionReceipt,
  signTreeHead,
  verifyConsistencyReceipt,
  verifyReceipt,
  verifySignedTreeHead,
} from '../../src/receipts/index.js';
import { entries, flip, MemoryTree } from './helpers.js';
import { codeOf as code } from '../helpers/errors.js';

const ISS = 'https://log.example';

/** Rewrite a receipt's structure: decode, let `edit` change [protected, unprotected, payload, sig], re-encode. */
function rewrite(receipt: Uint8Array, edit: (a: unknown[]) => void): Uint8Array {
  const t = cborDecode(receipt) as Tag;
  const a = [...(t.value as unknown[])];
  edit(a);
  return cborEncode(new Tag(a, 18));
}

describe('signed tree heads and inclusion receipts', () => {
  const p256 = generateKey('ES256');
  const mldsa = generateKey('ML-DSA-65');
  const es384 = generateKey('ES384');
  const ed = generateKey('Ed25519');

  it.each([
    ['P-256', p256, ALG_ES256],
    ['ML-DSA-65', mldsa, ALG_ML_DSA_65],
    ['ES384', es384, es384.alg],
    ['Ed25519', ed, ed.alg],
  ])('%s: every leaf of trees of size 1..9 verifies, with the default alg', async (_n, key, wantAlg) => {
    for (const n of [1, 2, 3, 5, 8, 9]) {
      const es = entries(n);
      const t = new MemoryTree(es);
      const sth = signTreeHead({ key, issuer: ISS, treeSize: n, root: t.rootAt(), iat: 1_700_000_000 });
      expect(sth.alg).toBe(wantAlg);
      for (let i = 0; i < n; i++) {
        const r = issueInclusionReceipt(sth, i, await t.inclusion(i));
        const v = verifyReceipt(r, { entryHash: es[i]!, keys: [key.publicKey] });
        expect(v).toMatchObject({ treeSize: n, leafIndex: i, alg: wantAlg, issuer: ISS, iat: 1_700_000_000, vds: 1 });
        expect(v.root).toEqual(t.rootAt());
        if (n === 1) expect(await t.inclusion(0)).toEqual([]); // 1-leaf tree: empty path, emitted and accepted
      }
    }
  });

  it('ESP256 (-9) is available as an option and verifies', async () => {
    const es = entries(4);
    const t = new MemoryTree(es);
    const sth = signTreeHead({ key: p256, issuer: ISS, treeSize: 4, root: t.rootAt(), alg: ALG_ESP256 });
    const v = verifyReceipt(issueInclusionReceipt(sth, 2, await t.inclusion(2)), { entryHash: es[2]!, keys: [p256.publicKey] });
    expect(v.alg).toBe(ALG_ESP256);
  });

  it('binds the tree size and extra protected labels into the protected header', () => {
    const t = new MemoryTree(entries(3));
    const sth = signTreeHead({ key: p256, issuer: ISS, treeSize: 3, root: t.rootAt(), extraProtected: new Map([[-65538, new Uint8Array(32)]]) });
    const p = cborDecode(sth.protectedBytes) as Map<number, unknown>;
    expect(p.get(HEADER_TREE_SIZE)).toBe(3);
    expect(p.get(395)).toBe(1);
    expect(p.get(4)).toEqual(p256.kid);
    expect((p.get(15) as Map<number, unknown>).get(1)).toBe(ISS);
    expect(p.get(-65538)).toEqual(new Uint8Array(32));
    expect(code(() => signTreeHead({ key: p256, issuer: ISS, treeSize: 3, root: t.rootAt(), extraProtected: new Map([[395, 2]]) }))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('refuses bad inputs when signing and issuing', () => {
    const root = new MemoryTree(entries(2)).rootAt();
    expect(code(() => signTreeHead({ key: p256, issuer: ISS, treeSize: 2, root: root.slice(1) }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => signTreeHead({ key: p256, issuer: ISS, treeSize: -1, root }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => signTreeHead({ key: p256, issuer: '', treeSize: 2, root }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => signTreeHead({ key: p256, issuer: ISS, treeSize: 2, root, alg: ALG_ML_DSA_65 }))).toBe('ERR_INVALID_ARGUMENT');
    const sth = signTreeHead({ key: p256, issuer: ISS, treeSize: 2, root });
    expect(code(() => issueInclusionReceipt(sth, 2, []))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => issueInclusionReceipt(sth, 0, [new Uint8Array(31)]))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => issueConsistencyReceipt(sth, 0, []))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => issueConsistencyReceipt(sth, 3, []))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('encodes and decodes tree heads, detached or with the root attached, with timestamps', () => {
    const t = new MemoryTree(entries(5));
    const sth = signTreeHead({ key: p256, issuer: ISS, treeSize: 5, root: t.rootAt(), iat: 42 });
    const tok = new Uint8Array([1, 2, 3]);
    const d = decodeSignedTreeHead(encodeSignedTreeHead(sth, { timestamps: [tok] }));
    expect(d).toMatchObject({ treeSize: 5, root: undefined, alg: ALG_ES256, issuer: ISS, iat: 42, timestamps: [tok] });
    expect(d.signature).toEqual(sth.signature);
    expect(decodeSignedTreeHead(encodeSignedTreeHead(sth, { timestamps: [tok, tok] })).timestamps).toEqual([tok, tok]);
    const attached = encodeSignedTreeHead(sth, { attachRoot: true });
    expect(verifySignedTreeHead(attached, { keys: [p256.publicKey] }).root).toEqual(t.rootAt());
    expect(verifySignedTreeHead(encodeSignedTreeHead(sth), { keys: [p256.publicKey], root: t.rootAt() }).treeSize).toBe(5);
    expect(code(() => verifySignedTreeHead(encodeSignedTreeHead(sth), { keys: [p256.publicKey] }))).toBe('ERR_RECEIPT_MALFORMED');
    expect(code(() => verifySignedTreeHead(encodeSignedTreeHead(sth), { keys: [p256.publicKey], root: flip(t.rootAt()) }))).toBe('ERR_RECEIPT_BAD_SIGNATURE');
    expect(code(() => verifySignedTreeHead(attached, { keys: [mldsa.publicKey] }))).toBe('ERR_RECEIPT_UNKNOWN_KEY');
    expect(code(() => verifySignedTreeHead(attached, { keys: [generateKey('ES256').publicKey] }))).toBe('ERR_RECEIPT_UNKNOWN_KEY');
  });

  it('carries one RFC 3161 token as a bstr under 270, several as an array', async () => {
    const es = entries(2);
    const t = new MemoryTree(es);
    const sth = signTreeHead({ key: p256, issuer: ISS, treeSize: 2, root: t.rootAt() });
    const tok = new Uint8Array([9, 9]);
    const one = issueInclusionReceipt(sth, 1, await t.inclusion(1), { timestamps: [tok] });
    expect(((cborDecode(one) as Tag).value as unknown[])[1]).toEqual(new Map<number, unknown>([[270, tok], [396, expect.any(Map)]]));
    expect(verifyReceipt(one, { entryHash: es[1]!, keys: [p256.publicKey] }).timestamps).toEqual([tok]);
    const two = issueInclusionReceipt(sth, 1, await t.inclusion(1), { timestamps: [tok, tok] });
    expect(verifyReceipt(two, { entryHash: es[1]!, keys: [p256.publicKey] }).timestamps).toEqual([tok, tok]);
  });
});

describe('batch receipt issuer (inclusionReceiptIssuer)', () => {
  it.each([
    ['P-256', generateKey('ES256')],
    ['ML-DSA-65', generateKey('ML-DSA-65')],
  ])('%s: the same bytes as issueInclusionReceipt, with none, one or several tokens and large trees', async (_n, key) => {
    const big = new Uint8Array(70_000).fill(7);
    for (const n of [1, 2, 9, 300]) {
      const es = entries(n);
      const t = new MemoryTree(es);
      const sth = signTreeHead({ key, issuer: ISS, treeSize: n, root: t.rootAt(), iat: 1_700_000_000 });
      for (const timestamps of [undefined, [], [new Uint8Array([9, 9])], [big, new Uint8Array([1])]]) {
        const issue = inclusionReceiptIssuer(sth, timestamps === undefined ? {} : { timestamps });
        for (const i of [0, n - 1, Math.floor(n / 2)]) {
          const proof = await t.inclusion(i);
          expect(issue(i, proof)).toEqual(issueInclusionReceipt(sth, i, proof, timestamps === undefined ? {} : { timestamps }));
        }
        expect(code(() => issue(n, []))).toBe('ERR_INVALID_ARGUMENT');
      }
    }
  });

  it('encodes every head size of the proof item as cborEncode does (sizes and indexes up to 2^53 - 1)', () => {
    const key = generateKey('ES256');
    const hashes = Array.from({ length: 40 }, (_, k) => new Uint8Array(32).fill(k));
    for (const n of [23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER]) {
      const sth = signTreeHead({ key, issuer: ISS, treeSize: n, root: new Uint8Array(32).fill(3), iat: 1_700_000_000 });
      const issue = inclusionReceiptIssuer(sth);
      for (const i of [0, 23, 24, n - 1, Math.floor(n / 2)]) {
        if (i >= n) continue;
        for (const len of [0, 1, 23, 24, 40]) {
          const proof = hashes.slice(0, len);
          expect(issue(i, proof)).toEqual(issueInclusionReceipt(sth, i, proof));
        }
      }
    }
  });
});

describe('inclusion receipt failures carry the right code', () => {
  const key = generateKey('ES256');
  const keys = [key.publicKey];
  const es = entries(6);
  const t = new MemoryTree(es);
  const sth = signTreeHead({ key, issuer: ISS, treeSize: 6, root: t.rootAt() });
  const good = async (): Promise<Uint8Array> => issueInclusionReceipt(sth, 3, await t.inclusion(3));
  const withProof = (r: Uint8Array, body: unknown): Uint8Array =>
    rewrite(r, (a) => {
      a[1] = new Map([[396, new Map([[-1, [cborEncode(body)]]])]]);
    });
  const withProtected = (r: Uint8Array, edit: (p: Map<number, unknown>) => void): Uint8Array =>
    rewrite(r, (a) => {
      const p = cborDecode(a[0] as Uint8Array) as Map<number, unknown>;
      edit(p);
      a[0] = encodeProtected(p);
    });

  const cases: Array<[string, () => Promise<[Uint8Array, Uint8Array]>, string]> = [
    ['wrong entry hash', async () => [await good(), es[2]!], 'ERR_RECEIPT_INCLUSION_INVALID'],
    ['tampered path hash', async () => [withProof(await good(), [6, 3, (await t.inclusion(3)).map((h, i) => (i === 0 ? flip(h) : h))]), es[3]!], 'ERR_RECEIPT_INCLUSION_INVALID'],
    ['path too short', async () => [withProof(await good(), [6, 3, (await t.inclusion(3)).slice(1)]), es[3]!], 'ERR_RECEIPT_INCLUSION_INVALID'],
    ['path too long', async () => [withProof(await good(), [6, 3, [...(await t.inclusion(3)), es[0]!]]), es[3]!], 'ERR_RECEIPT_INCLUSION_INVALID'],
    ['wrong leaf index', async () => [withProof(await good(), [6, 2, await t.inclusion(3)]), es[3]!], 'ERR_RECEIPT_INCLUSION_INVALID'],
    ['proof size differs from the signed size', async () => [withProof(await good(), [7, 3, await t.inclusion(3)]), es[3]!], 'ERR_RECEIPT_INCLUSION_INVALID'],
    ['leaf_index == tree_size', async () => [withProof(await good(), [6, 6, await t.inclusion(3)]), es[3]!], 'ERR_RECEIPT_INDEX_OUT_OF_RANGE'],
    ['leaf_index > tree_size', async () => [withProof(await good(), [6, 9, []]), es[3]!], 'ERR_RECEIPT_INDEX_OUT_OF_RANGE'],
    ['flipped signature', async () => [rewrite(await good(), (a) => (a[3] = flip(a[3] as Uint8Array, 5))), es[3]!], 'ERR_RECEIPT_INCLUSION_INVALID'],
    ['vds 2 in protected', async () => [withProtected(await good(), (p) => p.set(395, 2)), es[3]!], 'ERR_RECEIPT_UNSUPPORTED_VDS'],
    ['vds 7 in protected', async () => [withProtected(await good(), (p) => p.set(395, 7)), es[3]!], 'ERR_RECEIPT_UNSUPPORTED_VDS'],
    ['vds only unprotected', async () => [rewrite(withProtected(await good(), (p) => p.delete(395)), (a) => (a[1] as Map<number, unknown>).set(395, 1)), es[3]!], 'ERR_RECEIPT_MALFORMED'],
    ['consistency proof only', async () => [rewrite(await good(), (a) => (a[1] = new Map([[396, new Map([[-2, [cborEncode([1, 6, []])]]])]]))), es[3]!], 'ERR_RECEIPT_UNSUPPORTED_PROOF'],
    ['two inclusion proofs', async () => [rewrite(await good(), (a) => { const b = cborEncode([6, 3, []]); a[1] = new Map([[396, new Map([[-1, [b, b]]])]]); }), es[3]!], 'ERR_RECEIPT_UNSUPPORTED_PROOF'],
    ['no vdp', async () => [rewrite(await good(), (a) => (a[1] = new Map())), es[3]!], 'ERR_RECEIPT_UNSUPPORTED_PROOF'],
    ['proof not an array of 3', async () => [withProof(await good(), [6, 3]), es[3]!], 'ERR_RECEIPT_MALFORMED'],
    ['negative index', async () => [withProof(await good(), [6, -1, []]), es[3]!], 'ERR_RECEIPT_MALFORMED'],
    ['31-byte path hash', async () => [withProof(await good(), [6, 3, [new Uint8Array(31)]]), es[3]!], 'ERR_RECEIPT_MALFORMED'],
    ['attached payload', async () => [rewrite(await good(), (a) => (a[2] = t.rootAt())), es[3]!], 'ERR_RECEIPT_MALFORMED'],
    ['not tagged', async () => [cborEncode((cborDecode(await good()) as Tag).value), es[3]!], 'ERR_RECEIPT_MALFORMED'],
    ['garbage', async () => [new Uint8Array([0xd2, 0x84, 0x40]), es[3]!], 'ERR_RECEIPT_MALFORMED'],
    ['unknown kid', async () => [withProtected(await good(), (p) => p.set(4, new Uint8Array(8))), es[3]!], 'ERR_RECEIPT_UNKNOWN_KEY'],
    ['unsupported alg', async () => [withProtected(await good(), (p) => p.set(1, -257)), es[3]!], 'ERR_RECEIPT_UNSUPPORTED_ALG'],
    ['unknown crit label', async () => [withProtected(await good(), (p) => { p.set(2, [-70000]); p.set(-70000, 1); }), es[3]!], 'ERR_RECEIPT_MALFORMED'],
  ];

  it.each(cases)('%s', async (_name, make, want) => {
    const [r, e] = await make();
    expect(code(() => verifyReceipt(r, { entryHash: e, keys }))).toBe(want);
  });

  it('the good receipt verifies; a 31-byte entry hash is an argument error', async () => {
    expect(verifyReceipt(await good(), { entryHash: es[3]!, keys }).leafIndex).toBe(3);
    expect(code(() => verifyReceipt(new Uint8Array(0), { entryHash: es[3]!.slice(1), keys }))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('rejects receipts whose signing key is not trusted', async () => {
    const r = await good();
    expect(code(() => verifyReceipt(r, { entryHash: es[3]!, keys: [generateKey('ES256').publicKey] }))).toBe('ERR_RECEIPT_UNKNOWN_KEY');
    expect(code(() => verifyReceipt(r, { entryHash: es[3]!, keys: [] }))).toBe('ERR_RECEIPT_UNKNOWN_KEY');
  });
});

describe('consistency receipts', () => {
  const key = generateKey('ML-DSA-65');
  const keys = [key.publicKey];
  const es = entries(13);
  const t = new MemoryTree(es);

  it('every (size1, size2) up to 13 verifies and yields the new root', async () => {
    for (let s2 = 1; s2 <= 13; s2++) {
      const sth2 = signTreeHead({ key, issuer: ISS, treeSize: s2, root: t.rootAt(s2) });
      for (let s1 = 1; s1 <= s2; s1++) {
        const r = issueConsistencyReceipt(sth2, s1, await t.consistency(s1, s2));
        const v = verifyConsistencyReceipt(r, { oldRoot: t.rootAt(s1), keys });
        expect(v).toMatchObject({ size1: s1, size2: s2 });
        expect(v.newRoot).toEqual(t.rootAt(s2));
      }
    }
  }, 20_000);

  it('fails on a wrong old root, a tampered proof, a bad signature, bad sizes', async () => {
    const sth2 = signTreeHead({ key, issuer: ISS, treeSize: 11, root: t.rootAt(11) });
    const proof = await t.consistency(6, 11);
    const r = issueConsistencyReceipt(sth2, 6, proof);
    expect(code(() => verifyConsistencyReceipt(r, { oldRoot: t.rootAt(5), keys }))).toBe('ERR_RECEIPT_CONSISTENCY_INVALID');
    const tampered = rewrite(r, (a) => (a[1] = new Map([[396, new Map([[-2, [cborEncode([6, 11, proof.map((h, i) => (i === 1 ? flip(h) : h))])]]])]])));
    expect(code(() => verifyConsistencyReceipt(tampered, { oldRoot: t.rootAt(6), keys }))).toBe('ERR_RECEIPT_CONSISTENCY_INVALID');
    const badSig = rewrite(r, (a) => (a[3] = flip(a[3] as Uint8Array, 10)));
    expect(code(() => verifyConsistencyReceipt(badSig, { oldRoot: t.rootAt(6), keys }))).toBe('ERR_RECEIPT_CONSISTENCY_INVALID');
    const fromZero = rewrite(r, (a) => (a[1] = new Map([[396, new Map([[-2, [cborEncode([0, 11, proof])]]])]])));
    expect(code(() => verifyConsistencyReceipt(fromZero, { oldRoot: t.rootAt(6), keys }))).toBe('ERR_RECEIPT_MALFORMED');
    const inclusionOnly = issueInclusionReceipt(sth2, 0, await t.inclusion(0, 11));
    expect(code(() => verifyConsistencyReceipt(inclusionOnly, { oldRoot: t.rootAt(6), keys }))).toBe('ERR_RECEIPT_UNSUPPORTED_PROOF');
    expect(code(() => verifyConsistencyReceipt(r, { oldRoot: t.rootAt(6), keys: [generateKey('ML-DSA-65').publicKey] }))).toBe('ERR_RECEIPT_UNKNOWN_KEY');
  });
});
