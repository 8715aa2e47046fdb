import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtlogError } from '../../src/errors.js';
import { genesisRecord, sessionEndRecord } from '../../src/aat/index.js';
import { LevelDbStorage } from '../../src/storage/index.js';
import { decodeBundle, encodeBundle, verifySessionBundle } from '../../src/verify/index.js';
import type { TransparencyService } from '../../src/service/index.js';
import { toHex } from '../../src/util/bytes.js';
import { Agent, codeOf, openService, register, rejection, toolCall, verifyAll } from './helpers.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { join } from 'node:path';

afterAll(removeTempDirs);

describe('per-session chain check', () => {
  let svc: TransparencyService;
  const a = new Agent();
  beforeAll(async () => {
    svc = await openService();
    await svc.issuers.add(a.id, a.key.publicKey);
    await register(svc, a.statement(a.genesis()));
    await register(svc, a.statement(a.push(a.next(toolCall('one')))));
  });
  afterAll(() => svc.close());

  async function expectBreak(stmt: Uint8Array, link: string): Promise<void> {
    const size = svc.stats().treeSize;
    const e = await rejection(svc, stmt);
    expect(e?.code).toBe('ERR_REG_REJECTED');
    expect(e?.details?.['reason']).toBe(link);
    expect(svc.stats().treeSize).toBe(size);
  }

  it('rejects a fork: a second child of an earlier record', async () => {
    await expectBreak(a.statement(a.next(toolCall('fork'), a.records[0])), 'fork');
  });

  it('rejects a gap: a record whose parent was never registered', async () => {
    const unregistered = a.next(toolCall('lost'));
    await expectBreak(a.statement(a.next(toolCall('after-gap'), unregistered)), 'gap');
  });

  it('rejects a replay: a registered record signed again (a new entry, the same record)', async () => {
    await expectBreak(a.statement(a.records[1]!), 'replay');
    await expectBreak(a.statement(a.records[0]!), 'replay');
  });

  it('rejects a second genesis for an existing session', async () => {
    const replay = genesisRecord({ agentId: a.id, agentVersion: '1.0.0', trustLevel: 'L1', sessionId: a.sessionId });
    await expectBreak(a.statement(replay), 'genesis_replay');
  });

  it('rejects a first record that is not a genesis', async () => {
    const b = new Agent();
    await svc.issuers.add(b.id, b.key.publicKey);
    b.genesis();
    await expectBreak(b.statement(b.next(toolCall())), 'genesis_required');
  });

  it('checks links inside one batch: a whole chain submitted at once registers in order', async () => {
    const c = new Agent('Ed25519');
    await svc.issuers.add(c.id, c.key.publicKey);
    const recs = [c.genesis()];
    for (let i = 0; i < 5; i++) recs.push(c.push(c.next(toolCall(`t${i}`))));
    const subs = await Promise.all(recs.map((r) => svc.submit(c.statement(r))));
    const entries = await Promise.all(subs.map((s) => s.done));
    const idx = entries.map((e) => e.index);
    expect(idx).toEqual([...idx].sort((x, y) => x - y));
    expect(await svc.sessionEntries(c.id, c.sessionId)).toEqual(entries.map((e) => e.entryId));
    // and a fork inside one batch: only the second child fails
    const p1 = c.next(toolCall('left'));
    const p2 = c.next(toolCall('right'));
    const [s1, s2] = await Promise.all([svc.submit(c.statement(p1)), svc.submit(c.statement(p2))]);
    expect(await codeOf(s1.done)).toBe('resolved');
    expect(await codeOf(s2.done)).toBe('ERR_REG_REJECTED');
    expect(await s2.done.then(() => 'resolved', (e: AtlogError) => e.details?.['reason'])).toBe('fork');
    expect((await svc.operation(s2.operationId))?.status).toBe('failed');
    expect((await svc.operation(s2.operationId))?.error?.code).toBe('ERR_REG_REJECTED');
  });

  it('rejects anything after session_end', async () => {
    const end = a.push(sessionEndRecord(a.records));
    await register(svc, a.statement(end));
    await expectBreak(a.statement(a.next(toolCall('late'))), 'after_session_end');
  });
});

