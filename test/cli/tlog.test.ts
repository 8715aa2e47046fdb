import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateNoteKey, parseCheckpoint, parseNote, SIG_COSIGNATURE_MLDSA44, SIG_ED25519 } from '../../src/tlog/index.js';
import { generateWitnessKeys, startWitnessServer, type RunningWitness } from '../../src/witness/index.js';
import { atlog } from '../helpers/cli.js';
import { removeTempDir, tempDir } from '../helpers/temp.js';
import { aatStatement, makeAgent, policyYaml, postEntry } from '../http/helpers.js';
import { spawnServer, type ServerProcess } from '../http/spawn.js';

/**
 * The tile features end to end, as an operator and an auditor run them: `atlog serve --tiles-dir DIR --witness
 * URL=VKEY --witness-quorum 1` (the real CLI, a child process), `atlog keys --vkey-out`, then `atlog verify
 * --tlog` against the service and against DIR served by a plain static file server (node:http serving files,
 * nothing of atlog), including consistency with a saved checkpoint, a tampered tile and usage errors.
 */

const ISSUER = 'https://static.example.test';
const ORIGIN = 'static.example.test/tlog';

/** A static file server over `root`: GET a path, get the file, or 404. Nothing tlog-specific. */
function staticServer(root: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent((req.url ?? '/').split('?')[0]!)));
    if (!path.startsWith(root + sep) || !existsSync(path)) return void res.writeHead(404).end('not found\n');
    try {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(readFileSync(path));
    } catch {
      res.writeHead(404).end('not found\n');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server })));
}

