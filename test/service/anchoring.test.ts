import { afterAll, describe, expect, it } from 'vitest';
import { decodeSignedTreeHead } from '../../src/receipts/index.js';
import { AtlogError } from '../../src/errors.js';
import type { Timestamper } from '../../src/tsa/timestamper.js';
import { cttImprint } from '../../src/tsa/ctt.js';
import { concatBytes, toHex } from '../../src/util/bytes.js';
import { Agent, cleanupDirs, openService, register, tempDir, verifyAll } from './helpers.js';

afterAll(cleanupDirs);

const PREFIX = new TextEncoder().encode('fake-token:');

/** An in-process Timestamper whose "token" is a prefix plus the imprint, so tests can see what was stamped. */
class FakeTsa implements Timestamper {
  calls = 0;
  mode: 'up' | 'down' | 'hang' = 'up';
  constructor(readonly name: string) {}
  timestamp(imprint: Uint8Array): Promise<Uint8Array> {
    this.calls++;
    if (this.mode === 'down') return Promise.reject(new AtlogError('ERR_TSA_UNAVAILABLE', 'down'));
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
});
