import { afterAll, describe, expect, it } from 'vitest';
import { decodeSignedTreeHead } from '../../src/receipts/index.js';
import { AtlogError } from '../../src/errors.js';
import { Anchorer, type AnchorStore, type CheckpointTokens } from '../../src/service/anchoring.js';
import { entryHash, registrationEntry } from '../../src/statements/index.js';
import { MemoryStorage, MemoryVolume, type MetaPut } from '../../src/storage/index.js';
import type { Timestamper } from '../../src/tsa/timestamper.js';
import { cttImprint } from '../../src/tsa/ctt.js';
import { concatBytes, toHex } from '../../src/util/bytes.js';
import { Agent, openService, register, verifyAll } from './helpers.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

afterAll(removeTempDirs);

const PREFIX = new TextEncoder().encode('fake-token:');

/** An in-process Timestamper whose "token" is a prefix plus the imprint, so tests can see what was stamped. */
class FakeTsa implements Timestamper {
  calls = 0;
  mode: 'up' | 'down' | 'hang' = 'up';
  constructor(readonly name: string) {}
  timestamp(imprint: Uint8Array): Promise<Uint8Array> {
    this.calls++;
    if (this.mode === 'down') return Promise.reject(new AtlogError('ERR_TSA_UNREACHABLE', 'down'));
    if (this.mode === 'hang') return new Promise(() => {});
    return Promise.resolve(concatBytes(PREFIX, imprint));
  }
}

function imprintOf(token: Uint8Array): string {
  expect(toHex(token.slice(0, PREFIX.length))).toBe(toHex(PREFIX));
  return toHex(token.slice(PREFIX.length));
}

async function until(cond: () => Promise<boolean>): Promise<void> {
  // Polls a state change driven by the service's retry timer; bounded by the test timeout, not asserted on time.
  while (!(await cond())) await new Promise((r) => setTimeout(r, 10));
}

