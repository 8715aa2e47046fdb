import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextRecord, type AatRecord } from '../../src/aat/index.js';
import { createClient, type TransparencyClient } from '../../src/client/index.js';
import { importCoseKeySet, type PublicKey } from '../../src/keys/index.js';
import { verifyConsistency } from '../../src/merkle/index.js';
import { verifyReceipt } from '../../src/receipts/index.js';
import { entryHash, receiptsOf, registrationEntry } from '../../src/statements/index.js';
import { aatStatement, call, makeAgent, startTestServer } from './helpers.js';

/**
 * The paged reads exporters use (docs/api.md "Pages"): entries by index, checkpoints with consistency proofs,
 * an agent's sessions and one session's entries; their bounds and bad input.
 */
describe('paged reads', () => {
  const agent = makeAgent('ESP256');
  let url: string;
  let stop: () => Promise<void>;
  let client: TransparencyClient;
  let keys: PublicKey[];
  const sessions: AatRecord[][] = [];

  beforeAll(async () => {
    ({ url, stop } = await startTestServer([agent], { batchSize: 3 }));
    client = createClient({ url });
    keys = importCoseKeySet((await client.keys()).bytes).map((k) => ('publicKey' in k ? k.publicKey : k));
    // Two sessions of four records, registered alternately so their entries interleave in the log.
    for (let s = 0; s < 2; s++) sessions.push([aatStatement(agent).record]);
    for (let i = 0; i < 4; i++) {
      for (const recs of sessions) {
        if (i > 0) recs.push(nextRecord(recs[i - 1]!, { action_type: 'decision', action_detail: { decision_type: `d${i}` } }));
        await client.register(aatStatement(agent, recs[i]).bytes);
      }
    }
  }, 60_000);
  afterAll(async () => stop());

  it('GET /entries?from=&limit=: Transparent Statements in log order, receipts against the checkpoint named', async () => {
    const size = (await client.checkpoint()).treeSize;
    expect(size).toBe(8);
    const page = await client.entries(2, { limit: 4 });
    expect(page.map((e) => e.index)).toEqual([2, 3, 4, 5]);
    for (const e of page) {
      const [receipt] = receiptsOf(e.statement);
      const v = verifyReceipt(receipt!, { entryHash: entryHash(registrationEntry(e.statement)), keys });
      expect([v.leafIndex, v.treeSize]).toEqual([e.index, e.treeSize]);
    }
    expect((await client.entries(6, { limit: 100 })).map((e) => e.index)).toEqual([6, 7]);
    expect(await client.entries(8)).toEqual([]);
  });

  it('GET /checkpoints?to=: every checkpoint up to a size, each with a consistency proof to it', async () => {
    const final = await client.checkpoint();
    const cps = await client.checkpoints({ to: final.treeSize });
    expect(cps.length).toBeGreaterThan(1);
    expect(cps.at(-1)!.treeSize).toBe(final.treeSize);
    for (const cp of cps) expect(verifyConsistency(cp.treeSize, final.treeSize, cp.consistency!, cp.root, final.root)).toBe(true);
    const second = await client.checkpoints({ from: cps[0]!.treeSize + 1, limit: 1 });
    expect(second.map((c) => c.treeSize)).toEqual([cps[1]!.treeSize]);
    expect(second[0]!.consistency).toBeUndefined();
  });

  it("an agent's sessions, and one session's entries in pages", async () => {
    const listed = await client.agentSessions(agent.agentId);
    expect(listed.map((s) => s.sessionId).sort()).toEqual(sessions.map((r) => r[0]!.session_id).sort());
    expect(listed.every((s) => s.records === 4 && !s.ended)).toBe(true);
    expect(await client.agentSessions(agent.agentId, { after: listed.at(-1)!.sessionId })).toEqual([]);
    const id = sessions[1]![0]!.session_id;
    const first = await client.sessionEntryPage(agent.agentId, id, 0, { limit: 3 });
    expect(first.map((e) => e.index)).toEqual([1, 3, 5]);
    expect((await client.sessionEntryPage(agent.agentId, id, 6)).map((e) => e.index)).toEqual([7]);
  });

  it('bad input: 400 with its code, 404 for an agent with no session', async () => {
    for (const path of ['/entries?from=x', '/entries?from=0&limit=0', '/entries?from=0&limit=1001', '/checkpoints?to=99', `/agents/${encodeURIComponent(agent.agentId)}/sessions?after=`]) {
      const a = await call(`${url}${path}`);
      expect(a.status, path).toBe(400);
      expect(a.problem?.code, path).toMatch(/^ERR_(HTTP_MALFORMED|INVALID_RANGE)$/);
    }
    const none = await call(`${url}/agents/${encodeURIComponent('urn:agent:test:nobody')}/sessions`);
    expect(none.status).toBe(404);
  });
});
