import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalBytes, genesisRecord, nextRecord, recordHash, sessionEndRecord, type AatRecord } from '../src/aat/index.js';
import { exportCoseKey, generateKey, type PrivateKey } from '../src/keys/index.js';
import type { Pending, Sequencer } from '../src/service/sequencer.js';
import { TransparencyService } from '../src/service/index.js';
import { AAT_CONTENT_TYPE, buildStatement, entryHash, registrationEntry } from '../src/statements/index.js';
import { createTimestampers } from '../src/tsa-server/timestampers.js';
import { toHex } from '../src/util/bytes.js';
import { freePort } from '../test/helpers/net.js';

/**
 * `npm run bench -- audit [--sizes 10000,100000,1000000] [--session N] [--dir PATH [--reuse]]`: `atlog export --all` over
 * HTTP and `atlog audit` of the file, at each size: entries per second and peak RSS of the exporter, the
 * server and the auditor (each its own process, measured by /usr/bin/time). Both stream, so peak RSS should
 * not grow with the size: the suite reports RSS at the largest size over RSS at the smallest (goal: <= 2).
 *
 * The log is built in-process straight into the service's sequencer (bench-only: the registration checks,
 * chiefly the agent signature check, are skipped, because building 10^6 entries through HTTP takes longer than
 * this 2-core machine allows). Everything else is the real service: batches of 1,000 entries, two signed tree
 * heads each (P-256, ML-DSA-65), RFC 3161 tokens from the embedded TSA, session tips and indexes. Statements
 * carry real Ed25519 signatures, and the audit checks them (--issuer-key), with pinned keys and TSA root.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, '..', 'dist', 'cli', 'main.js');
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const BATCH = 1000;
const ACTIVE = 10;

interface Options {
  sizes: number[];
  session: number;
  dir: string | undefined;
  /** With --dir: a log of that size already built there (by an earlier run with --dir) is used as it is. */
  reuse: boolean;
}

function parse(args: string[]): Options {
  const o: Options = { sizes: [10_000, 100_000, 1_000_000], session: 1000, dir: undefined, reuse: false };
  for (let i = 0; i < args.length; i++) {
    const v = args[i + 1];
    if (args[i] === '--reuse') {
      o.reuse = true;
      continue;
    }
    if (args[i] === '--sizes' && v) o.sizes = v.split(',').map(Number);
    else if (args[i] === '--session' && v) o.session = Number(v);
    else if (args[i] === '--dir' && v) o.dir = v;
    else continue;
    i++;
  }
  if (o.sizes.some((n) => !Number.isSafeInteger(n) || n < 1) || !(o.session >= 2)) throw new Error('bad --sizes or --session');
  if (o.reuse && o.dir === undefined) throw new Error('--reuse needs --dir (where an earlier run with --dir left its logs)');
  return o;
}

/** A session being written: its records so far (session_end needs them all) and how many it will have. */
interface Writing {
  records: AatRecord[];
  total: number;
}

const hash = (s: string): string => toHex(new TextEncoder().encode(s.padEnd(32, '.')).slice(0, 32));