describe('back-pressure', () => {
  it('answers ERR_LOG_PUSHBACK when the queue is full and accepts again once it drains', async () => {
    const svc = await openService({ queueLimit: 2, batch: { maxEntries: 512, maxDelayMs: 50 } });
    try {
      const agents = Array.from({ length: 8 }, () => new Agent());
      for (const x of agents) await svc.issuers.add(x.id, x.key.publicKey);
      const results = await Promise.allSettled(agents.map((x) => svc.submit(x.statement(x.genesis()))));
      const pushed = results.filter((r) => r.status === 'rejected');
      expect(pushed.length).toBeGreaterThanOrEqual(6);
      for (const r of pushed) expect((r as PromiseRejectedResult).reason.code).toBe('ERR_LOG_PUSHBACK');
      const ok = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<TransparencyService['submit']>>> => r.status === 'fulfilled');
      await Promise.all(ok.map((r) => r.value.done));
      expect(svc.stats().rejections['ERR_LOG_PUSHBACK']).toBe(pushed.length);
      expect(svc.stats().queueDepth).toBe(0);
      const late = agents[7]!;
      await register(svc, late.statement(late.records[0]!));
    } finally {
      await svc.close();
    }
  });
});

describe('durability and restart', () => {
  it('recovers the tree after a restart and serves the same receipts', async () => {
    const dataDir = tempDir();
    const a = new Agent();
    let svc = await openService({ dataDir });
    await svc.issuers.add(a.id, a.key.publicKey);
    const first = await register(svc, a.statement(a.genesis()));
    const cp = (await svc.latestCheckpoint())!;
    await svc.close();
    expect(await codeOf(svc.submit(a.statement(a.next(toolCall()))))).toBe('ERR_SERVICE_CLOSED');

    svc = await openService({ dataDir });
    try {
      expect(svc.stats().treeSize).toBe(1);
      const again = (await svc.latestCheckpoint())!;
      expect(again.signedTreeHeads.map(toHex)).toEqual(cp.signedTreeHeads.map(toHex));
      expect((await svc.receipts(first.entry.entryId))!.map(toHex)).toEqual(first.entry.receipts.map(toHex));
      // the issuer added through the admin API and the session tip survived
      const next = await register(svc, a.statement(a.push(a.next(toolCall()))));
      expect(next.entry.index).toBe(1);
      expect(await svc.operation(first.submission.operationId)).toMatchObject({ status: 'succeeded', entryId: first.entry.entryId });
    } finally {
      await svc.close();
    }
  });

  it('signs the missing checkpoint after a crash between append and putCheckpoint, and never a second one', async () => {
    const dataDir = tempDir();
    const a = new Agent();
    let svc = await openService({ dataDir });
    await svc.issuers.add(a.id, a.key.publicKey);
    const g = a.genesis();
    await register(svc, a.statement(g));
    await svc.close();

    // Simulate the crash: an entry appended (as the sequencer would) but no checkpoint stored for size 2.
    const other = new Agent();
    const orphan = other.statement(other.genesis());
    const store = await LevelDbStorage.open(join(dataDir, 'log'));
    const { registrationEntry } = await import('../../src/statements/index.js');
    await store.appender.append([registrationEntry(orphan)]);
    expect(await store.checkpoints.get(2)).toBeUndefined();
    await store.close();

    svc = await openService({ dataDir });
    const cp = (await svc.latestCheckpoint())!;
    expect(cp.treeSize).toBe(2);
    const entryId = (await svc.entryIdAt(1))!;
    const receipts = (await svc.receipts(entryId))!;
    expect(verifyAll(svc, entryId, receipts).map((v) => v.treeSize)).toEqual([2, 2]);
    await svc.close();

    svc = await openService({ dataDir });
    try {
      const cp2 = (await svc.latestCheckpoint())!;
      expect(cp2.signedTreeHeads.map(toHex)).toEqual(cp.signedTreeHeads.map(toHex));
    } finally {
      await svc.close();
    }
  });

  it('signs a checkpoint for each of two pipelined batches a crash left without one', async () => {
    const dataDir = tempDir();
    const a = new Agent();
    let svc = await openService({ dataDir });
    await svc.issuers.add(a.id, a.key.publicKey);
    await register(svc, a.statement(a.genesis()));
    await svc.close();

    // Batch N (sizes 2-3) appended, batch N+1 (size 4) appended while N was being signed, then the crash.
    const { registrationEntry } = await import('../../src/statements/index.js');
    const { metaKeys, textPut } = await import('../../src/service/state.js');
    const { entryHash } = await import('../../src/statements/index.js');
    const entries = [0, 1, 2].map(() => {
      const o = new Agent();
      return registrationEntry(o.statement(o.genesis()));
    });
    const ids = entries.map((e) => toHex(entryHash(e)));
    const store = await LevelDbStorage.open(join(dataDir, 'log'));
    // As the sequencer writes them: each batch names itself and the batch before it.
    await store.appender.append(entries.slice(0, 2), [textPut(metaKeys.batches, '1,3')]);
    await store.appender.append(entries.slice(2), [textPut(metaKeys.batches, '3,4')]);
    await store.close();

    svc = await openService({ dataDir });
    try {
      expect((await svc.latestCheckpoint())!.treeSize).toBe(4);
      for (const [k, id] of ids.entries()) {
        const receipts = (await svc.receipts(id))!;
        expect(verifyAll(svc, id, receipts).map((v) => v.treeSize)).toEqual(k < 2 ? [3, 3] : [4, 4]);
      }
    } finally {
      await svc.close();
    }
  });

  it('refuses a second service on the same data directory', async () => {
    const dataDir = tempDir();
    const svc = await openService({ dataDir });
    try {
      expect(await codeOf(openService({ dataDir }))).toBe('ERR_LOG_LOCKED');
    } finally {
      await svc.close();
    }
  });
});

