import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPTIONS } from '../../src/config/index.js';
import { decodeSign1 } from '../../src/cose/sign1.js';
import { exportCoseKey, importCoseKeySet, type PublicKey } from '../../src/keys/index.js';
import { verifyReceipt } from '../../src/receipts/index.js';
import { fromHex, toBase64, toBase64Url, toHex } from '../../src/util/bytes.js';
import { tempDir } from '../helpers/temp.js';
import { atlog } from '../helpers/cli.js';
import { aatStatement, makeAgent, policyYaml, postEntry } from '../http/helpers.js';
import { CLI, spawnServer, type ServerProcess } from '../http/spawn.js';

describe('atlog serve / register / keys / issuers', () => {
  const dir = tempDir('atlog-cli-');
  const agent = makeAgent('ESP256');
  const newcomer = makeAgent('ESP256');
  const TOKEN = 'cli-test-token';
  let server: ServerProcess;
  let url: string;

  beforeAll(async () => {
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, policyYaml([agent]));
    server = await spawnServer(['--data', join(dir, 'data'), '--policy', policy, '--tsa', 'none'], { ATLOG_ADMIN_TOKEN: TOKEN });
    url = server.url;
  });
  afterAll(async () => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serve logs the URL and the service key ids, never private keys', () => {
    const listening = server.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((j) => j.msg === 'listening')!;
    expect(listening.url).toBe(url);
    const kids = (listening.keys as { kid: string }[]).map((k) => k.kid);
    expect(kids).toHaveLength(2);
    const all = server.lines.join('\n');
    const keyDir = join(dir, 'data', 'keys');
    for (const f of readdirSync(keyDir).filter((n) => !n.includes('.pub.'))) {
      const priv = new Uint8Array(readFileSync(join(keyDir, f)));
      // the private file's trailing 32 bytes are the scalar / seed in both key types
      const secret = priv.slice(priv.length - 32);
      for (const enc of [toHex(secret), toBase64(secret), toBase64Url(secret)]) expect(all).not.toContain(enc);
    }
  });

  it('keys saves the COSE_KeySet; register prints the entry id and writes a receipt that verifies', async () => {
    const keysFile = join(dir, 'keys.cbor');
    const k = await atlog(['keys', '--url', url, '--out', keysFile]);
    expect(k.code).toBe(0);
    const keys: PublicKey[] = importCoseKeySet(new Uint8Array(readFileSync(keysFile))).map((x) => ('publicKey' in x ? x.publicKey : x));
    expect(keys).toHaveLength(2);

    const stmt = join(dir, 'stmt.cose');
    writeFileSync(stmt, aatStatement(agent).bytes);
    const receipt = join(dir, 'receipt.cose');
    const ts = join(dir, 'transparent.cose');
    const r = await atlog(['register', '--url', url, '--in', stmt, '--out', receipt, '--transparent', ts]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const entryId = r.stdout.trim();
    expect(entryId).toMatch(/^[0-9a-f]{64}$/);
    verifyReceipt(new Uint8Array(readFileSync(receipt)), { entryHash: fromHex(entryId), keys });
    expect(decodeSign1(new Uint8Array(readFileSync(ts))).unprotected.get(394)).toBeDefined();
  });

  it('register exits non-zero with the problem title on rejection', async () => {
    const stmt = join(dir, 'stranger.cose');
    writeFileSync(stmt, aatStatement(newcomer).bytes);
    const r = await atlog(['register', '--url', url, '--in', stmt]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^atlog register: Rejected/);
  });

  it('issuers add / list / revoke over the admin API', async () => {
    const keyFile = join(dir, 'newcomer.cose');
    writeFileSync(keyFile, exportCoseKey(newcomer.key.publicKey));
    const env = { ATLOG_ADMIN_TOKEN: TOKEN };
    expect((await atlog(['issuers', 'list', '--url', url])).stderr).toMatch(/ATLOG_ADMIN_TOKEN/);
    const wrong = await atlog(['issuers', 'list', '--url', url], { ATLOG_ADMIN_TOKEN: 'wrong' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/Unauthorized/);
    const add = await atlog(['issuers', 'add', '--url', url, '--iss', newcomer.agentId, '--key', keyFile], env);
    expect(add.code).toBe(0);
    expect(add.stdout).toContain(newcomer.agentId);
    expect((await postEntry(url, aatStatement(newcomer).bytes)).status).toBe(201);
    const list = await atlog(['issuers', 'list', '--url', url], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(newcomer.agentId);
    const rev = await atlog(['issuers', 'revoke', '--url', url, '--iss', newcomer.agentId], env);
    expect(rev.code).toBe(0);
    expect((await postEntry(url, aatStatement(newcomer).bytes)).status).toBe(400);
  });

  it('SIGTERM shuts down gracefully: exit 0, and every receipted entry is there after a restart', async () => {
    const posts = Array.from({ length: 20 }, () => postEntry(url, aatStatement(agent).bytes).catch(() => undefined));
    await new Promise((r) => setTimeout(r, 20));
    server.child.kill('SIGTERM');
    const results = await Promise.all(posts);
    const { code } = await server.exited;
    expect(code).toBe(0);
    expect(server.lines.some((l) => l.includes('"stopped"'))).toBe(true);
    const ok = results.filter((a) => a?.status === 201).map((a) => a!.headers.get('location')!);
    const errors = server.lines.filter((l) => l.includes('"level":50'));
    expect(errors).toEqual([]);
    for (const a of results) if (a) expect([201, 503]).toContain(a.status);
    server = await spawnServer(['--data', join(dir, 'data'), '--tsa', 'none']);
    url = server.url;
    for (const loc of ok) expect((await fetch(`${url}${loc}`)).status).toBe(200);
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('SIGTERM while the service is still starting: it finishes the start, then stops cleanly (exit 0)', async () => {
    const data = join(dir, 'starting');
    const child = spawn(process.execPath, [CLI, 'serve', '--data', data, '--port', '0', '--host', '127.0.0.1', '--tsa', 'embedded'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      // The embedded TSA's line comes from inside the start, before the keys are made and the port is bound.
      if (line.includes('"embedded TSA ready"')) child.kill('SIGTERM');
    });
    expect(await exited).toEqual({ code: 0, signal: null });
    const order = ['"embedded TSA ready"', '"shutting down"', '"stopped"'].map((m) => lines.findIndex((l) => l.includes(m)));
    expect(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)), lines.join('\n')).toBe(true);
    // It started whole: the restarted service keeps the keys it made and answers.
    const again = await spawnServer(['--data', data, '--tsa', 'none']);
    try {
      expect((await fetch(`${again.url}/.well-known/scitt-keys`)).status).toBe(200);
      expect(again.lines.some((l) => l.includes('"service key generated"'))).toBe(false);
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  });

  it('serve --help offers every flag of the settings table', async () => {
    const r = await atlog(['serve', '--help']);
    expect(r.code).toBe(0);
    for (const o of OPTIONS) if (o.flag) expect(r.stdout).toContain(`--${o.flag} <value>`);
    expect(r.stdout).toContain('--config <file>');
    expect(r.stdout).not.toMatch(/admin-token/);
  });

  it('serve refuses bad settings with a message naming them', async () => {
    const r = await atlog(['serve', '--port', 'eighty']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port/);
  });
});
