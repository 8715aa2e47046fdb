import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createClient } from '../src/client/index.js';
import { exportCoseKey, exportCoseKeySet, generateKey, importCoseKeySet, isPrivateKey } from '../src/keys/index.js';
import { toBase64 } from '../src/util/bytes.js';
import { startServer } from './http.js';
import { percentile } from './load.js';

/**
 * `npm run bench -- mcp`: the latency `atlog mcp-proxy` adds to an MCP tool call. One MCP server script
 * (test/fixtures/mcp-server.ts, the MCP SDK's McpServer over stdio) is reached by the MCP SDK's Client twice in
 * the same run: directly, and through the proxy (the compiled CLI, `prebench`) with an `atlog serve` child
 * process as the log. Calls alternate between the two connections (one at a time, each awaited), so both see the
 * same machine load. Per tier: p50 and p99 of each, and the proxy's added latency at p50 and p99. Detectable
 * records beside the call; bounded and strong wait for the log before the server is called, so their figure
 * is mostly the service's time to receipt.
 *
 * Options (after `--`): --calls N (detectable, default 1000), --log-calls N (bounded and strong, default 200),
 * --warmup N (default 100).
 */

const REPO = resolve(fileURLToPath(import.meta.url), '..', '..');
const CLI = join(REPO, 'dist', 'cli', 'main.js');
const FIXTURE = [process.execPath, '--import', 'tsx', join(REPO, 'test', 'fixtures', 'mcp-server.ts')];
const TIERS = ['detectable', 'bounded', 'strong'] as const;

function arg(argv: readonly string[], name: string, dflt: number): number {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

async function connect(command: string, args: string[]): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command, args, cwd: REPO, stderr: 'inherit' }));
  return client;
}

async function timed(client: Client, i: number): Promise<number> {
  const t0 = performance.now();
  await client.callTool({ name: 'echo', arguments: { text: `call ${i}` } });
  return performance.now() - t0;
}

const fmt = (ms: number): string => ms.toFixed(3);

/** Polls the session's entries until there are `count` (or 10 minutes pass); returns how many there are. */
async function logHolds(url: string, agentId: string, sessionId: string, count: number): Promise<number> {
  let n = 0;
  for (const until = Date.now() + 600_000; Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
    n = (await createClient({ url }).sessionEntries(agentId, sessionId)).length;
    if (n >= count) break;
  }
  return n;
}

export async function run(argv: readonly string[] = []): Promise<void> {
  const calls = arg(argv, 'calls', 1000);
  const logCalls = arg(argv, 'log-calls', 200);
  const warmup = arg(argv, 'warmup', 100);
  const dir = mkdtempSync(join(tmpdir(), 'atlog-bench-mcp-'));
  const agent = { key: generateKey('ESP256'), agentId: 'urn:agent:bench:mcp' };
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, `version: 1\nissuers:\n  - iss: "${agent.agentId}"\n    keys:\n      - cose: "${toBase64(exportCoseKey(agent.key.publicKey))}"\n`);
  const keyFile = join(dir, 'agent.key');
  writeFileSync(keyFile, exportCoseKey(agent.key), { mode: 0o600 });
  const { child, url } = await startServer(['--data', join(dir, 'data'), '--policy', policy, '--rate-limit', '0', '--log-level', 'info', '--tsa', 'none'], undefined);
  const clients: Client[] = [];
  try {
    const keys = importCoseKeySet((await createClient({ url }).keys()).bytes).map((k) => (isPrivateKey(k) ? k.publicKey : k));
    const serviceKeys = join(dir, 'service-keys.cbor');
    writeFileSync(serviceKeys, exportCoseKeySet(keys));
    const direct = await connect(FIXTURE[0]!, FIXTURE.slice(1));
    clients.push(direct);
    console.log(`${calls} echo calls (detectable), ${logCalls} (bounded, strong), after ${warmup} warm-up calls each; calls alternate direct / proxied`);
    console.log('| tier | direct p50 ms | direct p99 ms | proxied p50 ms | proxied p99 ms | added p50 ms | added p99 ms | records in the log | log caught up after (s) |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const tier of TIERS) {
      const n = tier === 'detectable' ? calls : logCalls;
      const sessionId = globalThis.crypto.randomUUID();
      const proxied = await connect(process.execPath, [CLI, 'mcp-proxy', '--url', url, '--agent-id', agent.agentId, '--key', keyFile, '--session-id', sessionId, '--tier', tier, '--service-key', serviceKeys, '--', ...FIXTURE]);
      clients.push(proxied);
      for (let i = 0; i < warmup; i++) {
        await timed(direct, i);
        await timed(proxied, i);
      }
      const a = new Float64Array(n);
      const b = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        a[i] = await timed(direct, i);
        b[i] = await timed(proxied, i);
      }
      // Detectable calls do not wait for the log: time how long it takes to catch up, then close.
      const expected = 3 * (n + warmup) + 2;
      const t0 = performance.now();
      await logHolds(url, agent.agentId, sessionId, expected - 1);
      const catchUp = (performance.now() - t0) / 1000;
      await proxied.close();
      clients.pop();
      const entries = await logHolds(url, agent.agentId, sessionId, expected);
      a.sort();
      b.sort();
      const [d50, d99, p50, p99] = [percentile(a, 50), percentile(a, 99), percentile(b, 50), percentile(b, 99)];
      console.log(`| ${tier} | ${fmt(d50)} | ${fmt(d99)} | ${fmt(p50)} | ${fmt(p99)} | ${fmt(p50 - d50)} | ${fmt(p99 - d99)} | ${entries} of ${expected} | ${catchUp.toFixed(1)} |`);
    }
  } finally {
    for (const c of clients) await c.close().catch(() => undefined);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}
