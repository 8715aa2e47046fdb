import { parentPort } from 'node:worker_threads';
import { useNodeSignatures } from '../crypto/node/signatures.js';
// COSE keys only: the keys barrel would also load PEM's ASN.1 libraries, which a worker never needs.
import { importCoseKey } from '../keys/cose-key.js';
import type { PrivateKey, PublicKey } from '../keys/types.js';
import { toHex } from '../util/bytes.js';
import { checkRecordPayload, type RecordVerdict } from './record-check.js';

/**
 * Worker thread of the signature-check pool (verify-pool.ts). Receives arrays of `{ id, key, buf, tbsLength, alg }` where
 * `key` is a public COSE_Key and `buf` (transferred) holds the to-be-signed bytes followed by the signature;
 * answers an array of `{ id, ok, record? }` or `{ id, error }`. With `record`, a statement whose signature
 * verified also has its AAT record payload checked here (record-check.ts), off the main thread. Pure CPU
 * work: no I/O, no logging.
 */

export interface VerifyRequest {
  id: number;
  key: Uint8Array;
  /** The to-be-signed bytes (the first `tbsLength` bytes), then the signature. */
  buf: ArrayBuffer;
  tbsLength: number;
  alg: number;
  /**
   * Also check the payload, the last `payloadLength` bytes of the to-be-signed bytes, as an AAT record
   * (record-check.ts) under this draft, once the signature verified.
   */
  record?: { payloadLength: number; draft: 0 | 1 };
}

export type VerifyResponse = { id: number; ok: boolean; record?: RecordVerdict } | { id: number; error: string };

useNodeSignatures(); // every agent signature is checked here: OpenSSL, ~30x faster than pure JS for P-256

// Imported keys by their COSE_Key bytes: an ML-DSA-65 public key costs ~0.1 ms to expand, once per issuer.
const cache = new Map<string, PublicKey | PrivateKey>();
const CACHE_LIMIT = 1024;

function keyOf(bytes: Uint8Array): PublicKey | PrivateKey {
  const h = toHex(bytes);
  let k = cache.get(h);
  if (!k) {
    k = importCoseKey(bytes);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(h, k);
  }
  return k;
}

// Checks arrive in batches (one message per event-loop turn of the pool) and are answered in one message.
parentPort?.on('message', (ms: VerifyRequest[]) => {
  const replies: VerifyResponse[] = [];
  for (const m of ms) {
    try {
      const k = keyOf(m.key);
      const pub = 'publicKey' in k ? k.publicKey : k;
      const ok = pub.verify(new Uint8Array(m.buf, 0, m.tbsLength), new Uint8Array(m.buf, m.tbsLength), m.alg);
      if (ok && m.record !== undefined) {
        const payload = new Uint8Array(m.buf, m.tbsLength - m.record.payloadLength, m.record.payloadLength);
        replies.push({ id: m.id, ok, record: checkRecordPayload(payload, m.record.draft) });
      } else {
        replies.push({ id: m.id, ok });
      }
    } catch (e) {
      replies.push({ id: m.id, error: e instanceof Error ? e.message : String(e) });
    }
  }
  parentPort!.postMessage(replies);
});
