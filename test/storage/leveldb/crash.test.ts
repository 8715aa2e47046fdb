import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leafHash, rootFromLeafHashes, verifyInclusion } from '../../../src/merkle/index.js';
import { LevelDbStorage } from '../../../src/storage/index.js';
import { toHex } from '../../../src/util/bytes.js';
import { REPO_ROOT } from '../../helpers/vectors.js';
import { removeTempDir, tempDir } from '../../helpers/temp.js';
import { rejectCode } from '../helpers.js';
import { LAST_KEY, batchKey, newEntries } from './fixtures/batches.js';

/**
 * Crash safety (spec/log-storage.md "What is atomic"): a child appends batches with meta and acknowledges each
 * one after `append` resolves; the parent SIGKILLs it at random moments, reusing one data directory so damage
 * could accumulate, and after every kill reopens the log and checks it.
 *
 * The child runs as plain JavaScript: the needed sources are transpiled once with the TypeScript compiler into
 * node_modules/.cache (so `classic-level` resolves), because starting tsx 50 times would take minutes here.
 */
const ROUNDS = 52;
/** What the child imports: these folders (every .ts file, so a new module needs no edit here) and errors.ts. */
const SOURCE_DIRS = ['src/storage', 'src/storage/leveldb', 'src/merkle', 'src/util', 'src/crypto', 'test/storage/leveldb/fixtures'];
const sources = (): string[] => [
  'src/errors.ts',
  ...SOURCE_DIRS.flatMap((d) => readdirSync(join(REPO_ROOT, d)).filter((f) => f.endsWith('.ts')).map((f) => `${d}/${f}`)),
];
const OUT = join(REPO_ROOT, 'node_modules', '.cache', `atlog-crash-${process.pid}`);
const sha = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());
const sha2 = (a: Uint8Array, b: Uint8Array, c?: Uint8Array): Uint8Array => {
  const h = createHash('sha256').update(a).update(b);
  return new Uint8Array((c === undefined ? h : h.update(c)).digest());
};

/** RFC 9162 root of entry hashes, recomputed from scratch with node:crypto (checked against the pure one below). */
function fastRoot(entryHashes: readonly Uint8Array[]): Uint8Array {
  const stack: Uint8Array[] = [];
  entryHashes.forEach((e, i) => {
    let h = sha2(Uint8Array.of(0), e);
    for (let j = i; j % 2 === 1; j = (j - 1) / 2) h = sha2(Uint8Array.of(1), stack.pop()!, h);
    stack.push(h);
  });
  let r = stack.pop() ?? sha(new Uint8Array(0));
  while (stack.length > 0) r = sha2(Uint8Array.of(1), stack.pop()!, r);
  return r;
}

function transpile(): string {
  for (const rel of sources()) {
    const src = readFileSync(join(REPO_ROOT, rel), 'utf8');
    const out = ts.transpileModule(src, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: rel,
    });
    const file = join(OUT, rel.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, out.outputText);
  }
  writeFileSync(join(OUT, 'package.json'), '{"type":"module"}');
  return join(OUT, 'test/storage/leveldb/fixtures/appender.js');
}

interface Ack {
  batch: number;
  size: number;
  indexes: number[];
}

