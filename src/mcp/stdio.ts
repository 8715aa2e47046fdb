import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Readable, Writable } from 'node:stream';
import type { ToolOptions } from '../sdk/call.js';
import type { Session, SessionSummary } from '../sdk/session.js';
import { McpRelay, type CloseReason } from './relay.js';

/**
 * The process side of the MCP proxy over stdio (spec/mcp-proxy.md): the MCP client speaks to this process's
 * stdin and stdout (the MCP SDK's StdioServerTransport), the MCP server runs as a child process (the SDK's
 * StdioClientTransport), and McpRelay sits between them. stdout carries MCP only: diagnostics go to `log`.
 */

export interface StdioProxyOptions {
  /** The MCP server to start, and its arguments. */
  command: string;
  args: readonly string[];
  /** Its environment. Default: this process's (a proxy is transparent; the MCP SDK's default keeps only a few variables). */
  env?: Record<string, string>;
  /** Its working directory. Default: this process's. */
  cwd?: string;
  openSession(): Promise<Session>;
  log(line: string): void;
  tool?: ToolOptions;
  /** Where the client is. Default: process.stdin and process.stdout. */
  stdin?: Readable;
  stdout?: Writable;
}

/** How the proxy ended. */
export interface ProxyResult {
  reason: CloseReason | 'spawn';
  /** The session's summary, when a session was opened and closed. */
  summary?: SessionSummary;
  /** Why the session could not be closed (e.g. the service unreachable without a queue). */
  error?: unknown;
}

function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

/**
 * Runs the proxy until the client closes its side (stdin ends), the server exits, or SIGINT/SIGTERM; then closes
 * the server (stdin closed, then SIGTERM and SIGKILL after 2 s each, as the MCP SDK does) and the session.
 * Never throws: the result says how it ended.
 */
export async function runStdioProxy(o: StdioProxyOptions): Promise<ProxyResult> {
  const stdin = o.stdin ?? process.stdin;
  const stdout = o.stdout ?? process.stdout;
  const server = new StdioClientTransport({ command: o.command, args: [...o.args], env: o.env ?? inheritedEnv(), cwd: o.cwd ?? process.cwd(), stderr: 'inherit' });
  const client = new StdioServerTransport(stdin, stdout);
  const relay = new McpRelay({ toClient: (m) => client.send(m), toServer: (m) => server.send(m), openSession: o.openSession, log: o.log, ...(o.tool ? { tool: o.tool } : {}) });

  let end!: (reason: CloseReason) => void;
  const ended = new Promise<CloseReason>((resolve) => (end = resolve));
  const onSignal = (): void => end('signal');
  const onEnd = (): void => end('client');
  client.onmessage = (m) => relay.fromClient(m);
  client.onerror = (e) => relay.fromClientUnreadable(e);
  client.onclose = onEnd;
  server.onmessage = (m) => relay.fromServer(m);
  server.onerror = (e) => o.log(`from the MCP server: ${e.message.split('\n')[0]}`);
  server.onclose = () => end('server');
  stdin.once('end', onEnd);
  stdin.once('close', onEnd);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    try {
      await server.start();
    } catch (e) {
      o.log(`cannot start the MCP server ${o.command}: ${(e as Error).message}`);
      return { reason: 'spawn' };
    }
    await client.start();
    const reason = await ended;
    // The client went first: give the server its usual way out, so answers under way are still recorded.
    if (reason !== 'server') await server.close();
    try {
      const summary = await relay.close(reason);
      return summary ? { reason, summary } : { reason };
    } catch (e) {
      return { reason, error: e };
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stdin.off('end', onEnd);
    stdin.off('close', onEnd);
    await client.close().catch(() => undefined);
    await server.close().catch(() => undefined);
  }
}
