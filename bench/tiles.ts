import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { exportCoseKey, generateKey } from '../src/keys/index.js';
import { TransparencyService } from '../src/service/index.js';
import { inclusionProofFromTiles, parseCheckpoint, parseNote, tilePath, type TileReader } from '../src/tlog/index.js';
import { toBase64 } from '../src/util/bytes.js';
import { statements, startServer, type Agent } from './http.js';
import { load, percentile } from './load.js';

/**
 * `npm run bench -- tiles`: what the C2SP views (spec/tlog.md) cost and what they buy.
 *
 * Reads: one `atlog serve --tiles-dir DIR` process (dist/, built by `prebench`) holding `--entries` entries,
 * and a plain static file server over DIR (express.static in a process of its own, nothing of atlog). Each
 * phase is `--reads` GETs of one path over `--connections` keep-alive connections (bench/load.ts): the
 * existing proof endpoints (`GET /entries/{id}`, a receipt with its inclusion proof; `GET /proofs/consistency`;
 * `GET /checkpoint`), then `/tlog/checkpoint`, a full tile, a partial tile and an entry bundle from the service,
 * then the same files from the static server. Ratios are against `GET /entries/{id}` of the same run.
 *
 * Writes: registrations/s in this process, three services side by side (their own data directories), in
 * alternating rounds of `--regs` statements: C2SP views off (`tlog.enabled: false`), on (the default: a note
 * checkpoint signed with Ed25519 and ML-DSA-44 in the write of every tree head), and on with a tiles directory
 * written in the background. The same pre-signed statements go to each. Cost = 1 - rate(on) / rate(off).
 *
 * Options (after `--`): --entries N (5000), --reads N (20000), --connections N (64), --regs N (4000),
 * --rounds N (3), --quick (small counts).
 */

const REPO = resolve(fileURLToPath(import.meta.url), '..', '..');

interface Args {
  entries: number;
  reads: number;
  connections: number;
  regs: number;
  rounds: number;
}

function parseArgs(argv: readonly string[]): Args {
  const get = (name: string, quick: number, full: number): number => {
    const i = argv.indexOf(`--${name}`);
    const v = i >= 0 ? Number(argv[i + 1]) : argv.includes('--quick') ? quick : full;
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
    return v;
  };
  const entries = get('entries', 600, 5000);
  // The partial level-1 tile read needs at least one full level-0 tile and a size that is no multiple of 65,536.
  if (entries < 256 || Math.floor(entries / 256) % 256 === 0) throw new Error('--entries must be at least 256, and floor(entries / 256) no multiple of 256');
  return { entries, reads: get('reads', 2000, 20_000), connections: get('connections', 16, 64), regs: get('regs', 500, 4000), rounds: get('rounds', 1, 3) };
}

