import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListRootsRequestSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { McpRelay } from '../../src/mcp/index.js';
import { openSession } from '../../src/sdk/node.js';
import { makeAgent } from '../http/helpers.js';
import { sessionInLog, useService } from '../sdk/helpers.js';

/**
 * McpRelay in process, between the MCP SDK's real Client and McpServer over its in-memory transports, against a
 * real service: every message arrives as it was sent, in both directions (a server's request to the client in
 * the middle of a tool call included); only recorded tools/call requests reach the server.
 */

describe('McpRelay', () => {
  const agent = makeAgent('Ed25519');
  const svc = useService([agent]);

  it('relays both directions unchanged and records only tools/call', async () => {
    const [clientEnd, proxyClientEnd] = InMemoryTransport.createLinkedPair();
    const [proxyServerEnd, serverEnd] = InMemoryTransport.createLinkedPair();
    const sentByClient: JSONRPCMessage[] = [];
    const seenByServer: JSONRPCMessage[] = [];
    const sentByServer: JSONRPCMessage[] = [];
    const seenByClient: JSONRPCMessage[] = [];
    const tap = (t: InMemoryTransport, sent: JSONRPCMessage[]): void => {
      const send = t.send.bind(t);
      t.send = (m, o) => (sent.push(m), send(m, o));
    };
    tap(clientEnd, sentByClient);
    tap(serverEnd, sentByServer);

    const server = new McpServer({ name: 'in-process', version: '2.0.0' });
    server.registerTool('roots_count', { inputSchema: { why: z.string() } }, async () => {
      const { roots } = await server.server.listRoots(); // a request from the server, answered by the client
      return { content: [{ type: 'text', text: String(roots.length) }] };
    });
    await server.connect(serverEnd);
    const onServer = serverEnd.onmessage!;
    serverEnd.onmessage = (m, extra) => (seenByServer.push(m), onServer(m, extra));

    const session = await openSession({ url: svc.url, agentId: agent.agentId, key: agent.key });
    const logs: string[] = [];
    const relay = new McpRelay({
      toClient: (m) => proxyClientEnd.send(m),
      toServer: (m) => proxyServerEnd.send(m),
      openSession: async () => session,
      log: (l) => logs.push(l),
    });
    proxyClientEnd.onmessage = (m) => relay.fromClient(m);
    proxyServerEnd.onmessage = (m) => relay.fromServer(m);
    await proxyClientEnd.start();
    await proxyServerEnd.start();

    const client = new Client({ name: 'in-process-client', version: '1.0.0' }, { capabilities: { roots: {} } });
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///a' }, { uri: 'file:///b' }] }));
    await client.connect(clientEnd);
    const onClient = clientEnd.onmessage!;
    clientEnd.onmessage = (m, extra) => (seenByClient.push(m), onClient(m, extra));

    const out = await client.callTool({ name: 'roots_count', arguments: { why: 'test' }, _meta: { progressToken: 7, vendor: { nested: [true, null] } } });
    expect(out).toEqual({ content: [{ type: 'text', text: '2' }] });
    await client.ping();
    const summary = await relay.close('client');
    expect(summary).toMatchObject({ records: 5, registered: 5 });

    // What each side sent is what the other side received, in order (the client's tap began after initialize).
    expect(seenByServer).toEqual(sentByClient);
    expect(seenByClient).toEqual(sentByServer.slice(sentByServer.length - seenByClient.length));
    expect(seenByServer.map((m) => ('method' in m ? m.method : 'response'))).toEqual(['initialize', 'notifications/initialized', 'tools/call', 'response', 'ping']);
    expect(logs).toEqual([`session ${session.sessionId} open (agent ${agent.agentId}, detectable tier)`]);

    const { report, records } = await sessionInLog(svc, agent.agentId, session.sessionId);
    expect(report.valid).toBe(true);
    expect(records.map((r) => r['action_type'])).toEqual(['lifecycle', 'decision', 'tool_call', 'tool_response', 'lifecycle']);
  });

  it('a server that cannot be written to: the client gets -32000, the call an error record; unknown answers pass', async () => {
    const session = await openSession({ url: svc.url, agentId: agent.agentId, key: agent.key });
    const answers: JSONRPCMessage[] = [];
    const logs: string[] = [];
    const relay = new McpRelay({
      toClient: async (m) => void answers.push(m),
      toServer: (m) => ('method' in m && m.method === 'tools/call' ? Promise.reject(new Error('EPIPE')) : Promise.resolve()),
      openSession: async () => session,
      log: (l) => logs.push(l),
    });
    relay.fromClient({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } } });
    relay.fromClient({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } });
    relay.fromServer({ jsonrpc: '2.0', id: 'never-asked', result: {} });
    while (answers.length < 2) await new Promise((r) => setTimeout(r, 10)); // the failed write is answered
    expect(await relay.close('client')).toMatchObject({ records: 5 });
    expect(answers).toEqual([
      { jsonrpc: '2.0', id: 'never-asked', result: {} },
      { jsonrpc: '2.0', id: 2, error: { code: -32000, message: 'MCP server unreachable' } },
    ]);
    expect(logs.some((l) => l.includes('cannot send to the server: EPIPE'))).toBe(true);
    const { records } = await sessionInLog(svc, agent.agentId, session.sessionId);
    expect(records[3]).toMatchObject({ action_type: 'error', action_detail: { tool_name: 'echo', error_code: '-32000' } });
  });

  it('a tool call still waiting when the relay closes is not forwarded: answered -32000, recorded MCP_CLOSING', async () => {
    const session = await openSession({ url: svc.url, agentId: agent.agentId, key: agent.key });
    const answers: JSONRPCMessage[] = [];
    const forwarded: JSONRPCMessage[] = [];
    const relay = new McpRelay({ toClient: async (m) => void answers.push(m), toServer: async (m) => void forwarded.push(m), openSession: async () => session, log: () => undefined });
    relay.fromClient({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } } });
    relay.fromClient({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'late' } } });
    await relay.close('signal');
    expect(forwarded.map((m) => ('method' in m ? m.method : ''))).toEqual(['initialize']);
    expect(answers).toEqual([{ jsonrpc: '2.0', id: 2, error: { code: -32000, message: 'atlog: the proxy is closing' } }]);
    const { records } = await sessionInLog(svc, agent.agentId, session.sessionId);
    expect(records.map((r) => r['action_type'])).toEqual(['lifecycle', 'decision', 'tool_call', 'error', 'lifecycle']);
    expect(records[3]!['action_detail']).toMatchObject({ error_code: 'MCP_CLOSING', error_message: 'NotForwarded' });
  });

  it('a session that cannot be opened refuses initialize; the relay can be closed without a session', async () => {
    const answers: JSONRPCMessage[] = [];
    const forwarded: JSONRPCMessage[] = [];
    const relay = new McpRelay({
      toClient: async (m) => void answers.push(m),
      toServer: async (m) => void forwarded.push(m),
      openSession: () => Promise.reject(new Error('no service today')),
      log: () => undefined,
    });
    relay.fromClient({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } } });
    relay.fromClient({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(await relay.close('client')).toBeUndefined();
    expect(answers).toEqual([{ jsonrpc: '2.0', id: 1, error: { code: -32002, message: 'atlog: the audit session could not be opened' } }]);
    expect(forwarded).toEqual([{ jsonrpc: '2.0', id: 2, method: 'tools/list' }]);
  });
});
