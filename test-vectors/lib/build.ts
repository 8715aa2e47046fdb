import { nextRecord, type AatRecord } from '../../src/aat/index.js';
import { ALG_ED25519, ALG_ES256, ALG_ES384, ALG_ESP256, ALG_ML_DSA_44, ALG_ML_DSA_65, ALG_ML_DSA_87 } from '../../src/cose/algorithms.js';
import { cborDecode, cborEncode, Tag } from '../../src/cose/cbor.js';
import { encodeProtected, toBeSigned } from '../../src/cose/sign1.js';
import { exportCoseKey, exportCoseKeySet, type PrivateKey } from '../../src/keys/index.js';
import {
  encodeSignedTreeHead,
  issueConsistencyReceipt,
  issueInclusionReceipt,
  signTreeHead,
  type SignedTreeHead,
} from '../../src/receipts/index.js';
import { buildStatement, entryHash, registrationEntry, toTransparentStatement, AAT_CONTENT_TYPE } from '../../src/statements/index.js';
import { encodeBundle } from '../../src/verify/index.js';
import { toHex } from '../../src/util/bytes.js';
import { MemoryTree } from '../tree.js';
import { jcs, session, uuidOf, at } from './aat.js';
import { aatCases } from './aat-cases.js';
import { testKey } from './keys.js';

/**
 * Builds every vector in memory: a map from relative path to bytes, plus manifest.json describing each case
 * and its expected verdict. Everything is deterministic (lib/keys.ts), so a rebuild is byte-identical.
 */

export interface Case {
  id: string;
  kind: 'statement' | 'bundle' | 'consistency' | 'aat';
  description: string;
  /** Paths relative to test-vectors/; they map 1:1 onto `atlog verify` flags. */
  files: {
    statement?: string;
    receipt?: string[];
    bundle?: string[];
    consistency?: string;
    oldCheckpoint?: string;
    newCheckpoint?: string;
    issuerKey?: string;
    /** Every kind but `aat` (a bare chain needs no log). */
    serviceKey?: string;
    aat?: string;
    recordKey?: string[];
  };
  /** Further `atlog verify` options: --at, --allow-incomplete, --require-record-signatures, --draft. */
  options?: { at?: string; allowIncomplete?: boolean; requireRecordSignatures?: boolean; draft?: number };
  expect: { valid: boolean; code?: string };
}

const ISSUER = 'https://atlog.test-vectors.invalid';
const IAT = 1_774_785_600; // 2026-03-29T12:00:00Z
const ALGS: Array<[string, number]> = [
  ['ESP256', ALG_ESP256],
  ['ES256', ALG_ES256],
  ['Ed25519', ALG_ED25519],
  ['ES384', ALG_ES384],
  ['ML-DSA-44', ALG_ML_DSA_44],
  ['ML-DSA-65', ALG_ML_DSA_65],
  ['ML-DSA-87', ALG_ML_DSA_87],
];

function flipByte(b: Uint8Array, at: number): Uint8Array {
  const c = new Uint8Array(b);
  c[at] = c[at]! ^ 0x01;
  return c;
}

/** Decode a COSE_Sign1, let `edit` change [protected, unprotected, payload, signature], encode again. */
function rewrite(msg: Uint8Array, edit: (a: unknown[]) => void): Uint8Array {
  const a = [...((cborDecode(msg) as Tag).value as unknown[])];
  edit(a);
  return cborEncode(new Tag(a, 18));
}

