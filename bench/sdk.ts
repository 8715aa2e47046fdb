import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportCoseKey, generateKey, importCoseKeySet, isPrivateKey, type PublicKey } from '../src/keys/index.js';
import { createClient } from '../src/client/index.js';
import { useNodeSignatures } from '../src/crypto/node/signatures.js';
import { createSession, type Session, type Tier } from '../src/sdk/index.js';
import { FileQueue } from '../src/sdk/node.js';
import { toBase64 } from '../src/util/bytes.js';
import { startServer, type Agent } from './http.js';
import { percentile } from './load.js';

/**
 * `npm run bench -- sdk`: what the agent SDK costs an agent (docs/agents.md "Tiers").
 * A real service runs in a separate process (`node dist/cli/main.js serve`, built by `prebench`; policy that
 * trusts the bench agents, rate limit off, embedded TSA); this process is the agent.
 *
 * - **wrapped vs bare**, per key algorithm (ESP256, ML-DSA-65): an async tool (`x + 1` on the next event-loop
 *   turn) called N times
 *   bare, then N times through `session.wrap` in the detectable tier (and once more with a file queue for
 *   ESP256), each call awaited on its own; p50/p99 of each and the difference, and the process CPU time per
 *   call (user + system: what signing three records and sending them costs, spread over the calls).
 * - **bounded and strong**: per-call latency when the tool waits for its records' receipts (strong also checks
 *   the receipt with the service keys).
 * - **100 concurrent sessions** in this process, each opening, making K wrapped calls and closing (which waits
 *   until every record is registered): records registered per second, start to last close.
 *
 * Options (after `--`): --calls N (default 2000), --bounded N (default 200), --sessions N (default 100),
 * --session-calls K (default 10), --quick (small counts).
 */

interface Args {
  calls: number;
  bounded: number;
  sessions: number;
  sessionCalls: number;
}

function parseArgs(argv: readonly string[]): Args {
  const get = (name: string, dflt: number, quick: number): number => {
    const i = argv.indexOf(`--${name}`);
    const v = i >= 0 ? Number(argv[i + 1]) : argv.includes('--quick') ? quick : dflt;
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
    return v;
  };
  return { calls: get('calls', 2000, 200), bounded: get('bounded', 200, 30), sessions: get('sessions', 100, 10), sessionCalls: get('session-calls', 10, 3) };
}

/** Per-call latencies (ms) and process CPU per call (µs) of `n` awaited calls of `f`. */
async function timeCalls(n: number, f: (i: number) => unknown): Promise<{ sorted: Float64Array; cpuUs: number; seconds: number }> {
  const lat = new Float64Array(n);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await f(i);
    lat[i] = performance.now() - s;
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  return { sorted: lat.sort(), cpuUs: (c.user + c.system) / n, seconds };
}

