import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { canonicalBytes, genesisRecord } from '../src/aat/index.js';
import { exportCoseKey, generateKey, type PrivateKey } from '../src/keys/index.js';
import { buildStatement } from '../src/statements/index.js';
import { toBase64 } from '../src/util/bytes.js';
import { load, percentile } from './load.js';

/**
 * `npm run bench -- http`: sustained registrations per second and time to receipt over real HTTP.
 * The server runs in a separate process (`node dist/cli/main.js serve`, built by `prebench`) with a policy
 * that trusts the bench agents and rate limiting off; this process drives it (the lean generator in
 * bench/load.ts by default, autocannon with `--client autocannon`), each request a distinct pre-signed Signed
 * Statement (a genesis AAT record of its own session, so chain checks pass).
 * Phase 1: ESP256 agent key; phase 2: ML-DSA-65 agent key. Latency = POST until the 201 with the receipt.
 *
 * Options (after `--`): --esp256 N, --mldsa N (statements per phase), --connections N (default 768),
 * --mldsa-connections N (default 160), --batch-size N,
 * --batch-delay MS, --tsa embedded|none, --client lean|autocannon, --profile DIR (V8 CPU profile of the server),
 * --quick (small counts).
 */

const REPO = resolve(fileURLToPath(import.meta.url), '..', '..');
const CLI = join(REPO, 'dist', 'cli', 'main.js');

interface Args {
  esp256: number;
  mldsa: number;
  connections: number;
  mldsaConnections: number;
  batchSize: string | undefined;
  batchDelay: string | undefined;
  tsa: string;
  client: 'lean' | 'autocannon';
  /** Directory for a V8 CPU profile of the server process (--cpu-prof), or undefined. */
  profile: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  return {
    esp256: Number(get('esp256') ?? (quick ? 2000 : 20_000)),
    mldsa: Number(get('mldsa') ?? (quick ? 500 : 3_000)),
    // Measured on the 2-core machine with the lean client: 768 clients give the highest ESP256 rate with p99
    // under 500 ms (1,024 reach more but with p99 near 500); ML-DSA-65 verification is slower, so fewer clients
    // keep its p99 in bounds (docs/benchmarks.md "http").
    connections: Number(get('connections') ?? 768),
    mldsaConnections: Number(get('mldsa-connections') ?? 160),
    batchSize: get('batch-size'),
    batchDelay: get('batch-delay'),
    tsa: get('tsa') ?? 'embedded',
    client: parseClient(get('client')),
    profile: get('profile'),
  };
}

function parseClient(v: string | undefined): Args['client'] {
  if (v === undefined || v === 'lean') return 'lean';
  if (v === 'autocannon') return 'autocannon';
  throw new Error(`--client must be lean or autocannon, not ${v}`);
}

export interface Agent {
  key: PrivateKey;
  agentId: string;
}

/** `n` distinct pre-signed Signed Statements of `agent`: a genesis AAT record of its own session each. */
export function statements(agent: Agent, n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const rec = genesisRecord({ agentId: agent.agentId, agentVersion: '1.0.0', trustLevel: 'L1' });
    const bytes = buildStatement({ key: agent.key, iss: agent.agentId, sub: `urn:uuid:${rec.session_id}`, payload: canonicalBytes(rec), contentType: 'application/aat+json' });
    out.push(Buffer.from(bytes));
  }
  return out;
}

/** Starts `atlog serve` (dist/) on a free port in a child process; resolves on its `listening` log line. */
export async function startServer(args: readonly string[], profile?: string): Promise<{ child: ChildProcess; url: string }> {
  const node = profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : [];
  const child = spawn(process.execPath, [...node, CLI, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolveUrl, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const j = JSON.parse(line) as { msg?: string; url?: string };
        if (j.msg === 'listening' && j.url) resolveUrl({ child, url: j.url });
      } catch {
        // ignore non-JSON
      }
    });
  });
}

