import { describe, expect, it } from 'vitest';
import { ALG_ES256, ALG_ML_DSA_65 } from '../../src/cose/algorithms.js';
import { generateKey } from '../../src/keys/index.js';
import { HeadSigner } from '../../src/service/head-signer.js';

describe('HeadSigner', () => {
  it('signs ML-DSA-65 in a worker and P-256 inline; both verify with the public keys', async () => {
    const p256 = generateKey('ES256');
    const mldsa = generateKey('ML-DSA-65');
    const signer = new HeadSigner([p256, mldsa], true);
    try {
      const tbs = new TextEncoder().encode('tree head to be signed');
      const [s0, s1, s2] = await Promise.all([signer.sign(0, tbs, ALG_ES256), signer.sign(1, tbs, ALG_ML_DSA_65), signer.sign(1, tbs, ALG_ML_DSA_65)]);
      expect(p256.publicKey.verify(tbs, s0, ALG_ES256)).toBe(true);
      expect(mldsa.publicKey.verify(tbs, s1, ALG_ML_DSA_65)).toBe(true);
      expect(mldsa.publicKey.verify(tbs, s2, ALG_ML_DSA_65)).toBe(true);
      // a wrong alg fails that signature only, with an error that carries no key material
      const err = await signer.sign(1, tbs, ALG_ES256).then(() => undefined, (e: Error) => e);
      expect((err as { code?: string } | undefined)?.code).toBe('ERR_SERVICE_INTERNAL');
      expect(mldsa.publicKey.verify(tbs, await signer.sign(1, tbs, ALG_ML_DSA_65), ALG_ML_DSA_65)).toBe(true);
    } finally {
      await signer.close();
    }
  });

  it('rejects signatures still running when closed', async () => {
    const signer = new HeadSigner([generateKey('ML-DSA-65')], true);
    const p = signer.sign(0, Uint8Array.of(1, 2, 3), ALG_ML_DSA_65);
    await signer.close();
    expect(await p.then(() => 'signed', (e: { code?: string }) => e.code)).toMatch(/ERR_SERVICE_CLOSED|signed/);
  });
});
