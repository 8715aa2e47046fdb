import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes, recordHash, signRecord, type AatRecord } from '../../src/aat/index.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { AtlogError } from '../../src/errors.js';
import { ALG_ES256, ALG_ML_DSA_65 } from '../../src/cose/algorithms.js';
import { cborDecode, cborEncode, Tag } from '../../src/cose/cbor.js';
import { HEADER_RECEIPTS } from '../../src/cose/labels.js';
import { decodeSign1 } from '../../src/cose/sign1.js';
import { exportCoseKey, generateKey, type PrivateKey } from '../../src/keys/index.js';
import { decodeSignedTreeHead, verifyConsistencyReceipt } from '../../src/receipts/index.js';
import { HEADER_POLICY_HASH, type TransparencyService } from '../../src/service/index.js';
import { AAT_CONTENT_TYPE, buildStatement, registrationEntry } from '../../src/statements/index.js';
import { toBase64, toHex } from '../../src/util/bytes.js';
import { Agent, codeOf, openService, register, rejection, toolCall, verifyAll } from './helpers.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

afterAll(removeTempDirs);

/** The raw P-256 scalar of an ES256 key (COSE_Key label -4), to sign records in-band with the statement key. */
const scalar = (k: PrivateKey): Uint8Array => k.toCoseKey().get(-4) as Uint8Array;

