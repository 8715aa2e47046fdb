import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { openSession, syncQueue } from '../../src/sdk/node.js';
import { decodeFrames, encodeFrames, MAGIC } from '../../src/sdk/queue/frames.js';
import { FileSessionQueue, queueFiles } from '../../src/sdk/queue/file-queue.js';
import { rejection } from '../helpers/errors.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { makeAgent } from '../http/helpers.js';
import { deadUrl, QUICK, sessionInLog, useService } from './helpers.js';

/** The offline queue: its file format, crash tails, locks, and sessions that keep working while the service is away. */

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
const sid = (): string => globalThis.crypto.randomUUID();

describe('queue file format', () => {
  it('reads back what it wrote, and a torn end at any byte keeps exactly the whole frames before it', () => {
    const statements = [bytes(10, 1), bytes(300, 2), bytes(1, 3)];
    const file = new Uint8Array([...MAGIC, ...encodeFrames(statements)]);
    expect(decodeFrames(file, 'q').statements).toEqual(statements);
    const ends = [MAGIC.length, MAGIC.length + 22, MAGIC.length + 22 + 312, file.length];
    for (let cut = 0; cut <= file.length; cut++) {
      const got = decodeFrames(file.subarray(0, cut), 'q');
      const whole = ends.filter((e) => e <= Math.max(cut, MAGIC.length)).length - 1;
      expect(got.statements, `cut at ${cut}`).toEqual(statements.slice(0, whole));
      expect(got.intact).toBe(ends[whole]);
    }
  });

  it('a frame whose checksum fails ends the queue there; a file that is no queue is refused', () => {
    const file = new Uint8Array([...MAGIC, ...encodeFrames([bytes(5, 1), bytes(5, 2)])]);
    file[file.length - 1] = file[file.length - 1]! ^ 1;
    expect(decodeFrames(file, 'q').statements).toHaveLength(1);
    expect(() => decodeFrames(new TextEncoder().encode('{"not":"a queue"}'), 'q')).toThrow(expect.objectContaining({ code: 'ERR_QUEUE_INVALID' }));
  });
});

// Every directory this file makes goes at the end, after the last describe block has used its own.
afterAll(removeTempDirs);

