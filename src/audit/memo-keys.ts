import type { PublicKey } from '../keys/index.js';
import { equalBytes, toHex } from '../util/bytes.js';

/**
 * Service keys that remember their last answers. Every receipt of a checkpoint carries the same tree head
 * signature over the same root, so an audit asks the same question thousands of times; an ML-DSA-65 check costs
 * far more than the lookup. A cached answer is reused only when the signed bytes are byte-for-byte the same,
 * so the answer is exactly the one verify() would give. Verification stays with the wrapped key.
 */

/** Answers kept per key: the tree heads of the checkpoints in flight (the current one and a few others). */
const CACHE_SIZE = 16;

export function memoKeys(keys: readonly PublicKey[]): PublicKey[] {
  return keys.map((k) => {
    const cache = new Map<string, { sig: Uint8Array; data: Uint8Array; ok: boolean }>();
    const verify = (data: Uint8Array, sig: Uint8Array, alg?: number): boolean => {
      // Looked up by the signature's last 16 bytes (cheap; hex of a whole ML-DSA signature is not), then
      // compared in full.
      const id = `${alg ?? ''}:${sig.length}:${toHex(sig.subarray(Math.max(0, sig.length - 16)))}`;
      const hit = cache.get(id);
      if (hit && equalBytes(hit.sig, sig) && equalBytes(hit.data, data)) return hit.ok;
      const ok = k.verify(data, sig, alg);
      if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(id, { sig: sig.slice(), data: data.slice(), ok });
      return ok;
    };
    // A view of the key with a caching verify; every other member reads through to the key.
    return new Proxy(k, {
      get: (target, prop) => {
        if (prop === 'verify') return verify;
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  });
}