interface PhaseResult {
  name: string;
  /** Batches sealed during the phase (from GET /metrics, atlog_batches). */
  batches?: number;
  /** CPU time per request in microseconds (all threads), of the server and of this (load generator) process. */
  serverCpuUs?: number;
  clientCpuUs?: number;
  statements: number;
  created: number;
  other: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * One autocannon run of `amount` requests. With `bodies`, each request POSTs the next statement; without,
 * it GETs `/healthz` (the baseline: the same server's plain HTTP + express cost, no registration work).
 */
async function phase(a: Args, name: string, url: string, bodies: Buffer[] | undefined, connections: number, amount = bodies?.length ?? 0): Promise<PhaseResult> {
  if (a.client === 'lean') return leanPhase(name, url, bodies, connections, amount);
  let next = 0;
  const request = bodies
    ? { method: 'POST' as const, path: '/entries', headers: { 'content-type': 'application/cose' }, setupRequest: (req: object) => ({ ...req, body: bodies[next++ % bodies.length] }) }
    : { method: 'GET' as const, path: '/healthz' };
  // autocannon notices the end of an amount-limited run only on its one-second tick, so both its duration
  // and the wall time around it are rounded up to whole seconds: time from start to the last response.
  const t0 = performance.now();
  let last = t0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const opts = { url, connections: Math.min(connections, amount), amount, timeout: 30, requests: [request] };
    const instance = autocannon(opts, (err: unknown, res: autocannon.Result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)));
    instance.on('response', () => {
      last = performance.now();
    });
  });
  const seconds = (last - t0) / 1000;
  const created = bodies ? (result.statusCodeStats?.['201']?.count ?? 0) : (result.statusCodeStats?.['200']?.count ?? 0);
  return {
    name,
    statements: amount,
    created,
    other: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds,
    perSecond: created / seconds,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
  };
}

/** The same phase driven by bench/load.ts. */
async function leanPhase(name: string, url: string, bodies: Buffer[] | undefined, connections: number, amount: number): Promise<PhaseResult> {
  // Every connection is set up (and answered once) before the clock starts: the phase measures sustained
  // load, not the server accepting hundreds of new connections (bench/load.ts `prime`).
  const prime = { method: 'GET' as const, path: '/healthz' };
  const r = await load(
    bodies
      ? { url, method: 'POST', path: '/entries', headers: { 'content-type': 'application/cose' }, bodies, amount, connections, prime }
      : { url, method: 'GET', path: '/healthz', amount, connections, prime },
  );
  const ok = r.statuses.get(bodies ? 201 : 200) ?? 0;
  const ms = (v: number): number => Math.round(v * 10) / 10;
  return {
    name,
    statements: amount,
    created: ok,
    other: amount - ok,
    errors: 0,
    seconds: r.seconds,
    perSecond: ok / r.seconds,
    p50: ms(percentile(r.latencies, 50)),
    p90: ms(percentile(r.latencies, 90)),
    p99: ms(percentile(r.latencies, 99)),
    max: ms(percentile(r.latencies, 100)),
  };
}

/** The server's atlog_batches gauge (batches sealed since start). */
async function batchesSealed(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^atlog_batches (\d+)/m.exec(text);
  if (m === null) throw new Error('GET /metrics has no atlog_batches');
  return Number(m[1]);
}

/** CPU time (user + system, all threads) a process has used, in microseconds, from /proc (Linux). */
function processCpuUs(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) / 100) * 1e6; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** A phase, with the batches the server sealed and the CPU time both processes spent per request. */
async function counted(url: string, server: ChildProcess, run: () => Promise<PhaseResult>): Promise<PhaseResult> {
  const before = await batchesSealed(url);
  const s0 = processCpuUs(server.pid!);
  const c0 = process.cpuUsage();
  const r = await run();
  const c = process.cpuUsage(c0);
  const s1 = processCpuUs(server.pid!);
  const per = (us: number): number => Math.round(us / Math.max(1, r.statements));
  return {
    ...r,
    batches: (await batchesSealed(url)) - before,
    ...(s0 === undefined || s1 === undefined ? {} : { serverCpuUs: per(s1 - s0) }),
    clientCpuUs: per(c.user + c.system),
  };
}

