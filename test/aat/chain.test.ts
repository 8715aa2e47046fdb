import { describe, expect, it } from 'vitest';
import {
  generateRecordKey,
  nextRecord,
  recordHash,
  sessionEndRecord,
  sessionHash,
  signRecord,
  verifyChain,
  type AatRecord,
  type ChainBreakKind,
} from '../../src/aat/index.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { concatBytes, fromHex, toHex } from '../../src/util/bytes.js';
import { buildChain } from './chain-helpers.js';
import { H, clone, ts, uuidN } from './fixtures.js';

const { privateKey, publicKey } = generateRecordKey();
const other = generateRecordKey();

/** Re-chain records[from..] so every link is consistent again (what a careful forger does). */
function rechain(records: AatRecord[], from: number): AatRecord[] {
  const out = records.slice(0, from);
  for (let i = from; i < records.length; i++) {
    const r = { ...records[i]! };
    r.parent_record_id = out[i - 1]!.record_id;
    r.prev_hash = recordHash(out[i - 1]!);
    out.push(r);
  }
  return out;
}

describe('verifyChain: valid chains', () => {
  it.each<[string, AatRecord[]]>([
    ['genesis only', buildChain({ middle: 0, close: false })],
    ['open session', buildChain({ close: false })],
    ['closed session', buildChain()],
    ['closed, empty middle', buildChain({ middle: 0 })],
    ['long session', buildChain({ middle: 40 })],
  ])('%s verifies', (_n, chain) => {
    expect(verifyChain(chain)).toMatchObject({ valid: true, records: chain.length, verified: chain.length });
    expect(verifyChain(chain).firstBreak).toBeUndefined();
  });

  it('signed chain verifies with the key, with a lookup, and requires signatures when asked', () => {
    const chain = buildChain({ key: privateKey });
    expect(verifyChain(chain, { publicKey }).valid).toBe(true);
    expect(verifyChain(chain, { publicKey: () => publicKey, requireSignatures: true }).valid).toBe(true);
  });

  it('session_end carries session_hash over the raw prev_hash values and counts itself', () => {
    const chain = buildChain({ middle: 2 });
    const end = chain[3]!;
    const raw = [chain[1]!, chain[2]!, end].map((r) => fromHex(r.prev_hash!));
    expect(end.action_detail['session_hash']).toBe(toHex(sha256(concatBytes(...raw))));
    expect(end.action_detail['session_hash']).toBe(sessionHash(chain.slice(0, 3)));
    expect(end.action_detail['record_count']).toBe(4);
  });

  it('a detached batch member does not change the record hash', () => {
    const chain = buildChain();
    chain[1] = { ...chain[1]!, batch: { epoch: 1 } };
    expect(verifyChain(chain).valid).toBe(true);
  });
});

