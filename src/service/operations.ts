import type { AtlogError } from '../errors.js';
import type { OperationInfo } from './types.js';

/**
 * Registration operations in memory, bounded: running ones always stay (there are at most queueLimit of
 * them); finished ones are kept in insertion order and the oldest are dropped beyond `limit`. Succeeded
 * operations are also persisted in the meta store with their batch, so `operation()` still answers for them
 * after the map forgot them or after a restart (the service falls back to the meta).
 */
export class OperationTable {
  private readonly running = new Map<string, OperationInfo>();
  private readonly finished = new Map<string, OperationInfo>();

  constructor(private readonly limit: number) {}

  start(id: string, entryId: string): void {
    this.running.set(id, { status: 'running', entryId });
  }

  succeed(id: string, entryId: string): void {
    this.finish(id, { status: 'succeeded', entryId });
  }

  fail(id: string, entryId: string, error: AtlogError): void {
    this.finish(id, { status: 'failed', entryId, error });
  }

  private finish(id: string, info: OperationInfo): void {
    this.running.delete(id);
    this.finished.delete(id);
    this.finished.set(id, info);
    while (this.finished.size > this.limit) this.finished.delete(this.finished.keys().next().value!);
  }

  get(id: string): OperationInfo | undefined {
    return this.running.get(id) ?? this.finished.get(id);
  }

  get size(): number {
    return this.running.size + this.finished.size;
  }
}
