import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AatRecord } from '../../src/aat/index.js';
import { createClient } from '../../src/client/index.js';
import { exportCoseKeySet, generateKey } from '../../src/keys/index.js';
import { openSession } from '../../src/sdk/node.js';
import { rejection } from '../helpers/errors.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { makeAgent } from '../http/helpers.js';
import { QUICK, sessionInLog, startService, type TestService } from './helpers.js';

/**
 * The enforcement tiers against the real service: when a tool may run relative to its record reaching the log.
 * detectable never waits; bounded waits for the receipt (or the durable queue); strong waits for a receipt that
 * verifies with the pinned service keys and never runs a tool while the service is down.
 */

/** A TCP server that accepts connections and never answers: a service that hangs. */
function stallingServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((r) => {
          for (const s of sockets) s.destroy();
          server.close(() => r());
        }),
      });
    });
  });
}

describe('tiers', () => {
  const agent = makeAgent('ESP256');
  let svc: TestService;
  let keysFile: string;
  const dir = tempDir('atlog-sdk-tiers-');

  beforeAll(async () => {
    svc = await startService([agent]);
    keysFile = join(dir, 'service-keys.cbor');
    writeFileSync(keysFile, exportCoseKeySet(svc.keys));
  });
  afterAll(async () => {
    await svc.destroy();
    removeTempDirs();
  });

  const entriesOf = async (sessionId: string): Promise<number> => (await createClient({ url: svc.url }).sessionEntries(agent.agentId, sessionId)).length;

  it('detectable: the tool runs at once, even while the service hangs', async () => {
    const stall = await stallingServer();
    try {
      const errors: string[] = [];
      const session = await openSession({ url: stall.url, agentId: agent.agentId, key: agent.key, client: { ...QUICK, timeoutMs: 800, registerTimeoutMs: 800 }, onError: (e) => errors.push(e.code) });
      const add = session.wrap('add', (a: number, b: number) => a + b);
      expect(add(1, 2)).toBe(3);
      expect(session.recordCount).toBe(4);
      expect(session.progress.registered).toBe(0);
      expect(errors).toContain('ERR_SDK_UNREACHABLE');
      // Without a queue, nothing can be settled while the service hangs: close says so.
      expect((await rejection(session.close())).code).toBe('ERR_SDK_UNREACHABLE');
    } finally {
      await stall.close();
    }
  });

  it('bounded: the tool runs only once its tool_call is registered; a sync tool becomes async', async () => {
    const session = await openSession({ url: svc.url, agentId: agent.agentId, key: agent.key, tier: 'bounded' });
    const seen = session.wrap('count', () => entriesOf(session.sessionId));
    const p = seen();
    expect(p).toBeInstanceOf(Promise);
    expect(await p).toBe(3); // genesis, decision, tool_call: all in the log before the tool ran
    const sync = session.wrap('sync', (x: number) => x * 2);
    expect(await sync(21)).toBe(42);
    // A denied call is registered as denied before the refusal is reported.
    const denied = await openSession({ url: svc.url, agentId: agent.agentId, key: agent.key, tier: 'bounded', policy: { rules: [{ name: 'nope', rule: 'deny tool_call' }] } });
    let ran = false;
    const e = await rejection(denied.wrap('t', () => (ran = true))());
    expect(e.code).toBe('ERR_POLICY_DENIED');
    expect(ran).toBe(false);
    expect(await entriesOf(denied.sessionId)).toBe(2);
    await session.close();
    await denied.close();
  });

  it('bounded without a queue: while the service is down the tool does not run, and the chain says so', async () => {
    const session = await openSession({ url: svc.url, agentId: agent.agentId, key: agent.key, tier: 'bounded', client: QUICK, retryMs: 50, maxRetryMs: 200 });
    let ran = 0;
    const tool = session.wrap('tool', () => ++ran);
    expect(await tool()).toBe(1);
    await svc.stop();
    try {
      expect((await rejection(tool())).code).toBe('ERR_SDK_UNREACHABLE');
      expect(ran).toBe(1);
    } finally {
      await svc.start();
    }
    await session.close();
    const { report, records } = await sessionInLog(svc, agent.agentId, session.sessionId);
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
    const last = records.slice(-4) as AatRecord[];
    expect(last.map((r) => r.action_type)).toEqual(['decision', 'tool_call', 'error', 'lifecycle']);
    expect(last[2]).toMatchObject({ outcome: 'failure', action_detail: { error_code: 'ERR_SDK_UNREACHABLE', error_category: 'enforcement', parent_call_id: last[1]!.record_id } });
  });

  it('strong: the receipt verifies with the pinned keys before the tool runs', async () => {
    const session = await openSession({ url: svc.url, agentId: agent.agentId, key: agent.key, tier: 'strong', serviceKeys: keysFile });
    const tool = session.wrap('count', () => entriesOf(session.sessionId));
    expect(await tool()).toBe(3);
    const token = await session.delegate('urn:agent:test:helper', { trustLevel: 'L1', task: 'help' });
    expect(token.entry).toMatch(/^[0-9a-f]{64}$/);
    await session.close();
    // Keys that are not the service's: the genesis receipt does not verify, so the session does not open.
    const wrong = exportCoseKeySet([generateKey('ESP256').publicKey]);
    const e = await rejection(openSession({ url: svc.url, agentId: agent.agentId, key: agent.key, tier: 'strong', serviceKeys: wrong }));
    expect(e.code).toBe('ERR_SDK_RECEIPT_INVALID');
  });

  it('strong fails closed: no session while the service is down, and no tool run when it goes down, queue or not', async () => {
    const qdir = tempDir('atlog-sdk-strong-q-');
    await svc.stop();
    try {
      const e = await rejection(openSession({ url: svc.url, agentId: agent.agentId, key: agent.key, tier: 'strong', serviceKeys: svc.keys, client: QUICK, queueDir: qdir }));
      expect(e.code).toBe('ERR_SDK_UNREACHABLE');
    } finally {
      await svc.start();
    }
    const session = await openSession({ url: svc.url, agentId: agent.agentId, key: agent.key, tier: 'strong', serviceKeys: svc.keys, client: QUICK, queueDir: qdir, retryMs: 50, maxRetryMs: 200 });
    let ran = 0;
    const tool = session.wrap('tool', async () => ++ran);
    expect(await tool()).toBe(1);
    await svc.stop();
    try {
      expect((await rejection(tool())).code).toBe('ERR_SDK_UNREACHABLE');
      expect((await rejection(tool())).code).toBe('ERR_SDK_UNREACHABLE');
      expect(ran).toBe(1);
    } finally {
      await svc.start();
    }
    expect(await tool()).toBe(2);
    const summary = await session.close();
    expect(summary.queued).toBe(0);
    const { report, records } = await sessionInLog(svc, agent.agentId, session.sessionId);
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
    expect(records.filter((r) => r['action_type'] === 'error')).toHaveLength(2);
    expect(records.filter((r) => r['action_type'] === 'tool_response')).toHaveLength(2);
  });
});
