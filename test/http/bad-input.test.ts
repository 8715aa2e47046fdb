import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes, genesisRecord, nextRecord, type AatRecord } from '../../src/aat/index.js';
import { cborEncode, Tag } from '../../src/cose/cbor.js';
import { encodeProtected, encodeSign1, toBeSigned } from '../../src/cose/sign1.js';
import { aatStatement, call, makeAgent, postEntry, startTestServer, treeSize, type Agent } from './helpers.js';

/**
 * Hostile and broken registrations: each gets the right 4xx title, the log does not grow, and the server
 * keeps serving. Then a bounded fast-check fuzzer over mutated valid statements: never a 5xx, never a crash.
 */

const BODY_LIMIT = 64 * 1024;

/** A COSE_Sign1 with exactly the given protected header, signed by `agent` whatever the header says. */
function rawStatement(agent: Agent, prot: Map<number | string, unknown>, payload: Uint8Array | null, sigPayload = payload ?? new Uint8Array()): Uint8Array {
  const protectedBytes = encodeProtected(prot);
  const signature = agent.key.sign(toBeSigned(protectedBytes, sigPayload));
  return encodeSign1({ protectedBytes, unprotected: new Map(), payload, signature });
}

function headers(agent: Agent, sessionId: string, alg: unknown = agent.key.alg, withKid = true): Map<number | string, unknown> {
  const h = new Map<number | string, unknown>([[1, alg], [3, 'application/aat+json'], [15, new Map<number, unknown>([[1, agent.agentId], [2, `urn:uuid:${sessionId}`]])]]);
  if (withKid) h.set(4, agent.key.kid);
  return h;
}