describe('verifyChain: every kind of break', () => {
  const base = (): AatRecord[] => clone(buildChain({ middle: 4 }));

  const cases: [string, () => unknown, ChainBreakKind, number][] = [
    ['empty', () => [], 'empty', 0],
    ['not an array', () => ({ 0: base()[0] }), 'unverifiable', 0],
    ['invalid record', () => { const c = base(); (c[2] as Record<string, unknown>)['outcome'] = 'meh'; return c; }, 'invalid_record', 2],
    ['non-object entry', () => { const c: unknown[] = base(); c[1] = 'junk'; return c; }, 'invalid_record', 1],
    ['strict draft without record_phase', () => clone(buildChain({ middle: 4, draft: 0 })), 'invalid_record', 0],
    ['genesis removed', () => base().slice(1), 'bad_genesis', 0],
    ['second genesis', () => { const c = base(); const g2 = { ...c[0]!, record_id: uuidN(77) }; return [...c.slice(0, 2), g2, ...c.slice(2)]; }, 'bad_genesis', 2],
    ['field edited', () => { const c = base(); c[2]!.outcome = 'failure'; return c; }, 'edited', 3],
    ['nested detail edited', () => { const c = base(); c[1]!.action_detail['tool_name'] = 'rm'; return c; }, 'edited', 2],
    ['genesis edited', () => { const c = base(); c[0]!.trust_level = 'L4'; return c; }, 'edited', 1],
    ['prev_hash replaced', () => { const c = base(); c[3]!.prev_hash = H('d'); return c; }, 'edited', 3],
    ['member added', () => { const c = base(); c[2]!['x_note'] = 'later'; return c; }, 'edited', 3],
    ['record removed', () => { const c = base(); c.splice(2, 1); return c; }, 'removed', 2],
    ['two records removed', () => { const c = base(); c.splice(1, 2); return c; }, 'removed', 1],
    ['two records swapped', () => { const c = base(); [c[2], c[3]] = [c[3]!, c[2]!]; return c; }, 'reordered', 2],
    ['first two swapped', () => { const c = base(); [c[0], c[1]] = [c[1]!, c[0]!]; return c; }, 'reordered', 0],
    ['reversed', () => base().reverse(), 'reordered', 0],
    ['forked', () => {
      const c = base();
      const alt = nextRecord(c[1]!, { action_type: 'decision', action_detail: { decision_type: 'alt' }, record_id: uuidN(88), timestamp: ts(9) });
      return [...c.slice(0, 3), alt];
    }, 'forked', 3],
    ['duplicate record', () => { const c = base().slice(0, 4); return [...c, clone(c[3]!)]; }, 'duplicate', 4],
    ['timestamp back', () => rechain((() => { const c = base(); c[2]!.timestamp = '2026-03-29T11:00:00.000Z'; return c; })(), 1), 'timestamp_regression', 2],
    ['timestamp back via offset', () => rechain((() => { const c = base(); c[3]!.timestamp = '2026-03-29T14:00:01+02:00'; return c; })(), 1), 'timestamp_regression', 3],
    ['other session_id', () => rechain((() => { const c = base(); c[2]!.session_id = uuidN(555); return c; })(), 1), 'session_mismatch', 2],
    ['other agent_id', () => rechain((() => { const c = base(); c[3]!.agent_id = 'urn:agent:example:evil'; return c; })(), 1), 'session_mismatch', 3],
    ['bad session_hash', () => rechain((() => { const c = base(); c[5]!.action_detail['session_hash'] = H('0'); return c; })(), 1), 'bad_session_hash', 5],
    ['bad record_count', () => rechain((() => { const c = base(); c[5]!.action_detail['record_count'] = 5; return c; })(), 1), 'bad_session_hash', 5],
    ['edit re-chained by a forger (session_hash catches it)', () => rechain((() => { const c = base(); c[1]!.outcome = 'denied'; return c; })(), 2), 'bad_session_hash', 5],
    ['record after session_end', () => { const c = base(); return [...c, nextRecord(c[5]!, { action_type: 'decision', action_detail: { decision_type: 'late' }, timestamp: ts(99) })]; }, 'after_session_end', 6],
    ['session_end too early', () => {
      const c = base().slice(0, 3);
      const end = sessionEndRecord(c, { timestamp: ts(3), record_id: uuidN(90) });
      return [...c, end, nextRecord(end, { action_type: 'decision', action_detail: { decision_type: 'x' }, timestamp: ts(4) })];
    }, 'after_session_end', 4],
  ];

  it.each(cases)('%s', (name, make, kind, index) => {
    const res = verifyChain(make(), name.startsWith('strict') ? { draft: 1 } : {});
    expect(res.valid).toBe(false);
    expect(res.firstBreak?.kind).toBe(kind);
    expect(res.firstBreak?.index).toBe(index);
    expect(res.verified).toBe(index);
    expect(res.firstBreak?.detail.length).toBeGreaterThan(0);
  });

  it('names the record id of the break', () => {
    const c = base();
    c.splice(2, 1);
    expect(verifyChain(c).firstBreak?.recordId).toBe(c[2]!.record_id);
  });
});

describe('verifyChain: signatures', () => {
  const signed = (): AatRecord[] => clone(buildChain({ key: privateKey }));

  it.each<[string, (c: AatRecord[]) => AatRecord[], object, number]>([
    ['wrong key', (c) => c, { publicKey: other.publicKey }, 0],
    ['last record edited (no next record to catch it)', (c) => { c[c.length - 1]!.outcome = 'failure'; return c; }, { publicKey }, 4],
    ['record re-signed by another key', (c) => { c[2] = signRecord(c[2]!, other.privateKey); return rechain(c, 3); }, { publicKey }, 2],
    ['signature stripped, signatures required', (c) => { delete c[1]!.signature; return rechain(c, 2); }, { publicKey, requireSignatures: true }, 1],
    ['no key for a record, signatures required', (c) => c, { publicKey: (r: AatRecord) => (r.record_id === uuidN(0) ? undefined : publicKey), requireSignatures: true }, 0],
  ])('%s -> bad_signature', (_n, mutate, opts, index) => {
    const res = verifyChain(mutate(signed()), opts);
    expect(res.firstBreak?.kind).toBe('bad_signature');
    expect(res.firstBreak?.index).toBe(index);
  });

  it('unsigned records pass when signatures are not required, even with a key', () => {
    expect(verifyChain(buildChain(), { publicKey }).valid).toBe(true);
  });

  it('a throwing key lookup is a break, not an exception', () => {
    const res = verifyChain(signed(), { publicKey: () => { throw new Error('kms down'); } });
    expect(res.firstBreak?.kind).toBe('unverifiable');
  });

  it('a malformed key is a break, not an exception', () => {
    const res = verifyChain(signed(), { publicKey: new Uint8Array(10) });
    expect(res.firstBreak?.kind).toBe('unverifiable');
  });
});
