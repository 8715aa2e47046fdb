import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes, genesisRecord, nextRecord, sessionEndRecord, type AatRecord, type DelegatedBy, type TrustLevel } from '../../src/aat/index.js';
import type { AuditResult } from '../../src/audit/index.js';
import { createClient, type TransparencyClient } from '../../src/client/index.js';
import { cborEncode } from '../../src/cose/cbor.js';
import { decodeSequence } from '../../src/cose/cbor-seq.js';
import { HEADER_3161_CTT, HEADER_RECEIPTS } from '../../src/cose/labels.js';
import { decodeSign1, encodeSign1 } from '../../src/cose/sign1.js';
import { exportCoseKey } from '../../src/keys/index.js';
import { decodeSignedTreeHead, encodeSignedTreeHead, signTreeHead } from '../../src/receipts/index.js';
import { loadServiceKeys } from '../../src/service/keys.js';
import { AAT_CONTENT_TYPE, buildStatement, entryHash, registrationEntry } from '../../src/statements/index.js';
import { concatBytes, toHex } from '../../src/util/bytes.js';
import { atlog } from '../helpers/cli.js';
import { makeAgent, startTestServer, type Agent } from '../http/helpers.js';

/**
 * The auditor's path end to end (issue "auditor's toolkit", acceptance): three agents A -> B -> C with a
 * delegation chain and a few hundred records per session, registered through the HTTP API of a real service
 * with its embedded TSA; `atlog export` over HTTP, `atlog audit` offline with pinned keys and TSA root: valid.
 * Then every tampering, each on its own copy of the file, is exit 1 and names its failure. The log is built
 * once; two more agents in it carry a forged delegation (X) and an exceeded trust level (Y).
 */

const RECORDS = 200;
const task = (s: string): string => toHex(new TextEncoder().encode(s.padEnd(32, '.')).slice(0, 32));

interface Session {
  agent: Agent;
  records: AatRecord[];
  entries: string[];
}

let stop: () => Promise<void>;
let url: string;
let dir: string;
let client: TransparencyClient;
const files: Record<string, string> = {};
const agents = {
  a: makeAgent('ESP256', 'urn:agent:e2e:a'),
  b: makeAgent('Ed25519', 'urn:agent:e2e:b'),
  c: makeAgent('ESP256', 'urn:agent:e2e:c'),
  x: makeAgent('ESP256', 'urn:agent:e2e:x'),
  y: makeAgent('ESP256', 'urn:agent:e2e:y'),
};

async function add(s: Session, r: AatRecord): Promise<void> {
  const statement = buildStatement({ key: s.agent.key, iss: s.agent.agentId, sub: `urn:uuid:${r.session_id}`, payload: canonicalBytes(r), contentType: AAT_CONTENT_TYPE });
  await client.register(statement);
  s.records.push(r);
  s.entries.push(toHex(entryHash(registrationEntry(statement))));
}

async function start(agent: Agent, trustLevel: TrustLevel, by?: DelegatedBy & { task_description_hash?: string }): Promise<Session> {
  const s: Session = { agent, records: [], entries: [] };
  await add(s, genesisRecord({ agentId: agent.agentId, agentVersion: '1.0.0', trustLevel, heartbeatIntervalS: 3600, ...(by ? { delegatedBy: by } : {}) }));
  return s;
}

const tip = (s: Session): AatRecord => s.records[s.records.length - 1]!;

async function delegate(s: Session, to: Agent, level: TrustLevel, hash: string): Promise<DelegatedBy & { task_description_hash: string }> {
  await add(s, nextRecord(tip(s), { action_type: 'delegation', action_detail: { delegate_agent_id: to.agentId, delegate_trust_level: level, task_description_hash: hash } }));
  return { agent_id: s.agent.agentId, record_id: tip(s).record_id, entry: s.entries[s.entries.length - 1]!, task_description_hash: hash };
}

