import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { parseState } from '../../src/audit/monitor/index.js';
import { exportCoseKey, generateKey } from '../../src/keys/index.js';
import { atlog, type CliResult } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { makeAgent } from '../http/helpers.js';
import { CLI } from '../http/spawn.js';
import { copyDir, registerSome, startService, type Service } from './monitor-helpers.js';

/**
 * `atlog monitor` against real services: a rollback made the way an operator would make one (restore an older
 * copy of the data directory, same keys), a split view (two services with the same keys and different entries),
 * and the checks it cannot evaluate. Every verdict is the exit code and the line's label and code.
 */

afterAll(removeTempDirs);

const monitor = (url: string, state: string, ...more: string[]): Promise<CliResult> => atlog(['monitor', '--url', url, '--state', state, ...more]);

/** The evidence files a failing check names, after `evidence: `. */
function evidenceOf(r: CliResult): string[] {
  const m = /evidence: (.+)$/m.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  return m![1]!.split(' ');
}

const stateSize = (file: string): number | undefined => parseState(readFileSync(file, 'utf8')).head?.treeSize;

describe('atlog monitor: rollback of a restored data directory', { timeout: 300_000 }, () => {
  it('records, follows growth, then sees the restored older copy as a rollback with evidence (exit 1), and a rewrite of the same size', async () => {
    const dir = tempDir('atlog-monitor-');
    const data = join(dir, 'data');
    const state = join(dir, 'monitor.json');
    const agent = makeAgent();
    let svc: Service = await startService(dir, data, [agent]);
    try {
      await registerSome(svc.url, agent, 3);
      const first = await monitor(svc.url, state);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^trust on first use: pinned the 2 service key\(s\) .* later checks trust only these\./m);
      expect(first.stdout).toMatch(/^\S+Z OK first checkpoint recorded: size 3, root [0-9a-f]{16}…$/m);
      expect(parseState(readFileSync(state, 'utf8')).keys.source).toBe('trust-on-first-use');

      // the backup an operator keeps (stop, copy, start: docs/operations.md "Backup")
      await svc.stop();
      copyDir(data, join(dir, 'data-backup'));
      svc = await startService(dir, data, [agent]);
      await registerSome(svc.url, agent, 2);
      const grew = await monitor(svc.url, state);
      expect(grew.code).toBe(0);
      expect(grew.stdout).toMatch(/^\S+Z OK size 3 -> 5: consistent, root [0-9a-f]{16}…$/m);
      expect(grew.stdout).not.toMatch(/trust on first use/);
      const again = await monitor(svc.url, state);
      expect(again.stdout).toMatch(/OK size 5: unchanged$/m);

      // the rollback: same keys, older log
      await svc.stop();
      copyDir(join(dir, 'data-backup'), data);
      svc = await startService(dir, data, [agent]);
      const rb = await monitor(svc.url, state);
      expect(rb.code).toBe(1);
      expect(rb.stderr).toMatch(/^\S+Z ROLLBACK size 5 -> 3: .*\(ERR_MONITOR_ROLLBACK\); evidence: /m);
      const files = evidenceOf(rb);
      expect(files.map((f) => f.split('/').pop())).toEqual(['old-checkpoint.cbor', 'new-checkpoint.cbor', 'service-keys.cbor', 'evidence.json']);
      for (const f of files) expect(existsSync(f), f).toBe(true);
      const ev = JSON.parse(readFileSync(files[3]!, 'utf8')) as { kind: string; code: string; old: { treeSize: number }; new: { treeSize: number } };
      expect(ev).toMatchObject({ kind: 'rollback', code: 'ERR_MONITOR_ROLLBACK', old: { treeSize: 5 }, new: { treeSize: 3 } });
      // the state keeps the last good head: the next check fails the same way until a person looks
      expect(stateSize(state)).toBe(5);
      expect((await monitor(svc.url, state)).code).toBe(1);

      // the rewritten log grows back to size 5 with other entries: two roots signed for one size
      await registerSome(svc.url, agent, 2);
      const fork = await monitor(svc.url, state);
      expect(fork.code).toBe(1);
      expect(fork.stderr).toMatch(/ROLLBACK size 5 -> 5: the service signed two different roots for size 5.*\(ERR_MONITOR_ROLLBACK\)/);
      // and past it, no proof from the recorded head exists: a split view
      await registerSome(svc.url, agent, 1);
      const past = await monitor(svc.url, state);
      expect(past.code).toBe(1);
      expect(past.stderr).toMatch(/SPLIT-VIEW size 5 -> 6: .*\(ERR_RECEIPT_CONSISTENCY_INVALID\)/);
      // every failing check wrote its own evidence directory beside the state file
      expect(readdirSync(dir).filter((n) => n.startsWith('monitor.json.evidence-')).length).toBe(4);
    } finally {
      await svc.stop();
    }
  });
});

