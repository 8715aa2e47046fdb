/**
 * `npm run bench -- merkle [--entries N] [--batch N] [--samples N] [--entry-bytes N] [--dir PATH] [--inflight N]`
 *
 * 1. Appends N (default 10^6) random, incompressible entries in batches (default 1,000) into a fresh LevelDbStorage
 *    in a temp dir, one append awaited at a time: entries/s.
 * 2. At 10^4, 10^5 and 10^6 entries: latency p50/p90/p99 of a historic root (rootAt of a random size), an
 *    inclusion proof (random leaf, current size) and a consistency proof (random size1 to the current size),
 *    measured after `store.compact()`; inclusion proofs also right after the bulk append, before it.
 * 3. The same computations with merkletreejs configured for RFC 9162 (leaf hashes given pre-hashed with 0x00,
 *    nodes SHA-256(0x01 || l || r) through the concatenator, odd nodes promoted, not duplicated); its root must
 *    equal ours. It keeps no state on disk, so serving a proof for a log means rebuilding the tree from the
 *    leaf hashes: each of its figures is rebuild + operation. merkletreejs has no consistency proofs, so its
 *    consistency figure is rebuild + our RFC 9162 proof derivation over its layers.
 * 4. Data-directory bytes per entry: the size of every file in the LevelDB directory after close, minus the
 *    entry bytes appended, divided by the entry count; again after a full LevelDB compaction.
 * 5. The same N entries on a fresh directory with `--inflight` (default 2) appends outstanding: the store plans
 *    the next append (duplicates, tree, LevelDB batch) while the previous one's synced write runs, and still
 *    writes them one at a time in call order.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ClassicLevel } from 'classic-level';
import { MerkleTree } from 'merkletreejs';
import { LevelDbStorage } from '../src/storage/index.js';
import { consistencyProof } from '../src/merkle/index.js';
import { toHex } from '../src/util/bytes.js';

interface Options {
  entries: number;
  batch: number;
  samples: number;
  entryBytes: number;
  dir: string | undefined;
  inflight: number;
}

function parse(args: string[]): Options {
  const o: Options = { entries: 1_000_000, batch: 1000, samples: 2000, entryBytes: 256, dir: undefined, inflight: 2 };
  for (let i = 0; i < args.length; i += 2) {
    const [k, v] = [args[i], args[i + 1]];
    if (k === '--entries') o.entries = Number(v);
    else if (k === '--batch') o.batch = Number(v);
    else if (k === '--samples') o.samples = Number(v);
    else if (k === '--entry-bytes') o.entryBytes = Number(v);
    else if (k === '--dir') o.dir = v;
    else if (k === '--inflight') o.inflight = Number(v);
  }
  return o;
}

const sha = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();
let seed = 42;
const rand = (n: number): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return Math.floor((seed / 2 ** 31) * n);
};

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
/** Mean, for CPU time: getrusage is accounted in scheduler ticks, so single samples are coarse, sums are not. */
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const ms = (x: number): string => (x < 1 ? x.toFixed(3) : x.toFixed(1));

/** Wall time (ms) of each call and the process CPU time (ms, all threads) spent during it (meaningful summed). */
async function timeEach(n: number, f: () => Promise<unknown>): Promise<{ wall: number[]; cpu: number[] }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await f();
    wall.push(performance.now() - t);
    const cu = process.cpuUsage(c);
    cpu.push((cu.user + cu.system) / 1000);
  }
  return { wall, cpu };
}

/** A full GC before each latency run, so garbage from the previous phase (merkletreejs trees) is not collected inside ours. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Reference leaf hashes, flat (10^6 small Buffers would make the heap, and GC pauses, much larger). */
class LeafHashes {
  private buf = Buffer.alloc(32 * 1024);
  length = 0;
  push(h: Uint8Array): void {
    if ((this.length + 1) * 32 > this.buf.length) {
      const b = Buffer.alloc(this.buf.length * 2);
      this.buf.copy(b);
      this.buf = b;
    }
    this.buf.set(h, this.length++ * 32);
  }
  slice(n: number): Buffer[] {
    return Array.from({ length: n }, (_, i) => this.buf.subarray(i * 32, i * 32 + 32));
  }
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) n += statSync(join(dir, f)).size;
  return n;
}

/** merkletreejs, configured so that its tree is the RFC 9162 tree of the given leaf hashes. */
function rfcTree(leafHashes: Buffer[]): MerkleTree {
  return new MerkleTree(leafHashes, sha, {
    hashLeaves: false,
    duplicateOdd: false,
    sortPairs: false,
    concatenator: (bufs: Buffer[]) => Buffer.concat([Buffer.of(1), ...bufs]),
  });
}