async function work(s: Session, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await add(s, nextRecord(tip(s), { action_type: 'tool_call', action_detail: { tool_name: `tool-${i % 7}`, parameters_hash: task(`p${i}`) } }));
  await add(s, sessionEndRecord(s.records));
}

beforeAll(async () => {
  const s = await startTestServer(Object.values(agents), { tsa: 'embedded', waitLimitMs: 5000 });
  ({ stop, url, dir } = s);
  client = createClient({ url });
  // The chain first (each delegated session starts after its delegation is in the log), then the bulk in parallel.
  const a = await start(agents.a, 'L3');
  const toB = await delegate(a, agents.b, 'L2', task('summarise the quarter'));
  const toY = await delegate(a, agents.y, 'L1', task('read the inbox'));
  const b = await start(agents.b, 'L2', toB);
  const toC = await delegate(b, agents.c, 'L1', task('fetch the figures'));
  const c = await start(agents.c, 'L1', toC);
  // X claims the delegation B gave C; Y was granted L1 and acts at L3.
  const x = await start(agents.x, 'L1', toC);
  const y = await start(agents.y, 'L3', { agent_id: toY.agent_id, record_id: toY.record_id, entry: toY.entry });
  await Promise.all([work(a, RECORDS), work(b, RECORDS), work(c, RECORDS), work(x, 3), work(y, 3)]);

  files['keys'] = join(dir, 'service-keys.cbor');
  writeFileSync(files['keys'], (await client.keys()).bytes);
  files['tsa'] = join(dir, 'tsa-root.pem');
  writeFileSync(files['tsa'], await client.tsaRoot());
  for (const [name, ag] of Object.entries(agents)) {
    files[`issuer-${name}`] = join(dir, `${name}.cose`);
    writeFileSync(files[`issuer-${name}`]!, exportCoseKey(ag.key.publicKey));
  }
}, 300_000);

afterAll(async () => stop?.());

const issuerKeys = (...names: string[]): string[] => names.flatMap((n) => ['--issuer-key', files[`issuer-${n}`]!]);

