import { createPublicKey } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import {
  canonicalString,
  genesisRecord,
  jwkThumbprint,
  nextRecord,
  publicJwk,
  sessionEndRecord,
  signRecord,
  type AatRecord,
  type BuildOptions,
  type NextInput,
} from '../../src/aat/index.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { fromBase64Url, toBase64Url, toHex } from '../../src/util/bytes.js';
import type { Case } from './build.js';
import { at, uuidOf } from './aat.js';
import { seedOf } from './keys.js';

/**
 * Bare AAT chains for `atlog verify --aat` (README "aat/"): -06 records signed in-band with record keys a and b,
 * one case per verdict, and -00 / -04 chains that must still verify. Everything is deterministic (fixed ids,
 * times and RFC 6979 signatures).
 */

const AGENT = 'urn:agent:atlog-vectors:aat';
const hash = (s: string): string => toHex(sha256(new TextEncoder().encode(s)));

interface RecordKeyPair {
  d: Uint8Array;
  pub: Uint8Array;
  kid: string;
}

function recordKeyPair(name: string): RecordKeyPair {
  const d = seedOf(`record ${name}`);
  const pub = p256.getPublicKey(d, false);
  return { d, pub, kid: jwkThumbprint(pub) };
}

/** The records of one session; `sign` signs each before the next is chained to it. */
function chain(name: string, o: { sign?: (r: AatRecord, i: number) => AatRecord; close?: boolean; draft?: number; heartbeat?: number } = {}): AatRecord[] {
  const b: BuildOptions = o.draft === undefined ? {} : { draft: o.draft };
  const sign = o.sign ?? ((r) => r);
  const g = genesisRecord({
    agentId: AGENT,
    agentVersion: '2.0.0',
    trustLevel: 'L2',
    sessionId: uuidOf(`aat ${name} session`),
    recordId: uuidOf(`aat ${name} 0`),
    timestamp: at(0),
    ...(o.heartbeat ? { heartbeatIntervalS: o.heartbeat } : {}),
    ...(o.draft === undefined || o.draft >= 6 ? { anchorIntervalS: 3600 } : {}),
  }, b);
  const recs = [sign(g, 0)];
  const steps: NextInput[] = [
    { action_type: 'tool_call', action_detail: { tool_name: 'fetch', parameters_hash: hash(`${name} args`) } },
    { action_type: 'tool_response', action_detail: { tool_name: 'fetch', response_hash: hash(`${name} result`), parent_call_id: uuidOf(`aat ${name} 1`) } },
    { action_type: 'decision', action_detail: { decision_type: 'summarise' }, model_id: 'example-model-1' },
  ];
  for (const step of steps) {
    const i = recs.length;
    recs.push(sign(nextRecord(recs[i - 1]!, { ...step, record_id: uuidOf(`aat ${name} ${i}`), timestamp: at(i) }, b), i));
  }
  if (o.close !== false) {
    const i = recs.length;
    recs.push(sign(sessionEndRecord(recs, { record_id: uuidOf(`aat ${name} ${i}`), timestamp: at(i) }, b), i));
  }
  return recs;
}

/** Re-chain records[from..] after an edit (what a careful forger does; in-record signatures are not redone). */
function relink(recs: AatRecord[], from: number, sign: (r: AatRecord, i: number) => AatRecord = (r) => r): AatRecord[] {
  const out = recs.slice(0, from + 1);
  for (let i = from + 1; i < recs.length; i++) {
    const { parent_record_id: _p, prev_hash: _h, ...rest } = recs[i]!;
    const r = rest as unknown as NextInput & AatRecord;
    const prev = out[i - 1]!;
    const end = r.action_type === 'lifecycle' && r.action_detail['event'] === 'session_end';
    const linked = end ? sessionEndRecord(out, { ...r, action_detail: { event: 'session_end' } }) : nextRecord(prev, r);
    out.push(sign(linked, i));
  }
  return out;
}

const jsonl = (recs: readonly AatRecord[]): Uint8Array => new TextEncoder().encode(recs.map((r) => `${canonicalString(r)}\n`).join(''));