/** Runs the HTTP benchmark and prints a Markdown table (and JSON) of the results. */
export async function run(argv: readonly string[] = []): Promise<void> {
  const a = parseArgs(argv);
  const dir = mkdtempSync(join(tmpdir(), 'atlog-bench-http-'));
  const classic: Agent = { key: generateKey('ESP256'), agentId: 'urn:agent:bench:esp256' };
  const pq: Agent = { key: generateKey('ML-DSA-65'), agentId: 'urn:agent:bench:mldsa65' };
  const policy = join(dir, 'policy.yaml');
  const issuers = [classic, pq].map((g) => `  - iss: "${g.agentId}"\n    keys:\n      - cose: "${toBase64(exportCoseKey(g.key.publicKey))}"`).join('\n');
  writeFileSync(policy, `version: 1\nissuers:\n${issuers}\n`);

  process.stderr.write(`pre-signing ${a.esp256} ESP256 and ${a.mldsa} ML-DSA-65 statements...\n`);
  const classicBodies = statements(classic, a.esp256);
  const pqBodies = statements(pq, a.mldsa);

  const serverArgs = ['--data', join(dir, 'data'), '--policy', policy, '--rate-limit', '0', '--log-level', 'info', '--tsa', a.tsa];
  if (a.batchSize) serverArgs.push('--batch-size', a.batchSize);
  if (a.batchDelay) serverArgs.push('--batch-delay', a.batchDelay);
  const { child, url } = await startServer(serverArgs, a.profile);
  const results: PhaseResult[] = [];
  try {
    // A short warm-up so JIT and LevelDB compaction do not count against the first phase.
    await phase(a, 'warm-up', url, statements(classic, 200), 8);
    results.push(await counted(url, child, () => phase(a, 'baseline: GET /healthz', url, undefined, a.connections, Math.max(1000, a.esp256))));
    // A phase with no statements (e.g. `--mldsa 0`) is skipped: autocannon refuses an amount of 0.
    if (classicBodies.length > 0) results.push(await counted(url, child, () => phase(a, 'ESP256', url, classicBodies, a.connections)));
    if (pqBodies.length > 0) results.push(await counted(url, child, () => phase(a, 'ML-DSA-65', url, pqBodies, a.mldsaConnections)));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`\nHTTP registration benchmark, ${new Date().toISOString()}, ${availableParallelism()} cores (${cpu}), node ${process.version}`);
  console.log(`load generator ${a.client}${a.client === 'lean' ? ' (connections set up before timing)' : ''}, connections ${a.connections} (ML-DSA-65: ${a.mldsaConnections}), tsa ${a.tsa}, batch size ${a.batchSize ?? 'default'}, batch delay ${a.batchDelay ?? 'default'} ms\n`);
  console.log('| phase | requests | 201 (200 for the baseline) | other | errors | seconds | per second | p50 ms | p90 ms | p99 ms | max ms | batches (mean size) | server CPU us/request | client CPU us/request |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const b = r.batches === undefined ? '' : `${r.batches} (${r.batches > 0 ? Math.round(r.created / r.batches) : 0})`;
    console.log(`| ${r.name} | ${r.statements} | ${r.created} | ${r.other} | ${r.errors} | ${r.seconds.toFixed(2)} | ${Math.round(r.perSecond)} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} | ${b} | ${r.serverCpuUs ?? 'n/a'} | ${r.clientCpuUs ?? 'n/a'} |`);
  }
  console.log(`\n${JSON.stringify(results)}`);
}

// Direct use: `node --import tsx bench/http.ts [--quick]`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run(process.argv.slice(2));
}
