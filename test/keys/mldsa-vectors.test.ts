import { describe, expect, it } from 'vitest';
import { cborDecode } from '../../src/cose/cbor.js';
import { decodeSign1, toBeSigned, verifySign1 } from '../../src/cose/sign1.js';
import { importCoseKey, mldsaFromSeed, thumbprint, type PublicKey } from '../../src/keys/index.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { listVectorFiles, readVectorJson } from '../helpers/vectors.js';

/** The RFC 9964 examples (cose-wg/draft-ietf-cose-dilithium), copied into test-vectors/third-party/cose-mldsa. */
interface MlDsaExample {
  priv: string;
  key: string;
  sign1: string;
  raw_to_be_signed: string;
  raw_signature: string;
  raw_public_key: string;
}

const files = listVectorFiles('cose-mldsa', '.json');

describe('published ML-DSA COSE examples', () => {
  it('there are three (44, 65, 87)', () => {
    expect(files.length).toBe(3);
  });

  it.each(files.map((f) => [f.split('/').pop()!, f]))('%s', (_name, file) => {
    const v = readVectorJson<MlDsaExample>('cose-mldsa', file.split('/').pop()!);
    const keyMap = cborDecode(fromHex(v.key)) as Map<number, unknown>;
    const imported = importCoseKey(fromHex(v.key));
    const msg = fromHex(v.sign1);
    const s = decodeSign1(msg);

    // The Sig_structure we build equals the published one, and the signature is the published one.
    expect(toHex(toBeSigned(s.protectedBytes, s.payload!))).toBe(v.raw_to_be_signed);
    expect(toHex(s.signature)).toBe(v.raw_signature);

    // It verifies with the imported key (private COSE_Key with seed) and with its public half.
    const pub = 'publicKey' in imported ? imported.publicKey : (imported as PublicKey);
    expect(verifySign1(msg, pub)).toBe(true);
    expect(verifySign1({ ...s, payload: new Uint8Array([0]) }, pub)).toBe(false);

    // Re-deriving from the seed reproduces the public key and the kid (RFC 9679 over kty, alg, pub).
    const derived = mldsaFromSeed(keyMap.get(3), fromHex(v.priv));
    expect(toHex(derived.publicKey.toCoseKey().get(-1) as Uint8Array)).toBe(v.raw_public_key);
    expect(toHex(derived.kid)).toBe(toHex(keyMap.get(2) as Uint8Array));
    expect(toHex(thumbprint(keyMap))).toBe(toHex(keyMap.get(2) as Uint8Array));
    expect(toHex(s.protected.get(4) as Uint8Array)).toBe(toHex(derived.kid));

    // A fresh signature by the re-derived key verifies with the published public key.
    const tbs = fromHex(v.raw_to_be_signed);
    expect(pub.verify(tbs, derived.sign(tbs))).toBe(true);
  });
});
