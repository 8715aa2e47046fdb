import { describe, expect, it } from 'vitest';
import { genesisRecord, nextRecord, canonicalBytes, sessionEndRecord } from '../../src/aat/index.js';
import { cborEncode } from '../../src/cose/cbor.js';
import { generateKey, type PrivateKey } from '../../src/keys/index.js';
import { encodeSignedTreeHead, issueInclusionReceipt, signTreeHead } from '../../src/receipts/index.js';
import { AAT_CONTENT_TYPE, buildStatement, entryHash, registrationEntry, toTransparentStatement } from '../../src/statements/index.js';
import { assembleBundle, decodeBundle, encodeBundle, verifySessionBundle, verifyDelegation } from '../../src/verify/index.js';
import { MemoryTree } from '../../test-vectors/tree.js';
import { isAtlogError } from '../../src/errors.js';
import { codeOf as code } from '../helpers/errors.js';

/** Bundle format and session checks not covered by test-vectors (format errors, checkpoints, private records). */

const svc = generateKey('ES256');
const agentKey = generateKey('Ed25519');
const AGENT = 'urn:agent:test:bundle';

/** A session of n records; with `close` the last of them is session_end. */
function records(n = 3, close = true) {
  const g = genesisRecord({ agentId: AGENT, agentVersion: '1.0.0', trustLevel: 'L1' });
  const out = [g];
  for (let i = 1; i < n - (close ? 1 : 0); i++) out.push(nextRecord(out[i - 1]!, { action_type: 'decision', action_detail: { decision_type: `d${i}` } }));
  if (close) out.push(sessionEndRecord(out));
  return out;
}

async function bundle(opts: { envelope?: boolean; staleAt?: number; key?: PrivateKey; close?: boolean } = {}) {
  const recs = records(3, opts.close ?? true);
  const sts = recs.map((r) =>
    buildStatement({
      key: agentKey,
      iss: AGENT,
      sub: `urn:uuid:${r.session_id}`,
      payload: canonicalBytes(r),
      ...(opts.envelope ? { hashEnvelope: { preimageContentType: AAT_CONTENT_TYPE } } : { contentType: AAT_CONTENT_TYPE }),
    }),
  );
  const t = new MemoryTree(sts.map((s) => entryHash(registrationEntry(s))));
  const size = opts.staleAt ?? t.size;
  const sth = signTreeHead({ key: opts.key ?? svc, issuer: 'https://log.example', treeSize: size, root: t.rootAt(size) });
  const cp = signTreeHead({ key: svc, issuer: 'https://log.example', treeSize: t.size, root: t.rootAt() });
  const statements = await Promise.all(sts.map(async (s, i) => toTransparentStatement(s, i < size ? [issueInclusionReceipt(sth, i, await t.inclusion(i, size))] : [])));
  return encodeBundle({ version: 1, agent: AGENT, session: recs[0]!.session_id, checkpoint: encodeSignedTreeHead(cp, { attachRoot: true }), statements });
}

const opts = { serviceKeys: [svc.publicKey], issuerKeys: [agentKey.publicKey] };

describe('session bundles', () => {
  it('a well-formed bundle verifies and round-trips', async () => {
    const b = await bundle();
    const r = await verifySessionBundle(b, opts);
    expect(r.valid).toBe(true);
    expect(r.completeness?.state).toBe('complete');
    expect(r.checks.find((c) => c.name === 'session.completeness')).toMatchObject({ status: 'ok' });
    expect(r.records).toHaveLength(3);
    expect(r.entries).toHaveLength(3);
    expect(encodeBundle(decodeBundle(b))).toEqual(b);
  });

  it('a session without its session_end is not proven complete: not valid, unless allowIncomplete', async () => {
    const b = await bundle({ close: false });
    const r = await verifySessionBundle(b, opts);
    expect(r).toMatchObject({ valid: false, failure: { code: 'ERR_AAT_SESSION_INCONCLUSIVE' }, completeness: { state: 'inconclusive' } });
    const lenient = await verifySessionBundle(b, { ...opts, allowIncomplete: true });
    expect(lenient).toMatchObject({ valid: true, completeness: { state: 'inconclusive' } });
    expect(lenient.checks.find((c) => c.name === 'session.completeness')).toMatchObject({ status: 'skip', ok: false });
  });

  const m = (entries: Array<[string, unknown]>): Uint8Array => cborEncode(new Map(entries));
  const base: Array<[string, unknown]> = [['version', 1], ['agent', AGENT], ['session', 's'], ['checkpoint', new Uint8Array(1)], ['statements', [new Uint8Array(1)]]];
  it.each([
    ['not CBOR', new Uint8Array([0xff]), 'ERR_BUNDLE_MALFORMED'],
    ['not a map', cborEncode([1]), 'ERR_BUNDLE_MALFORMED'],
    ['version 2', m(base.map(([k, v]) => [k, k === 'version' ? 2 : v])), 'ERR_BUNDLE_UNSUPPORTED_VERSION'],
    ['no agent', m(base.filter(([k]) => k !== 'agent')), 'ERR_BUNDLE_MALFORMED'],
    ['empty statements', m(base.map(([k, v]) => [k, k === 'statements' ? [] : v])), 'ERR_BUNDLE_MALFORMED'],
    ['checkpoint not bytes', m(base.map(([k, v]) => [k, k === 'checkpoint' ? 'x' : v])), 'ERR_BUNDLE_MALFORMED'],
  ])('decode rejects %s', async (_n, bytes, want) => {
    expect(code(() => decodeBundle(bytes))).toBe(want);
    expect((await verifySessionBundle(bytes, opts)).failure?.code).toBe(want);
  });

  it('receipts must be against the bundle checkpoint', async () => {
    const r = await verifySessionBundle(await bundle({ staleAt: 2 }), opts);
    expect(r).toMatchObject({ valid: false, failure: { code: 'ERR_BUNDLE_NOT_IN_CHECKPOINT' } });
  });

  it('a checkpoint signed by an unknown key fails', async () => {
    const r = await verifySessionBundle(await bundle(), { ...opts, serviceKeys: [generateKey('ES256').publicKey] });
    expect(r).toMatchObject({ valid: false, failure: { code: 'ERR_RECEIPT_UNKNOWN_KEY' } });
    expect(r.failure!.detail).toMatch(/^checkpoint/);
  });

  it('Hash Envelope records cannot be chain-checked: fail closed', async () => {
    const r = await verifySessionBundle(await bundle({ envelope: true }), opts);
    expect(r).toMatchObject({ valid: false, failure: { code: 'ERR_BUNDLE_RECORD_UNAVAILABLE' } });
  });

  it('a single bundle passed as a delegation chain is its own root', async () => {
    const r = await verifyDelegation([await bundle()], opts);
    expect(r.valid).toBe(true);
    expect((await verifyDelegation([], opts)).valid).toBe(false);
  });
});