describe('file queue', () => {
  const dir = tempDir('atlog-queue-');

  it('appends durably, remembers what is registered, cuts a torn end, and removes itself when done', async () => {
    const id = sid();
    const q = await FileSessionQueue.open(dir, id);
    expect(q.unsent).toEqual([]);
    await q.append([bytes(4, 1), bytes(4, 2)]);
    await q.append([bytes(4, 3)]);
    await q.registered(1);
    await q.close(false);
    const f = queueFiles(dir, id);
    writeFileSync(f.log, new Uint8Array([...readFileSync(f.log), 0, 0, 0, 9, 1, 2])); // a crash mid-append
    const again = await FileSessionQueue.open(dir, id);
    expect(again.unsent).toEqual([bytes(4, 2), bytes(4, 3)]);
    await again.append([bytes(4, 4)]);
    await again.registered(3);
    await again.close(true);
    expect(existsSync(f.log) || existsSync(f.ack) || existsSync(f.lock)).toBe(false);
  });

  it('one owner at a time: a second open is refused while the owner lives; a dead owner\'s lock is taken over', async () => {
    const id = sid();
    const q = await FileSessionQueue.open(dir, id);
    expect((await rejection(FileSessionQueue.open(dir, id))).code).toBe('ERR_QUEUE_LOCKED');
    await q.close(false);
    const f = queueFiles(dir, id);
    writeFileSync(f.lock, JSON.stringify({ pid: process.ppid })); // a live process that is not us
    expect((await rejection(FileSessionQueue.open(dir, id))).code).toBe('ERR_QUEUE_LOCKED');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(f.lock, JSON.stringify({ pid: Number(dead) }));
    const taken = await FileSessionQueue.open(dir, id);
    await taken.close(true);
    expect((await rejection(FileSessionQueue.open(dir, 'nope'))).code).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('sessions with a queue while the service is away', () => {
  const agent = makeAgent('ESP256');
  const svc = useService([agent]);

  it('detectable and bounded keep working offline; syncQueue sends everything in order later', async () => {
    const dir = tempDir('atlog-queue-offline-');
    const url = await deadUrl();
    const det = await openSession({ url, agentId: agent.agentId, key: agent.key, queueDir: dir, client: QUICK });
    expect(det.wrap('a', () => 1)()).toBe(1);
    const bounded = await openSession({ url, agentId: agent.agentId, key: agent.key, queueDir: dir, client: QUICK, tier: 'bounded' });
    expect(await bounded.wrap('b', () => 2)()).toBe(2);
    const s1 = await det.close();
    const s2 = await bounded.close();
    expect(s1).toMatchObject({ records: 5, registered: 0, queued: 5 });
    expect(s2.queued).toBe(5);
    expect(readdirSync(dir).filter((f) => f.endsWith('.atq'))).toHaveLength(2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.lock'))).toEqual([]);

    const results = await syncQueue(dir, createClient({ url: svc.url }));
    expect(results.map((r) => [r.status, r.sent])).toEqual([['sent', 5], ['sent', 5]]);
    expect(readdirSync(dir)).toEqual([]);
    for (const s of [det, bounded]) {
      const { report, records } = await sessionInLog(svc, agent.agentId, s.sessionId);
      expect(report.valid, JSON.stringify(report.failure)).toBe(true);
      expect(records).toHaveLength(5);
    }
    expect(await syncQueue(dir, createClient({ url: svc.url }))).toEqual([]);
  });

  it('the background flusher sends the queue in order once the service is back', async () => {
    const dir = tempDir('atlog-queue-flusher-');
    await svc.stop();
    let session;
    try {
      session = await openSession({ url: svc.url, agentId: agent.agentId, key: agent.key, queueDir: dir, client: QUICK, retryMs: 50, maxRetryMs: 100 });
      for (let i = 0; i < 5; i++) session.wrap('t', (x: number) => x)(i);
      await session.flush(); // durably queued: enough while the service is away
      expect(session.progress).toMatchObject({ records: 16, registered: 0, queued: 16, offline: true });
    } finally {
      await svc.start();
    }
    while (session.progress.registered < 16) await new Promise((r) => setTimeout(r, 50));
    const summary = await session.close();
    expect(summary).toMatchObject({ records: 17, registered: 17, queued: 0 });
    expect(readdirSync(dir)).toEqual([]);
    const { report } = await sessionInLog(svc, agent.agentId, session.sessionId);
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
  });

  it('stop() signs nothing more: what was not signed is dropped, the queue stays whole for sync, nothing is reported', async () => {
    const dir = tempDir('atlog-queue-stop-');
    const errors: unknown[] = [];
    const session = await openSession({ agentId: agent.agentId, key: agent.key, queueDir: dir, onError: (e) => errors.push(e) });
    const tool = session.wrap('t', (x: number) => x);
    for (let i = 0; i < 300; i++) tool(i); // no yield: none of these records is signed yet
    await session.stop();
    expect(errors).toEqual([]);
    expect(session.progress).toMatchObject({ records: 901, queued: 1 });
    const sent = await syncQueue(dir, createClient({ url: svc.url }));
    expect(sent.map((r) => [r.status, r.sent])).toEqual([['sent', 1]]);
    expect((await sessionInLog(svc, agent.agentId, session.sessionId, true)).report.valid).toBe(true);
  });

  it('a queue with no service at all (url omitted) holds everything for atlog sync; sync skips a live session', async () => {
    const dir = tempDir('atlog-queue-only-');
    const session = await openSession({ agentId: agent.agentId, key: agent.key, queueDir: dir });
    session.record({ action_type: 'decision', action_detail: { decision_type: 'offline' } });
    await session.flush();
    const live = await syncQueue(dir, createClient({ url: svc.url }));
    expect(live.map((r) => r.status)).toEqual(['locked']);
    expect((await rejection(openSession({ agentId: agent.agentId, key: agent.key, queueDir: dir, tier: 'bounded' }))).code).toBe('ERR_INVALID_ARGUMENT');
    await session.close();
    const sent = await syncQueue(dir, createClient({ url: svc.url }));
    expect(sent.map((r) => [r.status, r.sent])).toEqual([['sent', 3]]);
    expect((await sessionInLog(svc, agent.agentId, session.sessionId)).report.valid).toBe(true);
  });
});
