import { describe, expect, it } from 'vitest';
import { cborDecode, cborEncode, Tag } from '../../src/cose/cbor.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { parseKeyFile, type PublicKey } from '../../src/keys/index.js';
import { leafHash, nodeHash, rootFromInclusionProof } from '../../src/merkle/index.js';
import { ccfRoot, newRootFromConsistencyProof, parseCcfProof, parseReceipt, verifyCcfReceipt, verifyReceipt } from '../../src/receipts/index.js';
import { toHex } from '../../src/util/bytes.js';
import { ccfTrustStoreKeys } from '../../src/verify/ccf-trust.js';
import { readVector, readVectorJson } from '../helpers/vectors.js';
import { codeOf } from '../helpers/errors.js';

/** Receipt-level checks of the published vectors (the CLI-level verdicts are in cli-vectors.test.ts). */

interface Expected {
  result: 'VALID' | 'INVALID';
  failure_code?: string;
  leaf_entry: string;
  leaf_index: number;
  tree_size: number;
  reconstructed_root: string | null;
  receipt_valid: boolean;
}

const CASES = ['valid-eddsa', 'valid-es256', 'fail-tampered-path', 'fail-unsupported-vds', 'fail-bad-statement-sig'];

describe('scitt-rfc9162 receipts (action-state-group/scitt-cose v1)', () => {
  it.each(CASES)('%s', (name) => {
    const exp = readVectorJson<Expected>('scitt-rfc9162', name, 'expected.json');
    const statement = readVector('scitt-rfc9162', name, 'statement.cose');
    const entryHash = sha256(statement); // manifest.json: SHA-256 of the statement as submitted (unprotected {})
    expect(toHex(entryHash)).toBe(exp.leaf_entry);
    const keys = parseKeyFile(readVector('scitt-rfc9162', name, 'log-key.pub')) as PublicKey[];
    const receipt = readVector('scitt-rfc9162', name, 'receipt.cose');
    if (exp.receipt_valid) {
      const v = verifyReceipt(receipt, { entryHash, keys });
      expect(v).toMatchObject({ treeSize: exp.tree_size, leafIndex: exp.leaf_index });
      expect(toHex(v.root)).toBe(exp.reconstructed_root);
    } else {
      const want = { TAMPERED_INCLUSION_PATH: 'ERR_RECEIPT_INCLUSION_INVALID', UNSUPPORTED_VDS: 'ERR_RECEIPT_UNSUPPORTED_VDS' }[exp.failure_code as string];
      expect(want).toBeDefined();
      expect(codeOf(() => verifyReceipt(receipt, { entryHash, keys }))).toBe(want);
    }
  });
});

describe('cose-wg RFC 9942 example receipts (structure and proof math; no key is published)', () => {
  const inc = parseReceipt(readVector('cose-receipts', 'cosewg-inclusion-receipt.cbor'));
  const con = parseReceipt(readVector('cose-receipts', 'cosewg-consistency-receipt.cbor'));
  const proof = (r: typeof inc, type: number): unknown[] => cborDecode(((r.unprotectedHeader.get(396) as Map<number, Uint8Array[]>).get(type)!)[0]!) as unknown[];

  it('decode with the headers the .diag shows', () => {
    for (const r of [inc, con]) {
      expect(r).toMatchObject({ alg: -7, vds: 1, issuer: 'https://transparency-service.example.com', payload: null });
      expect(new TextDecoder().decode(r.kid)).toBe('test-key-1');
    }
    expect(proof(inc, -1).slice(0, 2)).toEqual([5, 3]);
    expect(proof(con, -2).slice(0, 2)).toEqual([3, 5]);
  });

  it('give the published roots: size 5 = 895731b5..., size 3 = 688928db...', () => {
    const [, , incPath] = proof(inc, -1) as [number, number, Uint8Array[]];
    const [, , conPath] = proof(con, -2) as [number, number, Uint8Array[]];
    // the consistency proof 3 -> 5 is [h(2), h(3), h(0..1), h(4)] (RFC 9162 2.1.4.1), so it names leaf 3's hash
    const oldRoot = nodeHash(conPath[2]!, conPath[0]!);
    expect(toHex(oldRoot).startsWith('688928db')).toBe(true);
    const newRoot = newRootFromConsistencyProof(3, 5, conPath, oldRoot)!;
    expect(toHex(newRoot).startsWith('895731b5')).toBe(true);
    const fromInclusion = rootFromInclusionProof(conPath[1]!, 3, 5, incPath);
    expect(fromInclusion).toEqual(newRoot);
  });
});

