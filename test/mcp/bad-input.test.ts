import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atlog } from '../helpers/cli.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { makeAgent } from '../http/helpers.js';
import { deadUrl, sessionInLog, startService, type TestService } from '../sdk/helpers.js';
import { initialize, proxyArgv, proxyFiles, rawProxy, serverCalls, type ProxyFiles, type RawProxy } from './helpers.js';

/**
 * The MCP proxy under bad input and failure, spoken to line by line over its real stdio: malformed JSON-RPC from
 * the client, a server that writes junk or exits mid-call, a service that is down in the strong tier, a server
 * that cannot start, bad flags. The proxy never crashes, stdout carries JSON-RPC only, and nothing reaches the
 * server unrecorded.
 */

const call = (id: number | string, name: string, args: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...extra } });
const answerTo = (id: unknown) => (m: Record<string, unknown>): boolean => m['id'] === id;
const errorCode = (m: Record<string, unknown>): unknown => (m['error'] as { code?: unknown } | undefined)?.code;

describe('atlog mcp-proxy under bad input', { timeout: 120_000 }, () => {
  const agent = makeAgent('ESP256');
  const dir = tempDir('atlog-mcp-bad-');
  let svc: TestService;
  let files: ProxyFiles;
  const spawned: RawProxy[] = [];

  const start = (sessionId: string, flags: string[] = [], serverArgs: string[] = [], url = svc.url): RawProxy => {
    const p = rawProxy(proxyArgv(url, agent, files, sessionId, flags, serverArgs), { MCP_FIXTURE_LOG: files.serverLog });
    spawned.push(p);
    return p;
  };
  const initialized = async (p: RawProxy): Promise<void> => {
    p.send(initialize(0));
    const init = await p.next(answerTo(0));
    expect(init['result'], `${JSON.stringify(init)}\n${p.stderr()}`).toMatchObject({ serverInfo: { name: 'atlog-fixture' } });
    p.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  };

  beforeAll(async () => {
    svc = await startService([agent]);
    files = proxyFiles(dir, agent, svc);
  });
  afterAll(async () => {
    for (const p of spawned) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await svc.destroy();
    removeTempDirs();
  });

  it('malformed messages from the client are answered, never forwarded, and the proxy goes on', async () => {
    const sessionId = globalThis.crypto.randomUUID();
    const p = start(sessionId);
    p.send('this is not JSON');
    expect(errorCode(await p.next())).toBe(-32700);
    p.send('[{"jsonrpc":"2.0","id":1,"method":"ping"}]'); // a batch: not an MCP message
    expect(errorCode(await p.next())).toBe(-32600);
    p.send({ jsonrpc: '1.0', id: 2, method: 'ping' });
    expect(errorCode(await p.next())).toBe(-32600);
    // A tool call before initialize cannot be recorded: refused.
    p.send(call(3, 'echo', { text: 'too early' }));
    expect(errorCode(await p.next(answerTo(3)))).toBe(-32002);

    await initialized(p);
    // A tool call sent as a notification is dropped (it could not be recorded); one without a name is refused.
    p.send({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'echo', arguments: { text: 'notification' } } });
    p.send(call(4, '', { text: 'no name' }));
    expect(errorCode(await p.next(answerTo(4)))).toBe(-32602);
    // Ids of either type and members the proxy does not know pass through.
    p.send(call('s-5', 'echo', { text: 'ok' }, { _meta: { progressToken: 'tok-1', vendor: { x: [1, 2] } } }));
    expect((await p.next(answerTo('s-5')))['result']).toEqual({ content: [{ type: 'text', text: 'ok' }] });

    p.child.stdin!.end();
    expect(await p.exit).toBe(0);
    expect(p.notJson).toEqual([]);
    expect(serverCalls(files).filter((c) => (c.args as { text?: string }).text !== undefined).map((c) => (c.args as { text: string }).text)).toEqual(['ok']);
    const { report, records } = await sessionInLog(svc, agent.agentId, sessionId);
    expect(report.valid).toBe(true);
    expect(records.map((r) => r['action_type'])).toEqual(['lifecycle', 'decision', 'tool_call', 'tool_response', 'lifecycle']);
  });

  it('a server that writes junk to stdout: logged to stderr, the client sees JSON-RPC only', async () => {
    const p = start(globalThis.crypto.randomUUID(), [], ['--noise']);
    await initialized(p);
    p.send(call(1, 'add', { a: 1, b: 2 }));
    expect((await p.next(answerTo(1)))['result']).toMatchObject({ structuredContent: { sum: 3 } });
    p.child.stdin!.end();
    expect(await p.exit).toBe(0);
    expect(p.notJson).toEqual([]);
    expect(p.stderr().split('from the MCP server').length - 1, p.stderr()).toBe(2); // the line that is no JSON, the JSON that is no message
  });

  it('the server exits mid-call: the client gets an error, the call an error record, the session a failed end', async () => {
    const sessionId = globalThis.crypto.randomUUID();
    const p = start(sessionId);
    await initialized(p);
    p.send(call(1, 'exit', { code: 3 }));
    const answer = await p.next(answerTo(1));
    expect(errorCode(answer)).toBe(-32000);
    expect(await p.exit).toBe(1);
    expect(p.notJson).toEqual([]);
    const { report, records } = await sessionInLog(svc, agent.agentId, sessionId);
    expect(report.valid).toBe(true);
    expect(records.map((r) => r['action_type'])).toEqual(['lifecycle', 'decision', 'tool_call', 'error', 'lifecycle']);
    expect(records[3]!['action_detail']).toMatchObject({ tool_name: 'exit', error_code: 'MCP_SERVER_EXITED' });
    expect(records[4]).toMatchObject({ outcome: 'failure', action_detail: { event: 'session_end' } });
  });

  it('strong tier: with the service down a tool call is refused and never reaches the server; initialize too', async () => {
    const sessionId = globalThis.crypto.randomUUID();
    const strong = ['--tier', 'strong', '--service-key', files.serviceKeys];
    const p = start(sessionId, strong);
    await initialized(p);
    p.send(call(1, 'echo', { text: 'strong ok' }));
    expect((await p.next(answerTo(1)))['result']).toEqual({ content: [{ type: 'text', text: 'strong ok' }] });
    await svc.stop();
    try {
      p.send(call(2, 'echo', { text: 'while down' }));
      const refused = await p.next(answerTo(2));
      expect(errorCode(refused)).toBe(-32002);
      expect((refused['error'] as { data?: unknown }).data).toMatchObject({ code: 'ERR_SDK_UNREACHABLE' });
      expect(serverCalls(files).some((c) => (c.args as { text?: string }).text === 'while down')).toBe(false);
    } finally {
      await svc.start();
    }
    p.child.stdin!.end();
    expect(await p.exit, p.stderr()).toBe(0);

    // Service down from the start: the session cannot open, so initialize is refused and not forwarded.
    const q = start(globalThis.crypto.randomUUID(), strong, [], await deadUrl());
    q.send(initialize(0));
    const init = await q.next(answerTo(0));
    expect(errorCode(init)).toBe(-32002);
    q.send(call(1, 'echo', { text: 'no session' }));
    expect(errorCode(await q.next(answerTo(1)))).toBe(-32002);
    q.child.stdin!.end();
    expect(await q.exit).toBe(0);
    expect(q.notJson).toEqual([]);
    expect(serverCalls(files).some((c) => (c.args as { text?: string }).text === 'no session')).toBe(false);
  });

  it('detectable tier with --queue and the service down: calls run, records wait in the queue, atlog sync sends them', async () => {
    const sessionId = globalThis.crypto.randomUUID();
    const queue = `${dir}/queue`;
    const p = start(sessionId, ['--queue', queue], [], await deadUrl());
    await initialized(p);
    p.send(call(1, 'echo', { text: 'offline' }));
    expect((await p.next(answerTo(1)))['result']).toEqual({ content: [{ type: 'text', text: 'offline' }] });
    p.child.stdin!.end();
    expect(await p.exit, p.stderr()).toBe(0);
    expect(p.stderr()).toContain('5 queued for atlog sync');
    const sync = await atlog(['sync', '--queue', queue, '--url', svc.url]);
    expect(sync.code, sync.stderr).toBe(0);
    const { report, records } = await sessionInLog(svc, agent.agentId, sessionId);
    expect(report.valid).toBe(true);
    expect(records.map((r) => r['action_type'])).toEqual(['lifecycle', 'decision', 'tool_call', 'tool_response', 'lifecycle']);
  });

  it('a server that cannot start, and bad flags, end the proxy with a message on stderr and nothing on stdout', async () => {
    const base = ['mcp-proxy', '--url', svc.url, '--agent-id', agent.agentId];
    const noServer = await atlog([...base, '--key', files.key, '--', '/nonexistent/mcp-server']);
    expect(noServer.code).toBe(1);
    expect(noServer.stdout).toBe('');
    expect(noServer.stderr).toContain('cannot start the MCP server');
    const noKey = await atlog([...base, '--key', `${dir}/missing.key`, '--', process.execPath]);
    expect(noKey.code).toBe(2);
    expect(noKey.stdout).toBe('');
    const strongNoKeys = await atlog([...base, '--key', files.key, '--tier', 'strong', '--', process.execPath]);
    expect(strongNoKeys.code).toBe(2);
    expect(strongNoKeys.stderr).toContain('--service-key');
    const noCommand = await atlog([...base, '--key', files.key]);
    expect(noCommand.code).not.toBe(0);
  });
});