describe('checkpoints in the GET /checkpoint map form', () => {
  it('verify when one tree head is by a trusted key, fail when none or a signature is bad', async () => {
    const { verifyCheckpoint } = await import('../../src/verify/index.js');
    const { cborEncode: enc } = await import('../../src/cose/cbor.js');
    const t = new MemoryTree([new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)]);
    const ml = generateKey('ML-DSA-65');
    const heads = [svc, ml].map((key) => encodeSignedTreeHead(signTreeHead({ key, issuer: 'https://log.example', treeSize: 3, root: t.rootAt() })));
    const map = (root: Uint8Array, hs = heads): Uint8Array => enc(new Map<string, unknown>([['treeSize', 3], ['root', root], ['signedTreeHeads', hs], ['anchored', false]]));
    expect(verifyCheckpoint(map(t.rootAt()), [svc.publicKey])).toEqual({ treeSize: 3, root: t.rootAt() });
    const c = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return isAtlogError(e) ? e.code : 'other';
      }
      return undefined;
    };
    expect(c(() => verifyCheckpoint(map(t.rootAt(2)), [svc.publicKey]))).toBe('ERR_RECEIPT_BAD_SIGNATURE');
    expect(c(() => verifyCheckpoint(map(t.rootAt()), [generateKey('ES256').publicKey]))).toBe('ERR_RECEIPT_UNKNOWN_KEY');
    expect(c(() => verifyCheckpoint(enc(new Map([['treeSize', 3]])), [svc.publicKey]))).toBe('ERR_RECEIPT_MALFORMED');
  });
});

describe('assembleBundle (what the service uses to export a session)', () => {
  it('builds a bundle that verifies, with one receipt per tree head', async () => {
    const recs = records(4, false);
    const sts = recs.map((r) => buildStatement({ key: agentKey, iss: AGENT, sub: `urn:uuid:${r.session_id}`, payload: canonicalBytes(r), contentType: AAT_CONTENT_TYPE }));
    const other = buildStatement({ key: agentKey, iss: AGENT, sub: 'urn:uuid:other', payload: new Uint8Array([1]), contentType: 'application/octet-stream' });
    const t = new MemoryTree([other, ...sts].map((s) => entryHash(registrationEntry(s))));
    const ml = generateKey('ML-DSA-65');
    const heads = [svc, ml].map((key) => signTreeHead({ key, issuer: 'https://log.example', treeSize: t.size, root: t.rootAt() }));
    const entries = await Promise.all(sts.map(async (statement, i) => ({ statement, leafIndex: i + 1, proof: await t.inclusion(i + 1) })));
    const bytes = assembleBundle({ agent: AGENT, session: recs[0]!.session_id, treeHeads: heads, entries });
    const r = await verifySessionBundle(bytes, { ...opts, serviceKeys: [svc.publicKey, ml.publicKey], requireAlgs: [-7, -49], allowIncomplete: true });
    expect(r.valid).toBe(true);
    expect(decodeBundle(bytes).statements).toHaveLength(4);
    const otherTree = signTreeHead({ key: svc, issuer: 'https://log.example', treeSize: 2, root: t.rootAt(2) });
    expect(() => assembleBundle({ agent: AGENT, session: 's', treeHeads: [heads[0]!, otherTree], entries })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => assembleBundle({ agent: AGENT, session: 's', treeHeads: heads, entries: [] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