describe('registration happy path', () => {
  let svc: TransparencyService;
  beforeAll(async () => {
    svc = await openService();
  });
  afterAll(() => svc.close());

  it.each(['ES256', 'Ed25519', 'ML-DSA-65'])('registers a %s agent session with receipts that verify', async (alg) => {
    const a = new Agent(alg);
    await svc.issuers.add(a.id, a.key.publicKey);
    const g = a.genesis();
    const { submission, entry } = await register(svc, a.statement(g));
    expect(submission.duplicate).toBe(false);
    expect(submission.entryId).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.entryId).toBe(submission.entryId);
    expect(entry.receipts).toHaveLength(2);
    const [classic, pq] = verifyAll(svc, entry.entryId, entry.receipts);
    expect(classic!.alg).toBe(ALG_ES256);
    expect(pq!.alg).toBe(ALG_ML_DSA_65);
    expect(classic!.leafIndex).toBe(entry.index);
    expect(classic!.issuer).toBe(svc.issuer);

    const t = a.push(a.next(toolCall()));
    const second = await register(svc, a.statement(t));
    expect(second.entry.index).toBeGreaterThan(entry.index);
    verifyAll(svc, second.entry.entryId, second.entry.receipts);

    expect(await svc.sessionEntries(a.id, a.sessionId)).toEqual([entry.entryId, second.entry.entryId]);
    expect(await svc.entryIndex(entry.entryId)).toBe(entry.index);
    expect(await svc.entryIdAt(entry.index)).toBe(entry.entryId);
    expect(await svc.operation(submission.operationId)).toMatchObject({ status: 'succeeded', entryId: entry.entryId });

    // GET-style reads return the same receipts the submission resolved with.
    expect((await svc.receipts(entry.entryId))!.map(toHex)).toEqual(entry.receipts.map(toHex));
    const ts = decodeSign1((await svc.transparentStatement(entry.entryId))!);
    expect(ts.unprotected.size).toBe(1);
    expect((ts.unprotected.get(HEADER_RECEIPTS) as Uint8Array[]).map(toHex)).toEqual(entry.receipts.map(toHex));
  });

  it('registers -06 records signed in-band: by the issuer key (checked) and by another key (not checkable here)', async () => {
    const a = new Agent('ES256');
    await svc.issuers.add(a.id, a.key.publicKey);
    const g = a.push(signRecord(a.genesis(), scalar(a.key)));
    expect(g).toMatchObject({ sig_alg: 'ES256', record_phase: 'concurrent' });
    await register(svc, a.statement(g));
    const other = generateKey('ES256');
    const t = a.push(signRecord(a.next(toolCall()), scalar(other)));
    expect((await register(svc, a.statement(t))).entry.index).toBeGreaterThan(0);
  });

  it('chains on the record hash, which leaves a detached batch member out (not on the payload hash)', async () => {
    const a = new Agent();
    await svc.issuers.add(a.id, a.key.publicKey);
    const g = { ...a.genesis(), batch: { root: 'ab'.repeat(32) } } as AatRecord;
    a.records = [g];
    await register(svc, a.statement(g));
    const next = a.next(toolCall());
    expect(next.prev_hash).toBe(recordHash(g));
    expect(next.prev_hash).not.toBe(toHex(sha256(canonicalBytes(g))));
    // A successor that links to the hash of the whole payload (batch included) is refused: its parent is the tip
    // by id but not by hash, so it reads as a fork.
    const wrong = { ...next, prev_hash: toHex(sha256(canonicalBytes(g))) };
    expect((await rejection(svc, a.statement(wrong)))?.details?.['reason']).toBe('fork');
    const ok = await register(svc, a.statement(a.push(next)));
    expect(ok.entry.index).toBeGreaterThan(0);
    // Without a batch member the record hash is the payload hash (what the service uses as a shortcut).
    const after = a.push(a.next(toolCall('fetch')));
    expect(recordHash(after)).toBe(toHex(sha256(canonicalBytes(after))));
    await register(svc, a.statement(after));
    expect(await svc.sessionEntries(a.id, a.sessionId)).toHaveLength(3);
  });

  it('stores the unprotected header emptied, and a resubmission is a duplicate, never a new entry', async () => {
    const a = new Agent();
    await svc.issuers.add(a.id, a.key.publicKey);
    const stmt = a.statement(a.genesis());
    // Same statement with junk in the unprotected header: same entry.
    const s = decodeSign1(stmt);
    const noisy = cborEncode(new Tag([s.protectedBytes, new Map([[99, 'noise']]), s.payload, s.signature], 18));
    const first = await register(svc, noisy);
    const size = svc.stats().treeSize;
    for (const again of [stmt, noisy]) {
      const dup = await svc.submit(again);
      expect(dup.duplicate).toBe(true);
      expect(dup.entryId).toBe(first.entry.entryId);
      const e = await dup.done;
      expect(e.index).toBe(first.entry.index);
      expect(e.receipts.map(toHex)).toEqual(first.entry.receipts.map(toHex));
    }
    expect(svc.stats().treeSize).toBe(size);
    const tsBytes = (await svc.transparentStatement(first.entry.entryId))!;
    expect(toHex(registrationEntry(tsBytes))).toBe(toHex(registrationEntry(stmt)));
  });

  it('answers unknown ids and indexes with undefined', async () => {
    expect(await svc.receipts('0'.repeat(64))).toBeUndefined();
    expect(await svc.receipts('not-hex')).toBeUndefined();
    expect(await svc.transparentStatement('f'.repeat(64))).toBeUndefined();
    expect(await svc.entryIdAt(10_000)).toBeUndefined();
    expect(await svc.entryIdAt(-1)).toBeUndefined();
    expect(await svc.operation('nope')).toBeUndefined();
    expect(await svc.sessionEntries('urn:agent:none', 'x')).toEqual([]);
  });

  it('signs checkpoints with the policy hash and gives consistency receipts between them', async () => {
    const cp1 = (await svc.latestCheckpoint())!;
    const a = new Agent();
    await svc.issuers.add(a.id, a.key.publicKey);
    await register(svc, a.statement(a.genesis()));
    const cp2 = (await svc.latestCheckpoint())!;
    expect(cp2.treeSize).toBeGreaterThan(cp1.treeSize);
    expect(cp2.signedTreeHeads).toHaveLength(2);
    expect(cp2.anchored).toBe(false); // no timestampers configured
    for (const b of cp2.signedTreeHeads) {
      const h = decodeSignedTreeHead(b);
      expect(toHex(h.root!)).toBe(toHex(cp2.root));
      expect(toHex(h.protectedHeader.get(HEADER_POLICY_HASH) as Uint8Array)).toBe(svc.policyInfo().hash);
    }
    const cons = (await svc.consistencyReceipt(cp1.treeSize, cp2.treeSize))!;
    expect(cons).toHaveLength(2);
    for (const c of cons) expect(toHex(verifyConsistencyReceipt(c, { oldRoot: cp1.root, keys: svc.serviceKeys() }).newRoot)).toBe(toHex(cp2.root));
    expect(await codeOf(svc.consistencyReceipt(0, cp2.treeSize))).toBe('ERR_INVALID_RANGE');
    expect(await codeOf(svc.consistencyReceipt(2, 1))).toBe('ERR_INVALID_RANGE');
    expect(await codeOf(svc.consistencyReceipt(1, cp2.treeSize + 1))).toBe('ERR_INVALID_RANGE');
  });

  it('publishes its keys as a COSE_KeySet and finds them by kid', () => {
    const keys = svc.serviceKeys();
    expect(keys).toHaveLength(2);
    expect((cborDecode(svc.keySet()) as unknown[]).length).toBe(2);
    expect(svc.keyByKid(keys[1]!.kid)).toBe(keys[1]);
    expect(svc.keyByKid(new Uint8Array(32))).toBeUndefined();
  });
});

