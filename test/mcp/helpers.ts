import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { exportCoseKey, exportCoseKeySet } from '../../src/keys/index.js';
import type { Agent } from '../http/helpers.js';
import { CLI } from '../http/spawn.js';
import { REPO_ROOT } from '../helpers/vectors.js';
import type { TestService } from '../sdk/helpers.js';

/** What the MCP proxy tests share: files for the proxy's flags, its command line, and raw stdio access. */

/** The fixture MCP server (test/fixtures/mcp-server.ts) as a command and its arguments. */
export const FIXTURE = [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'test', 'fixtures', 'mcp-server.ts')];

/** Files the proxy reads: the agent's key, a policy denying delete_file, the service keys; and the fixture's log. */
export interface ProxyFiles {
  key: string;
  policy: string;
  serviceKeys: string;
  serverLog: string;
}

export function proxyFiles(dir: string, agent: Agent, svc: TestService): ProxyFiles {
  const files = { key: join(dir, 'agent.key'), policy: join(dir, 'local-policy.yaml'), serviceKeys: join(dir, 'service-keys.cbor'), serverLog: join(dir, 'server-calls.jsonl') };
  writeFileSync(files.key, exportCoseKey(agent.key), { mode: 0o600 });
  writeFileSync(files.policy, 'version: 1\nrules:\n  - name: no-deletes\n    rule: deny tool_call where tool_name == "delete_file"\n');
  writeFileSync(files.serviceKeys, exportCoseKeySet(svc.keys));
  writeFileSync(files.serverLog, '');
  return files;
}

/** `node dist/cli/main.js mcp-proxy FLAGS -- fixture [SERVER_ARGS]` as argv (the compiled CLI, as users run it). */
export function proxyArgv(url: string, agent: Agent, files: ProxyFiles, sessionId: string, flags: string[] = [], serverArgs: string[] = []): string[] {
  return [CLI, 'mcp-proxy', '--url', url, '--agent-id', agent.agentId, '--key', files.key, '--session-id', sessionId, '--policy', files.policy, '--timeout', '30', ...flags, '--', ...FIXTURE, ...serverArgs];
}

/** The calls the fixture server saw, in order. */
export function serverCalls(files: ProxyFiles): Array<{ name: string; args: unknown }> {
  return readFileSync(files.serverLog, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { name: string; args: unknown });
}

/**
 * Closes the client's side the way `StdioClientTransport.close()` begins (the proxy's stdin ends), without the
 * SIGTERM and SIGKILL that follow 2 s later: on a loaded test machine registering the session_end can take longer
 * than that, and the test is about the proxy, not the client's patience. Resolves once the proxy has exited.
 */
export async function closeClientSide(transport: StdioClientTransport): Promise<void> {
  const pid = transport.pid;
  (transport as unknown as { _process?: ChildProcess })._process?.stdin?.end();
  if (pid !== null) await exited(pid, 60_000);
  await transport.close();
}

/** Resolves once process `pid` is gone. */
export async function exited(pid: number, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > until) throw new Error(`process ${pid} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The proxy as a child process spoken to line by line: what a misbehaving client sees. */
export interface RawProxy {
  child: ChildProcess;
  /** Writes one line (a string as is, anything else as JSON). */
  send(line: unknown): void;
  /** The next stdout line that parses to a message matching `pred` (every stdout line must be JSON). */
  next(pred?: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Every stdout line so far. */
  lines: string[];
  /** stdout lines that were not JSON (there must be none: stdout carries MCP only). */
  notJson: string[];
  stderr(): string;
  /** The exit code, once the process is gone. */
  exit: Promise<number | null>;
}

export function rawProxy(argv: string[], env: Record<string, string> = {}): RawProxy {
  const child = spawn(process.execPath, argv, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const lines: string[] = [];
  const notJson: string[] = [];
  const waiting: Array<{ pred: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }> = [];
  const seen: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line) as Record<string, unknown>;
    } catch {
      notJson.push(line);
      return;
    }
    const i = waiting.findIndex((w) => w.pred(m));
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(m);
    else seen.push(m);
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdin!.on('error', () => undefined);
  return {
    child,
    lines,
    notJson,
    exit,
    stderr: () => err,
    send: (line) => child.stdin!.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`),
    next: (pred = () => true, timeoutMs = 20_000) => {
      const i = seen.findIndex(pred);
      if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; stderr:\n${err}`)), timeoutMs);
        waiting.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
  };
}

/** An MCP initialize request as a client sends it. */
export function initialize(id: number | string = 0): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw-test-client', version: '1.0.0' } } };
}