async function exportAgents(out: string, ...names: Array<keyof typeof agents>): Promise<string> {
  const file = join(dir, out);
  const r = await atlog(['export', '--url', url, ...names.flatMap((n) => ['--agent', agents[n].agentId]), '--out', file, '--page-size', '100']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`^\\d+ entries \\(\\d+ bytes\\) written to ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  return file;
}

async function audit(file: string, extra: string[] = []): Promise<{ code: number; result: AuditResult }> {
  const r = await atlog(['audit', file, '--keys', files['keys']!, '--tsa-root', files['tsa']!, '--json', ...extra]);
  return { code: r.code, result: JSON.parse(r.stdout) as AuditResult };
}

const failed = (r: AuditResult): Record<string, string | undefined> => Object.fromEntries(r.checks.filter((c) => c.status === 'fail').map((c) => [c.name, c.code]));

/** The file's items, decoded; and a file from items. */
const itemsOf = (file: string): Map<string, unknown>[] => decodeSequence(new Uint8Array(readFileSync(file))) as Map<string, unknown>[];
function writeItems(name: string, items: Map<string, unknown>[]): string {
  const file = join(dir, name);
  writeFileSync(file, concatBytes(...items.map((i) => cborEncode(i))));
  return file;
}

/** Remove entry item `at` and keep the end item's count honest (a careful forger's file). */
function dropEntry(items: Map<string, unknown>[], at: number): Map<string, unknown>[] {
  const out = items.filter((_, i) => i !== at);
  const end = out[out.length - 1]!;
  end.set('entries', (end.get('entries') as number) - 1);
  return out;
}

function recordOf(item: Map<string, unknown>): AatRecord {
  return JSON.parse(new TextDecoder().decode(decodeSign1(item.get('statement') as Uint8Array).payload!)) as AatRecord;
}

const entryIndexes = (items: Map<string, unknown>[], agent: Agent): number[] =>
  items.flatMap((it, i) => (it.get('type') === 'entry' && recordOf(it).agent_id === agent.agentId ? [i] : []));

describe('atlog export and atlog audit, end to end', { timeout: 120_000 }, () => {
  let good: string;

  it('export A, B and C over HTTP; the offline audit is valid, with a summary per agent and session', async () => {
    good = await exportAgents('abc.evidence', 'a', 'b', 'c');
    const { code, result } = await audit(good, issuerKeys('a', 'b', 'c'));
    expect(failed(result)).toEqual({});
    expect(code).toBe(0);
    expect(result.verdict).toBe('valid');
    expect(result.trust).toMatchObject({ serviceKeys: 'pinned', tsaRoots: 'pinned', issuerKeys: 3 });
    expect(result.entries.total).toBe(3 * (RECORDS + 2) + 2 + 1); // A has two delegations, B one
    for (const name of ['statements.signature', 'receipts.inclusion', 'checkpoints.consistency', 'checkpoints.timestamps', 'sessions.chain', 'sessions.completeness', 'delegation.links', 'delegation.trust', 'delegation.time', 'delegation.graph']) {
      expect(result.checks.find((c) => c.name === name)?.status, name).toBe('ok');
    }
    expect(result.agents.map((a) => a.agent).sort()).toEqual([agents.a.agentId, agents.b.agentId, agents.c.agentId]);
    for (const a of result.agents) {
      expect(a.sessions).toHaveLength(1);
      expect(a.sessions[0]).toMatchObject({ verdict: 'valid', completeness: { state: 'complete' } });
      expect(a.sessions[0]!.anchored).not.toBeNull();
    }
    const edges = result.delegation.edges.filter((e) => e.to !== null);
    expect(edges.map((e) => `${e.delegator} -> ${e.delegate} ${e.trustLevel}`).sort()).toEqual([
      `${agents.a.agentId} -> ${agents.b.agentId} L2`,
      `${agents.b.agentId} -> ${agents.c.agentId} L1`,
    ]);
    // The human summary: one line per agent and session, the verdict last.
    const human = await atlog(['audit', good, '--keys', files['keys']!, '--tsa-root', files['tsa']!]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^  ${agents.c.agentId}: 1 session\\(s\\), ${RECORDS + 2} record\\(s\\), .*anchored .*: VALID$`, 'm'));
    expect(human.stdout).toMatch(/^    session [0-9a-f-]{36}: \d+ record\(s\), .*, complete, delegated by urn:agent:e2e:b: VALID$/m);
    expect(human.stdout).toMatch(/\nVALID\n$/);
  });

  it('the whole log exports and audits too; X and Y make it invalid (their delegations)', async () => {
    const file = join(dir, 'all.evidence');
    expect((await atlog(['export', '--url', url, '--all', '--out', file])).code).toBe(0);
    const { code, result } = await audit(file);
    expect(code).toBe(1);
    expect(result.evidence.selection).toMatchObject({ kind: 'all', from: 0 });
    expect(result.checks.find((c) => c.name === 'entries.selection')?.status).toBe('ok');
    // C and X both claim B's delegation to C: X's link is wrong, and the delegation is claimed twice.
    expect(failed(result)).toEqual({
      'delegation.links': 'ERR_DELEGATION_DELEGATE_MISMATCH',
      'delegation.trust': 'ERR_DELEGATION_TRUST_ESCALATION',
      'delegation.graph': 'ERR_DELEGATION_DELEGATION_REUSED',
    });
  });

  it('a range of the log (--from-index/--to-index, --since): every index once; sessions begun earlier cannot be judged', async () => {
    const file = join(dir, 'range.evidence');
    expect((await atlog(['export', '--url', url, '--from-index', '100', '--to-index', '140', '--out', file])).code).toBe(0);
    const { code, result } = await audit(file, ['--allow-incomplete']);
    expect(result.evidence.selection).toEqual({ kind: 'range', from: 100, to: 140 });
    expect(result.entries).toMatchObject({ total: 40, firstIndex: 100, lastIndex: 139 });
    expect(failed(result)).toEqual({ 'sessions.chain': 'ERR_AUDIT_UNDETERMINED' });
    expect(result.checks.find((c) => c.name === 'sessions.chain')?.findings[0]?.undetermined).toBe(true);
    expect([code, result.verdict]).toEqual([2, 'cannot-evaluate']);
    // Dropping an index from a range is a gap, whatever the sessions say.
    const items = itemsOf(file);
    const gap = await audit(writeItems('range-gap.evidence', dropEntry(items, items.findIndex((i) => i.get('index') === 120))), ['--allow-incomplete']);
    expect(gap.code).toBe(1);
    expect(failed(gap.result)).toMatchObject({ 'entries.selection': 'ERR_EVIDENCE_GAP' });

    const since = join(dir, 'since.evidence');
    expect((await atlog(['export', '--url', url, '--since', '2000-01-01T00:00:00Z', '--out', since])).code).toBe(0);
    const s = await audit(since);
    expect(s.result.evidence.selection).toMatchObject({ kind: 'since', since: '2000-01-01T00:00:00.000Z', from: 0 });
    expect(s.result.entries.firstIndex).toBe(0);
  });

  it('--progress reports the running count on stderr and leaves stdout as it was; without it stderr stays empty', async () => {
    const file = join(dir, 'progress.evidence');
    const ex = await atlog(['export', '--url', url, '--agent', agents.a.agentId, '--out', file, '--progress']);
    expect(ex.code, ex.stderr).toBe(0);
    const exported = /^export: (\d+) entries(?:, \d+\/s)?, done$/m.exec(ex.stderr);
    expect(exported, ex.stderr).not.toBeNull();
    expect(ex.stdout).toBe(`${exported![1]} entries (${statSync(file).size} bytes) written to ${file}\n`);
    const args = ['audit', file, '--keys', files['keys']!, '--tsa-root', files['tsa']!, '--json'];
    const shown = await atlog([...args, '--progress']);
    const audited = /^audit: (\d+) entries(?:, \d+\/s)?, done$/m.exec(shown.stderr);
    expect(audited, shown.stderr).not.toBeNull();
    expect((JSON.parse(shown.stdout) as AuditResult).entries.total).toBe(Number(audited![1]));
    expect(audited![1]).toBe(exported![1]);
    const quiet = await atlog(args); // stderr is a pipe here, not a terminal
    expect(quiet.stderr).toBe('');
    expect(quiet.code).toBe(shown.code);
  });

  it('bad usage and a cut-off file: exit 2 and exit 1 with their codes', async () => {
    const both = await atlog(['export', '--url', url, '--all', '--agent', agents.a.agentId, '--out', join(dir, 'x.evidence')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give exactly one of --agent, --since, --from-index or --all/);
    const bytes = readFileSync(good);
    const cut = join(dir, 'cut.evidence');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const { code, result } = await audit(cut);
    expect(code).toBe(1);
    expect(failed(result)).toMatchObject({ 'evidence.format': 'ERR_EVIDENCE_TRUNCATED' });
    const missing = await atlog(['audit', join(dir, 'nothing-here.evidence'), '--json']);
    expect(missing.code).toBe(2);
  });

  it('an edited record: the receipt no longer binds it', async () => {
    const items = itemsOf(good);
    const at = entryIndexes(items, agents.b)[50]!;
    const s = decodeSign1(items[at]!.get('statement') as Uint8Array);
    const edited = new TextEncoder().encode(new TextDecoder().decode(s.payload!).replace('tool-', 'TOOL-'));
    items[at]!.set('statement', encodeSign1({ ...s, payload: edited }));
    const { code, result } = await audit(writeItems('edited.evidence', items), issuerKeys('a', 'b', 'c'));
    expect(code).toBe(1);
    expect(failed(result)).toMatchObject({ 'statements.signature': 'ERR_STATEMENT_BAD_SIGNATURE', 'receipts.inclusion': expect.stringMatching(/^ERR_RECEIPT_/) });
  });

  it('a dropped record: the session chain is broken (removed)', async () => {
    const items = dropEntry(itemsOf(good), entryIndexes(itemsOf(good), agents.b)[100]!);
    const { code, result } = await audit(writeItems('dropped.evidence', items));
    expect(code).toBe(1);
    expect(failed(result)).toEqual({ 'sessions.chain': 'ERR_AAT_CHAIN_REMOVED' });
  });

  it('two records swapped: out of log order, and the chain breaks', async () => {
    const items = itemsOf(good);
    const [p, q] = entryIndexes(items, agents.c).slice(40, 42) as [number, number];
    const sp = items[p]!.get('statement');
    items[p]!.set('statement', items[q]!.get('statement'));
    items[q]!.set('statement', sp);
    const { code, result } = await audit(writeItems('swapped.evidence', items));
    expect(code).toBe(1);
    expect(failed(result)).toMatchObject({ 'receipts.checkpoint': 'ERR_EVIDENCE_NOT_IN_CHECKPOINT', 'sessions.chain': expect.stringMatching(/^ERR_AAT_CHAIN_/) });
  });

  it("a session's end dropped: reported open, not valid-complete", async () => {
    const all = itemsOf(good);
    const last = entryIndexes(all, agents.c).at(-1)!;
    expect(recordOf(all[last]!).action_detail['event']).toBe('session_end');
    const { code, result } = await audit(writeItems('open.evidence', dropEntry(all, last)));
    expect(code).toBe(1);
    expect(failed(result)).toEqual({ 'sessions.completeness': 'ERR_AAT_SESSION_OPEN' });
    const c = result.agents.find((a) => a.agent === agents.c.agentId)!.sessions[0]!;
    expect(c).toMatchObject({ verdict: 'invalid', completeness: { state: 'open' } });
    // With --allow-incomplete the open session is accepted, and still reported open.
    const allowed = await audit(join(dir, 'open.evidence'), ['--allow-incomplete']);
    expect(allowed.code).toBe(0);
    expect(allowed.result.agents.find((a) => a.agent === agents.c.agentId)!.sessions[0]!.completeness.state).toBe('open');
  });

  it("a receipt swapped for another entry's: inclusion fails", async () => {
    const items = itemsOf(good);
    const [p, q] = entryIndexes(items, agents.a).slice(20, 22) as [number, number];
    const sp = decodeSign1(items[p]!.get('statement') as Uint8Array);
    const sq = decodeSign1(items[q]!.get('statement') as Uint8Array);
    items[p]!.set('statement', encodeSign1({ ...sp, unprotected: new Map(sp.unprotected).set(HEADER_RECEIPTS, sq.unprotected.get(HEADER_RECEIPTS)) }));
    const { code, result } = await audit(writeItems('receipt.evidence', items));
    expect(code).toBe(1);
    expect(Object.keys(failed(result))).toEqual(['receipts.inclusion']);
  });

  it('a tree head replaced by one the service signed for another root: inconsistent with the final one', async () => {
    const items = itemsOf(good);
    const at = items.findIndex((it, i) => i > 5 && it.get('type') === 'checkpoint');
    const cp = items[at]!;
    const size = cp.get('treeSize') as number;
    const issuer = decodeSignedTreeHead((cp.get('signedTreeHeads') as Uint8Array[])[0]!).issuer!;
    // A split view: the service's own keys (from its data directory) sign a different root for the same size.
    const keys = await loadServiceKeys(join(dir, 'data'), 'ESP256', { info() {}, warn() {}, error() {}, debug() {} });
    const root = new Uint8Array(32).fill(7);
    cp.set('root', root);
    cp.set('signedTreeHeads', keys.signing.map((key) => encodeSignedTreeHead(signTreeHead({ key, issuer, treeSize: size, root }), { attachRoot: true })));
    const { code, result } = await audit(writeItems('fork.evidence', items));
    expect(code).toBe(1);
    expect(failed(result)).toMatchObject({ 'checkpoints.consistency': 'ERR_RECEIPT_CONSISTENCY_INVALID', 'receipts.checkpoint': 'ERR_EVIDENCE_NOT_IN_CHECKPOINT' });
    expect(result.checks.find((c) => c.name === 'checkpoints.signatures')?.status).toBe('ok');
  });

  it("a forged delegation: X claims the delegation B gave C", async () => {
    const { code, result } = await audit(await exportAgents('forged.evidence', 'a', 'b', 'x'));
    expect(code).toBe(1);
    expect(failed(result)).toEqual({ 'delegation.links': 'ERR_DELEGATION_DELEGATE_MISMATCH' });
    expect(result.agents.find((a) => a.agent === agents.x.agentId)?.verdict).toBe('invalid');
  });

  it('an exceeded trust level: Y was granted L1 and acts at L3', async () => {
    const { code, result } = await audit(await exportAgents('escalated.evidence', 'a', 'y'));
    expect(code).toBe(1);
    expect(failed(result)).toEqual({ 'delegation.trust': 'ERR_DELEGATION_TRUST_ESCALATION' });
  });

  it('an altered timestamp token: the TSA signature no longer verifies', async () => {
    const items = itemsOf(good);
    const at = items.findIndex((it) => it.get('type') === 'checkpoint');
    const heads = items[at]!.get('signedTreeHeads') as Uint8Array[];
    const head = decodeSign1(heads[0]!);
    const token = head.unprotected.get(HEADER_3161_CTT);
    expect(token).toBeInstanceOf(Uint8Array);
    const altered = (token as Uint8Array).slice();
    altered[altered.length - 10]! ^= 1; // inside the TSA's signature
    heads[0] = encodeSign1({ ...head, unprotected: new Map(head.unprotected).set(HEADER_3161_CTT, altered) });
    const { code, result } = await audit(writeItems('token.evidence', items));
    expect(code).toBe(1);
    expect(Object.keys(failed(result))).toEqual(['checkpoints.timestamps']);
  });

  it('a stripped timestamp token: skipped by default (a service may anchor every N seconds), a failure with --require-anchored', async () => {
    expect((await audit(good, ['--require-anchored'])).code).toBe(0); // the embedded TSA anchors every tree head
    const items = itemsOf(good);
    const at = items.findIndex((it) => it.get('type') === 'checkpoint');
    const heads = items[at]!.get('signedTreeHeads') as Uint8Array[];
    for (let i = 0; i < heads.length; i++) {
      const head = decodeSign1(heads[i]!);
      const unprotected = new Map(head.unprotected);
      expect(unprotected.delete(HEADER_3161_CTT)).toBe(true);
      heads[i] = encodeSign1({ ...head, unprotected });
    }
    const file = writeItems('stripped.evidence', items);
    const lax = await audit(file);
    expect(lax.code).toBe(0);
    expect(lax.result.checks.find((c) => c.name === 'checkpoints.timestamps')?.detail).toMatch(/carry no RFC 3161 token/);
    const strict = await audit(file, ['--require-anchored']);
    expect(strict.code).toBe(1);
    expect(failed(strict.result)).toEqual({ 'checkpoints.timestamps': 'ERR_AUDIT_NOT_ANCHORED' });
    const noRoot = await atlog(['audit', file, '--keys', files['keys']!, '--require-anchored']);
    expect(noRoot.code).toBe(2);
    expect(noRoot.stderr).toMatch(/--require-anchored needs --tsa-root/);
  });
});