describe('registration rejections leave the log unchanged', () => {
  let svc: TransparencyService;
  const alice = new Agent('ES256');
  const revokedKeyAgent = new Agent('ES256');
  const revokedAgent = new Agent('Ed25519');
  const mldsa = new Agent('ML-DSA-65');
  let policyFile: string;

  beforeAll(async () => {
    const dir = tempDir();
    policyFile = join(dir, 'policy.yaml');
    writeFileSync(
      policyFile,
      `version: 1
algorithms: [ES256, ESP256, Ed25519, ML-DSA-65]
max_statement_bytes: 4096
issuers:
  - iss: ${alice.id}
    keys: [{ cose: ${toBase64(exportCoseKey(alice.key.publicKey))} }]
  - iss: ${revokedKeyAgent.id}
    keys: [{ cose: ${toBase64(exportCoseKey(revokedKeyAgent.key.publicKey))}, status: revoked }]
  - iss: ${mldsa.id}
    keys: [{ cose: ${toBase64(exportCoseKey(mldsa.key.publicKey))} }]
rules:
  - name: no-deletes
    rule: deny tool_call where tool_name matches "data:delete:*"
  - name: trusted-delegation
    rule: require trust_level >= L2 for delegation
`,
    );
    svc = await openService({ dataDir: dir, policyFile, watchPolicy: false });
    await svc.issuers.add(revokedAgent.id, revokedAgent.key.publicKey);
    await svc.issuers.revoke(revokedAgent.id);
    await register(svc, alice.statement(alice.genesis()));
  });
  afterAll(() => svc.close());

  const cases: Array<[string, () => Uint8Array, string, string | undefined]> = [
    ['unknown issuer', () => {
      const stranger = new Agent();
      return stranger.statement(stranger.genesis());
    }, 'ERR_REG_REJECTED', 'unknown_issuer'],
    // an unknown iss over another agent's record: the iss is the likelier mistake, and is what is reported
    ['unknown issuer, record of another agent', () => new Agent().statement(new Agent().genesis()), 'ERR_REG_REJECTED', 'iss_mismatch'],
    ['revoked key', () => revokedKeyAgent.statement(revokedKeyAgent.genesis()), 'ERR_REG_REJECTED', 'revoked_key'],
    ['revoked issuer', () => revokedAgent.statement(revokedAgent.genesis()), 'ERR_REG_REJECTED', 'revoked_issuer'],
    ['key of someone else', () => alice.statement(alice.next(toolCall()), { key: generateKey('ES256') }), 'ERR_REG_REJECTED', 'unknown_key'],
    ['bad signature', () => {
      const s = decodeSign1(alice.statement(alice.next(toolCall())));
      const sig = s.signature.slice();
      sig[5]! ^= 1;
      return cborEncode(new Tag([s.protectedBytes, s.unprotected, s.payload, sig], 18));
    }, 'ERR_REG_REJECTED', 'bad_signature'],
    ['bad ML-DSA signature (worker)', () => {
      const s = decodeSign1(mldsa.statement(mldsa.genesis()));
      const sig = s.signature.slice();
      sig[100]! ^= 1;
      return cborEncode(new Tag([s.protectedBytes, s.unprotected, s.payload, sig], 18));
    }, 'ERR_REG_REJECTED', 'bad_signature'],
    ['disallowed algorithm', () => {
      const k = generateKey('ES384');
      return buildStatement({ key: k, iss: alice.id, sub: 'urn:uuid:x', payload: new Uint8Array(4), contentType: 'text/plain' });
    }, 'ERR_REG_BAD_ALG', undefined],
    ['alg that does not fit the key', () => {
      // A P-256 signer claiming the ML-DSA issuer's kid: the kid finds the key, the alg does not fit it.
      const p = generateKey('ES256');
      const liar = new Proxy(p, { get: (t, k) => (k === 'kid' ? mldsa.key.kid : typeof Reflect.get(t, k) === 'function' ? (Reflect.get(t, k) as (...x: unknown[]) => unknown).bind(t) : Reflect.get(t, k)) });
      return mldsa.statement(mldsa.genesis(), { key: liar });
    }, 'ERR_REG_BAD_ALG', 'alg_key_mismatch'],
    ['oversized', () => alice.statement(alice.next({ ...toolCall(), action_detail: { tool_name: 'x', parameters_hash: 'a'.repeat(64), pad: 'p'.repeat(5000) } })), 'ERR_REG_TOO_LARGE', undefined],
    ['unknown critical header', () => buildStatement({
      key: alice.key, iss: alice.id, sub: `urn:uuid:${alice.sessionId}`, payload: canonicalBytes(alice.next(toolCall())),
      contentType: AAT_CONTENT_TYPE, extraProtected: new Map<number | string, unknown>([[2, [99]], [99, 'must understand']]),
    }), 'ERR_REG_MALFORMED', 'ERR_COSE_CRIT_UNSUPPORTED'],
    ['not COSE', () => new TextEncoder().encode('hello'), 'ERR_REG_MALFORMED', undefined],
    ['detached payload', () => {
      const s = decodeSign1(alice.statement(alice.next(toolCall())));
      return cborEncode(new Tag([s.protectedBytes, new Map(), null, s.signature], 18));
    }, 'ERR_REG_PAYLOAD_MISSING', undefined],
    ['invalid AAT record', () => {
      const r = alice.next(toolCall());
      return alice.statement(r, { payload: new TextEncoder().encode(JSON.stringify({ ...r, outcome: 'great' })) });
    }, 'ERR_REG_REJECTED', 'invalid_record'],
    ['payload not JSON', () => alice.statement(alice.next(toolCall()), { payload: new TextEncoder().encode('{nope') }), 'ERR_REG_REJECTED', 'invalid_record'],
    ['payload not canonical', () => {
      const r = alice.next(toolCall());
      return alice.statement(r, { payload: new TextEncoder().encode(JSON.stringify(r, null, 1)) });
    }, 'ERR_REG_REJECTED', 'not_canonical'],
    ['iss != agent_id', () => {
      const other = alice.next(toolCall());
      const r = { ...other, agent_id: 'urn:agent:test:mallory' };
      return alice.statement(r as typeof other);
    }, 'ERR_REG_REJECTED', 'iss_mismatch'],
    ['sub != session', () => alice.statement(alice.next(toolCall()), { sub: 'urn:uuid:00000000-0000-4000-8000-000000000000' }), 'ERR_REG_REJECTED', 'sub_mismatch'],
    ['in-record signature by the issuer key that does not verify', () => {
      const signed = signRecord(alice.next(toolCall()), scalar(alice.key));
      return alice.statement({ ...signed, outcome: 'failure' }); // edited after signing, then wrapped honestly
    }, 'ERR_REG_REJECTED', 'bad_record_signature'],
    ['rule denial', () => alice.statement(alice.next(toolCall('data:delete:users'))), 'ERR_REG_REJECTED', 'rule_denied'],
    ['require rule', () => alice.statement(alice.next({ action_type: 'delegation', action_detail: { delegate_agent_id: 'urn:agent:x', delegate_trust_level: 'L1', task_description_hash: 'b'.repeat(64) } })), 'ERR_REG_REJECTED', 'rule_denied'],
    ['hash envelope of an AAT record', () => {
      const r = alice.next(toolCall());
      return buildStatement({ key: alice.key, iss: alice.id, sub: `urn:uuid:${r.session_id}`, payload: canonicalBytes(r), hashEnvelope: { preimageContentType: AAT_CONTENT_TYPE } });
    }, 'ERR_REG_REJECTED', 'hash_envelope_not_allowed'],
  ];

  it.each(cases)('%s', async (_name, make, code, reason) => {
    const size = svc.stats().treeSize;
    const e = await rejection(svc, make());
    expect(e?.code).toBe(code);
    if (reason) expect(e?.details?.['reason']).toBe(reason);
    if (reason === 'rule_denied') expect(['no-deletes', 'trusted-delegation']).toContain(e?.details?.['rule']);
    expect(svc.stats().treeSize).toBe(size);
  });

  it('counts rejections by code and still registers a good record afterwards', async () => {
    const stats = svc.stats();
    expect(stats.rejections['ERR_REG_REJECTED']).toBeGreaterThanOrEqual(10);
    const ok = await register(svc, alice.statement(alice.push(alice.next(toolCall('data:read:users')))));
    expect(ok.entry.index).toBe(1);
  });

  it('applies a reloaded policy: a new rule denies, a broken file keeps the old policy', async () => {
    const before = svc.policyInfo().hash;
    writeFileSync(policyFile, `version: 1\nissuers:\n  - iss: ${alice.id}\n    keys: [{ cose: ${toBase64(exportCoseKey(alice.key.publicKey))} }]\nrules:\n  - name: no-search\n    rule: deny tool_call where tool_name == "search"\n`);
    const { hash } = await svc.reloadPolicy();
    expect(hash).not.toBe(before);
    const e = await rejection(svc, alice.statement(alice.next(toolCall('search'))));
    expect(e?.details?.['rule']).toBe('no-search');

    writeFileSync(policyFile, 'version: 1\nrules: [ { name: x, rule: "deny tool_call where" } ]\n');
    expect(await codeOf(svc.reloadPolicy())).toBe('ERR_POLICY_INVALID');
    expect(svc.policyInfo().hash).toBe(hash);
    expect(svc.policyInfo().lastError).toMatch(/rules\[0\]\.rule/);
    // The next tree head carries the hash of the policy in force.
    await register(svc, alice.statement(alice.push(alice.next(toolCall('fetch')))));
    const cp = (await svc.latestCheckpoint())!;
    expect(toHex(decodeSignedTreeHead(cp.signedTreeHeads[0]!).protectedHeader.get(HEADER_POLICY_HASH) as Uint8Array)).toBe(hash);
  });

  it('answers a statement registered before as a duplicate even when a new size limit would refuse it now', async () => {
    // A statement registered before is still answered as a duplicate when a new limit would refuse it now.
    const small = `version: 1\nmax_statement_bytes: 64\nissuers:\n  - iss: ${alice.id}\n    keys: [{ cose: ${toBase64(exportCoseKey(alice.key.publicKey))} }]\n`;
    const registered = alice.statement(alice.push(alice.next(toolCall('fetch'))));
    await register(svc, registered);
    writeFileSync(policyFile, small);
    await svc.reloadPolicy();
    expect((await svc.submit(registered)).duplicate).toBe(true);
    expect(await codeOf(svc.submit(alice.statement(alice.next(toolCall('other')))))).toBe('ERR_REG_TOO_LARGE');
  });
});

