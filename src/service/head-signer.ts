import type { Worker } from 'node:worker_threads';
import { useNodeSignatures } from '../crypto/node/signatures.js';
import { AtlogError } from '../errors.js';
import { exportCoseKey, type PrivateKey } from '../keys/index.js';
import type { SignRequest, SignResponse, SignWorkerData } from './sign-worker.js';
import { isSlowAlg } from './verify-pool.js';
import { spawnWorker } from './worker-spawn.js';

/**
 * Computes tree-head signatures for the sequencer. A pure-JS ML-DSA-65 signature costs several milliseconds
 * (it was ~27% of the main thread under load), so each ML-DSA key signs in a worker thread of its own: the
 * main thread keeps serving HTTP and appending the next batch meanwhile. A P-256 signature (~30 µs) costs
 * less than the thread hop and stays inline.
 *
 * The worker receives its private key once, in `workerData` at spawn; it is never sent again or logged.
 */

interface Waiter {
  resolve: (sig: Uint8Array) => void;
  reject: (e: Error) => void;
}

/** One ML-DSA key's worker and its requests in flight. */
class KeyWorker {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;

  constructor(private readonly key: PrivateKey) {}

  sign(tbs: Uint8Array, alg: number): Promise<Uint8Array> {
    const w = this.worker ?? this.spawn();
    const id = this.nextId++;
    const req: SignRequest = { id, tbs, alg };
    return new Promise<Uint8Array>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      w.postMessage(req);
    });
  }

  private spawn(): Worker {
    const data: SignWorkerData = { key: exportCoseKey(this.key) };
    const w = spawnWorker('sign-worker', data);
    w.unref(); // an idle signer must not keep the process alive
    w.on('message', (m: SignResponse) => this.settle(m));
    w.on('error', (e) => this.fail(w, e));
    w.on('exit', () => this.fail(w, new Error('signing worker exited')));
    this.worker = w;
    return w;
  }

  private settle(m: SignResponse): void {
    const p = this.waiting.get(m.id);
    if (!p) return;
    this.waiting.delete(m.id);
    if ('error' in m) p.reject(new AtlogError('ERR_SERVICE_INTERNAL', `tree head signing failed: ${m.error}`));
    else p.resolve(m.sig);
  }

  /** A dead worker fails what it was signing and is replaced on next use. */
  private fail(w: Worker, e: Error): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    for (const p of this.waiting.values()) p.reject(new AtlogError('ERR_SERVICE_INTERNAL', 'tree head signing worker failed', { cause: e }));
    this.waiting.clear();
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
    for (const p of this.waiting.values()) p.reject(new AtlogError('ERR_SERVICE_CLOSED', 'tree head signer is closed'));
    this.waiting.clear();
  }
}

/** Signs with the service keys: inline, or in a worker thread for ML-DSA keys when `offload` is set. */
export class HeadSigner {
  private readonly workers: Array<KeyWorker | undefined>;

  constructor(
    private readonly keys: readonly PrivateKey[],
    offload: boolean,
  ) {
    useNodeSignatures(); // P-256 tree heads are signed on this thread: OpenSSL, not pure JS
    this.workers = keys.map((k) => (offload && isSlowAlg(k.alg) ? new KeyWorker(k) : undefined));
  }

  /**
   * The signature of `tbs` with service key `i` under `alg`.
   * @throws AtlogError ERR_SERVICE_INTERNAL when the signature could not be computed.
   */
  async sign(i: number, tbs: Uint8Array, alg: number): Promise<Uint8Array> {
    const w = this.workers[i];
    return w ? w.sign(tbs, alg) : this.keys[i]!.sign(tbs, alg);
  }

  /** Terminates the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w?.close()));
  }
}