export async function buildVectors(): Promise<{ files: Map<string, Uint8Array>; manifest: Case[] }> {
  const files = new Map<string, Uint8Array>();
  const manifest: Case[] = [];
  const put = (p: string, b: Uint8Array): string => (files.set(p, b), p);

  // ---- keys (test keys, published) ----
  const serviceEs = testKey('service ES256', ALG_ES256);
  const serviceMl = testKey('service ML-DSA-65', ALG_ML_DSA_65);
  const rogue = testKey('rogue service ES256', ALG_ES256);
  const keyFiles = (name: string, k: PrivateKey): string => {
    put(`keys/${name}.key.cbor`, exportCoseKey(k));
    return put(`keys/${name}.pub.cbor`, exportCoseKey(k.publicKey));
  };
  keyFiles('service-ES256', serviceEs);
  keyFiles('service-ML-DSA-65', serviceMl);
  keyFiles('rogue-service-ES256', rogue);
  const SERVICE = put('keys/service.keyset.cbor', exportCoseKeySet([serviceEs, serviceMl]));
  const issuers = new Map(ALGS.map(([n, a]) => [n, testKey(`issuer ${n}`, a)]));
  const issuerPub = new Map([...issuers].map(([n, k]) => [n, keyFiles(`issuer-${n}`, k)]));
  const agents = { a: testKey('agent a', ALG_ES256), b: testKey('agent b', ALG_ED25519), c: testKey('agent c', ALG_ML_DSA_44) };
  const AGENTS = put('keys/agents.keyset.cbor', exportCoseKeySet(Object.values(agents)));
  for (const [n, k] of Object.entries(agents)) keyFiles(`agent-${n}`, k);

  // ---- one log for everything; receipts are issued after the last registration ----
  const tree = new MemoryTree();
  const register = (statement: Uint8Array): number => tree.append(entryHash(registrationEntry(statement)));
  const statementOf = (key: PrivateKey, iss: string, sub: string, payload: Uint8Array, ct = 'application/json'): Uint8Array =>
    buildStatement({ key, iss, sub, payload, contentType: ct, iat: IAT });
  const finals: Array<(sths: SignedTreeHead[]) => Promise<void>> = [];

  // statements for every algorithm: Transparent Statements with an ES256 and an ML-DSA-65 receipt
  for (const [name, key] of issuers) {
    const st = statementOf(key, `https://issuer.example/${name}`, `urn:atlog:test-vectors:statement:${name}`, new TextEncoder().encode(`{"alg":"${name}"}`));
    const i = register(st);
    finals.push(async (sths) => {
      const path = put(`statements/${name}.transparent.cose`, toTransparentStatement(st, await receiptsFor(sths, i)));
      manifest.push({ id: `statement-${name}`, kind: 'statement', description: `${name} Signed Statement with ES256 and ML-DSA-65 receipts`, files: { statement: path, issuerKey: issuerPub.get(name)!, serviceKey: SERVICE }, expect: { valid: true } });
    });
  }
  const receiptsFor = async (sths: SignedTreeHead[], i: number): Promise<Uint8Array[]> => {
    const proof = await tree.inclusion(i, sths[0]!.treeSize);
    return sths.map((s) => issueInclusionReceipt(s, i, proof));
  };

  // receipt cases: a plain Signed Statement and one receipt file each
  const plainKey = issuers.get('ES256')!;
  const plain = statementOf(plainKey, 'https://issuer.example/ES256', 'urn:atlog:test-vectors:receipts', new TextEncoder().encode('{"receipt":"cases"}'));
  const pi = register(plain);
  const other = statementOf(plainKey, 'https://issuer.example/ES256', 'urn:atlog:test-vectors:other', new TextEncoder().encode('{"other":true}'));
  const oi = register(other);
  const badSig = rewrite(statementOf(plainKey, 'https://issuer.example/ES256', 'urn:atlog:test-vectors:bad-sig', new TextEncoder().encode('{"bad":"sig"}')), (a) => (a[3] = flipByte(a[3] as Uint8Array, 3)));
  const bi = register(badSig); // the service logged the tampered bytes, so only the issuer signature fails
  finals.push(async ([es, ml]) => {
    const P = put('receipts/statement.cose', plain);
    const proof = await tree.inclusion(pi, es!.treeSize);
    const rc = (id: string, description: string, receipt: Uint8Array, expect: Case['expect'], statement = P): void => {
      manifest.push({ id, kind: 'statement', description, files: { statement, receipt: [put(`receipts/${id}.cose`, receipt)], issuerKey: issuerPub.get('ES256')!, serviceKey: SERVICE }, expect });
    };
    const good = issueInclusionReceipt(es!, pi, proof);
    rc('receipt-valid-ES256', 'ES256 receipt', good, { valid: true });
    rc('receipt-valid-ML-DSA-65', 'ML-DSA-65 receipt', issueInclusionReceipt(ml!, pi, proof), { valid: true });
    const withProof = (body: unknown[]): Uint8Array => rewrite(good, (a) => (a[1] = new Map([[396, new Map([[-1, [cborEncode(body)]]])]])));
    rc('receipt-tampered-path', 'first path hash has one bit flipped', withProof([es!.treeSize, pi, proof.map((h, k) => (k === 0 ? flipByte(h, 0) : h))]), { valid: false, code: 'ERR_RECEIPT_INCLUSION_INVALID' });
    rc('receipt-wrong-leaf', 'receipt of another entry', issueInclusionReceipt(es!, oi, await tree.inclusion(oi, es!.treeSize)), { valid: false, code: 'ERR_RECEIPT_INCLUSION_INVALID' });
    rc('receipt-bad-signature', 'tree head signature has one bit flipped', rewrite(good, (a) => (a[3] = flipByte(a[3] as Uint8Array, 10))), { valid: false, code: 'ERR_RECEIPT_INCLUSION_INVALID' });
    rc('receipt-index-out-of-range', 'leaf_index equals tree_size', withProof([es!.treeSize, es!.treeSize, proof]), { valid: false, code: 'ERR_RECEIPT_INDEX_OUT_OF_RANGE' });
    // an honestly signed receipt whose protected vds is 2: the only thing wrong is the vds
    const p = cborDecode(es!.protectedBytes) as Map<number, unknown>;
    p.set(395, 2);
    const pb = encodeProtected(p);
    const vds2 = { ...es!, protectedBytes: pb, signature: serviceEs.sign(toBeSigned(pb, es!.root), ALG_ES256) };
    rc('receipt-unsupported-vds', 'protected vds (395) is 2', issueInclusionReceipt(vds2, pi, proof), { valid: false, code: 'ERR_RECEIPT_UNSUPPORTED_VDS' });
    const rogueSth = signTreeHead({ key: rogue, issuer: ISSUER, treeSize: es!.treeSize, root: es!.root, iat: IAT });
    rc('receipt-unknown-key', 'signed by a key that is not a service key', issueInclusionReceipt(rogueSth, pi, proof), { valid: false, code: 'ERR_RECEIPT_UNKNOWN_KEY' });
    const bad = put('receipts/bad-signature.statement.cose', badSig);
    rc('statement-bad-signature', 'statement signature has one bit flipped; the receipt is honest', issueInclusionReceipt(es!, bi, await tree.inclusion(bi, es!.treeSize)), { valid: false, code: 'ERR_STATEMENT_BAD_SIGNATURE' }, bad);
    // a 1-leaf tree: the path is empty
    const one = new MemoryTree([entryHash(registrationEntry(plain))]);
    const oneSth = signTreeHead({ key: serviceEs, issuer: ISSUER, treeSize: 1, root: one.rootAt(), iat: IAT });
    rc('receipt-one-leaf', '1-leaf tree: empty inclusion path', issueInclusionReceipt(oneSth, 0, []), { valid: true });
  });

  const mid = tree.size; // an earlier checkpoint an auditor saw, before the sessions below were logged

  // ---- AAT sessions ----
  const A = 'urn:agent:atlog-vectors:a';
  const B = 'urn:agent:atlog-vectors:b';
  const C = 'urn:agent:atlog-vectors:c';
  const recordStatement = (key: PrivateKey, r: AatRecord): Uint8Array => statementOf(key, r.agent_id, `urn:uuid:${r.session_id}`, jcs(r), AAT_CONTENT_TYPE);
  /** Register records as statements (in the given order) and emit a bundle once receipts exist. */
  const bundleOf = (file: string, key: PrivateKey, agent: string, records: AatRecord[], sessionId = records[0]!.session_id) => {
    const sts = records.map((r) => recordStatement(key, r));
    const idx = sts.map(register);
    finals.push(async (sths) => {
      const statements = await Promise.all(sts.map(async (s, k) => toTransparentStatement(s, await receiptsFor(sths, idx[k]!))));
      put(file, encodeBundle({ version: 1, agent, session: sessionId, checkpoint: encodeSignedTreeHead(sths[0]!, { attachRoot: true }), statements }));
    });
    return { sts, file };
  };
  const sessionCase = (id: string, description: string, records: AatRecord[], expect: Case['expect']): void => {
    bundleOf(`sessions/${id}.bundle`, agents.a, A, records);
    manifest.push({ id, kind: 'bundle', description, files: { bundle: [`sessions/${id}.bundle`], serviceKey: SERVICE, issuerKey: AGENTS }, expect });
  };
  sessionCase('session-valid', 'genesis, tool call/response, decision, session_end (-06 records)', session(A, 'valid'), { valid: true });
  sessionCase('session-valid-draft00', 'the same session of -00 records (no record_phase)', session(A, 'valid draft00', { draft: 0 }), { valid: true });
  sessionCase('session-open', 'a session without its session_end: not proven complete', session(A, 'open', { end: false }), { valid: false, code: 'ERR_AAT_SESSION_INCONCLUSIVE' });
  const s = (n: string): AatRecord[] => session(A, n);
  const edited = s('edited');
  edited[2] = { ...edited[2]!, action_detail: { ...edited[2]!.action_detail, tool_name: 'other' } };
  sessionCase('session-edited', 'record 2 changed after record 3 linked to it', edited, { valid: false, code: 'ERR_AAT_CHAIN_EDITED' });
  const removed = s('removed');
  removed.splice(2, 1);
  sessionCase('session-removed', 'record 2 removed', removed, { valid: false, code: 'ERR_AAT_CHAIN_REMOVED' });
  const reordered = s('reordered');
  [reordered[2], reordered[3]] = [reordered[3]!, reordered[2]!];
  sessionCase('session-reordered', 'records 2 and 3 logged in swapped order', reordered, { valid: false, code: 'ERR_AAT_CHAIN_REORDERED' });
  const forked = s('forked').slice(0, 3);
  forked.push(nextRecord(forked[1]!, { action_type: 'decision', action_detail: { decision_type: 'fork' }, record_id: uuidOf('forked x'), timestamp: at(10) }));
  sessionCase('session-forked', 'a second record follows record 1', forked, { valid: false, code: 'ERR_AAT_CHAIN_FORKED' });
  const dup = s('duplicate').slice(0, 3);
  dup.push(nextRecord(dup[2]!, { action_type: 'decision', action_detail: { decision_type: 'dup' }, record_id: dup[1]!.record_id, timestamp: at(10) }));
  sessionCase('session-duplicate', 'record_id of record 1 used again', dup, { valid: false, code: 'ERR_AAT_CHAIN_DUPLICATE' });
  const ts = s('timestamp').slice(0, 3);
  ts.push(nextRecord(ts[2]!, { action_type: 'decision', action_detail: { decision_type: 'late' }, record_id: uuidOf('timestamp x'), timestamp: new Date(Date.UTC(2026, 2, 29, 11, 0, 0)).toISOString() }));
  sessionCase('session-timestamp-regression', 'record 3 is timestamped before record 2', ts, { valid: false, code: 'ERR_AAT_CHAIN_TIMESTAMP_REGRESSION' });
  const sh = s('session-hash');
  const last = sh[sh.length - 1]!;
  sh[sh.length - 1] = { ...last, action_detail: { ...last.action_detail, session_hash: '00'.repeat(32) } };
  sessionCase('session-bad-session-hash', 'session_end carries a wrong session_hash', sh, { valid: false, code: 'ERR_AAT_CHAIN_BAD_SESSION_HASH' });
  const after = s('after-end');
  after.push(nextRecord(after[after.length - 1]!, { action_type: 'decision', action_detail: { decision_type: 'late' }, record_id: uuidOf('after-end x'), timestamp: at(30) }));
  sessionCase('session-after-end', 'a record follows session_end', after, { valid: false, code: 'ERR_AAT_CHAIN_AFTER_SESSION_END' });
  const nogen = s('no-genesis').slice(1);
  sessionCase('session-no-genesis', 'the genesis record is missing', nogen, { valid: false, code: 'ERR_AAT_CHAIN_BAD_GENESIS' });
  const invalid = s('invalid-record');
  invalid[2] = { ...invalid[2]!, outcome: 'maybe' } as unknown as AatRecord;
  sessionCase('session-invalid-record', 'record 2 is not a valid AAT record (outcome "maybe")', invalid, { valid: false, code: 'ERR_AAT_CHAIN_INVALID_RECORD' });
  const mixed = s('mixed');
  mixed[2] = session(A, 'intruder')[2]!;
  sessionCase('session-foreign-record', "a record of another session is in the bundle", mixed, { valid: false, code: 'ERR_BUNDLE_NOT_IN_SESSION' });

  // ---- delegation A -> B -> C ----
  const aRecs = session(A, 'deleg a', { delegateTo: B });
  const aB = bundleOf('delegation/a.bundle', agents.a, A, aRecs);
  const delA = aRecs.find((r) => r.action_type === 'delegation')!;
  const entryOf = (st: Uint8Array): string => toHex(entryHash(registrationEntry(st)));
  const bRecs = session(B, 'deleg b', { start: 100, delegateTo: C, delegatedBy: { agent_id: A, record_id: delA.record_id, entry: entryOf(aB.sts[aRecs.indexOf(delA)]!) } });
  const bB = bundleOf('delegation/b.bundle', agents.b, B, bRecs);
  const delB = bRecs.find((r) => r.action_type === 'delegation')!;
  bundleOf('delegation/c.bundle', agents.c, C, session(C, 'deleg c', { start: 200, delegatedBy: { agent_id: B, record_id: delB.record_id, entry: entryOf(bB.sts[bRecs.indexOf(delB)]!) } }));
  bundleOf('delegation/c-wrong-entry.bundle', agents.c, C, session(C, 'deleg c wrong', { start: 200, delegatedBy: { agent_id: B, record_id: delB.record_id, entry: '11'.repeat(32) } }));
  const dcase = (id: string, description: string, names: string[], expect: Case['expect']): void => {
    manifest.push({ id, kind: 'bundle', description, files: { bundle: names.map((n) => `delegation/${n}.bundle`), serviceKey: SERVICE, issuerKey: AGENTS }, expect });
  };
  dcase('delegation-valid', 'A delegates to B, B delegates to C', ['a', 'b', 'c'], { valid: true });
  dcase('delegation-any-order', 'the same chain, bundles given in another order', ['c', 'a', 'b'], { valid: true });
  dcase('delegation-missing-middle', "B's bundle is missing", ['a', 'c'], { valid: false, code: 'ERR_DELEGATION_MISSING_DELEGATION' });
  dcase('delegation-wrong-entry', "C's delegated_by.entry is not the log entry of B's delegation record", ['a', 'b', 'c-wrong-entry'], { valid: false, code: 'ERR_DELEGATION_ENTRY_MISMATCH' });

  // ---- consistency ----
  finals.push(async ([es]) => {
    const old = signTreeHead({ key: serviceEs, issuer: ISSUER, treeSize: mid, root: tree.rootAt(mid), iat: IAT - 60 });
    const OLD = put('consistency/old-checkpoint.cose', encodeSignedTreeHead(old, { attachRoot: true }));
    const NEW = put('consistency/new-checkpoint.cose', encodeSignedTreeHead(es!, { attachRoot: true }));
    const proof = await tree.consistency(mid, es!.treeSize);
    const goodBytes = issueConsistencyReceipt(es!, mid, proof);
    const good = put('consistency/receipt.cose', goodBytes);
    const c = (id: string, description: string, receipt: string, expect: Case['expect'], newCheckpoint?: string): void => {
      manifest.push({ id, kind: 'consistency', description, files: { consistency: receipt, oldCheckpoint: OLD, ...(newCheckpoint ? { newCheckpoint } : {}), serviceKey: SERVICE }, expect });
    };
    c('consistency-valid', `size ${mid} -> ${es!.treeSize}`, good, { valid: true });
    c('consistency-valid-with-new-checkpoint', 'and the newer checkpoint is the proven tree', good, { valid: true }, NEW);
    const tampered = rewrite(goodBytes, (a) => (a[1] = new Map([[396, new Map([[-2, [cborEncode([mid, es!.treeSize, proof.map((h, k) => (k === 0 ? flipByte(h, 5) : h))])]]])]])));
    c('consistency-tampered', 'one proof hash flipped', put('consistency/tampered.cose', tampered), { valid: false, code: 'ERR_RECEIPT_CONSISTENCY_INVALID' });
    // a split view: the service signs a different tree of the same size for someone else
    const fork = new MemoryTree();
    fork.leaves.push(...tree.leaves.slice(0, es!.treeSize - 1), tree.leaves[0]!); // last leaf replaced
    const forkSth = signTreeHead({ key: serviceEs, issuer: ISSUER, treeSize: es!.treeSize, root: fork.rootAt(), iat: IAT });
    c('consistency-split-view', 'the newer checkpoint given is not the tree the proof leads to', good, { valid: false, code: 'ERR_VERIFY_SPLIT_VIEW' }, put('consistency/forked-checkpoint.cose', encodeSignedTreeHead(forkSth, { attachRoot: true })));
  });

  // ---- bare AAT chains (no log) ----
  manifest.push(...aatCases(put));

  // ---- one checkpoint per service key over the whole log; every receipt above comes from these ----
  const size = tree.size;
  const sths = [serviceEs, serviceMl].map((key) => signTreeHead({ key, issuer: ISSUER, treeSize: size, root: tree.rootAt(size), iat: IAT }));
  for (const f of finals) await f(sths);
  manifest.sort((x, y) => x.id.localeCompare(y.id));
  put('manifest.json', new TextEncoder().encode(`${JSON.stringify({ version: 1, cases: manifest }, null, 2)}\n`));
  return { files, manifest };
}
