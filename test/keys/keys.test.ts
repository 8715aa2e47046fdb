import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cborEncode } from '../../src/cose/cbor.js';
import { decodeSign1, verifySign1 } from '../../src/cose/sign1.js';
import { isAtlogError } from '../../src/errors.js';
import {
  exportCoseKey, exportCoseKeySet, exportPkcs8Pem, exportSpkiPem, generateKey, importCoseKey, importCoseKeySet,
  importPem, isPrivateKey, parseKeyFile, thumbprint, type PrivateKey, type PublicKey,
} from '../../src/keys/index.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { readVector } from '../helpers/vectors.js';
import { codeOf } from '../helpers/errors.js';

const ALGS = ['ESP256', 'ES256', 'ES384', 'Ed25519', 'EdDSA', 'ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'] as const;
const KEYS = Object.fromEntries(ALGS.map((a) => [a, generateKey(a)])) as Record<(typeof ALGS)[number], PrivateKey>;
const data = new TextEncoder().encode('data to sign');

describe('generateKey and COSE_Key round trips', () => {
  it.each(ALGS)('%s', (alg) => {
    const key = KEYS[alg];
    expect(key.publicKey.kid).toEqual(key.kid);
    expect(toHex(key.kid)).toBe(toHex(thumbprint(key.publicKey.toCoseKey())));
    const sig = key.sign(data);
    expect(key.publicKey.verify(data, sig)).toBe(true);
    expect(key.publicKey.verify(new Uint8Array([1]), sig)).toBe(false);
    expect(key.publicKey.verify(data, sig.subarray(1))).toBe(false);

    const pub = importCoseKey(exportCoseKey(key.publicKey));
    expect(isPrivateKey(pub)).toBe(false);
    expect(pub.alg).toBe(key.alg);
    expect(toHex(pub.kid)).toBe(toHex(key.kid));
    expect((pub as PublicKey).verify(data, sig)).toBe(true);

    const priv = importCoseKey(exportCoseKey(key));
    expect(isPrivateKey(priv)).toBe(true);
    expect(toHex(priv.kid)).toBe(toHex(key.kid));
    expect(key.publicKey.verify(data, (priv as PrivateKey).sign(data))).toBe(true);
    expect(toHex(exportCoseKey(priv))).toBe(toHex(exportCoseKey(key)));
  });

  it('binds the algorithm it was generated for', () => {
    expect(KEYS.ESP256.alg).toBe(-9);
    expect(KEYS.ES256.alg).toBe(-7);
    expect(KEYS.Ed25519.alg).toBe(-19);
    expect(KEYS.EdDSA.alg).toBe(-8);
    expect(KEYS['ML-DSA-65'].alg).toBe(-49);
    expect(KEYS.ES256.toCoseKey().get(3)).toBe(-7);
    expect(codeOf(() => KEYS.ES256.sign(data, -35))).toBe('ERR_COSE_ALG_MISMATCH');
    expect(codeOf(() => KEYS['ML-DSA-44'].sign(data, -49))).toBe('ERR_COSE_ALG_MISMATCH');
    expect(codeOf(() => KEYS.Ed25519.publicKey.verify(data, new Uint8Array(64), -7))).toBe('ERR_COSE_ALG_MISMATCH');
    expect(codeOf(() => generateKey('RS256'))).toBe('ERR_COSE_UNKNOWN_ALG');
  });

  it('matches the RFC 9679 section 6 example thumbprint', () => {
    const m = new Map<number, unknown>([
      [1, 2], [-1, 1], [2, new TextEncoder().encode('meriadoc.brandybuck@buckland.example')],
      [-2, fromHex('65eda5a12577c2bae829437fe338701a10aaa375e1bb5b5de108de439c08551d')],
      [-3, fromHex('1e52ed75701163f7f9e40ddf9f341b3dc9ba860af7e0ca7ca7e9eecd0084d19c')],
    ]);
    expect(toHex(thumbprint(m))).toBe('496bd8afadf307e5b08c64b0421bf9dc01528a344a43bda88fadd1669da253ec');
    const k = importCoseKey(m);
    expect(toHex((k as PublicKey).thumbprint)).toBe('496bd8afadf307e5b08c64b0421bf9dc01528a344a43bda88fadd1669da253ec');
    // A key's own kid is kept for selection; without one the kid is the thumbprint.
    expect(new TextDecoder().decode(k.kid)).toBe('meriadoc.brandybuck@buckland.example');
    expect((k as PublicKey).kidGiven).toBe(true);
    m.delete(2);
    expect(toHex(importCoseKey(m).kid)).toBe('496bd8afadf307e5b08c64b0421bf9dc01528a344a43bda88fadd1669da253ec');
    expect((importCoseKey(m) as PublicKey).kidGiven).toBe(false);
  });

  it('imports private keys given only d (public part derived)', () => {
    for (const alg of ['ES256', 'ES384', 'Ed25519'] as const) {
      const m = KEYS[alg].toCoseKey();
      m.delete(-2);
      m.delete(-3);
      const k = importCoseKey(m) as PrivateKey;
      expect(toHex(k.kid)).toBe(toHex(KEYS[alg].kid));
    }
  });
});

