import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextRecord } from '../../src/aat/index.js';
import { createClient, type TransparencyClient } from '../../src/client/index.js';
import { decodeSign1 } from '../../src/cose/sign1.js';
import { exportCoseKey, importCoseKey, importCoseKeySet, type PublicKey } from '../../src/keys/index.js';
import { verifyReceipt } from '../../src/receipts/index.js';
import { receiptsOf } from '../../src/statements/index.js';
import { fromHex, toBase64Url } from '../../src/util/bytes.js';
import { decodeBundle, verifyTreeHeadConsistency } from '../../src/verify/index.js';
import { rejection } from '../helpers/errors.js';
import { aatStatement, makeAgent, startTestServer } from '../http/helpers.js';

/** The client against the real atlog service (in this process, on an ephemeral port): every resource it reads. */

describe('client against atlog', () => {
  const agent = makeAgent('ESP256');
  const stranger = makeAgent('ESP256');
  let stop: () => Promise<void>;
  let client: TransparencyClient;
  let keys: PublicKey[];

  beforeAll(async () => {
    const s = await startTestServer([agent], { adminToken: 'client-test-token' });
    stop = s.stop;
    client = createClient({ url: s.url, adminToken: 'client-test-token' });
  });
  afterAll(async () => stop());

  it('keys: the COSE_KeySet with its kids, and each key by its base64url kid', async () => {
    const set = await client.keys();
    keys = importCoseKeySet(set.bytes).map((k) => ('publicKey' in k ? k.publicKey : k));
    expect(keys.map((k) => k.family).sort()).toEqual(['ML-DSA-65', 'P-256']);
    expect(set.kids).toEqual(keys.map((k) => toBase64Url(k.thumbprint)));
    for (const k of keys) {
      const one = await client.key(toBase64Url(k.kid));
      expect(importCoseKey(one)).toMatchObject({ thumbprint: k.thumbprint });
      expect(await client.key(k.kid)).toEqual(one);
    }
    const e = await rejection(client.key('AAAA'));
    expect(e.code).toBe('ERR_CLIENT_NOT_FOUND');
    expect((e.details?.problem as { title: string }).title).toBe('No such key');
  });

  it('register, then receipts, the Transparent Statement, the checkpoint and a consistency proof', async () => {
    const first = aatStatement(agent);
    const reg = await client.register(first.bytes);
    expect(reg.entryId).toMatch(/^[0-9a-f]{64}$/);
    verifyReceipt(reg.receipt, { entryHash: fromHex(reg.entryId!), keys });
    expect(await client.receipt(reg.entryId!)).toEqual(reg.receipt);
    const ml = await client.receipt(reg.entryId!, { alg: 'ML-DSA-65' });
    expect(verifyReceipt(ml, { entryHash: fromHex(reg.entryId!), keys }).alg).toBe(-49);
    expect(await client.receipts(reg.entryId!)).toHaveLength(2);
    const ts = await client.transparentStatement(reg.entryId!);
    expect(receiptsOf(decodeSign1(ts))).toHaveLength(2);
    const old = await client.checkpoint();

    const second = aatStatement(agent, nextRecord(first.record, { action_type: 'tool_call', action_detail: { tool_name: 't', parameters_hash: 'a'.repeat(64) } }));
    await client.register(second.bytes);
    const now = await client.checkpoint();
    expect(now.treeSize).toBeGreaterThan(old.treeSize);
    const proof = await client.consistency(old.treeSize, now.treeSize);
    const report = verifyTreeHeadConsistency({ oldCheckpoint: old.bytes, receipt: proof, newCheckpoint: now.bytes, serviceKeys: keys });
    expect(report.valid).toBe(true);

    const entries = await client.sessionEntries(agent.agentId, first.record.session_id);
    expect(entries).toHaveLength(2);
    const bundle = decodeBundle(await client.sessionBundle(agent.agentId, first.record.session_id));
    expect(bundle.statements).toHaveLength(2);
  });

  it('refusals carry the decoded problem; unknown things are ERR_CLIENT_NOT_FOUND', async () => {
    const e = await rejection(client.register(aatStatement(stranger).bytes));
    expect(e.code).toBe('ERR_CLIENT_REJECTED');
    expect(e.details?.problem).toMatchObject({ status: 400, title: 'Rejected', code: 'ERR_REG_REJECTED', extensions: { reason: 'unknown_issuer' } });
    expect((await rejection(client.receipt('f'.repeat(64)))).code).toBe('ERR_CLIENT_NOT_FOUND');
    expect((await rejection(client.sessionBundle(agent.agentId, '00000000-0000-4000-8000-000000000000'))).code).toBe('ERR_CLIENT_NOT_FOUND');
    expect((await rejection(client.receipt('NOT-A-LOCATOR'))).code).toBe('ERR_CLIENT_REJECTED');
    expect((await rejection(client.consistency(3, 1))).code).toBe('ERR_CLIENT_REJECTED');
  });

  it('the admin API: add, list and revoke issuer keys; kids are base64url thumbprints', async () => {
    const added = await client.issuers.add(stranger.agentId, exportCoseKey(stranger.key.publicKey));
    const mine = added.find((i) => i.iss === stranger.agentId)!;
    expect(mine.keys[0]!.kid).toBe(toBase64Url(stranger.key.publicKey.thumbprint));
    expect((await client.register(aatStatement(stranger).bytes)).entryId).toMatch(/^[0-9a-f]{64}$/);
    await client.issuers.revoke(stranger.agentId, mine.keys[0]!.kid);
    expect((await client.issuers.list()).find((i) => i.iss === stranger.agentId)!.keys[0]!.status).toBe('revoked');
    expect((await rejection(client.register(aatStatement(stranger).bytes))).details?.problem).toMatchObject({ extensions: { reason: 'revoked_key' } });
    const wrong = createClient({ url: client.url, adminToken: 'wrong' });
    expect((await rejection(wrong.issuers.list())).details?.problem).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect((await rejection(createClient({ url: client.url }).issuers.list())).code).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('client against atlog answering 303 (wait limit 0) with the embedded TSA', () => {
  const agent = makeAgent('Ed25519');
  let stop: () => Promise<void>;
  let url: string;
  beforeAll(async () => {
    ({ url, stop } = await startTestServer([agent], { waitLimitMs: 0, retryAfterS: 0, tsa: 'embedded' }));
  });
  afterAll(async () => stop());

  it('polls the operation to the receipt, and serves the TSA root', async () => {
    const client = createClient({ url });
    const reg = await client.register(aatStatement(agent).bytes);
    expect(reg.polled).toBe(true);
    expect(reg.entryId).toMatch(/^[0-9a-f]{64}$/);
    expect(await client.receipt(reg.entryId!)).toEqual(reg.receipt);
    expect(await client.tsaRoot()).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });
});