describe('bad input', () => {
  const agent = makeAgent('ESP256');
  const stranger = makeAgent('ESP256');
  let url: string;
  let stop: () => Promise<void>;
  let valid: Uint8Array;
  let record: AatRecord;
  let size0: number;

  beforeAll(async () => {
    ({ url, stop } = await startTestServer([agent], { bodyLimit: BODY_LIMIT, rateLimit: 0 }));
    ({ bytes: valid, record } = aatStatement(agent));
    // one good entry, so the chain cases have a session to break
    expect((await postEntry(url, valid)).status).toBe(201);
    expect((await postEntry(url, aatStatement(agent, nextRecord(record, { action_type: 'decision', action_detail: { decision_type: 'first' } })).bytes)).status).toBe(201);
    size0 = await treeSize(url);
  });
  afterAll(async () => stop());

  const cases: [string, () => Uint8Array, number, string[]][] = [
    ['garbage bytes', () => new TextEncoder().encode('this is not CBOR at all, just text \u0000\u00ff'), 400, ['Malformed request']],
    ['an empty body', () => new Uint8Array(), 400, ['Malformed request']],
    ['truncated CBOR', () => valid.slice(0, Math.floor(valid.length / 2)), 400, ['Malformed request']],
    ['trailing bytes', () => new Uint8Array([...valid, 0x00]), 400, ['Malformed request']],
    ['tag 98 instead of 18', () => new Uint8Array([0xd8, 0x62, ...valid.slice(1)]), 400, ['Malformed request']],
    ['an untagged array', () => valid.slice(1), 400, ['Malformed request']],
    ['a huge array length', () => new Uint8Array([0xd2, 0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 400, ['Malformed request']],
    ['a huge bstr length', () => new Uint8Array([0xd2, 0x84, 0x5b, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff]), 400, ['Malformed request']],
    ['indefinite lengths', () => new Uint8Array([0xd2, 0x9f, 0x40, 0xa0, 0xf6, 0x40, 0xff]), 400, ['Malformed request']],
    ['a 4-element array of wrong types', () => cborEncode(new Tag([1, 2, 3, 4], 18)), 400, ['Malformed request']],
    ['an unknown algorithm (RS256)', () => rawStatement(agent, headers(agent, record.session_id, -257), canonicalBytes(genesisRecord({ agentId: agent.agentId, agentVersion: '1.0.0', trustLevel: 'L1' }))), 400, ['Bad Signature Algorithm']],
    ['alg confusion (ML-DSA-65 header, P-256 signature)', () => rawStatement(agent, headers(agent, record.session_id, -49), canonicalBytes(genesisRecord({ agentId: agent.agentId, agentVersion: '1.0.0', trustLevel: 'L1' }))), 400, ['Bad Signature Algorithm']],
    ['no alg', () => { const h = headers(agent, record.session_id); h.delete(1); return rawStatement(agent, h, canonicalBytes(genesisRecord({ agentId: agent.agentId, agentVersion: '1.0.0', trustLevel: 'L1' }))); }, 400, ['Bad Signature Algorithm']],
    ['no kid', () => rawStatement(agent, headers(agent, record.session_id, agent.key.alg, false), canonicalBytes(genesisRecord({ agentId: agent.agentId, agentVersion: '1.0.0', trustLevel: 'L1' }))), 400, ['Confirmation Missing']],
    ['a detached payload', () => { const g = canonicalBytes(genesisRecord({ agentId: agent.agentId, agentVersion: '1.0.0', trustLevel: 'L1' })); return rawStatement(agent, headers(agent, record.session_id), null, g); }, 400, ['Payload Missing']],
    ['an unknown kid', () => { const s = aatStatement({ key: stranger.key, agentId: agent.agentId }); return s.bytes; }, 400, ['Rejected']],
    ['an unknown issuer', () => aatStatement(stranger).bytes, 400, ['Rejected']],
    ['a bad signature', () => { const b = aatStatement(agent).bytes; b[b.length - 5]! ^= 0x01; return b; }, 400, ['Rejected']],
    ['a schema-invalid AAT record', () => { const r = genesisRecord({ agentId: agent.agentId, agentVersion: '1.0.0', trustLevel: 'L1' }); return aatStatement(agent, { ...r, outcome: 'maybe' } as unknown as AatRecord).bytes; }, 400, ['Rejected']],
    ['an AAT record whose iss is not its agent_id', () => { const r = genesisRecord({ agentId: 'urn:agent:test:someone-else', agentVersion: '1.0.0', trustLevel: 'L1' }); return rawStatement(agent, headers(agent, r.session_id), canonicalBytes(r)); }, 400, ['Rejected']],
    ['a broken chain (prev_hash of nothing)', () => { const n = nextRecord(record, { action_type: 'decision', action_detail: { decision_type: 'x' } }); return aatStatement(agent, { ...n, prev_hash: 'ab'.repeat(32) }).bytes; }, 400, ['Rejected']],
    ['a link to a record that is not the session tip', () => { const n = nextRecord(record, { action_type: 'decision', action_detail: { decision_type: 'x' } }); return aatStatement(agent, { ...n, parent_record_id: '0b6f1c3e-8a4d-4c1e-9f2a-3d5b7c9e1a20' }).bytes; }, 400, ['Rejected']],
    ['a fork (a second successor of the genesis record)', () => aatStatement(agent, nextRecord(record, { action_type: 'decision', action_detail: { decision_type: 'second' } })).bytes, 400, ['Rejected']],
    ['a replayed genesis (same session, new record)', () => aatStatement(agent, genesisRecord({ agentId: agent.agentId, agentVersion: '1.0.0', trustLevel: 'L1', sessionId: record.session_id })).bytes, 400, ['Rejected']],
  ];

  it.each(cases)('%s -> %i', async (_name, make, status, titles) => {
    const a = await postEntry(url, make());
    expect(a.status).toBe(status);
    expect(a.type).toMatch(/^application\/concise-problem-details\+cbor/);
    expect(titles).toContain(a.problem?.title);
    expect(a.problem?.code).toMatch(/^ERR_/);
    expect(await treeSize(url)).toBe(size0);
  });

  it('415 for wrong content types, 413 for oversized bodies (declared or chunked)', async () => {
    for (const type of ['application/json', 'text/plain', '', 'application/cbor']) {
      const a = await postEntry(url, valid, type);
      expect(a.status).toBe(415);
      expect(a.problem?.title).toBe('Unsupported Media Type');
    }
    const big = new Uint8Array(BODY_LIMIT + 1);
    const declared = await postEntry(url, big);
    expect(declared.status).toBe(413);
    expect(declared.problem?.title).toBe('Payload Too Large');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(BODY_LIMIT / 2));
        c.close();
      },
    });
    const chunked = await call(`${url}/entries`, { method: 'POST', headers: { 'Content-Type': 'application/cose' }, body: stream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await treeSize(url)).toBe(size0);
  });

  it('bad paths and percent-encodings are 4xx, not 5xx', async () => {
    for (const p of ['/entries/%E0%A4%A', '/agents/%ZZ/sessions/x', '/.well-known/scitt-keys/%00', '/entries/' + 'a'.repeat(5000)]) {
      const a = await call(`${url}${p}`);
      expect(a.status).toBeGreaterThanOrEqual(400);
      expect(a.status).toBeLessThan(500);
    }
  });

  it('fuzz: mutated valid statements never get a 5xx and never grow the log wrongly', async () => {
    const base = aatStatement(agent).bytes;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(base.length), { nil: undefined }),
        async (flips, cut) => {
          const m = base.slice(0, cut ?? base.length);
          for (const [i, x] of flips) if (i < m.length) m[i]! ^= x;
          const a = await postEntry(url, m);
          expect([201, 400, 413]).toContain(a.status);
          if (a.status !== 201) expect(a.problem?.title).toMatch(/^(Malformed request|Bad Signature Algorithm|Confirmation Missing|Payload Missing|Rejected|Payload Too Large)$/);
        },
      ),
      { numRuns: 150, seed: 20261121 },
    );
    expect((await call(`${url}/healthz`)).status).toBe(200);
  });

  it('still serves after all of it', async () => {
    const a = await postEntry(url, aatStatement(agent).bytes);
    expect(a.status).toBe(201);
    expect(await treeSize(url)).toBe(size0 + 1);
  });
});