/** Builds a log of n AAT statements (sessions of `session` records, ACTIVE interleaved) through the sequencer. */
async function build(dir: string, n: number, session: number, key: PrivateKey, agent: string): Promise<number> {
  const { timestampers } = await createTimestampers({ tsa: 'embedded', dataDir: dir });
  const svc = await TransparencyService.open({ dataDir: dir, issuer: 'https://bench.atlog.example', batch: { maxEntries: BATCH, maxDelayMs: 5 }, timestampers, logger: quiet });
  const seq = (svc as unknown as { p: { sequencer: Sequencer } }).p.sequencer;
  const t0 = performance.now();
  const active: Writing[] = [];
  let left = n;
  let op = 0;
  try {
    while (left > 0 || active.length > 0) {
      const dones: Promise<unknown>[] = [];
      for (let b = 0; b < BATCH && (left > 0 || active.length > 0); ) {
        while (active.length < ACTIVE && left > 0) {
          const total = Math.min(session, left);
          left -= total;
          active.push({ records: [], total });
        }
        for (let k = 0; k < active.length && b < BATCH; k++, b++) {
          const w = active[k]!;
          const i = w.records.length;
          const prev = w.records[i - 1];
          const rec =
            prev === undefined
              ? genesisRecord({ agentId: agent, agentVersion: '1.0.0', trustLevel: 'L2' })
              : i === w.total - 1
                ? sessionEndRecord(w.records)
                : nextRecord(prev, { action_type: 'tool_call', action_detail: { tool_name: `tool-${i % 7}`, parameters_hash: hash(`p${i}`) } });
          w.records.push(rec);
          const statement = buildStatement({ key, iss: agent, sub: `urn:uuid:${rec.session_id}`, payload: canonicalBytes(rec), contentType: AAT_CONTENT_TYPE });
          const entry = registrationEntry(statement);
          const eh = entryHash(entry);
          dones.push(
            new Promise((resolve, reject) => {
              const p: Pending = {
                checked: { entry, entryHash: eh, entryId: toHex(eh), session: { agentId: agent, sessionId: rec.session_id }, record: rec, recordHash: recordHash(rec) },
                operationId: `bench-${++op}`,
                resolve,
                reject,
              };
              seq.enqueue(p);
            }),
          );
        }
        for (let k = active.length - 1; k >= 0; k--) if (active[k]!.records.length === active[k]!.total) active.splice(k, 1);
      }
      await Promise.all(dones);
    }
  } finally {
    await svc.close();
  }
  return (performance.now() - t0) / 1000;
}

