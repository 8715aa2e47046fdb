import { Worker } from 'node:worker_threads';
import { entryHashOf, leafHashOf } from './hashing.js';

/** Entry hashes and RFC 9162 leaf hashes of a batch, in input order. */
export interface BatchHashes {
  readonly entry: Uint8Array[];
  readonly leaf: Uint8Array[];
}

/** Batches smaller than this are hashed inline: a worker round trip costs more than their hashes. */
export const POOL_MIN_BATCH = 64;

/**
 * The worker: plain CommonJS (evaluated, so it runs the same under tsx, the compiled build and the crash test's
 * transpiled copy). Input: the entries concatenated and their end offsets; output: 64 bytes per entry,
 * SHA-256(entry) || SHA-256(0x00 || SHA-256(entry)), transferred back.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { hash } = require('node:crypto');
const leaf = new Uint8Array(33);
parentPort.postMessage('ready');
parentPort.on('message', ({ id, data, ends }) => {
  const out = new Uint8Array(64 * ends.length);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const e = hash('sha256', data.subarray(start, ends[i]), 'buffer');
    start = ends[i];
    out.set(e, 64 * i);
    leaf.set(e, 1);
    out.set(hash('sha256', leaf, 'buffer'), 64 * i + 32);
  }
  parentPort.postMessage({ id, out }, [out.buffer]);
});
`;

/** Hash a batch on the calling thread. */
export function hashInline(entries: readonly Uint8Array[]): BatchHashes {
  const entry = entries.map(entryHashOf);
  return { entry, leaf: entry.map(leafHashOf) };
}

/** What `LogStore` hashes batches with: a `HashPool`, or `inlineHasher` (option `hashWorker: false`). */
export interface BatchHasher {
  hash(entries: readonly Uint8Array[]): Promise<BatchHashes> | BatchHashes;
  close(): Promise<void>;
}

export const inlineHasher: BatchHasher = { hash: hashInline, close: async () => undefined };

/**
 * Hashes whole batches on one worker thread, off the thread that plans and writes appends
 * (spec/log-storage.md section 1). Falls back to hashing inline if the worker fails.
 */
export class HashPool implements BatchHasher {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { entries: readonly Uint8Array[]; resolve: (h: BatchHashes) => void }>();
  private nextId = 0;
  /** Until the worker has started (tens of ms), batches are hashed inline rather than wait for it. */
  private ready = false;

  constructor() {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.unref();
    w.on('message', (m: 'ready' | { id: number; out: Uint8Array }) => {
      if (m === 'ready') return void (this.ready = true);
      const { id, out } = m;
      const p = this.pending.get(id);
      if (p === undefined) return;
      this.pending.delete(id);
      const n = p.entries.length;
      const buf = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
      const entry = new Array<Uint8Array>(n);
      const leaf = new Array<Uint8Array>(n);
      for (let i = 0; i < n; i++) {
        entry[i] = buf.subarray(64 * i, 64 * i + 32);
        leaf[i] = buf.subarray(64 * i + 32, 64 * i + 64);
      }
      p.resolve({ entry, leaf });
    });
    const fail = (): void => {
      this.worker = undefined;
      for (const p of this.pending.values()) p.resolve(hashInline(p.entries));
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', fail);
    this.worker = w;
  }

  /** Hash a batch: on the worker when it is large enough, else inline. The entries are copied at once. */
  hash(entries: readonly Uint8Array[]): Promise<BatchHashes> | BatchHashes {
    const w = this.worker;
    if (w === undefined || !this.ready || entries.length < POOL_MIN_BATCH) return hashInline(entries);
    let total = 0;
    for (const e of entries) total += e.length;
    const data = new Uint8Array(total);
    const ends = new Float64Array(entries.length);
    let at = 0;
    entries.forEach((e, i) => {
      data.set(e, at);
      at += e.length;
      ends[i] = at;
    });
    const id = this.nextId++;
    return new Promise<BatchHashes>((resolve) => {
      this.pending.set(id, { entries, resolve });
      w.postMessage({ id, data, ends }, [data.buffer, ends.buffer]);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w !== undefined) await w.terminate();
  }
}