interface Row {
  name: string;
  calls: number;
  p50: number;
  p99: number;
  cpuUs: number;
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

function row(name: string, calls: number, t: { sorted: Float64Array; cpuUs: number }): Row {
  return { name, calls, p50: r3(percentile(t.sorted, 50)), p99: r3(percentile(t.sorted, 99)), cpuUs: Math.round(t.cpuUs) };
}

/**
 * The tool: it answers on the next turn of the event loop, as a tool doing I/O does. That turn is also when the
 * session's background work (signing, sending) runs, so its cost shows in the wrapped call's latency; a tool
 * that never yields would defer all of it until the agent's loop does, and flatter the figures.
 */
const tool = (x: number): Promise<number> => new Promise((r) => setImmediate(() => r(x + 1)));

/** Bare, then wrapped (detectable), then (with `queueDir`) wrapped with a file queue; the session is stopped, not drained. */
async function wrappedVsBare(url: string, agent: Agent, alg: string, n: number, queueDir?: string): Promise<Row[]> {
  const open = (q?: string): Promise<Session<'detectable'>> => createSession({ url, agentId: agent.agentId, key: agent.key, ...(q ? { queue: new FileQueue(q) } : {}) });
  const rows: Row[] = [];
  // Warm-up: JIT for both paths.
  const warm = await open();
  const w = warm.wrap('add', tool);
  for (let i = 0; i < 200; i++) {
    await tool(i);
    await w(i);
  }
  await warm.stop();

  rows.push(row(`${alg}: bare call`, n, await timeCalls(n, tool)));
  const s = await open();
  const wrapped = s.wrap('add', tool);
  rows.push(row(`${alg}: wrapped, detectable`, n, await timeCalls(n, wrapped)));
  await s.stop();
  if (queueDir) {
    const q = await open(queueDir);
    const wq = q.wrap('add', tool);
    rows.push(row(`${alg}: wrapped, detectable + file queue`, n, await timeCalls(n, wq)));
    await q.stop();
  }
  return rows;
}

/** Per-call latency in a tier that waits for the log. */
async function waiting(url: string, agent: Agent, alg: string, tier: Tier, n: number, serviceKeys: readonly PublicKey[]): Promise<Row> {
  const s = await createSession({ url, agentId: agent.agentId, key: agent.key, tier, serviceKeys });
  const wrapped = s.wrap('add', tool) as (x: number) => Promise<number>;
  for (let i = 0; i < 20; i++) await wrapped(i);
  const t = await timeCalls(n, wrapped);
  await s.close();
  return row(`${alg}: wrapped, ${tier}`, n, t);
}

/** `sessions` sessions at once, each K calls then close; records registered per second. */
async function concurrent(url: string, agent: Agent, alg: string, sessions: number, k: number): Promise<{ name: string; sessions: number; records: number; seconds: number; perSecond: number; cpuUs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const counts = await Promise.all(
    Array.from({ length: sessions }, async () => {
      const s = await createSession({ url, agentId: agent.agentId, key: agent.key, client: { timeoutMs: 120_000, registerTimeoutMs: 120_000 } });
      const w = s.wrap('add', tool);
      for (let i = 0; i < k; i++) await w(i);
      const summary = await s.close();
      if (summary.registered !== summary.records) throw new Error(`session ${s.sessionId}: ${summary.registered} of ${summary.records} registered`);
      return summary.records;
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const records = counts.reduce((a, b) => a + b, 0);
  const c = process.cpuUsage(cpu0);
  return { name: `${alg}: ${sessions} sessions x ${k} calls`, sessions, records, seconds: Math.round(seconds * 100) / 100, perSecond: Math.round(records / seconds), cpuUs: Math.round((c.user + c.system) / records) };
}

/** Runs the SDK benchmark and prints Markdown tables (and JSON) of the results. */
export async function run(argv: readonly string[] = []): Promise<void> {
  const a = parseArgs(argv);
  useNodeSignatures(); // what an agent importing `atlog` under Node gets: P-256 on OpenSSL (ML-DSA is noble either way)
  const dir = mkdtempSync(join(tmpdir(), 'atlog-bench-sdk-'));
  const agents: Array<[string, Agent]> = [
    ['ESP256', { key: generateKey('ESP256'), agentId: 'urn:agent:bench:sdk-esp256' }],
    ['ML-DSA-65', { key: generateKey('ML-DSA-65'), agentId: 'urn:agent:bench:sdk-mldsa65' }],
  ];
  const policy = join(dir, 'policy.yaml');
  const issuers = agents.map(([, g]) => `  - iss: "${g.agentId}"\n    keys:\n      - cose: "${toBase64(exportCoseKey(g.key.publicKey))}"`).join('\n');
  writeFileSync(policy, `version: 1\nissuers:\n${issuers}\n`);
  const { child, url } = await startServer(['--data', join(dir, 'data'), '--policy', policy, '--rate-limit', '0', '--log-level', 'info']);
  const rows: Row[] = [];
  const conc: Array<Awaited<ReturnType<typeof concurrent>>> = [];
  try {
    const serviceKeys = importCoseKeySet((await createClient({ url }).keys()).bytes).map((k) => (isPrivateKey(k) ? k.publicKey : k));
    for (const [alg, agent] of agents) {
      rows.push(...(await wrappedVsBare(url, agent, alg, a.calls, alg === 'ESP256' ? join(dir, 'queue') : undefined)));
    }
    for (const [alg, agent] of agents) {
      rows.push(await waiting(url, agent, alg, 'bounded', a.bounded, serviceKeys));
      rows.push(await waiting(url, agent, alg, 'strong', a.bounded, serviceKeys));
    }
    for (const [alg, agent] of agents) conc.push(await concurrent(url, agent, alg, a.sessions, a.sessionCalls));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`\nagent SDK: ${a.calls} calls per detectable phase, ${a.bounded} per bounded/strong phase; server: embedded TSA, default batching\n`);
  console.log('| phase | calls | p50 ms | p99 ms | p50 added to the bare call, ms | process CPU µs/call |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    const bare = rows.find((b) => b.name === `${r.name.split(':')[0]}: bare call`);
    const added = bare && r !== bare ? r3(r.p50 - bare.p50).toString() : '';
    console.log(`| ${r.name} | ${r.calls} | ${r.p50} | ${r.p99} | ${added} | ${r.cpuUs} |`);
  }
  console.log('\n| concurrent sessions (detectable, each closed: every record registered) | records | seconds | records/s | process CPU µs/record |');
  console.log('|---|---|---|---|---|');
  for (const c of conc) console.log(`| ${c.name} | ${c.records} | ${c.seconds} | ${c.perSecond} | ${c.cpuUs} |`);
  console.log(`\n${JSON.stringify({ rows, concurrent: conc })}`);
}

// Direct use: `node --import tsx bench/sdk.ts [--quick]`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run(process.argv.slice(2));
}