describe('atlog monitor: split view', { timeout: 300_000 }, () => {
  it('two services with the same keys and different entries: the second is not consistent with the first (exit 1), and the evidence verifies as such', async () => {
    const dir = tempDir('atlog-monitor-split-');
    const agent = makeAgent();
    // one set of keys: start once to generate them, then give both services a copy
    const seed = await startService(dir, join(dir, 'a'), [agent]);
    await registerSome(seed.url, agent, 1);
    await seed.stop();
    copyDir(join(dir, 'a'), join(dir, 'b'));
    const a = await startService(dir, join(dir, 'a'), [agent]);
    const b = await startService(dir, join(dir, 'b'), [agent]);
    try {
      await registerSome(a.url, agent, 2);
      await registerSome(b.url, agent, 4);
      const state = join(dir, 'state.json');
      writeFileSync(join(dir, 'keys.cbor'), readFileSync(join(dir, 'a', 'keys', 'service-p256.pub.cose')));
      const seen = await monitor(a.url, state, '--keys', join(dir, 'keys.cbor'));
      expect(seen.stdout).toMatch(/OK first checkpoint recorded: size 3,/);
      expect(seen.stdout).not.toMatch(/trust on first use/);
      expect(parseState(readFileSync(state, 'utf8')).keys.source).toBe('given');
      const split = await monitor(b.url, state);
      expect(split.code).toBe(1);
      expect(split.stderr).toMatch(/^\S+Z SPLIT-VIEW size 3 -> 5: .*\(ERR_RECEIPT_CONSISTENCY_INVALID\); evidence: /m);
      const files = evidenceOf(split);
      expect(files.map((f) => f.split('/').pop())).toEqual(['old-checkpoint.cbor', 'new-checkpoint.cbor', 'consistency.cose', 'service-keys.cbor', 'evidence.json']);
      // anyone holding the evidence can check it with the offline verifier: the proof does not extend the old head
      const [oldCp, newCp, proof, keys] = files;
      const v = await atlog(['verify', '--consistency', proof!, '--old-checkpoint', oldCp!, '--new-checkpoint', newCp!, '--keys', keys!]);
      expect(v.code).toBe(1);
      expect(v.stdout).toMatch(/NOT VALID: ERR_RECEIPT_CONSISTENCY_INVALID /);
      expect(stateSize(state)).toBe(3);
      // A is still consistent with what was recorded
      expect((await monitor(a.url, state)).code).toBe(0);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('atlog monitor: cannot evaluate (exit 2)', { timeout: 300_000 }, () => {
  it('service down, bad or tampered state file, keys that do not sign the log, bad usage; the state file is never harmed', async () => {
    const dir = tempDir('atlog-monitor-2-');
    const agent = makeAgent();
    const svc = await startService(dir, join(dir, 'data'), [agent]);
    try {
      const state = join(dir, 'state.json');
      const down = `http://127.0.0.1:${await freePort()}`;
      const r1 = await monitor(down, state, '--timeout', '3');
      expect(r1.code).toBe(2);
      expect(r1.stderr).toMatch(/^\S+Z CANNOT-EVALUATE ERR_CLIENT_(NETWORK|TIMEOUT): .*is a service running at/m);
      expect(existsSync(state)).toBe(false);

      // an empty log: keys pinned, nothing recorded yet
      const empty = await monitor(svc.url, state);
      expect(empty.stdout).toMatch(/OK the log is empty: nothing to check yet/);
      expect(stateSize(state)).toBeUndefined();
      await registerSome(svc.url, agent, 2);
      expect((await monitor(svc.url, state)).code).toBe(0);
      const good = readFileSync(state, 'utf8');

      const r2 = await monitor(down, state, '--timeout', '3');
      expect(r2.code).toBe(2);
      expect(readFileSync(state, 'utf8')).toBe(good);

      const other = join(dir, 'other.pub');
      writeFileSync(other, exportCoseKey(generateKey('ESP256').publicKey));
      const r3 = await monitor(svc.url, state, '--keys', other);
      expect(r3.code).toBe(2);
      expect(r3.stderr).toMatch(/CANNOT-EVALUATE ERR_MONITOR_STATE: the recorded checkpoint does not verify with the keys in use/);
      const fresh = join(dir, 'fresh.json');
      const r4 = await monitor(svc.url, fresh, '--keys', other);
      expect(r4.code).toBe(2);
      expect(r4.stderr).toMatch(/CANNOT-EVALUATE ERR_RECEIPT_UNKNOWN_KEY: /);
      expect(existsSync(fresh)).toBe(false);

      const bad = join(dir, 'bad.json');
      const cases: Array<[string, string]> = [
        ['not JSON', '{"format":'],
        ['another format', JSON.stringify({ ...JSON.parse(good), format: 'x' })],
        ['a later version', JSON.stringify({ ...JSON.parse(good), version: 2 })],
        ['a root that is not the signed one', good.replace(/"root": "([0-9a-f])/, (_m, c: string) => `"root": "${c === '0' ? '1' : '0'}`)],
        ['keys that are not keys', good.replace(/"file": "[^"]+"/, '"file": "AAAA"')],
      ];
      for (const [what, text] of cases) {
        writeFileSync(bad, text);
        const r = await monitor(svc.url, bad);
        expect(r.code, what).toBe(2);
        expect(r.stderr, what).toMatch(/CANNOT-EVALUATE ERR_MONITOR_STATE: /);
        expect(readFileSync(bad, 'utf8'), what).toBe(text);
      }

      const usage = await monitor(svc.url, state, '--interval', '0');
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/^atlog monitor: --interval must be/);
      expect((await monitor(svc.url, state, '--keys', join(dir, 'missing'))).code).toBe(2);
      expect(readFileSync(state, 'utf8')).toBe(good);
    } finally {
      await svc.stop();
    }
  });
});

/** `atlog monitor --interval` as a child process, its output read line by line as it comes. */
function watch(url: string, state: string): { lines: string[]; next: (re: RegExp) => Promise<string>; child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, 'monitor', '--url', url, '--state', state, '--interval', '0.2', '--timeout', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiting: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  const onLine = (l: string): void => {
    lines.push(l);
    for (const w of waiting.filter((x) => x.re.test(l))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(l);
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const next = (re: RegExp): Promise<string> => {
    const seen = lines.find((l) => re.test(l));
    return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiting.push({ re, resolve }));
  };
  return { lines, next, child, exited };
}

describe('atlog monitor --interval', { timeout: 300_000 }, () => {
  it('logs one line per check, stops cleanly on SIGTERM (exit 0), and exits on the first check that is not OK', async () => {
    const dir = tempDir('atlog-monitor-watch-');
    const agent = makeAgent();
    const svc = await startService(dir, join(dir, 'data'), [agent]);
    let stopped = false;
    const children: ChildProcess[] = [];
    try {
      await registerSome(svc.url, agent, 1);
      const state = join(dir, 'state.json');
      const w = watch(svc.url, state);
      children.push(w.child);
      await w.next(/OK first checkpoint recorded: size 1/);
      await registerSome(svc.url, agent, 1);
      await w.next(/OK size 1 -> 2: consistent/);
      await w.next(/OK size 2: unchanged/);
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
      expect(w.lines.at(-1)).toMatch(/^\S+Z STOPPED after \d+ check\(s\): signal received$/);
      expect(w.lines.filter((l) => !/^\S+Z (OK|STOPPED) /.test(l) && !l.startsWith('trust on first use'))).toEqual([]);
      expect(stateSize(state)).toBe(2);

      const w2 = watch(svc.url, state);
      children.push(w2.child);
      await w2.next(/OK size 2: unchanged/);
      await svc.stop();
      stopped = true;
      expect(await w2.exited).toBe(2);
      expect(w2.lines.at(-1)).toMatch(/CANNOT-EVALUATE ERR_CLIENT_(NETWORK|TIMEOUT)/);
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      if (!stopped) await svc.stop();
    }
  });
});
