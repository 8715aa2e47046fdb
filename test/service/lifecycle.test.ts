import { afterAll, describe, expect, it } from 'vitest';
import { AtlogError } from '../../src/errors.js';
import { canonicalBytes, genesisRecord, recordHash, type AatRecord } from '../../src/aat/index.js';
import { generateKey } from '../../src/keys/index.js';
import { OperationTable } from '../../src/service/operations.js';
import { isSlowAlg, VerifyPool } from '../../src/service/verify-pool.js';
import { Agent, codeOf, openService, toolCall } from './helpers.js';
import { removeTempDirs } from '../helpers/temp.js';

afterAll(removeTempDirs);

describe('operations and shutdown', () => {
  it('reports running, then succeeded; close() writes what was already accepted', async () => {
    // A batch of 2 that only fills by count: the first registration waits in the queue until the second comes.
    const svc = await openService({ batch: { maxEntries: 2, maxDelayMs: 600_000 } });
    const a = new Agent();
    await svc.issuers.add(a.id, a.key.publicKey);
    const genesis = a.statement(a.genesis());
    const first = await svc.submit(genesis);
    expect(await svc.operation(first.operationId)).toEqual({ status: 'running', entryId: first.entryId });
    expect(svc.stats().queueDepth).toBe(1);
    // the same statement while queued: the same operation, not a second entry
    const twin = await svc.submit(genesis);
    expect(twin).toMatchObject({ duplicate: true, operationId: first.operationId, entryId: first.entryId });

    const second = await svc.submit(a.statement(a.push(a.next(toolCall()))));
    const [e1, e2] = await Promise.all([first.done, second.done]);
    expect([e1.index, e2.index]).toEqual([0, 1]);
    expect(e1.treeSize).toBe(2);
    expect(await svc.operation(first.operationId)).toEqual({ status: 'succeeded', entryId: first.entryId });

    const third = await svc.submit(a.statement(a.push(a.next(toolCall('x')))));
    await svc.close(); // drains the queued one instead of dropping it
    expect((await third.done).index).toBe(2);
    expect(svc.stats().open).toBe(false);
    expect(await codeOf(svc.submit(a.statement(a.records[0]!)))).toBe('ERR_SERVICE_CLOSED');
    await svc.close(); // idempotent
  });

  it('keeps a bounded number of finished operations', () => {
    const t = new OperationTable(2);
    t.start('a', 'ea');
    t.start('b', 'eb');
    t.start('c', 'ec');
    t.succeed('a', 'ea');
    t.fail('b', 'eb', new AtlogError('ERR_REG_REJECTED', 'no'));
    t.succeed('c', 'ec');
    expect(t.get('a')).toBeUndefined();
    expect(t.get('b')).toMatchObject({ status: 'failed', error: { code: 'ERR_REG_REJECTED' } });
    expect(t.get('c')?.status).toBe('succeeded');
    t.start('d', 'ed');
    expect(t.get('d')?.status).toBe('running');
    expect(t.size).toBe(3);
  });
});

describe('verification pool', () => {
  const msg = new TextEncoder().encode('to be signed');

  it('checks ML-DSA in a worker and EC inline, both ways', async () => {
    const pool = new VerifyPool(1);
    try {
      const pq = generateKey('ML-DSA-65');
      const ec = generateKey('ES256');
      expect(isSlowAlg(pq.alg)).toBe(true);
      expect(isSlowAlg(ec.alg)).toBe(false);
      const sig = pq.sign(msg);
      const bad = sig.slice();
      bad[0]! ^= 1;
      const results = await Promise.all([
        pool.verify(pq.publicKey, msg, sig, pq.alg),
        pool.verify(pq.publicKey, msg, bad, pq.alg),
        pool.verify(ec.publicKey, msg, ec.sign(msg), ec.alg),
        pool.verify(ec.publicKey, msg, new Uint8Array(64), ec.alg),
      ]);
      expect(results).toEqual([true, false, true, false]);
    } finally {
      await pool.close();
    }
  });

  it.each([
    ['a worker', 1],
    ['inline', 0],
  ])('checks an AAT record payload with the signature in %s: verdicts and record hash', async (_where, size) => {
    const pool = new VerifyPool(size);
    const ec = generateKey('ES256');
    // a -00 genesis (no record_phase), so that draft 1 below has something to refuse
    const g = genesisRecord({ agentId: 'urn:agent:test:pool', agentVersion: '1.0.0', trustLevel: 'L1' }, { draft: 0 });
    const utf8 = new TextEncoder();
    // The payload ends the to-be-signed bytes, as in a Sig_structure.
    const signed = (payload: Uint8Array) => {
      const tbs = new Uint8Array([...utf8.encode('prefix'), ...payload]);
      return [tbs, ec.sign(tbs)] as const;
    };
    const run = async (payload: Uint8Array, draft: 0 | 1 = 0) => {
      const [tbs, sig] = signed(payload);
      return pool.check(ec.publicKey, tbs, sig, ec.alg, { payloadLength: payload.length, draft });
    };
    try {
      expect(await run(canonicalBytes(g))).toEqual({ ok: true, record: { ok: true, hash: recordHash(g) } });
      const pretty = utf8.encode(JSON.stringify(g, null, 1));
      expect(await run(pretty)).toMatchObject({ ok: true, record: { ok: false, reason: 'not_canonical' } });
      expect(await run(utf8.encode('{"not": "json'))).toMatchObject({ ok: true, record: { ok: false, reason: 'invalid_record', message: 'payload is not UTF-8 JSON' } });
      expect(await run(Uint8Array.of(0xff, 0xfe))).toMatchObject({ record: { ok: false, reason: 'invalid_record' } });
      const noTool = canonicalBytes({ ...g, agent_id: 7 } as unknown as AatRecord);
      const bad = await run(noTool);
      expect(bad.record).toMatchObject({ ok: false, reason: 'invalid_record' });
      expect((bad.record as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toContain('/agent_id');
      // draft 1 requires record_phase, which this genesis record does not carry.
      expect(await run(canonicalBytes(g), 1)).toMatchObject({ record: { ok: false, reason: 'invalid_record' } });
      // A detached batch member is left out of the record hash, so it is not the payload hash there.
      const batched = { ...g, batch: { root: 'ab'.repeat(32) } } as AatRecord;
      expect(await run(canonicalBytes(batched))).toEqual({ ok: true, record: { ok: true, hash: recordHash(g) } });
      // A bad signature is reported without looking at the record.
      const [tbs] = signed(canonicalBytes(g));
      expect(await pool.check(ec.publicKey, tbs, new Uint8Array(64), ec.alg, { payloadLength: 10, draft: 0 })).toEqual({ ok: false });
    } finally {
      await pool.close();
    }
  });

  it('refuses work after close and runs everything inline with size 0', async () => {
    const pq = generateKey('ML-DSA-65');
    const pool = new VerifyPool(1);
    await pool.close();
    expect(await codeOf(pool.verify(pq.publicKey, msg, pq.sign(msg), pq.alg))).toBe('ERR_SERVICE_CLOSED');
    const inline = new VerifyPool(0);
    expect(await inline.verify(pq.publicKey, msg, pq.sign(msg), pq.alg)).toBe(true);
  });
});
