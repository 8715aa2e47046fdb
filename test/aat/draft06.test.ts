import { createHash, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  defaultPhase,
  generateRecordKey,
  genesisRecord,
  isHighS,
  jwkThumbprint,
  nextRecord,
  publicJwk,
  recordErrors,
  sessionCompleteness,
  sessionEndRecord,
  signingInput,
  signRecord,
  validateRecord,
  verifyChain,
  verifyRecordSignature,
  type AatRecord,
  type CompletenessState,
} from '../../src/aat/index.js';
import { p256 } from '@noble/curves/nist.js';
import { fromBase64Url, toBase64Url } from '../../src/util/bytes.js';
import { buildChain } from './chain-helpers.js';
import { CHECK_GENESIS, H, clone, ts, uuidN } from './fixtures.js';

/** Draft -06 members, rules and defaults (spec/aat.md 1.2, 1.4, 2.6, 3). */

const { privateKey, publicKey } = generateRecordKey();
const genesis = (): AatRecord => validateRecord(clone(CHECK_GENESIS));
const paths = (x: unknown, draft = 0): string[] => recordErrors(x, { draft }).map((e) => e.path);

describe('-06 members are validated when present', () => {
  it.each<[string, Record<string, unknown>]>([
    ['sig_alg', { sig_alg: 'ES256' }],
    ['signature_classical', { signature_classical: 'AAAA' }],
    ['anchor_interval_s on the genesis', { anchor_interval_s: 300 }],
    ['heartbeat_interval_s', { heartbeat_interval_s: 30 }],
    ['fractional heartbeat', { heartbeat_interval_s: 0.5 }],
  ])('accepts %s', (_n, extra) => {
    expect(paths({ ...genesis(), ...extra })).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['empty sig_alg', { sig_alg: '' }, '/sig_alg'],
    ['signature_classical not base64url', { signature_classical: 'a+b=' }, '/signature_classical'],
    ['zero heartbeat', { heartbeat_interval_s: 0 }, '/heartbeat_interval_s'],
    ['negative anchor interval', { anchor_interval_s: -5 }, '/anchor_interval_s'],
    ['heartbeat as text', { heartbeat_interval_s: '30' }, '/heartbeat_interval_s'],
  ])('rejects %s', (_n, extra, path) => {
    expect(paths({ ...genesis(), ...extra })).toContain(path);
  });

  it('anchor_interval_s belongs to the genesis only', () => {
    const g = genesis();
    const n = nextRecord(g, { action_type: 'decision', action_detail: { decision_type: 'x' }, timestamp: ts(1) });
    expect(paths({ ...n, anchor_interval_s: 60 })).toEqual(['/anchor_interval_s']);
    expect(paths({ ...n, heartbeat_interval_s: 60 })).toEqual([]);
  });

  it('lifecycle heartbeat is an event', () => {
    const n = nextRecord(genesis(), { action_type: 'lifecycle', action_detail: { event: 'heartbeat' }, timestamp: ts(1) });
    expect(n.action_detail['event']).toBe('heartbeat');
  });

  it('twelve mandatory fields from -01: record_phase', () => {
    expect(paths(genesis(), 6)).toEqual(['/record_phase']);
    expect(paths({ ...genesis(), record_phase: 'concurrent' }, 6)).toEqual([]);
  });

  it('-06: a signed record names sig_alg and a thumbprint signer_kid; earlier drafts do not ask', () => {
    const old = signRecord({ ...genesis(), record_phase: 'concurrent' }, privateKey, { draft: 5 });
    expect(old.sig_alg).toBeUndefined();
    expect(paths(old, 5)).toEqual([]);
    expect(paths(old, 6)).toEqual(['/sig_alg', '/signer_kid']);
    const kid = signRecord({ ...genesis(), record_phase: 'concurrent' }, privateKey, { kid: 'agent-key-1' });
    expect(paths(kid, 5)).toEqual([]);
    expect(paths(kid, 6)).toEqual(['/signer_kid']);
    const now = signRecord({ ...genesis(), record_phase: 'concurrent' }, privateKey);
    expect(paths(now, 6)).toEqual([]);
  });
});