interface ReadResult {
  name: string;
  path: string;
  bytes: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/** `amount` GETs of `path`, every answer a 200. */
async function reads(name: string, url: string, path: string, a: Args): Promise<ReadResult> {
  const bytes = (await (await fetch(url + path)).arrayBuffer()).byteLength;
  const r = await load({ url, method: 'GET', path, amount: a.reads, connections: a.connections, prime: { method: 'GET', path } });
  const ok = r.statuses.get(200) ?? 0;
  if (ok !== a.reads) throw new Error(`${name}: ${ok} of ${a.reads} answers were 200 (${JSON.stringify([...r.statuses])})`);
  const ms = (v: number): number => Math.round(v * 100) / 100;
  return { name, path, bytes, perSecond: ok / r.seconds, p50: ms(percentile(r.latencies, 50)), p99: ms(percentile(r.latencies, 99)) };
}

/** A plain static file server over `dir` (express.static, the serve-static package) in a child process. */
async function staticServer(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const code = `const e=require('express');const a=e();a.use(e.static(process.argv[1],{dotfiles:'deny'}));const s=a.listen(0,'127.0.0.1',()=>console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', code, dir], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    child.once('exit', (c) => fail(new Error(`static server exited with ${c}`)));
    createInterface({ input: child.stdout! }).once('line', (port) => ok({ child, url: `http://127.0.0.1:${port.trim()}` }));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + 120_000;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const dirSize = (dir: string): number => (existsSync(join(dir, 'checkpoint')) ? parseCheckpoint(parseNote(readFileSync(join(dir, 'checkpoint'))).text).size : 0);

async function readPhases(a: Args, dir: string, agent: Agent, policy: string): Promise<{ results: ReadResult[]; size: number; tilesPerProof: number }> {
  const tiles = join(dir, 'tiles');
  const args = ['--data', join(dir, 'read-data'), '--policy', policy, '--rate-limit', '0', '--log-level', 'info', '--tsa', 'none', '--wait-limit', '120000', '--tiles-dir', tiles];
  const server = await startServer(args, undefined);
  let stat: { child: ChildProcess } | undefined;
  try {
    process.stderr.write(`registering ${a.entries} entries...\n`);
    const r = await load({ url: server.url, method: 'POST', path: '/entries', headers: { 'content-type': 'application/cose' }, bodies: statements(agent, a.entries), connections: 64 });
    if ((r.statuses.get(201) ?? 0) !== a.entries) throw new Error(`registration: ${JSON.stringify([...r.statuses])}`);
    await waitFor('the tiles directory', () => dirSize(tiles) === a.entries);
    const size = a.entries;
    const s = await staticServer(tiles);
    stat = s;

    // An entry in the middle, its id, and the tiles a client reads to prove its inclusion at `size`.
    const index = Math.floor(size / 2);
    const id = (await fetch(`${server.url}/entries/${index}`)).headers.get('location')!.slice('/entries/'.length);
    const asked = new Set<string>();
    const read: TileReader = async (level, idx, width) => {
      asked.add(`${level}/${idx}`);
      return new Uint8Array(await readFile(join(tiles, tilePath({ level, index: idx, width }))));
    };
    await inclusionProofFromTiles(index, size, read);
    const full = tilePath({ level: 0, index: 0, width: 256 });
    const partial = tilePath({ level: 1, index: 0, width: Math.floor(size / 256) % 256 });
    const bundle = `tile/entries/000`;

    const results: ReadResult[] = [];
    const svc = async (name: string, path: string): Promise<void> => void results.push(await reads(name, server.url, path, a));
    const fil = async (name: string, path: string): Promise<void> => void results.push(await reads(name, s.url, path, a));
    await svc('warm-up', '/healthz');
    results.length = 0;
    await svc('service GET /healthz (floor)', '/healthz');
    await svc('service GET /entries/{id} (receipt)', `/entries/${id}`);
    await svc('service GET /proofs/consistency', `/proofs/consistency?from=${index}&to=${size}`);
    await svc('service GET /checkpoint (COSE)', '/checkpoint');
    await svc('service GET /tlog/checkpoint', '/tlog/checkpoint');
    await svc('service GET /tlog/tile/0 (full)', `/tlog/${full}`);
    await svc('service GET /tlog/tile/1 (partial)', `/tlog/${partial}`);
    await svc('service GET /tlog/tile/entries (full)', `/tlog/${bundle}`);
    await fil('static GET checkpoint', '/checkpoint');
    await fil('static GET tile/0 (full)', `/${full}`);
    await fil('static GET tile/1 (partial)', `/${partial}`);
    await fil('static GET tile/entries (full)', `/${bundle}`);
    return { results, size, tilesPerProof: asked.size };
  } finally {
    if (stat) await stop(stat.child);
    await stop(server.child);
  }
}

interface WriteResult {
  name: string;
  registrations: number;
  seconds: number;
  cpuUs: number;
}

/** Registers `bodies` into `svc` all at once; the time until every one is durable with its tree head. */
async function registerAll(svc: TransparencyService, bodies: readonly Uint8Array[]): Promise<number> {
  const t0 = performance.now();
  const subs = await Promise.all(bodies.map((b) => svc.submit(b)));
  await Promise.all(subs.map((s) => s.done));
  return (performance.now() - t0) / 1000;
}

async function writePhases(a: Args, dir: string, agent: Agent): Promise<WriteResult[]> {
  process.stderr.write(`pre-signing ${a.rounds} x ${a.regs} statements...\n`);
  const rounds = Array.from({ length: a.rounds }, () => statements(agent, a.regs));
  const configs = [
    { name: 'C2SP views off', tlog: { enabled: false } },
    { name: 'notes (default)', tlog: {} },
    { name: 'notes + tiles directory', tlog: { tilesDir: join(dir, 'w-tiles') } },
  ];
  const services = await Promise.all(configs.map((c, i) => TransparencyService.open({ dataDir: join(dir, `w${i}`), issuer: 'https://bench.example', tlog: c.tlog })));
  const totals = configs.map((c) => ({ name: c.name, registrations: 0, seconds: 0, cpuUs: 0 }));
  try {
    for (const s of services) await s.issuers.add(agent.agentId, agent.key.publicKey);
    // Warm-up: JIT, worker threads, LevelDB files.
    const warm = statements(agent, 200);
    for (const s of services) await registerAll(s, warm);
    for (const [r, bodies] of rounds.entries()) {
      // Alternate the order each round, so drift in the machine's load does not favour one configuration.
      const order = r % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
      for (const i of order) {
        const c0 = process.cpuUsage();
        totals[i]!.seconds += await registerAll(services[i]!, bodies);
        // The tiles directory is written in the background: let it catch up (its CPU counts, its time not).
        const svc = services[i]!;
        if (i === 2) await waitFor('the tiles directory', () => dirSize(join(dir, 'w-tiles')) === svc.stats().treeSize);
        const c = process.cpuUsage(c0);
        totals[i]!.cpuUs += c.user + c.system;
        totals[i]!.registrations += bodies.length;
      }
    }
  } finally {
    for (const s of services) await s.close();
  }
  return totals;
}

/** Runs the tiles benchmark and prints Markdown tables (and JSON) of the results. */
export async function run(argv: readonly string[] = []): Promise<void> {
  const a = parseArgs(argv);
  const dir = mkdtempSync(join(tmpdir(), 'atlog-bench-tiles-'));
  const agent: Agent = { key: generateKey('ESP256'), agentId: 'urn:agent:bench:tiles' };
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, `version: 1\nissuers:\n  - iss: "${agent.agentId}"\n    keys:\n      - cose: "${toBase64(exportCoseKey(agent.key.publicKey))}"\n`);
  try {
    const { results, size, tilesPerProof } = await readPhases(a, dir, agent, policy);
    const base = results.find((r) => r.name.includes('/entries/'))!.perSecond;
    console.log(`\nReads: ${a.reads} GETs per phase, ${a.connections} connections, a log of ${size} entries; a client proving one entry from tiles reads the checkpoint and ${tilesPerProof} tiles\n`);
    console.log('| phase | path | bytes | reads/s | vs GET /entries/{id} | p50 ms | p99 ms |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of results) console.log(`| ${r.name} | \`${r.path.length > 40 ? `${r.path.slice(0, 37)}...` : r.path}\` | ${r.bytes} | ${Math.round(r.perSecond)} | ${(r.perSecond / base).toFixed(2)} | ${r.p50} | ${r.p99} |`);

    const writes = await writePhases(a, dir, agent);
    const off = writes[0]!.registrations / writes[0]!.seconds;
    console.log(`\nWrites: ${a.rounds} rounds of ${a.regs} ESP256 registrations per configuration, in this process, tree heads ES256 + ML-DSA-65 (the defaults), no TSA\n`);
    console.log('| configuration | registrations | seconds | registrations/s | cost vs off | CPU us/registration |');
    console.log('|---|---|---|---|---|---|');
    for (const w of writes) {
      const rate = w.registrations / w.seconds;
      console.log(`| ${w.name} | ${w.registrations} | ${w.seconds.toFixed(2)} | ${Math.round(rate)} | ${((1 - rate / off) * 100).toFixed(1)}% | ${Math.round(w.cpuUs / w.registrations)} |`);
    }
    console.log(`\n${JSON.stringify({ reads: results, size, tilesPerProof, writes })}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Direct use: `node --import tsx bench/tiles.ts [--quick]`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run(process.argv.slice(2));
}
