import { afterAll, describe, expect, it } from 'vitest';
import { AtlogError } from '../../src/errors.js';
import { generateKey } from '../../src/keys/index.js';
import { OperationTable } from '../../src/service/operations.js';
import { isSlowAlg, VerifyPool } from '../../src/service/verify-pool.js';
import { Agent, cleanupDirs, codeOf, openService, toolCall } from './helpers.js';

afterAll(cleanupDirs);

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

  it('refuses work after close and runs everything inline with size 0', async () => {
    const pq = generateKey('ML-DSA-65');
    const pool = new VerifyPool(1);
    await pool.close();
    expect(await codeOf(pool.verify(pq.publicKey, msg, pq.sign(msg), pq.alg))).toBe('ERR_SERVICE_CLOSED');
    const inline = new VerifyPool(0);
    expect(await inline.verify(pq.publicKey, msg, pq.sign(msg), pq.alg)).toBe(true);
  });
});