describe('-06 signing', () => {
  it('sets sig_alg ES256 and signer_kid = RFC 7638 thumbprint before signing, so both are covered', () => {
    const signed = signRecord(genesis(), privateKey);
    expect(signed.sig_alg).toBe('ES256');
    expect(signed.signer_kid).toBe(jwkThumbprint(publicKey));
    expect(verifyRecordSignature(signed, publicKey)).toBe(true);
    expect(verifyRecordSignature({ ...signed, sig_alg: 'ES384' }, publicKey)).toBe(false);
    expect(verifyRecordSignature({ ...signed, signer_kid: jwkThumbprint(generateRecordKey().publicKey) }, publicKey)).toBe(false);
  });

  it('the thumbprint is what node:crypto\'s JWK export gives, hashed per RFC 7638', () => {
    const x = toBase64Url(publicKey.slice(1, 33));
    const y = toBase64Url(publicKey.slice(33));
    const node = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' }).export({ format: 'jwk' });
    const want = createHash('sha256').update(`{"crv":"${node.crv!}","kty":"${node.kty!}","x":"${node.x!}","y":"${node.y!}"}`).digest('base64url');
    expect(jwkThumbprint(publicKey)).toBe(want);
    expect(publicJwk(publicKey)).toEqual({ kty: 'EC', crv: 'P-256', x, y });
    const compressed = p256.Point.fromBytes(publicKey).toBytes(true);
    expect(jwkThumbprint(compressed)).toBe(want);
  });

  it('signature_classical and batch are outside the signing input; everything else is inside', () => {
    const signed = signRecord(genesis(), privateKey);
    expect(signingInput({ ...signed, signature_classical: 'AAAA', batch: { n: 1 } })).toEqual(signingInput(signed));
    expect(verifyRecordSignature({ ...signed, signature_classical: 'AAAA' }, publicKey)).toBe(true);
    expect(verifyRecordSignature({ ...signed, heartbeat_interval_s: 5 }, publicKey)).toBe(false);
  });

  it('low S: required of records that name sig_alg, not of older ones (their signers did not normalise S)', () => {
    const n = p256.Point.CURVE().n;
    const flip = (sig: string): string => {
      const s = p256.Signature.fromBytes(fromBase64Url(sig), 'compact');
      return toBase64Url(new p256.Signature(s.r, n - s.s).toBytes('compact'));
    };
    const v6 = signRecord(genesis(), privateKey);
    expect(isHighS(v6.signature!)).toBe(false);
    const high6 = { ...v6, signature: flip(v6.signature!) };
    expect(isHighS(high6.signature)).toBe(true);
    expect(verifyRecordSignature(high6, publicKey)).toBe(false);
    expect(verifyRecordSignature(high6, publicKey, { lowS: false })).toBe(true);
    const v0 = signRecord(genesis(), privateKey, { draft: 0 });
    const high0 = { ...v0, signature: flip(v0.signature!) };
    expect(verifyRecordSignature(high0, publicKey)).toBe(true);
    expect(verifyRecordSignature(high0, publicKey, { lowS: true })).toBe(false);
  });
});

