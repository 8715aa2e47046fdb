import type { AtlogErrorCode } from '../../errors.js';
import { equalBytes } from '../../util/bytes.js';
import type { HeadSource, ObservedHead } from './head-source.js';

/**
 * The monitor's one decision (spec/monitor.md section 3): given the head recorded last time and the newest one,
 * both already verified, did the log only grow? No I/O of its own; the proof comes from the source.
 */

/** What one comparison found. `rollback` and `split-view` are misbehaviour with signed evidence. */
export type Verdict =
  | { readonly kind: 'first'; readonly latest: ObservedHead }
  | { readonly kind: 'unchanged'; readonly recorded: ObservedHead; readonly latest: ObservedHead }
  | { readonly kind: 'grew'; readonly recorded: ObservedHead; readonly latest: ObservedHead; readonly proof: Uint8Array }
  | { readonly kind: 'rollback'; readonly recorded: ObservedHead; readonly latest: ObservedHead; readonly code: AtlogErrorCode; readonly detail: string }
  | {
      readonly kind: 'split-view';
      readonly recorded: ObservedHead;
      readonly latest: ObservedHead;
      readonly proof: Uint8Array;
      readonly code: AtlogErrorCode;
      readonly detail: string;
    };

/** True for the verdicts that are evidence of misbehaviour (exit 1). */
export function isMisbehaviour(v: Verdict): v is Extract<Verdict, { kind: 'rollback' | 'split-view' }> {
  return v.kind === 'rollback' || v.kind === 'split-view';
}

/**
 * Compares the newest head with the recorded one:
 * - no recorded head: `first`;
 * - a smaller tree, or the same size with another root: `rollback` (two heads signed by the same keys that no
 *   append-only log can both have produced; no proof is needed or possible);
 * - the same size and root: `unchanged`;
 * - a larger tree: the service's consistency proof must lead from the recorded root to the new one
 *   (RFC 9162 2.1.4.2); if it does not, `split-view`, else `grew`.
 * @throws AtlogError what `source.prove` throws when the proof cannot be evaluated.
 */
export async function compareHeads(recorded: ObservedHead | undefined, latest: ObservedHead, source: HeadSource, signal?: AbortSignal): Promise<Verdict> {
  if (recorded === undefined) return { kind: 'first', latest };
  if (latest.treeSize < recorded.treeSize) {
    return {
      kind: 'rollback',
      recorded,
      latest,
      code: 'ERR_MONITOR_ROLLBACK',
      detail: `the service now signs a tree of size ${latest.treeSize}, smaller than the size ${recorded.treeSize} it signed before`,
    };
  }
  if (latest.treeSize === recorded.treeSize) {
    if (equalBytes(latest.root, recorded.root)) return { kind: 'unchanged', recorded, latest };
    return {
      kind: 'rollback',
      recorded,
      latest,
      code: 'ERR_MONITOR_ROLLBACK',
      detail: `the service signed two different roots for size ${latest.treeSize}: the log was rewritten`,
    };
  }
  const p = await source.prove(recorded, latest, signal);
  if (p.consistent) return { kind: 'grew', recorded, latest, proof: p.proof };
  return { kind: 'split-view', recorded, latest, proof: p.proof, code: p.code, detail: p.detail };
}
