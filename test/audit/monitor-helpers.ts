import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '../../src/client/index.js';
import { resolveConfig, type ServeConfig } from '../../src/config/index.js';
import { openService } from '../../src/http/open-service.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import type { ServiceLogger } from '../../src/service/options.js';
import { aatStatement, policyYaml, type Agent } from '../http/helpers.js';

/**
 * A real atlog service (HTTP on 127.0.0.1 over the real LevelDB service, in this process) whose data directory
 * the test owns: it can be stopped, copied, restored and started again with the same keys, which is what an
 * operator rolling the log back would do.
 */

const silent: ServiceLogger = { info() {}, warn() {}, error() {}, debug() {} };

export interface Service {
  url: string;
  stop(): Promise<void>;
}

/** Starts a service on `dataDir` (created on first start, with new keys) trusting `agents`. */
export async function startService(dir: string, dataDir: string, agents: readonly Agent[], overrides: Partial<ServeConfig> = {}): Promise<Service> {
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, policyYaml(agents));
  const config: ServeConfig = { ...resolveConfig({}), dataDir, port: 0, tsa: 'none', policy, ...overrides };
  const server: RunningServer = await startServer(config, openService, silent);
  return { url: server.url, stop: () => server.close() };
}

/** Registers `n` statements (each a fresh AAT session of `agent`), one after the other: one checkpoint each. */
export async function registerSome(url: string, agent: Agent, n: number): Promise<void> {
  const client = createClient({ url });
  for (let i = 0; i < n; i++) await client.register(aatStatement(agent).bytes);
}

/** Replaces `to` with a copy of `from` (a stopped service's data directory). */
export function copyDir(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true, preserveTimestamps: true });
}
