import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyRoot } from '../../src/merkle/index.js';
import {
  formatAddCheckpointRequest,
  formatCheckpoint,
  generateNoteKey,
  openCheckpoint,
  openNote,
  originHash,
  parseSignatureLines,
  SIG_COSIGNATURE_ED25519,
  SIG_COSIGNATURE_MLDSA44,
  SIG_ED25519,
  signerFromSkey,
  signNote,
  verifierFromVkey,
  type NoteSigner,
} from '../../src/tlog/index.js';
import { Witness, WitnessStore, parseLogs, type WitnessAnswer } from '../../src/witness/index.js';
import { codeOfAsync } from '../helpers/errors.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { TestLog, memoryLogger } from './helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const NOW = 1_790_000_000;

describe('the witness (tlog-witness add-checkpoint), in process over a real state store', () => {
  const dir = tempDir('atlog-witness-');
  const log = new TestLog('log.example/a');
  const other = new TestLog('log.example/b', 1);
  const fork = new TestLog('log.example/a', 9, log); // same origin and keys, other leaves: a split view
  let clock = NOW;
  const signers: NoteSigner[] = [
    signerFromSkey(generateNoteKey('witness.example/w1', SIG_COSIGNATURE_ED25519).skey, () => clock),
    signerFromSkey(generateNoteKey('witness.example/w1', SIG_COSIGNATURE_MLDSA44).skey, () => clock),
  ];
  const logger = memoryLogger();
  let store: WitnessStore;
  let w: Witness;
  const open = async (): Promise<void> => {
    store = await WitnessStore.open(dir);
    w = new Witness({ signers, logs: parseLogs([...log.vkeys.map((v) => `${log.origin}=${v}`), other.vkeys[0]!]), store, logger });
  };
  const add = async (body: Uint8Array | string): Promise<WitnessAnswer> => w.addCheckpoint(typeof body === 'string' ? enc(body) : body);
  const expectCosigned = (a: WitnessAnswer, size: number, origin = log.origin): void => {
    expect(a, a.body).toMatchObject({ status: 200, contentType: 'text/plain; charset=utf-8' });
    const lines = parseSignatureLines(a.body);
    expect(lines.map((l) => l.name)).toEqual(['witness.example/w1', 'witness.example/w1']);
    const src = new TestLog(origin, origin === log.origin ? 0 : 1);
    const note = signNote(formatCheckpoint({ origin, size, root: src.root(size), extensions: [] }), [], lines);
    const opened = openNote(note, signers.map((s) => s.verifier));
    expect(opened.verified.map((s) => s.timestamp)).toEqual([clock, clock]);
  };

  beforeAll(open);
  afterAll(async () => {
    await store.close();
    removeTempDirs();
  });

  it('cosigns a first checkpoint (old 0) with Ed25519 and ML-DSA-44 cosignatures, then its extensions', async () => {
    expectCosigned(await add(await log.request(0, 5)), 5);
    clock++;
    expectCosigned(await add(await log.request(5, 13)), 13);
    expectCosigned(await add(await log.request(13, 13)), 13); // the same size again: re-cosigned, fresh time
    clock++;
    expectCosigned(await add(await log.request(13, 300)), 300);
  });

  it('answers 409 with its size to a stale or unknown old size', async () => {
    for (const old of [0, 5, 299, 301]) {
      const a = await add(formatAddCheckpointRequest({ oldSize: old, proof: await log.proof(old, 302), note: log.note(302) }));
      expect(a).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: '300\n', code: 'ERR_WITNESS_CONFLICT' });
    }
    // An old size above the checkpoint's own is a bad request, whatever the witness holds.
    expect(await add(formatAddCheckpointRequest({ oldSize: 303, proof: [], note: log.note(302) }))).toMatchObject({ status: 400, code: 'ERR_WITNESS_OLD_SIZE' });
  });

  it('refuses a split view (422) and keeps what it cosigned', async () => {
    // The fork's checkpoint is validly signed and its proof is a real proof, but in the other tree.
    const split = formatAddCheckpointRequest({ oldSize: 300, proof: await fork.proof(300, 400), note: fork.note(400) });
    expect(await add(split)).toMatchObject({ status: 422, code: 'ERR_WITNESS_INCONSISTENT' });
    const sameSize = formatAddCheckpointRequest({ oldSize: 300, proof: [], note: fork.note(300) });
    expect(await add(sameSize)).toMatchObject({ status: 422, code: 'ERR_WITNESS_INCONSISTENT' });
    const wrongProof = formatAddCheckpointRequest({ oldSize: 300, proof: (await log.proof(300, 400)).slice(1), note: log.note(400) });
    expect(await add(wrongProof)).toMatchObject({ status: 422 });
    expect(logger.lines.filter((l) => l.msg === 'inconsistent checkpoint refused').length).toBeGreaterThanOrEqual(3);
    expect((await store.get(log.origin))!.size).toBe(300);
    expectCosigned(await add(await log.request(300, 400)), 400);
  });

  it('answers 404 for an unknown log and 403 for a checkpoint its keys did not (validly) sign', async () => {
    const stranger = new TestLog('log.example/unknown');
    expect(await add(await stranger.request(0, 3))).toMatchObject({ status: 404, code: 'ERR_WITNESS_UNKNOWN_LOG' });
    const impostor = new TestLog('log.example/a'); // right origin, other keys
    expect(await add(await impostor.request(400, 401))).toMatchObject({ status: 403, code: 'ERR_WITNESS_UNVERIFIED' });
    const good = log.note(401);
    const b64 = good.split('\n').find((l) => l.startsWith('\u2014'))!.split(' ')[2]!;
    const forged = good.replace(b64, b64.slice(0, 30) + (b64[30] === 'A' ? 'B' : 'A') + b64.slice(31));
    expect(await add(formatAddCheckpointRequest({ oldSize: 400, proof: await log.proof(400, 401), note: forged }))).toMatchObject({ status: 403 });
    // A log known by its ML-DSA-44 key only (log.example/b was configured with its Ed25519 vkey only): the
    // other signature is from an unknown key and ignored.
    expectCosigned(await add(formatAddCheckpointRequest({ oldSize: 0, proof: [], note: other.note(4, [other.ed]) })), 4, other.origin);
  });

  it('answers 400 to malformed requests and checkpoints', async () => {
    const bad = ['', 'old 0\n', 'old x\n\nlog\n', `old 0\n\n${log.origin}\n5\nnot base64\n\n\u2014 x AAAAAAE=\n`, `old 0\n\n${log.note(5).replace('\n\n', '\n')}`];
    for (const b of bad) expect((await add(b)).status, JSON.stringify(b.slice(0, 40))).toBe(400);
  });

  it('checks the empty tree: size 0 needs SHA-256("") and a proof from 0 must be empty', async () => {
    const fresh = new TestLog('log.example/c');
    const w2 = new Witness({ signers, logs: parseLogs(fresh.vkeys.map((v) => `${fresh.origin}=${v}`)), store, logger });
    const zero = (root: Uint8Array): string => signNote(formatCheckpoint({ origin: fresh.origin, size: 0, root, extensions: [] }), [fresh.ed]);
    expect((await w2.addCheckpoint(formatAddCheckpointRequest({ oldSize: 0, proof: [], note: zero(new Uint8Array(32)) }))).status).toBe(422);
    expect((await w2.addCheckpoint(formatAddCheckpointRequest({ oldSize: 0, proof: [new Uint8Array(32)], note: fresh.note(3) }))).status).toBe(422);
    expect((await w2.addCheckpoint(formatAddCheckpointRequest({ oldSize: 0, proof: [], note: zero(emptyRoot()) }))).status).toBe(200);
    expect((await w2.addCheckpoint(await fresh.request(0, 3))).status).toBe(200);
  });

  it('serialises concurrent submissions for one log: exactly one of those from the same old size wins', async () => {
    const answers = await Promise.all([401, 402, 403, 404, 405, 406, 407, 408].map(async (n) => add(await log.request(400, n))));
    const won = answers.filter((a) => a.status === 200);
    expect(won).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(7);
    const size = (await store.get(log.origin))!.size;
    expect(answers.filter((a) => a.status === 409).every((a) => a.body === `${size}\n`)).toBe(true);
    // A chain submitted all at once lands in order only where each request names the size before it.
    const chain = await Promise.all([[size, size + 10], [size + 10, size + 20]].map(async ([a, b]) => add(await log.request(a!, b!))));
    expect(chain.map((a) => a.status)).toEqual([200, 200]);
  });

  it('serves the latest cosigned checkpoint with the log and witness signatures (monitoring API)', async () => {
    const a = await w.checkpoint(originHash(log.origin));
    expect(a.status).toBe(200);
    const r = openCheckpoint(a.body, { origin: log.origin, logKeys: log.vkeys.map(verifierFromVkey), witnessKeys: signers.map((s) => s.verifier), quorum: 1 });
    expect(r.checkpoint.size).toBe((await store.get(log.origin))!.size);
    expect(r.logSignatures).toHaveLength(2);
    expect(r.cosignatures).toHaveLength(2);
    expect((await w.checkpoint(originHash('log.example/unknown'))).status).toBe(404);
    expect((await w.checkpoint('00'.repeat(32))).status).toBe(404);
  });

  it('keeps its state across a restart, and one process at a time holds the directory', async () => {
    const size = (await store.get(log.origin))!.size;
    expect(await codeOfAsync(() => WitnessStore.open(dir))).toBe('ERR_WITNESS_LOCKED');
    await store.close();
    await open();
    expect(await add(await log.request(0, size + 1))).toMatchObject({ status: 409, body: `${size}\n` });
    expectCosigned(await add(await log.request(size, size + 1)), size + 1);
  });

  it('refuses a configuration without keys, with two names or without logs', () => {
    const logs = parseLogs(log.vkeys);
    const edOther = signerFromSkey(generateNoteKey('witness.example/w2', SIG_COSIGNATURE_ED25519).skey);
    expect(() => new Witness({ signers: [], logs, store })).toThrow(expect.objectContaining({ code: 'ERR_WITNESS_CONFIG' }));
    expect(() => new Witness({ signers: [signers[0]!, edOther], logs, store })).toThrow(expect.objectContaining({ code: 'ERR_WITNESS_CONFIG' }));
    expect(() => new Witness({ signers, logs: new Map(), store })).toThrow(expect.objectContaining({ code: 'ERR_WITNESS_CONFIG' }));
    expect(() => parseLogs(['log.example/a=not-a-vkey'])).toThrow(expect.objectContaining({ code: 'ERR_WITNESS_CONFIG' }));
    expect([...parseLogs([log.vkeys[0]!]).keys()]).toEqual([log.origin]);
    expect(generateNoteKey('x', SIG_ED25519).vkey).toMatch(/^x\+[0-9a-f]{8}\+/);
  });
});