interface Proc {
  code: number | null;
  seconds: number;
  rssMiB: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli/main.js ARGS` under /usr/bin/time (peak RSS of a process that exits by itself). */
function atlog(args: string[]): Promise<Proc> {
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'maxrss-kib %M', process.execPath, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<Proc>((resolve) =>
    child.on('close', (code) => {
      const m = /maxrss-kib (\d+)/.exec(stderr);
      resolve({ code, seconds: (performance.now() - t0) / 1000, rssMiB: m ? Number(m[1]) / 1024 : NaN, stdout, stderr });
    }),
  );
}

/** Peak resident memory of a running process, split the way /proc/PID/status splits it. */
interface ServerRss {
  /** VmHWM: everything resident at the peak, file-backed pages included. */
  totalMiB: number;
  /** Highest RssAnon sampled: the process's own memory (JS heap, buffers, LevelDB's caches and memtables). */
  anonMiB: number;
  /** Highest RssFile sampled: mapped files, chiefly LevelDB's table files (it reads them through mmap), which are the OS's file cache and reclaimable. */
  fileMiB: number;
}

const statusKiB = (status: string, field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);

/** `atlog serve` as a child; its RssAnon and RssFile are sampled every 100 ms, `rss` adds VmHWM; `stop` ends it. */
async function serve(args: string[]): Promise<{ rss: () => ServerRss; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const seen = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('listening')) resolve();
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.once('exit', () => reject(new Error(`atlog serve exited: ${out}`)));
  });
  let anon = 0;
  let file = 0;
  const status = (): string => readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const sample = (): void => {
    const st = status();
    anon = Math.max(anon, statusKiB(st, 'RssAnon'));
    file = Math.max(file, statusKiB(st, 'RssFile'));
  };
  const sampler = setInterval(sample, 100);
  return {
    rss: () => {
      sample();
      return { totalMiB: statusKiB(status(), 'VmHWM') / 1024, anonMiB: anon / 1024, fileMiB: file / 1024 };
    },
    stop: async () => {
      clearInterval(sampler);
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

interface Row {
  n: number;
  build: number;
  exportRate: number;
  exportRss: number;
  server: ServerRss;
  auditRate: number;
  auditRss: number;
  fileMiB: number;
}

async function measure(base: string, n: number, o: Options): Promise<Row> {
  const dir = join(base, `log-${n}`);
  const key = generateKey('Ed25519');
  const agent = 'urn:agent:bench:audit';
  let build_s = NaN;
  if (o.reuse && existsSync(join(dir, 'data', 'log')) && existsSync(join(dir, 'agent.cose'))) {
    console.log(`  ${n}: reusing the log built in ${dir}`);
  } else {
    build_s = await build(join(dir, 'data'), n, o.session, key, agent);
    console.log(`  ${n}: log built in ${build_s.toFixed(1)} s (${Math.round(n / build_s)} entries/s through the sequencer)`);
    writeFileSync(join(dir, 'agent.cose'), exportCoseKey(key.publicKey));
  }
  const port = await freePort();
  const server = await serve(['--data', join(dir, 'data'), '--port', String(port), '--host', '127.0.0.1', '--tsa', 'embedded', '--log-level', 'info']);
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'keys.cbor'), new Uint8Array(await (await fetch(`${url}/.well-known/scitt-keys`)).arrayBuffer()));
  writeFileSync(join(dir, 'tsa-root.pem'), await (await fetch(`${url}/tsa/root.pem`)).text());
  const file = join(dir, 'log.evidence');
  const ex = await atlog(['export', '--url', url, '--all', '--out', file, '--timeout', '600']);
  const serverRss = server.rss();
  await server.stop();
  if (ex.code !== 0) throw new Error(`export failed: ${ex.stderr}`);
  const au = await atlog(['audit', file, '--keys', join(dir, 'keys.cbor'), '--tsa-root', join(dir, 'tsa-root.pem'), '--issuer-key', join(dir, 'agent.cose'), '--json']);
  const result = JSON.parse(au.stdout) as { verdict: string; entries: { total: number }; failure?: unknown };
  if (au.code !== 0 || result.verdict !== 'valid' || result.entries.total !== n) throw new Error(`audit not valid: ${au.stdout.slice(0, 2000)}`);
  const row = { n, build: build_s, exportRate: n / ex.seconds, exportRss: ex.rssMiB, server: serverRss, auditRate: n / au.seconds, auditRss: au.rssMiB, fileMiB: statSync(file).size / 2 ** 20 };
  console.log(`  ${n}: export ${ex.seconds.toFixed(1)} s, audit ${au.seconds.toFixed(1)} s`);
  if (o.dir === undefined) rmSync(dir, { recursive: true, force: true }); // with --dir, the files stay for a look
  return row;
}

export async function run(args: string[]): Promise<void> {
  const o = parse(args);
  const base = o.dir ?? mkdtempSync(join(tmpdir(), 'atlog-bench-audit-'));
  console.log(`sizes ${o.sizes.join(', ')}; sessions of ${o.session} records, ${ACTIVE} interleaved; batches of ${BATCH}; embedded TSA`);
  const rows: Row[] = [];
  try {
    for (const n of o.sizes) rows.push(await measure(base, n, o));
  } finally {
    if (o.dir === undefined) rmSync(base, { recursive: true, force: true });
  }
  const f = (x: number, d = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log('\n| entries | file MiB | export entries/s | export peak RSS MiB | server peak RSS MiB (anon + file) | audit entries/s | audit peak RSS MiB |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const sv = `${f(r.server.totalMiB)} (${f(r.server.anonMiB)} + ${f(r.server.fileMiB)})`;
    console.log(`| ${f(r.n)} | ${f(r.fileMiB, 1)} | ${f(r.exportRate)} | ${f(r.exportRss)} | ${sv} | ${f(r.auditRate)} | ${f(r.auditRss)} |`);
  }
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  if (rows.length > 1) {
    const x = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
    console.log(`\npeak RSS at ${f(last.n)} over ${f(first.n)}: export ${x(last.exportRss, first.exportRss)}, audit ${x(last.auditRss, first.auditRss)}, server ${x(last.server.anonMiB, first.server.anonMiB)} anonymous (goal <= 2)`);
    console.log(`the server's mapped table files: ${x(last.server.fileMiB, first.server.fileMiB)} (file cache, not process memory), its VmHWM ${x(last.server.totalMiB, first.server.totalMiB)}`);
  }
}
