import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { isAtlogError } from '../../src/errors.js';
import { exportCoseKey } from '../../src/keys/index.js';
import { syncQueue } from '../../src/sdk/node.js';
import { decodeFrames } from '../../src/sdk/queue/frames.js';
import { queueFiles } from '../../src/sdk/queue/file-queue.js';
import { parseStatement } from '../../src/statements/parse.js';
import { atlog } from '../helpers/cli.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { REPO_ROOT } from '../helpers/vectors.js';
import { makeAgent } from '../http/helpers.js';
import { deadUrl, sessionInLog, startService, type TestService } from './helpers.js';

/**
 * Issue 11 item 6: an agent killed with SIGKILL at any point, then `atlog sync`, loses and reorders nothing.
 * A child agent (fixtures/killed-agent.mjs, on the compiled dist/) makes tool calls with a file queue and says
 * on stdout what it knows to be durable; the parent kills it after its k-th line plus a few milliseconds, for
 * every k from "opening" to "closed", with the service up (the child registers as it goes, and dies between
 * registering and noting it) and down (everything waits in the queue), in the detectable and bounded tiers,
 * reusing one queue directory. After `atlog sync` (or syncQueue, which it runs), the session in the log must be exactly the statements the
 * queue held, in the queue's order, as a valid chain from the genesis, covering every record the child
 * reported settled.
 */

const CHILD = join(REPO_ROOT, 'test', 'sdk', 'fixtures', 'killed-agent.mjs');
/** Tool calls the child makes: its lines are "opening", "settled 1", one per call, and "closed N". */
const CALLS = 6; // every kind of kill point (opening, mid-call, between calls, closing) in both tiers, on and off line
const LINES = CALLS + 3;

interface Round {
  k: number;
  online: boolean;
  tier: 'detectable' | 'bounded';
  delayMs: number;
  /** Sync with the `atlog sync` command (a process start costs seconds here), else with syncQueue, what it runs. */
  cli: boolean;
}

/** Every kill point, each once online and once offline; tiers alternate; delays spread over 0-22 ms; every fifth sync by the CLI. */
const ROUNDS: Round[] = Array.from({ length: LINES * 2 }, (_, i) => ({
  k: (i >> 1) + 1,
  online: i % 2 === 0,
  tier: i % 4 < 2 ? 'detectable' : 'bounded',
  delayMs: (i * 7) % 23,
  cli: i % 5 === 0,
}));

/** Runs the child until its k-th line (plus the delay), kills it, and returns what it said. */
async function runAndKill(args: string[], round: Round): Promise<string[]> {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    if (lines.length === round.k) setTimeout(() => child.kill('SIGKILL'), round.delayMs);
  });
  const how = await exited;
  expect(how, `child ended on its own: ${stderr}`).toBe('SIGKILL');
  return lines;
}

/** The records (as JSON objects) of queued or registered statements. */
const recordIds = (statements: readonly Uint8Array[]): string[] =>
  statements.map((s) => (JSON.parse(new TextDecoder().decode(parseStatement(s).sign1.payload!)) as { record_id: string }).record_id);

describe('SIGKILL at any point, then atlog sync', () => {
  const agent = makeAgent('ESP256');
  const dir = tempDir('atlog-kill-');
  const queueDir = join(dir, 'queue');
  const keyFile = join(dir, 'agent.key');
  let svc: TestService;
  beforeAll(async () => {
    svc = await startService([agent]);
    writeFileSync(keyFile, exportCoseKey(agent.key));
  });
  afterAll(async () => {
    await svc.destroy();
    removeTempDirs();
  });

  it(`loses and reorders nothing, at ${ROUNDS.length} kill points`, { timeout: 300_000 }, async () => {
    const down = await deadUrl();
    const client = createClient({ url: svc.url });
    for (const round of ROUNDS) {
      const at = JSON.stringify(round);
      const sessionId = globalThis.crypto.randomUUID();
      const lines = await runAndKill([round.online ? svc.url : down, agent.agentId, keyFile, queueDir, sessionId, round.tier, String(CALLS)], round);
      const settled = Math.max(0, ...lines.map((l) => /^settled (\d+)$/.exec(l)?.[1]).filter((n) => n !== undefined).map(Number));
      const closed = lines.map((l) => /^closed (\d+)$/.exec(l)?.[1]).find((n) => n !== undefined);

      // What the queue holds now: every statement the child made durable, registered or not.
      const files = queueFiles(queueDir, sessionId);
      const queued = existsSync(files.log) ? recordIds(decodeFrames(new Uint8Array(readFileSync(files.log)), files.log).statements) : undefined;

      if (round.cli) {
        const sync = await atlog(['sync', '--queue', queueDir, '--url', svc.url]);
        expect(sync.code, `${at}\n${sync.stdout}${sync.stderr}`).toBe(0);
      } else {
        const results = await syncQueue(queueDir, client);
        expect(results.filter((r) => r.status !== 'sent'), at).toEqual([]);
      }
      expect((existsSync(queueDir) ? readdirSync(queueDir) : []).filter((f) => f.startsWith(sessionId)), at).toEqual([]);

      let inLog: string[] = [];
      try {
        const { report, records } = await sessionInLog(svc, agent.agentId, sessionId, closed === undefined);
        expect(report.valid, `${at} ${JSON.stringify(report.failure)}`).toBe(true);
        inLog = records.map((r) => r['record_id'] as string);
      } catch (e) {
        if (!isAtlogError(e, 'ERR_CLIENT_NOT_FOUND')) throw e;
      }
      if (queued !== undefined) expect(inLog, at).toEqual(queued);
      else expect(inLog.length, at).toBe(closed === undefined ? 0 : Number(closed)); // no queue file: never made, or closed and all registered
      expect(inLog.length, at).toBeGreaterThanOrEqual(settled);
      if (closed !== undefined) expect(inLog.length, at).toBe(Number(closed));
    }
  });
});
