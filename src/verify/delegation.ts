import { verifyDelegationChain } from '../aat/index.js';
import { delegationBreakCode } from './codes.js';
import { ReportBuilder, type VerificationReport } from './report.js';
import { verifySessionBundle, type BundleVerifyOptions, type SessionReport } from './session.js';

/**
 * Cross-agent delegation chains (STANDARDS.md "Decision (delegation)", spec/bundle.md section 3): every bundle
 * must verify on its own (checkpoint, statements, receipts, session chain); then src/aat's
 * verifyDelegationChain follows each delegate genesis's `delegated_by = {agent_id, record_id, entry}` to the
 * delegation record of another bundle, with `entry` checked against the log entry hash of the statement that
 * carries that record (taken from the verified bundle, not from the record's claim). Any depth, any order.
 */

/**
 * Verify a delegation chain spread over several session bundles (any order).
 * @returns a report (failure codes `ERR_DELEGATION_<KIND>`, e.g. ERR_DELEGATION_ENTRY_MISMATCH); never throws.
 */
export async function verifyDelegation(
  bundles: readonly Uint8Array[],
  o: BundleVerifyOptions & { rootAgent?: string },
): Promise<VerificationReport & { sessions: SessionReport[]; chain: string[] }> {
  const b = new ReportBuilder();
  const sessions: SessionReport[] = [];
  for (const [i, bytes] of bundles.entries()) {
    const s = await verifySessionBundle(bytes, o);
    b.include(`bundle[${i}]`, s);
    sessions.push(s);
  }
  if (sessions.length === 0) b.fail('delegation', 'ERR_DELEGATION_EMPTY', 'no bundle given');
  if (b.failure) return { ...b.build(), sessions, chain: [] };
  const res = verifyDelegationChain(
    sessions.map((s) => ({ records: s.records, entries: s.entries })),
    { ...(o.chain ?? {}), ...(o.draft !== undefined ? { draft: o.draft } : {}), ...(o.rootAgent !== undefined ? { rootAgent: o.rootAgent } : {}) },
  );
  if (res.valid) b.pass('delegation.chain', `${res.chain.join(' -> ')} (${sessions.length} session(s))`);
  else {
    const br = res.firstBreak!;
    b.fail(`bundle[${br.session}].delegated_by`, delegationBreakCode(br.kind), br.detail);
  }
  return { ...b.build(), sessions, chain: res.chain };
}
