import { createHash, generateKeyPairSync, randomUUID, sign as nodeSign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import canonicalizeModule from 'canonicalize';
import { afterAll, describe, expect, it } from 'vitest';
import { AAT_CONTENT_TYPE, buildStatement } from '../../src/statements/index.js';
import { importPem, type PrivateKey } from '../../src/keys/index.js';
import { recordKey, verifyAatChain, type RecordKey } from '../../src/verify/index.js';
import { atlogVerify } from '../helpers/verify-cli.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { openService, register, rejection } from '../service/helpers.js';

/**
 * "Records made by another implementation that follows these rules must verify" (issue 9): a small -06 signer
 * written here from the draft's rules alone, with node:crypto (ECDSA P-256, IEEE P1363, SHA-256), the
 * `canonicalize` package for RFC 8785 and an RFC 7638 thumbprint by hand. Nothing from src/aat builds or signs
 * these records; atlog only verifies them: in process, through `atlog verify --aat`, and at registration.
 */

type Json = Record<string, unknown>;
type Serialize = (x: unknown) => string;
const canonicalize: Serialize =
  typeof canonicalizeModule === 'function' ? (canonicalizeModule as unknown as Serialize) : (canonicalizeModule as unknown as { default: Serialize }).default;

/** P-256 group order, for low-S normalisation (-06 Section 6.2). */
const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const omit = (r: Json, keys: string[]): Json => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));
const sha256hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
/** prev_hash = hex(SHA-256(JCS(previous record without batch))) */
const chainHash = (r: Json): string => sha256hex(canonicalize(omit(r, ['batch'])));

