import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatAddCheckpointRequest,
  formatNote,
  openCheckpoint,
  originHash,
  parseNote,
  parseSignatureLines,
  parseVkey,
  SIG_COSIGNATURE_ED25519,
  SIG_COSIGNATURE_MLDSA44,
  verifierFromVkey,
  type NoteSignature,
} from '../../src/tlog/index.js';
import { generateWitnessKeys } from '../../src/witness/index.js';
import { codeOf } from '../helpers/errors.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { REPO_ROOT } from '../helpers/vectors.js';
import { TestLog } from './helpers.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const dir = tempDir('atlog-witness-cli-');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  removeTempDirs();
});

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface WitnessProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** `atlog witness serve ... --port 0`, resolved once it logs `listening`. */
function serve(key: string, logs: string[], data: string): Promise<WitnessProcess> {
  const child = spawn(process.execPath, [CLI, 'witness', 'serve', '--key', key, ...logs.flatMap((l) => ['--log', l]), '--port', '0', '--data', data], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`witness did not start: ${stderr}`)), 20_000);
    void exited.then((code) => reject(new Error(`witness exited ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const j = JSON.parse(line) as { msg?: string; url?: string };
      if (j.msg === 'listening' && j.url) {
        clearTimeout(timer);
        resolve({ child, url: j.url, exited });
      }
    });
  });
}

async function post(url: string, body: Uint8Array): Promise<{ status: number; type: string | null; text: string }> {
  const r = await fetch(`${url}/add-checkpoint`, { method: 'POST', body });
  return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
}

/** A witness key file, written in process (the keygen command itself is tested once, below). */
function keygen(name: string): { key: string; vkeys: string[] } {
  const key = join(dir, `${name.replace(/\W/g, '_')}.keys`);
  const { skeys, vkeys } = generateWitnessKeys(name);
  writeFileSync(key, `${skeys.join('\n')}\n`, { mode: 0o600 });
  return { key, vkeys };
}

const log = new TestLog('log.example/cli');
const logArgs = log.vkeys.map((v) => `${log.origin}=${v}`);

describe('atlog witness keygen', () => {
  it('writes an Ed25519 and an ML-DSA-44 cosigner key (0600) and their vkeys, and refuses to overwrite', () => {
    const key = join(dir, 'k.keys');
    const r = run(['witness', 'keygen', '--name', 'witness.example/k', '--out', key]);
    expect(r.status, r.stderr).toBe(0);
    const vkeys = r.stdout.trim().split('\n');
    expect(vkeys.map((v) => parseVkey(v).type)).toEqual([SIG_COSIGNATURE_ED25519, SIG_COSIGNATURE_MLDSA44]);
    expect(readFileSync(`${key}.vkey`, 'utf8')).toBe(`${vkeys.join('\n')}\n`);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(key, 'utf8')).toMatch(/^# .*\nPRIVATE\+KEY\+witness\.example\/k\+[0-9a-f]{8}\+B[A-P].*\nPRIVATE\+KEY\+witness\.example\/k\+[0-9a-f]{8}\+B[g-v]/);
    expect(run(['witness', 'keygen', '--name', 'witness.example/k', '--out', key]).status).toBe(2);
    expect(run(['witness', 'keygen', '--name', 'bad name', '--out', join(dir, 'bad')]).status).toBe(2);
  });
});

describe('atlog witness serve', () => {
  it('refuses bad settings with exit 2', () => {
    const { key } = keygen('witness.example/settings');
    expect(run(['witness', 'serve', '--key', key, '--log', 'log.example/x=nonsense', '--data', join(dir, 's1')]).status).toBe(2);
    expect(run(['witness', 'serve', '--key', join(dir, 'missing'), '--log', logArgs[0]!, '--data', join(dir, 's1')]).status).toBe(2);
  });

  it('answers over HTTP, survives kill -9 after a cosignature, and stops cleanly on SIGTERM', async () => {
    const { key, vkeys } = keygen('witness.example/http');
    const data = join(dir, 'http-state');
    let w = await serve(key, logArgs, data);
    const ok = await post(w.url, await log.request(0, 10));
    expect(ok.status, ok.text).toBe(200);
    expect(ok.type).toBe('text/plain; charset=utf-8');
    expect(parseSignatureLines(ok.text).map((l) => l.name)).toEqual(['witness.example/http', 'witness.example/http']);
    const stale = await post(w.url, await log.request(0, 11));
    expect([stale.status, stale.type, stale.text]).toEqual([409, 'text/x.tlog.size', '10\n']);
    expect((await post(w.url, new TextEncoder().encode('old 0\n'))).status).toBe(400);
    expect((await post(w.url, new Uint8Array((1 << 20) + 8192).fill(0x61))).status).toBe(413);
    expect((await fetch(`${w.url}/add-checkpoint`)).status).toBe(405);
    expect((await fetch(`${w.url}/nothing`)).status).toBe(404);
    const mon = await fetch(`${w.url}/${originHash(log.origin)}/checkpoint`);
    expect(mon.status).toBe(200);
    const seen = openCheckpoint(await mon.text(), { origin: log.origin, logKeys: log.vkeys.map(verifierFromVkey), witnessKeys: vkeys.map(verifierFromVkey), quorum: 1 });
    expect(seen.checkpoint.size).toBe(10);

    w.child.kill('SIGKILL');
    await w.exited;
    w = await serve(key, logArgs, data);
    expect((await post(w.url, await log.request(0, 12))).text).toBe('10\n');
    expect((await post(w.url, await log.request(10, 12))).status).toBe(200);
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
  });

  it('three witnesses, one down: a log client gets a quorum of two, and a split view gets none', async () => {
    const keys = ['witness.example/w1', 'witness.example/w2', 'witness.example/w3'].map(keygen);
    const ws = await Promise.all(keys.map((k, i) => serve(k.key, logArgs, join(dir, `quorum-${i}`))));
    ws[2]!.child.kill('SIGTERM');
    expect(await ws[2]!.exited).toBe(0);
    const witnessKeys = keys.flatMap((k) => k.vkeys.map(verifierFromVkey));
    const policy = { origin: log.origin, logKeys: log.vkeys.map(verifierFromVkey), witnessKeys };

    /** What a log does: submit to every witness, keep the cosignatures of those that answer 200. */
    const collect = async (body: Uint8Array): Promise<{ lines: NoteSignature[]; statuses: (number | string)[] }> => {
      const answers = await Promise.all(ws.map((w) => post(w.url, body).catch(() => undefined)));
      return {
        lines: answers.flatMap((a) => (a?.status === 200 ? parseSignatureLines(a.text) : [])),
        statuses: answers.map((a) => a?.status ?? 'down'),
      };
    };
    const first = await collect(await log.request(0, 20));
    expect(first.statuses).toEqual([200, 200, 'down']);
    const note = log.note(20);
    const cosigned = formatNote(parseNote(note).text, [...parseNote(note).signatures, ...first.lines]);
    expect(openCheckpoint(cosigned, { ...policy, quorum: 2 }).witnesses).toEqual(['witness.example/w1', 'witness.example/w2']);
    expect(codeOf(() => openCheckpoint(cosigned, { ...policy, quorum: 3 }))).toBe('ERR_CHECKPOINT_QUORUM');

    // The log shows a forked tree of the same origin and keys to the witnesses: they refuse it.
    const fork = new TestLog(log.origin, 5, log);
    const forked = await collect(formatAddCheckpointRequest({ oldSize: 20, proof: await fork.proof(20, 30), note: fork.note(30) }));
    expect(forked.statuses).toEqual([422, 422, 'down']);
    const forkNote = fork.note(30);
    expect(codeOf(() => openCheckpoint(formatNote(parseNote(forkNote).text, [...parseNote(forkNote).signatures, ...forked.lines]), { ...policy, quorum: 1 }))).toBe('ERR_CHECKPOINT_QUORUM');
    for (const w of ws.slice(0, 2)) w.child.kill('SIGTERM');
    expect(await Promise.all(ws.slice(0, 2).map((w) => w.exited))).toEqual([0, 0]);
  });
});