describe('session bundle', () => {
  it('exports a session that the offline verifier accepts, and a tampered one it refuses', async () => {
    const svc = await openService();
    try {
      const a = new Agent('Ed25519');
      await svc.issuers.add(a.id, a.key.publicKey);
      await register(svc, a.statement(a.genesis()));
      for (const t of ['search', 'fetch']) await register(svc, a.statement(a.push(a.next(toolCall(t)))));
      await register(svc, a.statement(a.push(sessionEndRecord(a.records))));
      const other = new Agent();
      await svc.issuers.add(other.id, other.key.publicKey);
      await register(svc, other.statement(other.genesis()));

      const bytes = (await svc.sessionBundle(a.id, a.sessionId))!;
      const b = decodeBundle(bytes);
      expect(b.statements).toHaveLength(4);
      const report = await verifySessionBundle(bytes, { serviceKeys: svc.serviceKeys(), issuerKeys: [a.key.publicKey] });
      expect(report.failure).toBeUndefined();
      expect(report.valid).toBe(true);
      expect(report.entries).toEqual(await svc.sessionEntries(a.id, a.sessionId));

      // drop the middle record: the verifier must notice
      const cut = encodeBundle({ ...b, statements: [b.statements[0]!, b.statements[2]!, b.statements[3]!] });
      const bad = await verifySessionBundle(cut, { serviceKeys: svc.serviceKeys(), issuerKeys: [a.key.publicKey] });
      expect(bad.valid).toBe(false);
      expect(await svc.sessionBundle(a.id, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
    } finally {
      await svc.close();
    }
  });
});

describe('batch interval under load', () => {
  it('a batch that follows another back to back starts minIntervalMs after it; after an idle moment, at once', async () => {
    const interval = 1500;
    // Batches of two: the first two registrations fill one at once, the third follows it back to back.
    const svc = await openService({ batch: { maxEntries: 2, maxDelayMs: 1, minIntervalMs: interval } });
    try {
      const agents = Array.from({ length: 5 }, () => new Agent());
      for (const x of agents) await svc.issuers.add(x.id, x.key.publicKey);
      await register(svc, agents[0]!.statement(agents[0]!.genesis())); // warms the workers up
      // Idle: a registration after the previous one finished does not wait for the interval.
      let t = performance.now();
      await register(svc, agents[1]!.statement(agents[1]!.genesis()));
      expect(performance.now() - t).toBeLessThan(interval);
      // Back to back: three at once make a full batch of two and a batch of one that waits for the interval.
      t = performance.now();
      const subs = await Promise.all(agents.slice(2).map((x) => svc.submit(x.statement(x.genesis()))));
      const done = await Promise.all(subs.map((x) => x.done));
      const sizes = done.map((d) => d.treeSize).sort((x, y) => x - y);
      expect(sizes).toEqual([4, 4, 5]);
      expect(performance.now() - t).toBeGreaterThanOrEqual(interval);
    } finally {
      await svc.close();
    }
  });
});