class IndependentSigner {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: { kty: string; crv: string; x: string; y: string };
  readonly kid: string;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    const j = publicKey.export({ format: 'jwk' });
    this.jwk = { kty: j.kty!, crv: j.crv!, x: j.x!, y: j.y! };
    // RFC 7638: the required members in lexicographic order, no whitespace, SHA-256, base64url
    this.kid = createHash('sha256').update(`{"crv":"${j.crv!}","kty":"${j.kty!}","x":"${j.x!}","y":"${j.y!}"}`).digest('base64url');
  }

  /** sig_alg and signer_kid first, then ES256 over JCS(record without signature, signature_classical, batch). */
  sign(r: Json, o: { highS?: boolean; kid?: string } = {}): Json {
    const out: Json = { ...r, sig_alg: 'ES256', signer_kid: o.kid ?? this.kid };
    const input = Buffer.from(canonicalize(omit(out, ['signature', 'signature_classical', 'batch'])), 'utf8');
    const sig = nodeSign('sha256', input, { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    let s = BigInt(`0x${sig.subarray(32).toString('hex')}`);
    if ((s > N / 2n) !== (o.highS === true)) s = N - s;
    const sBytes = Buffer.from(s.toString(16).padStart(64, '0'), 'hex');
    return { ...out, signature: Buffer.concat([sig.subarray(0, 32), sBytes]).toString('base64url') };
  }
}

/** A -06 session built by hand: twelve mandatory fields, signed in-band, chained, closed with session_hash. */
function session(signer: IndependentSigner, o: { close?: 'hashed' | 'bare' | 'none'; highSAt?: number } = {}): Json[] {
  const agent = 'urn:agent:independent:bot';
  const sid = randomUUID();
  let t = Date.UTC(2026, 8, 1, 9, 0, 0);
  const base = (): Json => ({ record_id: randomUUID(), timestamp: new Date((t += 1500)).toISOString(), agent_id: agent, agent_version: '3.1.4', session_id: sid, trust_level: 'L2' });
  const recs: Json[] = [];
  const push = (fields: Json): void => {
    const prev = recs[recs.length - 1];
    const r = { ...base(), ...fields, parent_record_id: prev ? prev['record_id'] : null, prev_hash: prev ? chainHash(prev) : null };
    recs.push(signer.sign(r, { highS: o.highSAt === recs.length }));
  };
  push({ action_type: 'lifecycle', action_detail: { event: 'session_start', recording_mode: 'self' }, outcome: 'success', record_phase: 'concurrent', anchor_interval_s: 300, heartbeat_interval_s: 30 });
  push({ action_type: 'tool_call', action_detail: { tool_name: 'payments.send', parameters_hash: sha256hex(canonicalize({ to: 'x', amount: 50 })) }, outcome: 'success', record_phase: 'pre_execution' });
  const call = recs[1]!['record_id'];
  push({ action_type: 'tool_response', action_detail: { tool_name: 'payments.send', response_hash: sha256hex('{"ok":true}'), parent_call_id: call }, outcome: 'success', record_phase: 'post_execution', latency_ms: 412.5 });
  // a second signature value the verifier must leave out of the signing input, added after signing
  recs[2] = { ...recs[2]!, signature_classical: Buffer.from('classical').toString('base64url') };
  push({ action_type: 'tool_call', action_detail: { tool_name: 'db.drop', parameters_hash: sha256hex('{}') }, outcome: 'denied', record_phase: 'pre_execution' });
  push({ action_type: 'lifecycle', action_detail: { event: 'heartbeat' }, outcome: 'success', record_phase: 'concurrent' });
  // detached batching metadata, added after the next record was chained: outside the chain hash and the signature
  recs[1] = { ...recs[1]!, batch: { batch_id: 'b-1', leaf_index: 0 } };
  if (o.close === 'hashed' || o.close === undefined) {
    const prevHashes = [...recs.slice(1).map((r) => r['prev_hash'] as string), chainHash(recs[recs.length - 1]!)];
    const sessionHash = createHash('sha256').update(Buffer.concat(prevHashes.map((h) => Buffer.from(h, 'hex')))).digest('hex');
    push({ action_type: 'lifecycle', action_detail: { event: 'session_end', session_hash: sessionHash, record_count: recs.length + 1 }, outcome: 'success', record_phase: 'post_execution' });
  } else if (o.close === 'bare') {
    push({ action_type: 'lifecycle', action_detail: { event: 'session_end' }, outcome: 'success', record_phase: 'post_execution' });
  }
  return recs;
}

const signer = new IndependentSigner();
const key: RecordKey = recordKey(signer.jwk as never);
const at = new Date(Date.UTC(2026, 8, 1, 9, 0, 20));

describe('-06 records made by an independent signer', () => {
  it('verify: schema under the -06 rules, every link, every signature, complete', () => {
    const recs = session(signer);
    const r = verifyAatChain(recs, { recordKeys: [key], draft: 6, requireRecordSignatures: true });
    expect(r.failure).toBeUndefined();
    expect(r).toMatchObject({ valid: true, records: 6, completeness: { state: 'complete' } });
    expect(r.checks.filter((c) => c.name.endsWith('.signature') && c.status === 'ok')).toHaveLength(6);
  });

  it.each<[string, () => { recs: Json[]; keys?: RecordKey[] }, string]>([
    ['an edited record', () => {
      const recs = session(signer);
      recs[3] = { ...recs[3]!, outcome: 'success' };
      return { recs };
    }, 'ERR_AAT_CHAIN_EDITED'],
    ['a signature by another key under this signer_kid', () => {
      const recs = session(signer);
      const other = new IndependentSigner();
      const last = recs.length - 1;
      recs[last] = other.sign(omit(recs[last]!, ['signature']), { kid: signer.kid });
      return { recs };
    }, 'ERR_AAT_RECORD_BAD_SIGNATURE'],
    ['a high-S signature', () => ({ recs: session(signer, { highSAt: 3 }) }), 'ERR_AAT_RECORD_HIGH_S'],
    ['a record whose signer_kid names no given key', () => ({ recs: session(signer), keys: [recordKey(new IndependentSigner().jwk as never)] }), 'ERR_AAT_RECORD_KEY_MISSING'],
  ])('fail with the right code: %s', (_n, make, code) => {
    const { recs, keys = [key] } = make();
    const r = verifyAatChain(recs, { recordKeys: keys, requireRecordSignatures: true });
    expect(r.valid).toBe(false);
    expect(r.failure?.code).toBe(code);
  });

  it('an open session (heartbeat fresh at --at) and the reference implementation\'s bare close are not proven complete', () => {
    const open = verifyAatChain(session(signer, { close: 'none' }), { recordKeys: [key], at });
    expect(open).toMatchObject({ valid: false, failure: { code: 'ERR_AAT_SESSION_OPEN' }, completeness: { state: 'open' } });
    const bare = verifyAatChain(session(signer, { close: 'bare' }), { recordKeys: [key], at });
    expect(bare).toMatchObject({ valid: false, failure: { code: 'ERR_AAT_SESSION_INCONCLUSIVE' }, completeness: { state: 'inconclusive' } });
    expect(verifyAatChain(session(signer, { close: 'bare' }), { recordKeys: [key], allowIncomplete: true }).valid).toBe(true);
  });
});

describe('the same records through the CLI and the service', () => {
  const tmp = tempDir('atlog-aat-interop-');
  afterAll(removeTempDirs);

  it('atlog verify --aat (JSON Lines, key as PEM) exits 0; a JSON array with the JWK does too', async () => {
    const recs = session(signer);
    writeFileSync(join(tmp, 'chain.jsonl'), recs.map((r) => JSON.stringify(r)).join('\n'));
    writeFileSync(join(tmp, 'chain.json'), JSON.stringify(recs, null, 2));
    writeFileSync(join(tmp, 'key.pem'), signer.publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(tmp, 'key.jwk'), JSON.stringify(signer.jwk));
    const run = atlogVerify;
    const [a, b] = await Promise.all([
      run(['--aat', join(tmp, 'chain.jsonl'), '--record-key', join(tmp, 'key.pem'), '--require-record-signatures', '--draft', '6']),
      run(['--aat', join(tmp, 'chain.json'), '--record-key', join(tmp, 'key.jwk'), '--require-record-signatures', '--quiet']),
    ]);
    expect(a.status, a.stdout).toBe(0);
    expect(a.stdout).toMatch(/^VALID \(session complete\)$/m);
    expect(b).toMatchObject({ status: 0, stdout: 'VALID (session complete)\n' });
  }, 60_000);

  it('the service registers them and checks the in-record signature made with the issuer key', async () => {
    const svc = await openService();
    try {
      const issuer = importPem(signer.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()) as PrivateKey;
      const recs = session(signer, { close: 'none' }).map((r) => omit(r, ['batch']));
      const agent = recs[0]!['agent_id'] as string;
      await svc.issuers.add(agent, issuer.publicKey);
      const statement = (r: Json): Uint8Array =>
        buildStatement({ key: issuer, iss: agent, sub: `urn:uuid:${r['session_id'] as string}`, payload: new TextEncoder().encode(canonicalize(r)), contentType: AAT_CONTENT_TYPE });
      for (const r of recs) await register(svc, statement(r));
      expect(await svc.sessionEntries(agent, recs[0]!['session_id'] as string)).toHaveLength(recs.length);
      // the same next record, but its own signature no longer matches its content
      const prev = recs[recs.length - 1]!;
      const next = signer.sign({ ...omit(prev, ['signature', 'signature_classical']), record_id: randomUUID(), action_detail: { decision_type: 'x' }, action_type: 'decision', parent_record_id: prev['record_id'], prev_hash: chainHash(prev) });
      const e = await rejection(svc, statement({ ...next, outcome: 'failure' }));
      expect(e?.details?.['reason']).toBe('bad_record_signature');
    } finally {
      await svc.close();
    }
  }, 60_000);
});
