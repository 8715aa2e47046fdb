import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransparencyService } from '../../src/service/index.js';
import { openCheckpoint, parseCheckpoint, parseNote, verifierFromVkey, type NoteVerifier, type TileReader } from '../../src/tlog/index.js';
import { fromHex } from '../../src/util/bytes.js';
import { verifyTlog } from '../../src/verify/index.js';
import { generateWitnessKeys, startWitnessServer, type RunningWitness } from '../../src/witness/index.js';
import { codeOf } from '../helpers/errors.js';
import { freePort } from '../helpers/net.js';
import { removeTempDir, tempDir } from '../helpers/temp.js';
import { memoryLogger } from '../witness/helpers.js';
import { Agent, openService, register } from './helpers.js';

/**
 * The service submits its checkpoints to witnesses (spec/tlog.md section 9) in the background: three
 * witnesses, one of them down, quorum two; the published checkpoint carries the two cosignatures and verifies
 * with a quorum of two, not three. A second log instance with the same keys and another history (a split view)
 * is refused by a witness that cosigned the first (422 when it is larger, a larger cosigned size when it is
 * smaller), so its checkpoints never reach a quorum.
 */

const ISSUER = 'https://witnessed.example.test';
const ORIGIN = 'witnessed.example.test/tlog';

/** Waits (bounded) until `cond` holds; no timing is asserted, the bound only keeps a broken run from hanging. */
async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('witnessing', () => {
  const dir = tempDir('atlog-witnessing-');
  const witnesses: RunningWitness[] = [];
  const witnessLogs = [memoryLogger(), memoryLogger()];
  let logVkeys: string[];
  let witnessKeys: NoteVerifier[];
  let downUrl: string;
  let downVkeys: string[];
  let svc: TransparencyService | undefined;
  const log = { ...memoryLogger(), debug() {} };

  beforeAll(async () => {
    // The log's note keys exist once it has started once; witnesses are configured with its vkeys.
    const first = await openService({ dataDir: join(dir, 'a'), issuer: ISSUER });
    logVkeys = [...first.tlog!.vkeys];
    await first.close();
    for (const [i, name] of ['w1.example/witness', 'w2.example/witness'].entries()) {
      const keyFile = join(dir, `w${i + 1}.keys`);
      writeFileSync(keyFile, `${generateWitnessKeys(name).skeys.join('\n')}\n`, { mode: 0o600 });
      const logs = logVkeys.map((v) => `${ORIGIN}=${v}`);
      witnesses.push(await startWitnessServer({ keyFile, logs, port: 0, dataDir: join(dir, `w${i + 1}-state`) }, { ...witnessLogs[i]!, info() {} }));
    }
    // The third witness is down: its port has no listener.
    downUrl = `http://127.0.0.1:${await freePort()}`;
    downVkeys = generateWitnessKeys('w3.example/witness').vkeys;
    witnessKeys = [...witnesses.flatMap((w) => w.vkeys), ...downVkeys].map(verifierFromVkey);
  });

  afterAll(async () => {
    await svc?.close();
    for (const w of witnesses) await w.close();
    removeTempDir(dir);
  });

  const targets = (): string[] => [...witnesses.flatMap((w) => w.vkeys.map((v) => `${w.url}=${v}`)), ...downVkeys.map((v) => `${downUrl}=${v}`)];
  const reader = (s: TransparencyService): TileReader => async (l, i, w) => (await s.tlog!.tile(l, i, w))!;

  it('publishes checkpoints cosigned by two of three witnesses (one down) and never holds up receipts', { timeout: 90_000 }, async () => {
    svc = await openService({
      dataDir: join(dir, 'a'), issuer: ISSUER, logger: log,
      tlog: { witnesses: targets(), quorum: 2, witnessIntervalMs: 20, witnessTimeoutMs: 5000 },
    });
    const agent = new Agent();
    await svc.issuers.add(agent.id, agent.key.publicKey);
    let entryId = '';
    for (let round = 0; round < 3; round++) {
      // Receipts come while a witness is down; the checkpoint is published once two witnesses cosigned it.
      const done = await Promise.all(Array.from({ length: 5 + round }, () => register(svc!, agent.statement(agent.genesis()))));
      entryId = done[0]!.entry.entryId;
      const size = svc.stats().treeSize;
      await until(() => svc!.tlog!.checkpoint() !== undefined && parseCheckpoint(parseNote(svc!.tlog!.checkpoint()!).text).size === size, `a cosigned checkpoint of size ${size}`);
    }
    const note = svc.tlog!.checkpoint()!;
    const logKeys = logVkeys.map(verifierFromVkey);
    const opened = openCheckpoint(note, { origin: ORIGIN, logKeys, witnessKeys, quorum: 2 });
    expect(opened.witnesses).toEqual(['w1.example/witness', 'w2.example/witness']);
    // Each live witness cosigned with both its keys: Ed25519 cosignature/v1 and ML-DSA-44 subtree/v1.
    expect(opened.cosignatures.map((c) => c.verifier.type).sort()).toEqual([0x04, 0x04, 0x06, 0x06]);
    expect(opened.cosignatures.every((c) => typeof c.timestamp === 'number' && c.timestamp > 1_700_000_000)).toBe(true);
    expect(codeOf(() => openCheckpoint(note, { origin: ORIGIN, logKeys, witnessKeys, quorum: 3 }))).toBe('ERR_CHECKPOINT_QUORUM');
    // The same from tiles alone, as `atlog verify --tlog --witness-quorum 2` does it.
    const report = await verifyTlog({ checkpoint: note, logKeys, witnessKeys, quorum: 2, readTile: reader(svc), entry: { entryHash: fromHex(entryId) } });
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
    const three = await verifyTlog({ checkpoint: note, logKeys, witnessKeys, quorum: 3, readTile: reader(svc) });
    expect(three.failure?.code).toBe('ERR_CHECKPOINT_QUORUM');
    // The witnesses learned each size; the down one is retried with backoff and logged, not waited for.
    expect(log.lines.some((l) => l.msg === 'witness unreachable' && (l.obj as { witness?: string }).witness === 'w3.example/witness')).toBe(true);
  });

  it('keeps the published checkpoint over a restart and carries on from the witnesses\' sizes (learned from 409)', { timeout: 60_000 }, async () => {
    const before = svc!.tlog!.checkpoint()!;
    await svc!.close();
    svc = await openService({ dataDir: join(dir, 'a'), issuer: ISSUER, logger: log, tlog: { witnesses: targets(), quorum: 2, witnessIntervalMs: 20 } });
    expect(Buffer.from(svc.tlog!.checkpoint()!).equals(Buffer.from(before))).toBe(true);
    const agent = new Agent();
    await svc.issuers.add(agent.id, agent.key.publicKey);
    await register(svc, agent.statement(agent.genesis()));
    const size = svc.stats().treeSize;
    await until(() => parseCheckpoint(parseNote(svc!.tlog!.checkpoint()!).text).size === size, `a cosigned checkpoint of size ${size}`);
    // A restarted log starts from old size 0: the witnesses answered 409 with their sizes and then cosigned.
    expect(svc.tlog!.witnessSizes()).toMatchObject({ 'w1.example/witness': size, 'w2.example/witness': size });
  });

  /** A second instance of the log (same origin and note keys, other entries): a split view. */
  async function fork(name: string, entries: number): Promise<{ fork: TransparencyService; lines: ReturnType<typeof memoryLogger>['lines'] }> {
    const forkDir = join(dir, name);
    mkdirSync(join(forkDir, 'keys'), { recursive: true, mode: 0o700 });
    copyFileSync(join(dir, 'a', 'keys', 'tlog-note.skey'), join(forkDir, 'keys', 'tlog-note.skey'));
    const forkLog = { ...memoryLogger(), debug() {} };
    const w1 = witnesses[0]!;
    const f = await openService({
      dataDir: forkDir, issuer: ISSUER, logger: forkLog,
      tlog: { witnesses: w1.vkeys.map((v) => `${w1.url}=${v}`), quorum: 1, witnessIntervalMs: 20 },
    });
    expect(f.tlog!.vkeys).toEqual(logVkeys);
    const agent = new Agent();
    await f.issuers.add(agent.id, agent.key.publicKey);
    for (let i = 0; i < entries; i++) await register(f, agent.statement(agent.genesis()));
    return { fork: f, lines: forkLog.lines };
  }

  it('a split view: a larger fork is refused by the witness (422), so it is never published', { timeout: 60_000 }, async () => {
    const { fork: f, lines } = await fork('larger', svc!.stats().treeSize + 3);
    try {
      await until(() => lines.some((l) => l.msg === 'witness refused the checkpoint as inconsistent with what it cosigned'), 'the 422 refusal');
      const refusal = lines.find((l) => l.msg === 'witness refused the checkpoint as inconsistent with what it cosigned')!;
      expect((refusal.obj as { status: number }).status).toBe(422);
      expect(f.tlog!.checkpoint()).toBeUndefined();
      // The witness kept the refused, validly signed checkpoint as evidence.
      expect(witnessLogs[0]!.lines.some((l) => l.msg === 'inconsistent checkpoint refused')).toBe(true);
    } finally {
      await f.close();
    }
  });

  it('a stale fork: the witness has cosigned a larger tree of this origin, so the smaller one gets no cosignature', { timeout: 60_000 }, async () => {
    const { fork: f, lines } = await fork('smaller', 2);
    try {
      await until(() => lines.some((l) => l.msg === 'witness has cosigned a larger checkpoint of this log than the log has'), 'the stale refusal');
      expect(f.tlog!.checkpoint()).toBeUndefined();
      expect(f.tlog!.witnessSizes()['w1.example/witness']).toBe(svc!.stats().treeSize);
    } finally {
      await f.close();
    }
  });
});