/** Wall and CPU time spent inside `append` (entry generation and the reference leaf hashes are not timed). */
interface AppendTime {
  wallMs: number;
  cpuMs: number;
  entries: number;
}

/**
 * Append entries up to `until`, keeping `inflight` appends outstanding (a new one is called as soon as one
 * resolves). The entries of up to 100 batches are generated before their timing starts, and the reference leaf
 * hashes computed after it ends, so only the `append` calls are timed.
 */
async function append(store: LevelDbStorage, o: Options, until: number, inflight: number, sink: LeafHashes | undefined): Promise<AppendTime> {
  const start = store.reader.size;
  const time: AppendTime = { wallMs: 0, cpuMs: 0, entries: 0 };
  for (let at = start; at < until; at += o.batch * 100) {
    const batches: Buffer[][] = [];
    for (let b = at; b < Math.min(until, at + o.batch * 100); b += o.batch) {
      const n = Math.min(o.batch, until - b);
      const buf = randomFillSync(Buffer.alloc(n * o.entryBytes));
      batches.push(Array.from({ length: n }, (_, i) => buf.subarray(i * o.entryBytes, (i + 1) * o.entryBytes)));
    }
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < batches.length) await store.appender.append(batches[next++]!);
    };
    const t = performance.now();
    const c = process.cpuUsage();
    await Promise.all(Array.from({ length: inflight }, lane));
    const cu = process.cpuUsage(c);
    time.wallMs += performance.now() - t;
    time.cpuMs += (cu.user + cu.system) / 1000;
    if (sink !== undefined) for (const b of batches) for (const e of b) sink.push(sha(Buffer.concat([Buffer.of(0), sha(e)])));
  }
  time.entries = store.reader.size - start;
  return time;
}

const rate = (t: AppendTime): string =>
  `${Math.round((t.entries / t.wallMs) * 1000).toLocaleString('en')} entries/s (process CPU ${((t.cpuMs * 1000) / t.entries).toFixed(1)} us/entry)`;

async function measure(store: LevelDbStorage, leafHashes: LeafHashes, o: Options): Promise<void> {
  const n = store.reader.size;
  const root = store.reader.head.root;
  // First right after the bulk append, while LevelDB's background compaction still works through it.
  await timeEach(200, () => store.reader.inclusionProof(rand(n), n));
  const hot = await timeEach(o.samples, () => store.reader.inclusionProof(rand(n), n));
  // Then after LevelDB has compacted (what a log serves from once the import is done), with garbage collected.
  const tc = performance.now();
  await store.compact();
  const compactMs = performance.now() - tc;
  await timeEach(200, () => store.reader.inclusionProof(rand(n), n));
  gc();
  const rootT = await timeEach(o.samples, () => store.reader.rootAt(1 + rand(n)));
  const incT = await timeEach(o.samples, () => store.reader.inclusionProof(rand(n), n));
  const conT = await timeEach(o.samples, () => store.reader.consistencyProof(1 + rand(n), n));

  // merkletreejs: rebuild + operation, fewer samples (each rebuild hashes the whole tree).
  const reps = n >= 1_000_000 ? 3 : n >= 100_000 ? 5 : 20;
  const leaves = leafHashes.slice(n);
  const mt = { root: [] as number[], inc: [] as number[], con: [] as number[], build: [] as number[], incWarm: [] as number[] };
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    const tree = rfcTree(leaves);
    const built = performance.now() - t;
    mt.build.push(built);
    t = performance.now();
    const mroot = tree.getRoot();
    mt.root.push(built + performance.now() - t);
    if (toHex(mroot) !== toHex(root)) throw new Error(`merkletreejs root ${toHex(mroot)} != ours ${toHex(root)} at ${n}`);
    const i = rand(n);
    t = performance.now();
    tree.getProof(leaves[i]!, i);
    mt.inc.push(built + performance.now() - t);
    const layers = tree.getLayers();
    t = performance.now();
    await consistencyProof(1 + rand(n), n, async (level, index) => layers[level]![index]!);
    mt.con.push(built + performance.now() - t);
    // For context: a proof from a tree already held in memory.
    const w = performance.now();
    for (let k = 0; k < 100; k++) tree.getProof(leaves[(i + k) % n]!, (i + k) % n);
    mt.incWarm.push((performance.now() - w) / 100);
  }
  const row = (name: string, ours: { wall: number[]; cpu: number[] }, theirs: number[]): string =>
    `| ${n.toLocaleString('en')} | ${name} | ${ms(pct(ours.wall, 50))} | ${ms(pct(ours.wall, 90))} | ${ms(pct(ours.wall, 99))} | ${ms(mean(ours.cpu))} | ` +
    `${ms(pct(theirs, 50))} | ${(pct(theirs, 50) / pct(ours.wall, 50)).toFixed(0)}x | ${(pct(theirs, 50) / pct(ours.wall, 99)).toFixed(0)}x |`;
  console.log(`|   | inclusion proof right after the bulk append, during compaction: p50 ${ms(pct(hot.wall, 50))}, p90 ${ms(pct(hot.wall, 90))}, p99 ${ms(pct(hot.wall, 99))} ms; then store.compact() took ${(compactMs / 1000).toFixed(1)} s | | | | | | | |`);
  console.log(row('root (rootAt random size)', rootT, mt.root));
  console.log(row('inclusion proof', incT, mt.inc));
  console.log(row('consistency proof', conT, mt.con));
  gc();
  console.log(`|   | merkletreejs: build ${ms(pct(mt.build, 50))} ms median of ${reps}; getProof on a prebuilt tree ${(pct(mt.incWarm, 50) * 1000).toFixed(1)} us; roots equal: yes | | | | | | | |`);
}