describe('builders make -06 records by default', () => {
  it('record_phase defaults per action; draft 0 builds -00 records', () => {
    const g = genesisRecord({ agentId: 'urn:agent:x', agentVersion: '1.0.0', trustLevel: 'L1', timestamp: ts(0), heartbeatIntervalS: 30, anchorIntervalS: 600 });
    expect(g).toMatchObject({ record_phase: 'concurrent', heartbeat_interval_s: 30, anchor_interval_s: 600 });
    expect(recordErrors(g, { draft: 6 })).toEqual([]);
    const call = nextRecord(g, { action_type: 'tool_call', action_detail: { tool_name: 't', parameters_hash: H('1') }, timestamp: ts(1) });
    expect(call.record_phase).toBe('pre_execution');
    const denied = nextRecord(call, { action_type: 'decision', action_detail: { decision_type: 'd' }, outcome: 'denied', timestamp: ts(2) });
    expect(denied.record_phase).toBe('pre_execution');
    const end = sessionEndRecord([g, call, denied], { timestamp: ts(3) });
    expect(end.record_phase).toBe('post_execution');
    expect(defaultPhase('tool_response')).toBe('post_execution');
    const old = genesisRecord({ agentId: 'urn:agent:x', agentVersion: '1.0.0', trustLevel: 'L1' }, { draft: 0 });
    expect('record_phase' in old).toBe(false);
    expect('record_phase' in nextRecord(old, { action_type: 'decision', action_detail: { decision_type: 'd' } }, { draft: 0 })).toBe(false);
    const given = genesisRecord({ agentId: 'urn:agent:x', agentVersion: '1.0.0', trustLevel: 'L1', extra: { record_phase: 'pre_execution' } });
    expect(given.record_phase).toBe('pre_execution');
  });
});

describe('completeness', () => {
  const at = (s: number): Date => new Date(Date.UTC(2026, 2, 29, 12, 0, 0) + s * 1000);
  const live = (): AatRecord[] => {
    const g = genesisRecord({ agentId: 'urn:agent:x', agentVersion: '1.0.0', trustLevel: 'L1', sessionId: uuidN(900), recordId: uuidN(0), timestamp: ts(0), heartbeatIntervalS: 30 });
    return [g, nextRecord(g, { action_type: 'lifecycle', action_detail: { event: 'heartbeat' }, record_id: uuidN(1), timestamp: ts(30) })];
  };
  const noHash = (): AatRecord[] => {
    const c = buildChain({ middle: 1, close: false });
    const end = nextRecord(c[1]!, { action_type: 'lifecycle', action_detail: { event: 'session_end' }, record_id: uuidN(5), timestamp: ts(5) });
    return [...c, end];
  };

  it.each<[string, () => AatRecord[], Date | undefined, CompletenessState, RegExp]>([
    ['closed with session_hash and record_count', () => buildChain(), undefined, 'complete', /record_count and session_hash match/],
    ['closed without them (reference-implementation style)', noHash, undefined, 'inconclusive', /no session_hash\/record_count/],
    ['no close, no heartbeat promise', () => buildChain({ close: false }), at(1), 'inconclusive', /no heartbeat_interval_s/],
    ['no close, heartbeat fresh', live, at(70), 'open', /still running/],
    ['no close, heartbeat overdue', live, at(200), 'inconclusive', /nothing for 170 s/],
    ['no close, heartbeat but no verification time', live, undefined, 'inconclusive', /no verification time/],
    ['no close, last record after the verification time', live, at(10), 'open', /0 s old/],
  ])('%s', (_n, make, when, state, detail) => {
    const chain = make();
    const res = verifyChain(chain, when ? { at: when } : {});
    expect(res.valid).toBe(true);
    expect(res.completeness.state).toBe(state);
    expect(res.completeness.detail).toMatch(detail);
    expect(sessionCompleteness(chain, when ? { at: when } : {})).toEqual(res.completeness);
  });

  it('a broken chain is inconclusive', () => {
    const c = buildChain();
    c[1] = { ...c[1]!, outcome: 'timeout' };
    const res = verifyChain(c);
    expect(res.valid).toBe(false);
    expect(res.completeness.state).toBe('inconclusive');
  });

  it('the latest heartbeat_interval_s declared applies', () => {
    const [g, h] = live();
    const slower = nextRecord(h!, { action_type: 'lifecycle', action_detail: { event: 'configuration_change' }, heartbeat_interval_s: 600, record_id: uuidN(2), timestamp: ts(40) });
    expect(sessionCompleteness([g!, h!, slower], { at: at(400) }).state).toBe('open');
  });
});
