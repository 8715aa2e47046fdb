import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALG_ESP256 } from '../../src/cose/algorithms.js';
import { isAtlogError } from '../../src/errors.js';
import { exportCoseKey, generateKey, importCoseKey } from '../../src/keys/index.js';
import { loadServiceKeys, resolveServiceOptions, type StorageOpener } from '../../src/service/index.js';
import { toBase64Url, toHex } from '../../src/util/bytes.js';
import { Agent, codeOf, openService, quiet, register, verifyAll } from './helpers.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

afterAll(removeTempDirs);

describe('service keys', () => {
  it('generates P-256 and ML-DSA-65 keys once, private files 0600, public files beside them', async () => {
    const dir = tempDir();
    const logged: object[] = [];
    const logger = { ...quiet, info: (o: object) => logged.push(o) };
    const k1 = await loadServiceKeys(dir, 'ES256', logger);
    expect(k1.p256.family).toBe('P-256');
    expect(k1.mldsa.family).toBe('ML-DSA-65');
    for (const name of ['service-p256', 'service-mldsa65']) {
      expect(statSync(join(dir, 'keys', `${name}.cose`)).mode & 0o777).toBe(0o600);
      const pub = importCoseKey(new Uint8Array(readFileSync(join(dir, 'keys', `${name}.pub.cose`))));
      expect('sign' in pub).toBe(false);
    }
    // The logs name kids and never private material.
    const text = JSON.stringify(logged);
    expect(text).toContain(toBase64Url(k1.p256.kid)); // one encoding for kids everywhere: base64url
    expect(text).not.toMatch(/"d"|seed|priv/i);
    const k2 = await loadServiceKeys(dir, 'ES256', quiet);
    expect(toHex(k2.p256.kid)).toBe(toHex(k1.p256.kid));
    expect(toHex(k2.mldsa.kid)).toBe(toHex(k1.mldsa.kid));
  });

  it.each([0o644, 0o640, 0o604])('refuses a private key file with mode %s', async (mode) => {
    const dir = tempDir();
    await loadServiceKeys(dir, 'ES256', quiet);
    chmodSync(join(dir, 'keys', 'service-p256.cose'), mode);
    try {
      await loadServiceKeys(dir, 'ES256', quiet);
      expect.unreachable();
    } catch (e) {
      expect(isAtlogError(e, 'ERR_SERVICE_KEY_PERMISSIONS')).toBe(true);
      expect((e as Error).message).toContain('chmod 600');
    }
  });

  it('refuses a key file of the wrong kind or a public-only file', async () => {
    const dir = tempDir();
    await loadServiceKeys(dir, 'ES256', quiet);
    const file = join(dir, 'keys', 'service-mldsa65.cose');
    writeFileSync(file, exportCoseKey(generateKey('Ed25519')), { mode: 0o600 });
    expect(await codeOf(loadServiceKeys(dir, 'ES256', quiet))).toBe('ERR_SERVICE_KEY_INVALID');
    writeFileSync(file, exportCoseKey(generateKey('ML-DSA-65').publicKey), { mode: 0o600 });
    expect(await codeOf(loadServiceKeys(dir, 'ES256', quiet))).toBe('ERR_SERVICE_KEY_INVALID');
    writeFileSync(file, new Uint8Array([1, 2, 3]), { mode: 0o600 });
    expect(await codeOf(loadServiceKeys(dir, 'ES256', quiet))).toBe('ERR_SERVICE_KEY_INVALID');
  });

  it('labels receipts ESP256 when configured, and issues one receipt without pqReceipts', async () => {
    const svc = await openService({ receiptAlg: 'ESP256', pqReceipts: false });
    try {
      const a = new Agent('ML-DSA-65');
      await svc.issuers.add(a.id, a.key.publicKey);
      const { entry } = await register(svc, a.statement(a.genesis()));
      expect(entry.receipts).toHaveLength(1);
      expect(verifyAll(svc, entry.entryId, entry.receipts)[0]!.alg).toBe(ALG_ESP256);
      expect(svc.serviceKeys()).toHaveLength(1);
    } finally {
      await svc.close();
    }
  });
});

describe('resolveServiceOptions', () => {
  it('fills every default in one place', () => {
    const o = resolveServiceOptions({});
    expect(o).toMatchObject({
      issuer: 'http://127.0.0.1:8080',
      policyFile: undefined,
      watchPolicy: false,
      batch: { maxEntries: 512, maxDelayMs: 5 },
      queueLimit: 10_000,
      receiptAlg: 'ES256',
      pqReceipts: true,
      timestampers: [],
      anchorTimeoutMs: 2000,
    });
    expect(o.dataDir.endsWith('data')).toBe(true);
    expect(o.verifyWorkers).toBeGreaterThanOrEqual(1);
    expect(resolveServiceOptions({ policyFile: 'p.yaml' }).watchPolicy).toBe(true);
    expect(resolveServiceOptions(o)).toEqual(o);
  });

  it.each([
    [{ issuer: 'not a uri' }, 'issuer'],
    [{ queueLimit: 0 }, 'queueLimit'],
    [{ batch: { maxEntries: 1.5 } }, 'batch.maxEntries'],
    [{ verifyWorkers: -1 }, 'verifyWorkers'],
    [{ receiptAlg: 'RS256' as 'ES256' }, 'receiptAlg'],
    [{ storage: 'leveldb' as unknown as StorageOpener }, 'storage'],
  ])('rejects %j', (input, field) => {
    try {
      resolveServiceOptions(input);
      expect.unreachable();
    } catch (e) {
      expect(isAtlogError(e, 'ERR_SERVICE_OPTIONS')).toBe(true);
      expect((e as { details: { field: string } }).details.field).toBe(field);
    }
  });
});
