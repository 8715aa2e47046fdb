import * as transmute from '@transmute/cose';
import { describe, expect, it } from 'vitest';
import { decodeSign1, signSign1, verifySign1 } from '../../src/cose/sign1.js';
import { generateKey, importCoseKey, thumbprint, type PublicKey } from '../../src/keys/index.js';
import { toBase64Url, toHex } from '../../src/util/bytes.js';

/**
 * Interop with @transmute/cose, an independent COSE implementation (cbor-web + WebCrypto): messages signed by
 * atlog verify there and the reverse. Keys cross as JWK so neither side trusts the other's COSE_Key code.
 */

type Jwk = { kty: string; crv: string; x: string; y: string; d?: string; alg: string };

function jwkOf(pub: PublicKey): Jwk {
  const m = pub.toCoseKey();
  return { kty: 'EC', crv: 'P-256', x: toBase64Url(m.get(-2) as Uint8Array), y: toBase64Url(m.get(-3) as Uint8Array), alg: 'ES256' };
}

function toAb(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

const payload = new TextEncoder().encode('interop payload');

describe('@transmute/cose interop (ES256)', () => {
  it('a COSE_Sign1 signed by atlog verifies with transmute', async () => {
    const key = generateKey('ES256');
    const msg = signSign1({ protected: new Map<number, unknown>([[3, 'text/plain'], [4, key.kid]]), payload, key });
    const verifier = transmute.verifier({ resolver: { resolve: async () => jwkOf(key.publicKey) } });
    const out = await verifier.verify({ coseSign1: toAb(msg) });
    expect(toHex(new Uint8Array(out))).toBe(toHex(payload));
  });

  it('transmute rejects an atlog message whose payload was tampered with', async () => {
    const key = generateKey('ES256');
    const msg = signSign1({ protected: new Map(), payload, key });
    const bad = msg.slice();
    bad[bad.length - 70]! ^= 1; // inside the payload (the signature is the last 64 bytes + 2-byte head)
    const verifier = transmute.verifier({ resolver: { resolve: async () => jwkOf(key.publicKey) } });
    await expect(verifier.verify({ coseSign1: toAb(bad) })).rejects.toThrow();
  });

  it('a COSE_Sign1 signed by transmute verifies with atlog', async () => {
    const secret = (await transmute.key.generate('ES256', 'application/jwk+json')) as Jwk;
    const signer = transmute.signer({ remote: transmute.crypto.signer({ privateKeyJwk: secret as Jwk & { d: string } }) });
    const msg = new Uint8Array(await signer.sign({ protectedHeader: new Map([[1, -7]]), unprotectedHeader: new Map(), payload: toAb(payload) }));
    const pub = importCoseKey(new Map<number, unknown>([[1, 2], [-1, 1], [-2, Buffer.from(secret.x, 'base64url')], [-3, Buffer.from(secret.y, 'base64url')]]));
    expect(verifySign1(msg, pub as PublicKey)).toBe(true);
    const s = decodeSign1(msg);
    expect(verifySign1({ ...s, payload: new Uint8Array([1]) }, pub as PublicKey)).toBe(false);
  });

  it('RFC 9679 thumbprints agree with transmute', async () => {
    const key = generateKey('ES256');
    // Buffers: transmute's cbor-web writes a plain Uint8Array as a tagged typed array, not a bstr.
    const asBuffers = new Map([...key.publicKey.toCoseKey()].map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v) : v]));
    const theirs = await transmute.key.thumbprint.calculateCoseKeyThumbprint(asBuffers);
    expect(toHex(new Uint8Array(theirs))).toBe(toHex(thumbprint(key.publicKey.toCoseKey())));
  });
});