/** Start the child; resolves `ready` on its first line and collects acks until it dies. */
function startChild(script: string, dir: string): { child: ChildProcess; ready: Promise<void>; exited: Promise<void>; acks: Ack[] } {
  const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acks: Ack[] = [];
  let buf = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const [kind, a, b, c] = buf.slice(0, nl).split(' ');
      buf = buf.slice(nl + 1);
      if (kind === 'ready') onReady();
      if (kind === 'ack') acks.push({ batch: Number(a), size: Number(b), indexes: c!.split(',').map(Number) });
    }
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve, reject) =>
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code}: ${stderr}`)))),
  );
  return { child, ready, exited, acks };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves once the child has acknowledged a batch (or died: `exited` then reports why). */
async function firstAck(run: { acks: Ack[]; child: ChildProcess }): Promise<void> {
  while (run.acks.length === 0 && run.child.exitCode === null && run.child.signalCode === null) await sleep(2);
}

describe('crash safety under SIGKILL', () => {
  let script = '';
  const dir = tempDir('atlog-crash-');
  beforeAll(() => {
    script = transpile();
  });
  afterAll(() => {
    removeTempDir(dir);
    rmSync(OUT, { recursive: true, force: true });
  });

  it(`keeps every acknowledged batch whole across ${ROUNDS} random kills`, { timeout: 120_000 }, async () => {
    const allAcks: Ack[] = [];
    const expectedHashes: Uint8Array[] = []; // entry hashes of batches 0..last, grown as batches survive
    const batchStart: number[] = [];
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let killsMidAppend = 0;
    let readyMs = 0;
    let checkMs = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      const run = startChild(script, dir);
      const earlyKill = round % 5 === 4; // some kills land during start-up and recovery
      if (!earlyKill) {
        await run.ready;
        readyMs += performance.now() - t0;
        if (round === 0) expect(await rejectCode(LevelDbStorage.open(dir))).toBe('ERR_LOG_LOCKED');
      }
      // A late kill waits for the child's first acknowledged batch (however slow a loaded machine makes it), so
      // most kills land while batches are being appended; the random pause then picks the moment.
      if (!earlyKill) await firstAck(run);
      await sleep(Math.floor(rand() * (earlyKill ? 250 : 60)));
      const acksBefore = run.acks.length;
      run.child.kill('SIGKILL');
      await run.exited;
      if (run.acks.length > acksBefore || run.acks.length > 0) killsMidAppend++;
      allAcks.push(...run.acks);

      // Reopen and check the survivors.
      const t1 = performance.now();
      const store = await LevelDbStorage.open(dir);
      const { reader, meta } = store;
      try {
        const lastBytes = await meta.get(LAST_KEY);
        const last = lastBytes === undefined ? -1 : Number(new TextDecoder().decode(lastBytes));
        for (let b = batchStart.length; b <= last; b++) {
          batchStart.push(expectedHashes.length);
          for (const e of newEntries(b)) expectedHashes.push(sha(e));
        }
        expect(batchStart.length, 'a committed batch was lost').toBe(last + 1);
        // No partial batch: the size is exactly the sum of whole batches 0..last.
        expect(reader.size).toBe(expectedHashes.length);
        const stored = await reader.entryHashes(0, reader.size);
        expect(Buffer.concat(stored).equals(Buffer.concat(expectedHashes)), 'stored entry hashes differ').toBe(true);
        const root = fastRoot(stored);
        expect(toHex(reader.head.root)).toBe(toHex(root));
        expect(toHex(await reader.rootAt(reader.size))).toBe(toHex(root));
        // Meta written with a batch is present iff the batch is.
        for (const b of [0, Math.floor(last / 2), last]) if (b >= 0) expect(await meta.get(batchKey(b))).toBeDefined();
        expect(await meta.get(batchKey(last + 1))).toBeUndefined();
        expect(await reader.indexOfEntryHash(sha(newEntries(last + 1)[0]!))).toBeUndefined();
        // Every acknowledged batch is there, at the indexes it was given.
        for (const ack of allAcks) {
          expect(ack.batch).toBeLessThanOrEqual(last);
          const fresh = newEntries(ack.batch).length;
          expect(ack.indexes.slice(0, fresh)).toEqual(Array.from({ length: fresh }, (_, j) => batchStart[ack.batch]! + j));
          expect(ack.indexes[fresh]).toBe(batchStart[ack.batch]); // the in-batch repeat
          if (ack.batch > 0) expect(ack.indexes[fresh + 1]).toBe(batchStart[ack.batch - 1]); // the earlier duplicate
        }
        if (reader.size > 0) {
          const i = Math.floor(rand() * reader.size);
          expect(verifyInclusion(leafHash(stored[i]!), i, reader.size, await reader.inclusionProof(i), root)).toBe(true);
          const b = batchStart.findLastIndex((s) => s <= i);
          expect(await reader.entry(i)).toEqual(newEntries(b)[i - batchStart[b]!]);
        }
      } finally {
        await store.close();
      }
      checkMs += performance.now() - t1;
    }
    const final = await LevelDbStorage.open(dir);
    const hashes = await final.reader.entryHashes(0, final.reader.size);
    expect(toHex(fastRoot(hashes))).toBe(toHex(rootFromLeafHashes(hashes.map(leafHash))));
    await final.close();
    expect(allAcks.length).toBeGreaterThan(ROUNDS);
    expect(killsMidAppend).toBeGreaterThanOrEqual(ROUNDS / 2);
    console.log(`crash test: ${ROUNDS} kills, ${allAcks.length} acknowledged batches; start ${(readyMs / ROUNDS).toFixed(0)} ms, check ${(checkMs / ROUNDS).toFixed(0)} ms per round`);
  });
});