describe('scitt-ccf receipts (vds 2, CCF profile)', () => {
  /** The registered statement: unprotected header replaced by {} (its data_hash is SHA-256 of these bytes). */
  function dataHashOf(ts: Uint8Array): { dataHash: Uint8Array; receipts: Uint8Array[] } {
    const t = cborDecode(ts) as Tag;
    const [p, u, payload, sig] = t.value as [Uint8Array, Map<number, unknown>, Uint8Array, Uint8Array];
    return { dataHash: sha256(cborEncode(new Tag([p, new Map(), payload, sig], 18))), receipts: u.get(394) as Uint8Array[] };
  }

  it('uvm_0.2.10.cose verifies fully against the esrp-cts-db trust store', () => {
    const keys = ccfTrustStoreKeys(readVector('scitt-ccf', 'esrp-cts-db.json'));
    expect(keys.length).toBeGreaterThan(0);
    const { dataHash, receipts } = dataHashOf(readVector('scitt-ccf', 'uvm_0.2.10.cose'));
    expect(receipts).toHaveLength(1);
    const v = verifyCcfReceipt(receipts[0]!, { entryHash: dataHash, keys });
    expect(v).toMatchObject({ vds: 2, alg: -35, issuer: 'esrp-cts-db.confidential-ledger.azure.com' });
    // tampering: another data hash, a flipped signature
    expect(codeOf(() => verifyCcfReceipt(receipts[0]!, { entryHash: sha256(dataHash), keys }))).toBe('ERR_RECEIPT_INCLUSION_INVALID');
    const t = cborDecode(receipts[0]!) as Tag;
    const a = [...(t.value as unknown[])];
    const sig = new Uint8Array(a[3] as Uint8Array);
    sig[7] = sig[7]! ^ 1;
    a[3] = sig;
    expect(codeOf(() => verifyCcfReceipt(cborEncode(new Tag(a, 18)), { entryHash: dataHash, keys }))).toBe('ERR_RECEIPT_INCLUSION_INVALID');
    // a vds-2 receipt is not accepted by the vds-1 verifier
    expect(codeOf(() => verifyReceipt(receipts[0]!, { entryHash: dataHash, keys }))).toBe('ERR_RECEIPT_UNSUPPORTED_VDS');
  });

  it.each(['1ts.scitt', '2ts.scitt'])('%s: data hash and proof math', (f) => {
    const { dataHash, receipts } = dataHashOf(readVector('scitt-ccf', f));
    expect(receipts.length).toBeGreaterThan(0);
    let ccf = 0;
    for (const r of receipts) {
      const pr = parseReceipt(r);
      if (pr.vds !== 2) {
        // 2ts.scitt also carries a vds-3 receipt from another service (an MMR profile atlog does not implement)
        expect(codeOf(() => verifyReceipt(r, { entryHash: dataHash, keys: [] }))).toBe('ERR_RECEIPT_UNSUPPORTED_VDS');
        continue;
      }
      ccf++;
      const p = parseCcfProof(((pr.unprotectedHeader.get(396) as Map<number, Uint8Array[]>).get(-1)!)[0]!);
      expect(p.leaf.dataHash).toEqual(dataHash);
      expect(ccfRoot(p)).toHaveLength(32);
      expect(leafHash(dataHash)).toHaveLength(32);
    }
    expect(ccf).toBeGreaterThan(0);
  });
});