describe('COSE_KeySet', () => {
  it('exports public halves only and imports them back, skipping unknown key types', () => {
    const set = exportCoseKeySet([KEYS.ES256, KEYS['ML-DSA-65'].publicKey]);
    const keys = importCoseKeySet(set);
    expect(keys.map((k) => isPrivateKey(k))).toEqual([false, false]);
    expect(keys.map((k) => toHex(k.kid))).toEqual([toHex(KEYS.ES256.kid), toHex(KEYS['ML-DSA-65'].kid)]);
    const withSymmetric = cborEncode([new Map<number, unknown>([[1, 4], [-1, new Uint8Array(16)]]), KEYS.Ed25519.publicKey.toCoseKey()]);
    expect(importCoseKeySet(withSymmetric).length).toBe(1);
    expect(codeOf(() => importCoseKeySet(cborEncode([new Map([[1, 4]])])))).toBe('ERR_KEY_SET_EMPTY');
    expect(codeOf(() => importCoseKeySet(cborEncode(new Map())))).toBe('ERR_KEY_INVALID');
  });
});

describe('malformed COSE_Keys', () => {
  const p256 = KEYS.ES256.publicKey.toCoseKey();
  const mod = (changes: [number, unknown][], base = p256): Map<number, unknown> => {
    const m = new Map(base);
    for (const [k, v] of changes) {
      if (v === undefined) m.delete(k);
      else m.set(k, v);
    }
    return m;
  };
  const offCurve = new Uint8Array(32).fill(7);
  it.each<[string, unknown, string]>([
    ['not a map', cborEncode([1]), 'ERR_KEY_INVALID'],
    ['unknown kty', mod([[1, 9]]), 'ERR_KEY_UNSUPPORTED'],
    ['unknown curve', mod([[-1, 3]]), 'ERR_KEY_UNSUPPORTED'],
    ['short x', mod([[-2, new Uint8Array(31)]]), 'ERR_KEY_INVALID'],
    ['missing y', mod([[-3, undefined]]), 'ERR_KEY_INVALID'],
    ['point not on the curve', mod([[-2, offCurve], [-3, offCurve]]), 'ERR_KEY_INVALID'],
    ['alg of another family', mod([[3, -35]]), 'ERR_KEY_ALG_MISMATCH'],
    ['unknown alg', mod([[3, -999]]), 'ERR_KEY_ALG_MISMATCH'],
    ['kid not bytes', mod([[2, 5]]), 'ERR_KEY_INVALID'],
    ['x does not belong to d', mod([[-2, KEYS.ESP256.publicKey.toCoseKey().get(-2)]], KEYS.ES256.toCoseKey()), 'ERR_KEY_INVALID'],
    ['AKP without alg', mod([[3, undefined]], KEYS['ML-DSA-44'].publicKey.toCoseKey()), 'ERR_KEY_ALG_MISMATCH'],
    ['AKP with ECDSA alg', mod([[3, -7]], KEYS['ML-DSA-44'].publicKey.toCoseKey()), 'ERR_KEY_ALG_MISMATCH'],
    ['AKP pub of the wrong length', mod([[3, -49]], KEYS['ML-DSA-44'].publicKey.toCoseKey()), 'ERR_KEY_INVALID'],
    ['AKP seed of 31 bytes', mod([[-2, new Uint8Array(31)]], KEYS['ML-DSA-44'].toCoseKey()), 'ERR_KEY_INVALID'],
    ['AKP pub that does not belong to the seed', mod([[-2, new Uint8Array(32)]], KEYS['ML-DSA-44'].toCoseKey()), 'ERR_KEY_INVALID'],
    ['truncated CBOR', new Uint8Array([0xa1, 0x01]), 'ERR_CBOR_TRUNCATED'],
  ])('%s', (_name, input, code) => {
    expect(codeOf(() => importCoseKey(input as Uint8Array))).toBe(code);
  });
});