/** The aat/ files and cases. `put` stores a file under its path and returns the path. */
export function aatCases(put: (path: string, bytes: Uint8Array) => string): Case[] {
  const a = recordKeyPair('a');
  const b = recordKeyPair('b');
  const keyFile = (name: string, k: RecordKeyPair, extra: Record<string, string> = {}): string =>
    put(`aat/${name}`, new TextEncoder().encode(`${JSON.stringify({ ...publicJwk(k.pub), ...extra }, null, 2)}\n`));
  const A = keyFile('record-key-a.jwk', a);
  const B = keyFile('record-key-b.jwk', b);
  const jwkA = publicJwk(a.pub);
  put('aat/record-key-a.pem', new TextEncoder().encode(createPublicKey({ key: { ...jwkA }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()));
  const A04 = keyFile('record-key-a-2026.jwk', a, { kid: 'agent-a-2026' });
  const signA = (r: AatRecord): AatRecord => signRecord(r, a.d);

  const cases: Case[] = [];
  const add = (id: string, description: string, recs: AatRecord[], files: Omit<Case['files'], 'aat'>, expect: Case['expect'], options?: Case['options']): void => {
    const aat = put(`aat/${id}.jsonl`, jsonl(recs));
    cases.push({ id, kind: 'aat', description, files: { aat, ...files }, ...(options ? { options } : {}), expect });
  };

  const signed = chain('signed', { sign: signA });
  add('aat-signed-complete', '-06 session, every record signed by key a (ES256, low S, sig_alg and signer_kid covered)', signed, { recordKey: [A] }, { valid: true });
  cases.push({ id: 'aat-signed-array', kind: 'aat', description: 'the same records as one JSON array, key a as PEM', files: { aat: put('aat/aat-signed-array.json', new TextEncoder().encode(`${JSON.stringify(signed, null, 2)}\n`)), recordKey: ['aat/record-key-a.pem'] }, expect: { valid: true } });
  add('aat-signed-no-key', 'signed records, no record key given: the signatures are skipped, not failed', signed, {}, { valid: true });
  add('aat-signed-key-required', 'the same, with --require-record-signatures', signed, { recordKey: [B] }, { valid: false, code: 'ERR_AAT_RECORD_KEY_MISSING' }, { requireRecordSignatures: true });
  add('aat-unsigned-complete', '-06 session without in-record signatures', chain('unsigned'), {}, { valid: true });

  const edited = chain('edited', { sign: signA });
  edited[2] = { ...edited[2]!, outcome: 'failure' };
  add('aat-edited', 'record 2 changed after record 3 was chained to it', edited, { recordKey: [A] }, { valid: false, code: 'ERR_AAT_CHAIN_EDITED' });

  const removed = chain('removed', { sign: signA });
  removed.splice(2, 1);
  add('aat-removed', 'record 2 removed: record 3 names a parent that is not there', removed, { recordKey: [A] }, { valid: false, code: 'ERR_AAT_CHAIN_REMOVED' });

  // a forger re-links the chain after changing record 2; the hashes agree, the signature of record 2 does not
  const forged = relink(chain('forged', { sign: signA }).map((r, i) => (i === 2 ? { ...r, outcome: 'timeout' as const } : r)), 2, signA);
  add('aat-bad-signature', 'record 2 changed and the chain re-linked: only its signature tells', forged, { recordKey: [A] }, { valid: false, code: 'ERR_AAT_RECORD_BAD_SIGNATURE' });

  const mismatch = chain('mismatch', { sign: (r, i) => (i === 1 ? signRecord(r, a.d, { kid: b.kid }) : signA(r)) });
  add('aat-signer-kid-mismatch', 'record 1 signed by key a but naming key b as signer_kid', mismatch, { recordKey: [A] }, { valid: false, code: 'ERR_AAT_RECORD_SIGNER_MISMATCH' });

  const n = p256.Point.CURVE().n;
  const highS = (r: AatRecord): AatRecord => {
    const s = p256.Signature.fromBytes(fromBase64Url(r.signature!), 'compact');
    return { ...r, signature: toBase64Url(new p256.Signature(s.r, n - s.s).toBytes('compact')) };
  };
  add('aat-high-s', 'record 2 carries the high-S twin of its signature (-06 requires low S)', chain('high-s', { sign: (r, i) => (i === 2 ? highS(signA(r)) : signA(r)) }), { recordKey: [A] }, { valid: false, code: 'ERR_AAT_RECORD_HIGH_S' });

  const AT = '2026-03-29T12:01:00Z';
  const live = chain('open', { sign: signA, close: false, heartbeat: 60 });
  add('aat-open', `no session_end; heartbeat every 60 s, last record 57 s before ${AT}: open, not proven complete`, live, { recordKey: [A] }, { valid: false, code: 'ERR_AAT_SESSION_OPEN' }, { at: AT });
  add('aat-open-allowed', 'the same, with --allow-incomplete', live, { recordKey: [A] }, { valid: true }, { at: AT, allowIncomplete: true });
  add('aat-open-overdue', 'the same an hour later: the heartbeat is overdue', live, { recordKey: [A] }, { valid: false, code: 'ERR_AAT_SESSION_INCONCLUSIVE' }, { at: '2026-03-29T13:00:00Z' });
  add('aat-inconclusive', 'no session_end and no heartbeat promise: records may be missing at the end', chain('inconclusive', { close: false }), {}, { valid: false, code: 'ERR_AAT_SESSION_INCONCLUSIVE' });

  const bare = chain('bare-close', { close: false });
  const end = nextRecord(bare[bare.length - 1]!, { action_type: 'lifecycle', action_detail: { event: 'session_end' }, record_id: uuidOf('aat bare-close end'), timestamp: at(9) });
  add('aat-close-without-hash', 'closed by a session_end without session_hash/record_count', [...bare, end], {}, { valid: false, code: 'ERR_AAT_SESSION_INCONCLUSIVE' });

  add('aat-draft00', '-00 records (no record_phase), unsigned', chain('draft00', { draft: 0 }), {}, { valid: true });
  add('aat-draft00-strict', 'the -00 records under the -06 rules (--draft 6)', chain('draft00', { draft: 0 }), {}, { valid: false, code: 'ERR_AAT_CHAIN_INVALID_RECORD' }, { draft: 6 });
  add('aat-draft04-signed', '-04 records signed with signer_kid "agent-a-2026" and no sig_alg; the JWK carries that kid', chain('draft04', { draft: 4, sign: (r) => signRecord(r, a.d, { kid: 'agent-a-2026', draft: 4 }) }), { recordKey: [A04] }, { valid: true });
  return cases;
}
