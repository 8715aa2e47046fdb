import type { AatRecord } from '../aat/index.js';
import { ReportBuilder, type VerificationReport } from './report.js';
import { verifySessionBundle, type BundleVerifyOptions, type SessionReport } from './session.js';

/**
 * Cross-agent delegation chains (STANDARDS.md "Decision (delegation)"): a delegate's genesis record names the
 * delegation that created it in `action_detail.delegated_by = {agent_id, record_id, entry}`, `entry` being the
 * log entry hash of the statement that carries the delegator's `delegation` record. Given one bundle per
 * session, every bundle must verify on its own, exactly one must be the root (no delegated_by), and every other
 * one must point at a `delegation` record, present in another bundle, that names this agent and whose statement
 * has exactly that entry hash. Any depth; cycles and dangling links fail.
 */

interface DelegatedBy {
  agent_id: string;
  record_id: string;
  entry: string;
}

function delegatedBy(r: AatRecord | undefined): DelegatedBy | undefined | 'malformed' {
  const d = (r?.action_detail as Record<string, unknown> | undefined)?.['delegated_by'];
  if (d === undefined) return undefined;
  const x = d as Partial<DelegatedBy>;
  if (typeof x !== 'object' || x === null || typeof x.agent_id !== 'string' || typeof x.record_id !== 'string' || typeof x.entry !== 'string') return 'malformed';
  return x as DelegatedBy;
}

/**
 * Verify a delegation chain spread over several session bundles (any order).
 * @returns a report; never throws for bad input.
 */
export async function verifyDelegation(bundles: readonly Uint8Array[], o: BundleVerifyOptions): Promise<VerificationReport & { sessions: SessionReport[] }> {
  const b = new ReportBuilder();
  const sessions: SessionReport[] = [];
  for (const [i, bytes] of bundles.entries()) {
    const s = await verifySessionBundle(bytes, o);
    b.include(`bundle[${i}]`, s);
    sessions.push(s);
  }
  if (sessions.some((s) => !s.valid)) return { ...b.build(), sessions };
  // where every delegation record is: record_id -> (bundle index, record, entry hash)
  const delegations = new Map<string, { i: number; rec: AatRecord; entry: string }>();
  sessions.forEach((s, i) => s.records.forEach((rec, j) => rec.action_type === 'delegation' && delegations.set(rec.record_id, { i, rec, entry: s.entries[j]! })));
  const parent = new Map<number, number>();
  const roots: number[] = [];
  sessions.forEach((s, i) => {
    const name = `bundle[${i}].delegated_by`;
    const d = delegatedBy(s.records[0]);
    if (d === undefined) {
      roots.push(i);
      b.pass(name, `${s.agent} is a root of the chain (its genesis names no delegation)`);
      return;
    }
    if (d === 'malformed') return b.fail(name, 'ERR_DELEGATION_MALFORMED', 'delegated_by must be {agent_id, record_id, entry} of strings');
    const del = delegations.get(d.record_id);
    if (!del) return b.fail(name, 'ERR_DELEGATION_MISSING', `delegation record ${d.record_id} of ${d.agent_id} is in none of the bundles`);
    const detail = del.rec.action_detail as Record<string, unknown>;
    if (sessions[del.i]!.agent !== d.agent_id || del.rec.agent_id !== d.agent_id) {
      return b.fail(name, 'ERR_DELEGATION_MISMATCH', `record ${d.record_id} belongs to ${del.rec.agent_id}, not ${d.agent_id}`);
    }
    if (detail['delegate_agent_id'] !== s.agent) {
      return b.fail(name, 'ERR_DELEGATION_MISMATCH', `record ${d.record_id} delegates to ${String(detail['delegate_agent_id'])}, not ${s.agent}`);
    }
    if (del.entry !== d.entry.toLowerCase()) {
      return b.fail(name, 'ERR_DELEGATION_ENTRY_MISMATCH', `delegated_by.entry ${d.entry} is not the log entry ${del.entry} of record ${d.record_id}`);
    }
    parent.set(i, del.i);
    b.pass(name, `delegated by ${d.agent_id} record ${d.record_id} (entry ${del.entry})`);
  });
  if (roots.length !== 1) b.fail('delegation.root', 'ERR_DELEGATION_ROOT', `a chain has exactly one root bundle, found ${roots.length}`);
  else b.pass('delegation.root', `root ${sessions[roots[0]!]!.agent}`);
  // every bundle must reach the root: no cycles, no second tree
  for (let i = 0; i < sessions.length; i++) {
    const seen = new Set<number>();
    let k: number | undefined = i;
    while (k !== undefined && !seen.has(k)) {
      seen.add(k);
      k = parent.get(k);
    }
    if (k !== undefined) b.fail(`bundle[${i}].reaches-root`, 'ERR_DELEGATION_CYCLE', 'the delegated_by links form a cycle');
  }
  if (sessions.length > 0 && b.failure === undefined) {
    const depth = (i: number): number => (parent.has(i) ? 1 + depth(parent.get(i)!) : 0);
    b.pass('delegation.chain', `${sessions.length} session(s), depth ${Math.max(...sessions.map((_, i) => depth(i)))}`);
  }
  return { ...b.build(), sessions };
}
