import type { Worker } from 'node:worker_threads';
import { algById } from '../cose/algorithms.js';
import { useNodeSignatures } from '../crypto/node/signatures.js';
import { AtlogError } from '../errors.js';
import { exportCoseKey, type PublicKey } from '../keys/index.js';
import { checkRecordPayload, type RecordVerdict } from './record-check.js';
import type { VerifyRequest, VerifyResponse } from './verify-worker.js';
import { spawnWorker } from './worker-spawn.js';

/**
 * Signature checks for registration, spread over worker threads where that pays.
 *
 * Measured on the shared 2-core dev machine (Node 20.20, 300-byte message, under load from other jobs):
 * inline ES256 verify 0.09-0.13 ms, Ed25519 0.11-0.16 ms, ML-DSA-65 2.2-3.5 ms; ML-DSA-65 through one worker
 * 2.6 ms sequential, 2.1 ms pipelined, so the hop costs a few tenths of a millisecond. ML-DSA checks always
 * go to the pool, where they no longer stall the event loop that serves HTTP and runs the sequencer.
 *
 * EC and EdDSA checks go there too by default (`inlineFast` false): one alone is cheaper inline than the hop,
 * but under load the main thread is the bottleneck (ES256 verify was ~11% of it) and the hop's latency
 * overlaps other requests. Measured over HTTP (docs/benchmarks.md "## http", 10,000 ESP256 registrations,
 * 256 connections, 2 cores, load average ~1.5): inline 1,587 and 1,624 registrations/s, in one worker 1,800
 * and 1,813/s, in two workers 1,726/s.
 */

/** A signature check's outcome, with the AAT record verdict when one was asked for and the signature verified. */
export interface Verified {
  readonly ok: boolean;
  readonly record?: RecordVerdict;
}

/** What `verify` should also check: the payload (the last `payloadLength` bytes of tbs) as an AAT record. */
export interface RecordRequest {
  readonly payloadLength: number;
  readonly draft: 0 | 1;
}

interface Pending {
  resolve: (v: Verified) => void;
  reject: (e: Error) => void;
}

/** True for the algorithms whose verification is worth a thread hop. */
export function isSlowAlg(alg: number): boolean {
  return algById(alg)?.family.startsWith('ML-DSA') ?? false;
}

/** A small pool of verification workers. With `size` 0 every check runs on the calling thread. */
export class VerifyPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending & { worker: Worker }>();
  private readonly keyBytes = new WeakMap<PublicKey, Uint8Array>();
  /** Requests queued per worker until the end of this event-loop turn (flush). */
  private readonly outbox = new Map<Worker, { reqs: VerifyRequest[]; transfer: ArrayBuffer[] }>();
  private flushing = false;
  private nextId = 1;
  private turn = 0;
  private closed = false;

  /**
   * @param size worker threads; 0 checks everything on the calling thread.
   * @param inlineFast check EC and EdDSA signatures on the calling thread (only ML-DSA goes to the workers).
   */
  constructor(
    private readonly size: number,
    private readonly inlineFast = false,
  ) {
    useNodeSignatures(); // checks that stay on this thread run on OpenSSL (the workers install it for themselves)
  }

  /**
   * Verifies `sig` over `tbs` with `key` and `alg`: in a worker (ML-DSA always, EC and EdDSA unless
   * `inlineFast`), else inline.
   * @returns false for a wrong signature.
   * @throws AtlogError ERR_COSE_ALG_MISMATCH (alg does not fit the key), ERR_SERVICE_CLOSED after close().
   */
  async verify(key: PublicKey, tbs: Uint8Array, sig: Uint8Array, alg: number): Promise<boolean> {
    return (await this.check(key, tbs, sig, alg)).ok;
  }

  /**
   * As `verify`, and once the signature verified, checks the payload as an AAT record (record-check.ts) in the
   * same place: the record's JSON parse, schema and canonical-form checks are the largest CPU cost of an AAT
   * registration after the signature, and in a worker they leave the main thread.
   */
  async check(key: PublicKey, tbs: Uint8Array, sig: Uint8Array, alg: number, record?: RecordRequest): Promise<Verified> {
    if (this.size === 0 || (this.inlineFast && !isSlowAlg(alg))) {
      const ok = key.verify(tbs, sig, alg);
      if (!ok || record === undefined) return { ok };
      return { ok, record: checkRecordPayload(tbs.subarray(tbs.length - record.payloadLength), record.draft) };
    }
    if (this.closed) throw new AtlogError('ERR_SERVICE_CLOSED', 'verification pool is closed');
    const worker = this.worker();
    const id = this.nextId++;
    let kb = this.keyBytes.get(key);
    if (!kb) {
      kb = exportCoseKey(key);
      this.keyBytes.set(key, kb);
    }
    // tbs and sig travel in one fresh buffer that is transferred, not cloned: sig is usually a view into the
    // request body, whose backing store (node's 8 KiB Buffer pool) a structured clone would copy whole.
    const buf = new Uint8Array(tbs.length + sig.length);
    buf.set(tbs, 0);
    buf.set(sig, tbs.length);
    const req: VerifyRequest = { id, key: kb, buf: buf.buffer, tbsLength: tbs.length, alg, ...(record === undefined ? {} : { record }) };
    return new Promise<Verified>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      let box = this.outbox.get(worker);
      if (!box) {
        box = { reqs: [], transfer: [] };
        this.outbox.set(worker, box);
      }
      box.reqs.push(req);
      box.transfer.push(buf.buffer);
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * One postMessage per worker per event-loop turn, carrying every check queued in that turn: a postMessage
   * costs the main thread far more than the copy of a few hundred bytes (V8 profile: ~9% of the main thread
   * under load with one message per check).
   */
  private flush(): void {
    this.flushing = false;
    for (const [w, box] of this.outbox) w.postMessage(box.reqs, box.transfer);
    this.outbox.clear();
  }

  private worker(): Worker {
    if (this.workers.length < this.size) {
      const w = spawnWorker('verify-worker');
      w.unref(); // an idle pool must not keep the process alive
      w.on('message', (ms: VerifyResponse[]) => {
        for (const m of ms) this.settle(m);
      });
      w.on('error', (e) => this.fail(w, e));
      w.on('exit', () => this.fail(w, new Error('verification worker exited')));
      this.workers.push(w);
      return w;
    }
    this.turn = (this.turn + 1) % this.workers.length;
    return this.workers[this.turn]!;
  }

  private settle(m: VerifyResponse): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if ('error' in m) p.reject(new AtlogError('ERR_REG_REJECTED', `signature check failed: ${m.error}`, { details: { reason: 'bad_signature' } }));
    else p.resolve(m.record === undefined ? { ok: m.ok } : { ok: m.ok, record: m.record });
  }

  /** A dead worker fails its pending checks and is replaced on next use. */
  private fail(w: Worker, e: Error): void {
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    for (const [id, p] of this.pending) {
      if (p.worker !== w) continue;
      this.pending.delete(id);
      p.reject(new AtlogError('ERR_SERVICE_VERIFY_WORKER', 'signature check worker failed', { cause: e }));
    }
  }

  /** Terminates the workers; checks still running are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