describe('PEM', () => {
  it.each(ALGS)('%s: SPKI and PKCS#8 round trips', (alg) => {
    const key = KEYS[alg];
    const spki = exportSpkiPem(key);
    expect(spki.startsWith('-----BEGIN PUBLIC KEY-----\n')).toBe(true);
    const pub = importPem(spki) as PublicKey;
    expect(isPrivateKey(pub)).toBe(false);
    expect(pub.kidGiven).toBe(false); // PEM has no kid: receipts try it whatever kid they name (spec/receipts.md)
    expect(toHex(pub.thumbprint)).toBe(toHex(key.publicKey.thumbprint));
    const pkcs8 = exportPkcs8Pem(key);
    const priv = importPem(pkcs8) as PrivateKey;
    expect(isPrivateKey(priv)).toBe(true);
    expect(key.publicKey.verify(data, priv.sign(data))).toBe(true);
    expect(toHex(priv.kid)).toBe(toHex(key.publicKey.thumbprint));
  });

  it('binds an alg on import when asked, and rejects one of another family', () => {
    expect(importPem(exportSpkiPem(KEYS.ES256), -9).alg).toBe(-9);
    expect(importPem(exportSpkiPem(KEYS.ES256)).alg).toBe(-7);
    expect(importPem(exportSpkiPem(KEYS.Ed25519)).alg).toBe(-8);
    expect(codeOf(() => importPem(exportSpkiPem(KEYS.ES256), -35))).toBe('ERR_KEY_ALG_MISMATCH');
    expect(codeOf(() => importPem(exportSpkiPem(KEYS['ML-DSA-44']), -49))).toBe('ERR_KEY_ALG_MISMATCH');
  });

  it.each<[string, string, string]>([
    ['no PEM block', 'hello', 'ERR_KEY_INVALID'],
    ['certificate', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'ERR_KEY_UNSUPPORTED'],
    ['garbage DER', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', 'ERR_KEY_INVALID'],
    ['bad base64', '-----BEGIN PUBLIC KEY-----\n@@@@\n-----END PUBLIC KEY-----\n', 'ERR_KEY_INVALID'],
  ])('%s', (_name, pem, code) => {
    expect(codeOf(() => importPem(pem))).toBe(code);
  });

  it('verifies the published scitt-cose statements with their PEM issuer keys', () => {
    for (const [dir, want] of [['valid-es256', true], ['valid-eddsa', true], ['fail-bad-statement-sig', false]] as const) {
      const key = importPem(readVector('scitt-rfc9162', dir, 'issuer-key.pub')) as PublicKey;
      const stmt = readVector('scitt-rfc9162', dir, 'statement.cose');
      expect(verifySign1(stmt, key)).toBe(want);
      expect(decodeSign1(stmt).protected.get(1)).toBe(key.supportsAlg(-7) ? -7 : -8);
    }
  });
});

describe('parseKeyFile', () => {
  it('detects COSE_Key, COSE_KeySet and PEM', () => {
    expect(parseKeyFile(exportCoseKey(KEYS.ES256)).map((k) => isPrivateKey(k))).toEqual([true]);
    expect(parseKeyFile(exportCoseKeySet([KEYS.ES256, KEYS.Ed25519])).length).toBe(2);
    expect(toHex(parseKeyFile(new TextEncoder().encode('\n' + exportSpkiPem(KEYS.ES384)))[0]!.kid)).toBe(toHex(KEYS.ES384.kid));
    expect(codeOf(() => parseKeyFile(new Uint8Array([0x01])))).toBe('ERR_KEY_FORMAT');
    expect(codeOf(() => parseKeyFile(new Uint8Array()))).toBe('ERR_KEY_FORMAT');
  });
});

describe('mutated key files (property)', () => {
  const seeds = [
    exportCoseKey(KEYS.ES256),
    exportCoseKey(KEYS.Ed25519.publicKey),
    exportCoseKey(KEYS['ML-DSA-44']),
    exportCoseKeySet([KEYS.ES384, KEYS['ML-DSA-65']]),
    new TextEncoder().encode(exportSpkiPem(KEYS.ES256)),
    new TextEncoder().encode(exportPkcs8Pem(KEYS['ML-DSA-44'])),
  ];
  it('parseKeyFile throws nothing but AtlogError', () => {
    fc.assert(
      fc.property(fc.nat({ max: seeds.length - 1 }), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (which, at, value, truncate) => {
        const b = seeds[which]!.slice();
        const i = at % b.length;
        const mutated = truncate ? b.subarray(0, i) : (b.set([value], i), b);
        try {
          parseKeyFile(mutated);
        } catch (e) {
          expect(isAtlogError(e)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
