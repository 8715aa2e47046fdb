import { parentPort, workerData } from 'node:worker_threads';
import { useNodeSignatures } from '../crypto/node/signatures.js';
// COSE keys only: the keys barrel would also load PEM's ASN.1 libraries, which a worker never needs.
import { importCoseKey } from '../keys/cose-key.js';
import { isPrivateKey, type PrivateKey } from '../keys/types.js';

/**
 * Worker thread of the tree-head signer (head-signer.ts). Gets its one private COSE_Key in `workerData` at
 * start (the key never travels again), then answers `{ id, tbs, alg }` with `{ id, sig }` or `{ id, error }`.
 * Pure CPU work: no I/O, and no logging (the error text never includes key material).
 */

export interface SignRequest {
  id: number;
  tbs: Uint8Array;
  alg: number;
}

export type SignResponse = { id: number; sig: Uint8Array } | { id: number; error: string };

/** What head-signer.ts passes as workerData. */
export interface SignWorkerData {
  key: Uint8Array;
}

useNodeSignatures(); // ML-DSA keys sign here (noble either way); an EC key, should one come, signs on OpenSSL

let key: PrivateKey | undefined;
let loadError: string | undefined;
try {
  const k = importCoseKey((workerData as SignWorkerData).key);
  if (isPrivateKey(k)) key = k;
  else loadError = 'signing worker got no private key';
} catch (e) {
  loadError = `signing worker cannot import its key: ${e instanceof Error ? e.message : String(e)}`;
}

parentPort?.on('message', (m: SignRequest) => {
  let reply: SignResponse;
  try {
    if (!key) throw new Error(loadError);
    const sig = key.sign(m.tbs, m.alg);
    reply = { id: m.id, sig };
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort!.postMessage(reply);
});
