import { describe, expect, it } from 'vitest';
import { isAtlogError } from '../../src/errors.js';
import { generateKey } from '../../src/keys/index.js';
import { IssuerRegistry, type StoredIssuer } from '../../src/service/issuers.js';
import type { PolicyIssuer } from '../../src/policy/schema.js';
import { toBase64Url, toHex } from '../../src/util/bytes.js';
import { codeOf } from './helpers.js';

function memoryStore(rows: StoredIssuer[] = []) {
  return {
    rows,
    load: async () => rows.map((r) => structuredClone(r)),
    save: async (s: StoredIssuer) => {
      const i = rows.findIndex((r) => r.iss === s.iss);
      if (i >= 0) rows[i] = structuredClone(s);
      else rows.push(structuredClone(s));
    },
  };
}

function reasonOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (isAtlogError(e, 'ERR_REG_REJECTED')) return e.details?.['reason'] as string;
    throw e;
  }
  return undefined;
}

describe('issuer registry', () => {
  const fileKey = generateKey('ES256').publicKey;
  const later = generateKey('Ed25519').publicKey;
  const expired = generateKey('ES256').publicKey;
  const policyIssuers: PolicyIssuer[] = [
    {
      iss: 'urn:agent:a',
      status: 'active',
      keys: [
        { key: fileKey, status: 'active' },
        { key: later, status: 'active', notBefore: new Date('2030-01-01T00:00:00Z') },
        { key: expired, status: 'active', notAfter: new Date('2020-01-01T00:00:00Z') },
      ],
    },
  ];
  const now = new Date('2026-06-01T00:00:00Z');

  it('finds keys by kid and refuses by validity and status', async () => {
    const reg = await IssuerRegistry.open(() => policyIssuers, memoryStore());
    expect(reg.keyFor('urn:agent:a', fileKey.kid, now)).toBe(fileKey);
    expect(reg.keyFor('urn:agent:a', fileKey.thumbprint, now)).toBe(fileKey);
    expect(reasonOf(() => reg.keyFor('urn:agent:a', later.kid, now))).toBe('key_not_yet_valid');
    expect(reasonOf(() => reg.keyFor('urn:agent:a', expired.kid, now))).toBe('key_expired');
    expect(reasonOf(() => reg.keyFor('urn:agent:a', new Uint8Array(32), now))).toBe('unknown_key');
    expect(reasonOf(() => reg.keyFor('urn:agent:b', fileKey.kid, now))).toBe('unknown_issuer');
  });

  it('persists admin issuers, merges them with the file, and lets a revocation from either side win', async () => {
    const store = memoryStore();
    const reg = await IssuerRegistry.open(() => policyIssuers, store);
    const adminKey = generateKey('ML-DSA-65');
    await reg.add('urn:agent:a', adminKey); // a private key is reduced to its public half
    await reg.add('urn:agent:c', adminKey.publicKey, { notAfter: new Date('2030-01-01T00:00:00Z') });
    expect(JSON.stringify(store.rows)).not.toContain(toHex(adminKey.toCoseKey().get(-2) as Uint8Array));
    expect(reg.keyFor('urn:agent:a', adminKey.kid, now).alg).toBe(adminKey.alg);

    // revoke a file key through the admin API
    await reg.revoke('urn:agent:a', fileKey.kid);
    expect(reasonOf(() => reg.keyFor('urn:agent:a', fileKey.kid, now))).toBe('revoked_key');
    const reopened = await IssuerRegistry.open(() => policyIssuers, store);
    expect(reasonOf(() => reopened.keyFor('urn:agent:a', fileKey.kid, now))).toBe('revoked_key');
    expect(reopened.keyFor('urn:agent:c', adminKey.kid, now)).toBeDefined();

    await reopened.revoke('urn:agent:c');
    expect(reasonOf(() => reopened.keyFor('urn:agent:c', adminKey.kid, now))).toBe('revoked_issuer');
    const list = reopened.list();
    expect(list.map((i) => [i.iss, i.source, i.status])).toEqual([
      ['urn:agent:a', 'both', 'active'],
      ['urn:agent:c', 'admin', 'revoked'],
    ]);
    expect(list[0]!.keys.find((k) => k.kid === toBase64Url(fileKey.thumbprint))!.status).toBe('revoked');
    expect(list[1]!.keys[0]!.notAfter).toBe('2030-01-01T00:00:00.000Z');
  });

  it('a file revocation cannot be undone through the admin API', async () => {
    const k = generateKey('ES256').publicKey;
    const revoked: PolicyIssuer[] = [{ iss: 'urn:agent:r', status: 'active', keys: [{ key: k, status: 'revoked' }] }];
    const reg = await IssuerRegistry.open(() => revoked, memoryStore());
    await reg.add('urn:agent:r', k, { status: 'active' });
    expect(reasonOf(() => reg.keyFor('urn:agent:r', k.kid, now))).toBe('revoked_key');
  });

  it('rejects bad admin input with codes', async () => {
    const reg = await IssuerRegistry.open(() => policyIssuers, memoryStore());
    const k = generateKey('ES256').publicKey;
    expect(await codeOf(reg.add('not a uri', k))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(reg.add('urn:x:y', k, { notBefore: new Date('nope') }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(reg.revoke('urn:agent:nobody'))).toBe('ERR_ISSUER_NOT_FOUND');
    expect(await codeOf(reg.revoke('urn:agent:a', new Uint8Array(32)))).toBe('ERR_ISSUER_NOT_FOUND');
  });

  it('refuses a corrupt stored issuer on open', async () => {
    const bad: StoredIssuer = { iss: 'urn:x:y', status: 'active', keys: [{ cose: 'a0', status: 'active' }], revokedKids: [] };
    expect(await codeOf(IssuerRegistry.open(() => [], memoryStore([bad])))).toBe('ERR_SERVICE_STATE_CORRUPT');
  });
});