/** Waits (bounded) for the tiles directory's checkpoint to reach `size`. */
async function mirrored(dir: string, size: number): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    const file = join(dir, 'checkpoint');
    if (existsSync(file) && parseCheckpoint(parseNote(readFileSync(file)).text).size >= size) return;
    if (Date.now() > end) throw new Error(`the tiles directory did not reach size ${size}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('atlog serve --tiles-dir / --witness and atlog verify --tlog', () => {
  const dir = tempDir('atlog-cli-tlog-');
  const tiles = join(dir, 'tiles');
  const agent = makeAgent();
  const ids: string[] = [];
  let server: ServerProcess;
  let witness: RunningWitness;
  let stat: { url: string; server: Server };
  let vkeys: string[];

  beforeAll(async () => {
    // The operator makes the log's note keys first (as the service would on first start), so the witness can
    // be configured with their vkeys before the service starts.
    const keys = [generateNoteKey(ORIGIN, SIG_ED25519), generateNoteKey(ORIGIN, SIG_COSIGNATURE_MLDSA44)];
    vkeys = keys.map((k) => k.vkey);
    mkdirSync(join(dir, 'data', 'keys'), { recursive: true, mode: 0o700 });
    const skeyFile = join(dir, 'data', 'keys', 'tlog-note.skey');
    writeFileSync(skeyFile, `${keys.map((k) => k.skey).join('\n')}\n`);
    chmodSync(skeyFile, 0o600);
    writeFileSync(join(dir, 'w.keys'), `${generateWitnessKeys('cli.example/witness').skeys.join('\n')}\n`, { mode: 0o600 });
    witness = await startWitnessServer({ keyFile: join(dir, 'w.keys'), logs: vkeys.map((v) => `${ORIGIN}=${v}`), port: 0, dataDir: join(dir, 'w-state') }, { info() {}, warn() {}, error() {} });
    writeFileSync(join(dir, 'w.vkey'), `${witness.vkeys.join('\n')}\n`);
    writeFileSync(join(dir, 'other.vkey'), `${generateWitnessKeys('other.example/witness').vkeys.join('\n')}\n`);
    writeFileSync(join(dir, 'policy.yaml'), policyYaml([agent]));
    server = await spawnServer([
      '--data', join(dir, 'data'), '--policy', join(dir, 'policy.yaml'), '--issuer', ISSUER, '--tsa', 'none', '--rate-limit', '0', '--wait-limit', '60000',
      '--tiles-dir', tiles, ...witness.vkeys.flatMap((v) => ['--witness', `${witness.url}=${v}`]), '--witness-quorum', '1',
    ]);
    stat = await staticServer(tiles);
  }, 60_000);

  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await witness?.close();
    stat?.server.close();
    removeTempDir(dir);
  });

  async function registerSome(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const a = await postEntry(server.url, aatStatement(agent).bytes);
      expect(a.status).toBe(201);
      ids.push(a.headers.get('location')!.slice('/entries/'.length));
    }
  }

  it('prints the vkeys at start-up and saves them with atlog keys --vkey-out', async () => {
    const listening = server.lines.map((l) => JSON.parse(l) as { msg?: string; tlog?: { origin: string; vkeys: string[] } }).find((l) => l.msg === 'listening')!;
    expect(listening.tlog).toEqual({ origin: ORIGIN, vkeys });
    const r = await atlog(['keys', '--url', server.url, '--vkey-out', join(dir, 'log.vkey')]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'log.vkey'), 'utf8')).toBe(`${vkeys.join('\n')}\n`);
    expect((await atlog(['keys', '--url', server.url])).code).toBe(2); // neither --out nor --vkey-out
  });

  it('verifies an entry and the witness quorum through a plain static server of --tiles-dir, then consistency with the saved checkpoint', { timeout: 90_000 }, async () => {
    await registerSome(3);
    await mirrored(tiles, 3);
    const base = ['verify', '--tlog', stat.url, '--vkey', join(dir, 'log.vkey')];
    const first = await atlog([...base, '--witness-vkey', join(dir, 'w.vkey'), '--witness-quorum', '1', '--entry', ids[0]!, '--save-checkpoint', join(dir, 'cp1')]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^ok {3}checkpoint: static\.example\.test\/tlog size 3, root [0-9a-f]{64}, signed by static\.example\.test\/tlog \(2 keys\); cosigned by cli\.example\/witness at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    expect(first.stdout).toMatch(/^ok {3}entry\.inclusion: entry 0 is included in the tree of size 3/m);
    expect(first.stdout).toMatch(/^VALID$/m);
    expect(existsSync(join(dir, 'cp1'))).toBe(true);

    await registerSome(2);
    await mirrored(tiles, 5);
    const next = await atlog([...base, '--since-checkpoint', join(dir, 'cp1'), '--entry', ids[4]!, '--json']);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    const report = JSON.parse(next.stdout) as { valid: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    expect(report.valid).toBe(true);
    expect(report.checks.find((c) => c.name === 'since.consistency')!.detail).toMatch(/^size 3 -> 5/);
    // Against the service's own /tlog/ the same holds.
    const live = await atlog(['verify', '--tlog', `${server.url}/tlog`, '--vkey', join(dir, 'log.vkey'), '--witness-vkey', join(dir, 'w.vkey'), '--entry', ids[2]!]);
    expect(live.code, live.stdout + live.stderr).toBe(0);
  });

  it('fails on a quorum of unknown witnesses and on a tampered tile; exits 2 when it cannot evaluate', { timeout: 60_000 }, async () => {
    const base = ['verify', '--tlog', stat.url, '--vkey', join(dir, 'log.vkey')];
    const quorum = await atlog([...base, '--witness-vkey', join(dir, 'other.vkey'), '--witness-quorum', '1', '--json']);
    expect(quorum.code).toBe(1);
    expect((JSON.parse(quorum.stdout) as { failure: { code: string } }).failure.code).toBe('ERR_CHECKPOINT_QUORUM');

    const size = parseCheckpoint(parseNote(readFileSync(join(tiles, 'checkpoint'))).text).size;
    const tileFile = join(tiles, 'tile', '0', '000.p', String(size));
    const good = readFileSync(tileFile);
    const bad = Buffer.from(good);
    bad[40] = bad[40]! ^ 1; // entry 1's leaf hash
    writeFileSync(tileFile, bad);
    try {
      const tampered = await atlog([...base, '--entry', ids[0]!, '--json']);
      expect(tampered.code).toBe(1);
      expect((JSON.parse(tampered.stdout) as { failure: { code: string } }).failure.code).toBe('ERR_TLOG_INCLUSION_INVALID');
    } finally {
      writeFileSync(tileFile, good);
    }

    expect((await atlog(['verify', '--tlog', stat.url])).code).toBe(2); // no --vkey
    expect((await atlog([...base, '--entry', 'not-an-id'])).code).toBe(2);
    expect((await atlog([...base, '--entry-index', '1'])).code).toBe(2);
    expect((await atlog([...base, '--statement', join(dir, 'cp1')])).code).toBe(2);
    expect((await atlog(['verify', '--tlog', 'http://127.0.0.1:1/', '--vkey', join(dir, 'log.vkey'), '--timeout', '2'])).code).toBe(2);
  });
});