describe('Hash Envelope AAT records when the policy accepts them', () => {
  it('registers them unchecked and indexes them by iss/sub', async () => {
    const dir = tempDir();
    const policyFile = join(dir, 'p.yaml');
    writeFileSync(policyFile, 'version: 1\naat:\n  hash_envelope: accept\n');
    const svc = await openService({ dataDir: dir, policyFile });
    try {
      const a = new Agent();
      await svc.issuers.add(a.id, a.key.publicKey);
      const g = a.genesis();
      const stmt = buildStatement({ key: a.key, iss: a.id, sub: `urn:uuid:${g.session_id}`, payload: canonicalBytes(g), hashEnvelope: { preimageContentType: AAT_CONTENT_TYPE } });
      const { entry } = await register(svc, stmt);
      verifyAll(svc, entry.entryId, entry.receipts);
      expect(await svc.sessionEntries(a.id, g.session_id)).toEqual([entry.entryId]);
      expect(svc.stats().timestampersDown).toEqual([]);
    } finally {
      await svc.close();
    }
  });
});

describe('tampering', () => {
  it('a statement with any byte changed is refused with an ERR_REG_* code, or is the original entry', async () => {
    const fc = await import('fast-check');
    const svc = await openService();
    try {
      const a = new Agent();
      await svc.issuers.add(a.id, a.key.publicKey);
      const original = a.statement(a.genesis());
      const { entry } = await register(svc, original);
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: original.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, x) => {
          const t = original.slice();
          t[at]! ^= x;
          const size = svc.stats().treeSize;
          try {
            const s = await svc.submit(t);
            expect(s.duplicate).toBe(true);
            expect(s.entryId).toBe(entry.entryId);
          } catch (e) {
            expect(e).toBeInstanceOf(AtlogError);
            expect((e as AtlogError).code).toMatch(/^ERR_REG_/);
          }
          expect(svc.stats().treeSize).toBe(size);
        }),
        { numRuns: 300 },
      );
    } finally {
      await svc.close();
    }
  });
});
