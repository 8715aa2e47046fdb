/**
 * A small bounded map with insertion-order eviction, for memoising pure, deterministic work in the token
 * verifier (parsed certificates, imported public keys, verified certificate signatures): a service or auditor
 * checks many tokens from the same few TSAs. Pure, browser-safe.
 */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): V {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
    return value;
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}