describe('anchoring signed tree heads', () => {
  it('stamps each tree head signature (3161-ctt) and puts the tokens in receipts and checkpoints', async () => {
    const tsa = new FakeTsa('fake-1');
    const svc = await openService({ timestampers: [tsa] });
    try {
      const a = new Agent();
      await svc.issuers.add(a.id, a.key.publicKey);
      const { entry } = await register(svc, a.statement(a.genesis()));
      const vs = verifyAll(svc, entry.entryId, entry.receipts);
      for (const v of vs) {
        expect(v.timestamps).toHaveLength(1);
        expect(imprintOf(v.timestamps[0]!)).toBe(toHex(cttImprint(v.signature)));
      }
      const cp = (await svc.latestCheckpoint())!;
      expect(cp.anchored).toBe(true);
      for (const b of cp.signedTreeHeads) expect(decodeSignedTreeHead(b).timestamps).toHaveLength(1);
      expect(svc.stats().unanchoredCheckpoints).toBe(0);
    } finally {
      await svc.close();
    }
  });

  it.each(['down', 'hang'] as const)('keeps registering when the TSA is %s, then stores tokens on retry', async (mode) => {
    const tsa = new FakeTsa('flaky');
    tsa.mode = mode;
    const dataDir = tempDir();
    const svc = await openService({ dataDir, timestampers: [tsa], anchorTimeoutMs: 50, anchorRetryMs: 20 });
    try {
      const a = new Agent();
      await svc.issuers.add(a.id, a.key.publicKey);
      const { entry } = await register(svc, a.statement(a.genesis()));
      expect(verifyAll(svc, entry.entryId, entry.receipts).every((v) => v.timestamps.length === 0)).toBe(true);
      expect((await svc.latestCheckpoint())!.anchored).toBe(false);
      expect(svc.stats().timestampersDown).toEqual(['flaky']);
      expect(svc.stats().unanchoredCheckpoints).toBeGreaterThanOrEqual(1);

      tsa.mode = 'up';
      await until(async () => (await svc.latestCheckpoint())!.anchored);
      await until(async () => svc.stats().unanchoredCheckpoints === 0);
      const later = (await svc.receipts(entry.entryId))!;
      for (const v of verifyAll(svc, entry.entryId, later)) {
        expect(v.timestamps).toHaveLength(1);
        expect(imprintOf(v.timestamps[0]!)).toBe(toHex(cttImprint(v.signature)));
      }
      expect(svc.stats().timestampersDown).toEqual([]);
    } finally {
      await svc.close();
    }
  });

  it('does not ask a TSA that is down during later batches (only the background retry does)', async () => {
    const tsa = new FakeTsa('dead');
    tsa.mode = 'hang';
    const svc = await openService({ timestampers: [tsa], anchorTimeoutMs: 50, anchorRetryMs: 60_000 });
    try {
      const agents = [new Agent(), new Agent()];
      for (const x of agents) await svc.issuers.add(x.id, x.key.publicKey);
      await register(svc, agents[0]!.statement(agents[0]!.genesis()));
      const calls = tsa.calls;
      expect(calls).toBe(2); // one per tree head
      const { entry } = await register(svc, agents[1]!.statement(agents[1]!.genesis()));
      expect(tsa.calls).toBe(calls);
      expect(entry.receipts).toHaveLength(2);
      expect(svc.stats().unanchoredCheckpoints).toBe(2);
    } finally {
      await svc.close();
    }
  });

  it('resumes anchoring of heads left unanchored by an earlier run', async () => {
    const dataDir = tempDir();
    const tsa = new FakeTsa('later');
    tsa.mode = 'down';
    let svc = await openService({ dataDir, timestampers: [tsa], anchorTimeoutMs: 50, anchorRetryMs: 60_000 });
    const a = new Agent();
    await svc.issuers.add(a.id, a.key.publicKey);
    const { entry } = await register(svc, a.statement(a.genesis()));
    await svc.close();

    tsa.mode = 'up';
    svc = await openService({ dataDir, timestampers: [tsa], anchorTimeoutMs: 50, anchorRetryMs: 20 });
    try {
      await until(async () => (await svc.latestCheckpoint())!.anchored);
      const vs = verifyAll(svc, entry.entryId, (await svc.receipts(entry.entryId))!);
      expect(vs.every((v) => v.timestamps.length === 1)).toBe(true);
    } finally {
      await svc.close();
    }
  });

  it('anchors the checkpoint that recovery signs on open, its tokens stored with it', async () => {
    const dataDir = tempDir();
    const volume = new MemoryVolume();
    const storage = (): Promise<MemoryStorage> => MemoryStorage.open(volume);
    const tsa = new FakeTsa('recovery');
    let svc = await openService({ dataDir, storage, timestampers: [tsa] });
    const a = new Agent();
    await svc.issuers.add(a.id, a.key.publicKey);
    await register(svc, a.statement(a.genesis()));
    await svc.close();
    // A crash between an append and its checkpoint.
    const o = new Agent();
    const orphan = registrationEntry(o.statement(o.genesis()));
    const raw = await storage();
    await raw.appender.append([orphan]);
    await raw.close();

    const before = tsa.calls;
    svc = await openService({ dataDir, storage, timestampers: [tsa], anchorRetryMs: 60_000 });
    try {
      const cp = (await svc.latestCheckpoint())!;
      expect(cp).toMatchObject({ treeSize: 2, anchored: true });
      expect(tsa.calls - before).toBe(2); // one token per tree head, asked once
      const id = toHex(entryHash(orphan));
      for (const v of verifyAll(svc, id, (await svc.receipts(id))!)) {
        expect(v.treeSize).toBe(2);
        expect(v.timestamps.map(imprintOf)).toEqual([toHex(cttImprint(v.signature))]);
      }
      expect(svc.stats().unanchoredCheckpoints).toBe(0);
    } finally {
      await svc.close();
    }
  });
});

/** An AnchorStore in memory, with the same contract as the service's storage-backed one (state.ts). */
class MemoryAnchorStore implements AnchorStore {
  readonly saved = new Map<number, { tokens: CheckpointTokens; complete: boolean }>();
  constructor(private readonly sigs: Map<number, Uint8Array[]>) {}
  async tokens(size: number): Promise<CheckpointTokens> {
    return (this.saved.get(size)?.tokens ?? []).map((m) => new Map(m));
  }
  async saveTokens(size: number, tokens: CheckpointTokens, complete: boolean): Promise<void> {
    this.saved.set(size, { tokens: tokens.map((m) => new Map(m)), complete });
  }
  /** No checkpoint store here: the tokens count as written with the checkpoint at once. */
  firstTokenPuts(size: number, tokens: CheckpointTokens, complete: boolean): MetaPut[] {
    this.saved.set(size, { tokens: tokens.map((m) => new Map(m)), complete });
    return [];
  }
  async incomplete(): Promise<number[]> {
    return [...this.saved].filter(([, v]) => !v.complete).map(([k]) => k).sort((x, y) => x - y);
  }
  async signatures(size: number): Promise<Uint8Array[]> {
    return this.sigs.get(size) ?? [];
  }
}