export async function run(args: string[]): Promise<void> {
  const o = parse(args);
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'atlog-bench-'));
  const checkpoints = [10_000, 100_000, 1_000_000].filter((c) => c <= o.entries);
  if (!checkpoints.includes(o.entries)) checkpoints.push(o.entries);
  console.log(`entries ${o.entries.toLocaleString('en')} x ${o.entryBytes} random bytes, batches of ${o.batch}, ${o.samples} samples per latency, dir ${dir}`);
  const leafHashes = new LeafHashes();
  let store = await LevelDbStorage.open(dir);
  const rates: string[] = [];
  console.log('\n| entries | operation | atlog p50 ms | p90 ms | p99 ms | mean CPU ms | merkletreejs (rebuild + op) p50 ms | ratio p50 | ratio vs our p99 |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const all: AppendTime = { wallMs: 0, cpuMs: 0, entries: 0 };
  for (const c of checkpoints) {
    const before = store.reader.size;
    const t = await append(store, o, c, 1, leafHashes);
    all.wallMs += t.wallMs;
    all.cpuMs += t.cpuMs;
    all.entries += t.entries;
    rates.push(`${before.toLocaleString('en')}..${c.toLocaleString('en')}: ${rate(t)}`);
    await measure(store, leafHashes, o);
  }
  const total = store.reader.size;
  await store.close();
  console.log(`\nload average during the run (1/5/15 min): ${loadavg().map((x) => x.toFixed(1)).join(' / ')} on ${cpus().length} cores`);
  console.log(`append, one batch awaited at a time: ${rate(all)} overall\n  ${rates.join('\n  ')}`);

  const entryTotal = total * o.entryBytes;
  const written = dirBytes(dir);
  const db = new ClassicLevel(dir);
  await db.open();
  await db.compactRange(Uint8Array.of(0), Uint8Array.of(0xff), { keyEncoding: 'view' });
  await db.close();
  const compacted = dirBytes(dir);
  console.log(
    `data directory: ${(written / 2 ** 20).toFixed(1)} MiB after close, ${(compacted / 2 ** 20).toFixed(1)} MiB after full compaction; ` +
      `entry bytes ${(entryTotal / 2 ** 20).toFixed(1)} MiB; overhead per entry ${((written - entryTotal) / total).toFixed(1)} B ` +
      `(after compaction ${((compacted - entryTotal) / total).toFixed(1)} B)`,
  );

  // The same number of entries with appends in flight, on a fresh directory: the store plans the next append
  // while the previous one's synced write is on its way (it still writes them one at a time, in call order).
  const dir2 = mkdtempSync(join(tmpdir(), 'atlog-bench-'));
  store = await LevelDbStorage.open(dir2);
  const t2 = await append(store, o, o.entries, o.inflight, undefined);
  await store.close();
  console.log(`append, ${o.inflight} batches in flight (${t2.entries.toLocaleString('en')} entries, fresh directory): ${rate(t2)}`);
  rmSync(dir2, { recursive: true, force: true });
  if (o.dir === undefined) rmSync(dir, { recursive: true, force: true });
}
