import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../src/aat/index.js';
import { createClient } from '../../src/client/index.js';
import { atlog } from '../helpers/cli.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { REPO_ROOT } from '../helpers/vectors.js';
import { makeAgent } from '../http/helpers.js';
import { sessionInLog, startService, type TestService } from '../sdk/helpers.js';
import { closeClientSide, proxyArgv, proxyFiles, serverCalls, type ProxyFiles } from './helpers.js';

/**
 * Acceptance (issue 12): a real MCP client (the MCP SDK's Client over stdio) drives `atlog mcp-proxy` (the
 * compiled CLI) to a real MCP server process (test/fixtures/mcp-server.ts) against a real atlog service: three
 * tool calls, one denied by the local policy, one failing. The server never sees the denied call; the session
 * bundle fetched from the service verifies offline (`atlog verify`) and holds the records in order.
 */

const sha = (v: unknown): string => createHash('sha256').update(canonicalBytes(v as never)).digest('hex');

describe('atlog mcp-proxy with a real MCP client and server', { timeout: 120_000 }, () => {
  const agent = makeAgent('ESP256');
  const dir = tempDir('atlog-mcp-');
  let svc: TestService;
  let files: ProxyFiles;

  beforeAll(async () => {
    svc = await startService([agent]);
    files = proxyFiles(dir, agent, svc);
  });
  afterAll(async () => {
    await svc.destroy();
    removeTempDirs();
  });

  it('records three tool calls in three phases; the denied one never reaches the server; the bundle verifies offline', async () => {
    const sessionId = globalThis.crypto.randomUUID();
    const [command, ...args] = [process.execPath, ...proxyArgv(svc.url, agent, files, sessionId)];
    let stderr = '';
    const transport = new StdioClientTransport({ command: command!, args, cwd: REPO_ROOT, env: { ...process.env as Record<string, string>, MCP_FIXTURE_LOG: files.serverLog }, stderr: 'pipe' });
    transport.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const client = new Client({ name: 'acceptance-client', version: '1.0.0' });
    await client.connect(transport);

    // Everything but tools/call passes untouched: the server's own tool list and identity.
    expect(client.getServerVersion()).toMatchObject({ name: 'atlog-fixture', version: '1.0.0' });
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['add', 'delete_file', 'echo', 'exit', 'fail']);

    const echo = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    expect(echo).toEqual({ content: [{ type: 'text', text: 'hello' }] });

    const denied = await client.callTool({ name: 'delete_file', arguments: { path: '/etc/passwd' } }).then(() => undefined, (e: unknown) => e);
    expect(denied).toBeInstanceOf(McpError);
    expect((denied as McpError).code).toBe(-32001);
    expect((denied as McpError).data).toMatchObject({ code: 'ERR_POLICY_DENIED', rule: 'no-deletes' });

    const failed = await client.callTool({ name: 'fail', arguments: { reason: 'disk on fire' } });
    expect(failed).toMatchObject({ isError: true, content: [{ type: 'text', text: 'disk on fire' }] });

    await closeClientSide(transport);
    await client.close();
    expect(stderr).toContain(`session ${sessionId} closed: 9 records, 9 registered`);

    // The server saw the allowed calls only.
    expect(serverCalls(files).map((c) => c.name)).toEqual(['echo', 'fail']);

    // The bundle verifies offline, in process and with the CLI, and holds the expected records in order.
    const { report, records } = await sessionInLog(svc, agent.agentId, sessionId);
    expect(report.valid).toBe(true);
    const shape = records.map((r) => [r['action_type'], (r['action_detail'] as Record<string, unknown>)['event'] ?? (r['action_detail'] as Record<string, unknown>)['tool_name'], r['outcome']]);
    expect(shape).toEqual([
      ['lifecycle', 'session_start', 'success'],
      ['decision', 'echo', 'success'],
      ['tool_call', 'echo', 'success'],
      ['tool_response', 'echo', 'success'],
      ['decision', 'delete_file', 'denied'],
      ['decision', 'fail', 'success'],
      ['tool_call', 'fail', 'success'],
      ['error', 'fail', 'failure'],
      ['lifecycle', 'session_end', 'success'],
    ]);
    const detail = (i: number): Record<string, unknown> => records[i]!['action_detail'] as Record<string, unknown>;
    expect(detail(2)['parameters_hash']).toBe(sha({ text: 'hello' }));
    expect(detail(3)).toMatchObject({ response_hash: sha({ content: [{ type: 'text', text: 'hello' }] }), parent_call_id: records[2]!['record_id'] });
    expect(detail(4)).toMatchObject({ result: 'deny', rule: 'no-deletes', parameters_hash: sha({ path: '/etc/passwd' }) });
    expect(detail(7)).toMatchObject({ error_code: 'isError', error_category: 'tool_error', parent_call_id: records[6]!['record_id'] });
    expect(JSON.stringify(records)).not.toContain('disk on fire'); // hashes only, by default

    const bundle = join(dir, 'session.bundle');
    writeFileSync(bundle, await createClient({ url: svc.url }).sessionBundle(agent.agentId, sessionId));
    const v = await atlog(['verify', '--bundle', bundle, '--service-key', files.serviceKeys]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('a JSON-RPC error from the server is recorded as an error record and passes through unchanged', async () => {
    const sessionId = globalThis.crypto.randomUUID();
    const [command, ...args] = [process.execPath, ...proxyArgv(svc.url, agent, files, sessionId, ['--tier', 'bounded'])];
    const transport = new StdioClientTransport({ command: command!, args, cwd: REPO_ROOT, env: { ...process.env as Record<string, string>, MCP_FIXTURE_LOG: files.serverLog }, stderr: 'ignore' });
    const client = new Client({ name: 'acceptance-client', version: '1.0.0' });
    await client.connect(transport);
    // arguments must be an object: the server's protocol layer refuses the request with a JSON-RPC error.
    const e = await client.request({ method: 'tools/call', params: { name: 'add', arguments: 'not an object' } } as never, (await import('@modelcontextprotocol/sdk/types.js')).CallToolResultSchema).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(McpError);
    const code = (e as McpError).code;
    const sum = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    expect(sum).toEqual({ content: [{ type: 'text', text: '5' }], structuredContent: { sum: 5 } });
    await closeClientSide(transport);
    await client.close();
    const { report, records } = await sessionInLog(svc, agent.agentId, sessionId);
    expect(report.valid).toBe(true);
    expect(records.map((r) => r['action_type'])).toEqual(['lifecycle', 'decision', 'tool_call', 'error', 'decision', 'tool_call', 'tool_response', 'lifecycle']);
    expect(records[3]!['action_detail']).toMatchObject({ tool_name: 'add', error_code: String(code), error_message: 'JsonRpcError', parent_call_id: records[2]!['record_id'] });
    expect(records[2]!['action_detail']).toMatchObject({ parameters_hash: sha('not an object') });
    expect(records[6]!['action_detail']).toMatchObject({ response_hash: sha(sum) });
    expect(records[0]!['action_detail']).toMatchObject({ event: 'session_start', enforcement_tier: 'bounded' });
  });
});