describe('Anchorer (the service anchorer alone)', () => {
  const sig = (n: number): Uint8Array => new Uint8Array(64).fill(n);
  const quiet = { info() {}, warn() {}, error() {}, debug() {} };
  const opts = { timeoutMs: 50, retryMs: 60_000, logger: quiet };

  it('one TSA failing does not stop the others; a per-TSA timeout bounds a hanging one; counters', async () => {
    const up = new FakeTsa('up');
    const hang = Object.assign(new FakeTsa('hang'), { mode: 'hang' as const });
    const down = Object.assign(new FakeTsa('down'), { mode: 'down' as const });
    const store = new MemoryAnchorStore(new Map([[1, [sig(1)]]]));
    const a = new Anchorer([up, hang, down], store, opts);
    const tokens = await a.anchor(1, [sig(1)]);
    expect([...tokens[0]!.keys()]).toEqual(['up']);
    expect(imprintOf(tokens[0]!.get('up')!)).toBe(toHex(cttImprint(sig(1))));
    expect(a.downNames.sort()).toEqual(['down', 'hang']);
    expect(a.unanchored).toBe(1);
    expect(await store.incomplete()).toEqual([1]);
    expect(a.stats).toEqual({ anchored: 0, skipped: 0, failures: 2, lateAnchored: 0 });
    await a.close();
  });

  it('retry stores the missing tokens once the TSA is back, and counts the late anchoring', async () => {
    const tsa = Object.assign(new FakeTsa('flaky'), { mode: 'down' as const });
    const store = new MemoryAnchorStore(new Map([[3, [sig(3), sig(4)]]]));
    const a = new Anchorer([tsa], store, opts);
    await a.anchor(3, [sig(3), sig(4)]);
    expect(a.unanchored).toBe(1);
    await a.retryAll(); // still down
    expect(await store.incomplete()).toEqual([3]);
    (tsa as FakeTsa).mode = 'up';
    await a.retryAll();
    expect(await store.incomplete()).toEqual([]);
    expect(a.unanchored).toBe(0);
    const saved = await store.tokens(3);
    expect(saved.map((m) => imprintOf(m.get('flaky')!))).toEqual([toHex(cttImprint(sig(3))), toHex(cttImprint(sig(4)))]);
    expect(a.stats).toMatchObject({ anchored: 1, lateAnchored: 1 });
    expect(a.stats.failures).toBeGreaterThanOrEqual(2);
    await a.close();
  });

  it('at most one timestamp per interval: heads in between are skipped, not stored, not pending', async () => {
    let now = 1_000_000;
    const tsa = new FakeTsa('paid');
    const store = new MemoryAnchorStore(new Map());
    const a = new Anchorer([tsa], store, { ...opts, intervalMs: 60_000, now: () => now });
    expect((await a.anchor(1, [sig(1)]))[0]!.size).toBe(1);
    now += 59_999;
    expect((await a.anchor(2, [sig(2)]))[0]!.size).toBe(0);
    now += 1;
    expect((await a.anchor(3, [sig(3)]))[0]!.size).toBe(1);
    expect(tsa.calls).toBe(2);
    expect([...store.saved.keys()]).toEqual([1, 3]);
    expect(a.unanchored).toBe(0);
    expect(a.stats).toEqual({ anchored: 2, skipped: 1, failures: 0, lateAnchored: 0 });
    await a.close();
  });

  it('no timestamper: nothing to do, nothing stored', async () => {
    const store = new MemoryAnchorStore(new Map());
    const a = new Anchorer([], store, opts);
    expect(await a.anchor(1, [sig(1)])).toEqual([new Map()]);
    expect(store.saved.size).toBe(0);
    expect(a.isComplete([new Map()])).toBe(false);
    await a.close();
  });
});

describe('anchoring interval through the service', () => {
  it('anchors the first head and skips the next ones within the interval without counting them unanchored', async () => {
    const tsa = new FakeTsa('paid');
    const svc = await openService({ timestampers: [tsa], anchorIntervalMs: 3_600_000 });
    try {
      const agents = [new Agent(), new Agent()];
      for (const x of agents) await svc.issuers.add(x.id, x.key.publicKey);
      const first = await register(svc, agents[0]!.statement(agents[0]!.genesis()));
      expect(verifyAll(svc, first.entry.entryId, first.entry.receipts).every((v) => v.timestamps.length === 1)).toBe(true);
      const second = await register(svc, agents[1]!.statement(agents[1]!.genesis()));
      expect(verifyAll(svc, second.entry.entryId, second.entry.receipts).every((v) => v.timestamps.length === 0)).toBe(true);
      expect(tsa.calls).toBe(2); // the first checkpoint's two heads only
      expect(svc.stats().unanchoredCheckpoints).toBe(0);
      expect(svc.stats().timestampersDown).toEqual([]);
    } finally {
      await svc.close();
    }
  });
});
