import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { resolveConfig, type ServeConfig } from '../../src/config/index.js';
import { createClient } from '../../src/client/index.js';
import { decodeSign1 } from '../../src/cose/sign1.js';
import { openService } from '../../src/http/open-service.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { importCoseKeySet, isPrivateKey, type PublicKey } from '../../src/keys/index.js';
import type { ServiceLogger } from '../../src/service/options.js';
import { decodeBundle, verifySessionBundle, type SessionReport } from '../../src/verify/index.js';
import { freePort } from '../helpers/net.js';
import { removeTempDir, tempDir } from '../helpers/temp.js';
import { policyYaml, type Agent } from '../http/helpers.js';

/**
 * A real atlog service for the SDK tests (HTTP on 127.0.0.1, in this process) that can be stopped and started
 * again on the same port and data directory, so that a session meets a service that goes away and comes back.
 */
export interface TestService {
  url: string;
  port: number;
  dir: string;
  /** The service keys (fetched once running). */
  keys: PublicKey[];
  /** Stops the server; the data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

const silent: ServiceLogger = { info() {}, warn() {}, error() {}, debug() {} };

/** What `startService` takes beside the agents. */
export interface ServiceExtra {
  rules?: string[];
  port?: number;
  config?: Partial<ServeConfig>;
}

/** Starts a service trusting `agents` (rules from `rules`, YAML lines under `rules:`), rate limit off. */
export async function startService(agents: readonly Agent[], extra: ServiceExtra = {}): Promise<TestService> {
  const dir = tempDir('atlog-sdk-');
  const policy = join(dir, 'policy.yaml');
  const rules = extra.rules?.length ? `rules:\n${extra.rules.map((r) => `  - ${r}`).join('\n')}` : '';
  writeFileSync(policy, policyYaml(agents, rules));
  const port = extra.port ?? (await freePort());
  const config: ServeConfig = { ...resolveConfig({}), dataDir: join(dir, 'data'), port, host: '127.0.0.1', tsa: 'none', policy, rateLimit: 0, ...extra.config };
  let server: RunningServer | undefined = await startServer(config, openService, silent);
  const url = server.url;
  const keys = importCoseKeySet((await createClient({ url }).keys()).bytes).map((k) => (isPrivateKey(k) ? k.publicKey : k));
  return {
    url,
    port,
    dir,
    keys,
    stop: async () => {
      await server?.close();
      server = undefined;
    },
    start: async () => {
      server ??= await startServer(config, openService, silent);
    },
    destroy: async () => {
      await server?.close();
      server = undefined;
      removeTempDir(dir);
    },
  };
}

/**
 * The service of a describe block (or a file): started in its beforeAll, destroyed in its afterAll. The object
 * returned stands for it inside the tests (each member reads the running service), so the set-up is one line.
 */
export function useService(agents: readonly Agent[], extra: ServiceExtra = {}): TestService {
  let svc: TestService | undefined;
  beforeAll(async () => {
    svc = await startService(agents, extra);
  });
  afterAll(async () => {
    await svc?.destroy();
  });
  const running = (): TestService => {
    if (!svc) throw new Error('the service starts in beforeAll: use it inside a test or a hook');
    return svc;
  };
  return {
    get url() {
      return running().url;
    },
    get port() {
      return running().port;
    },
    get dir() {
      return running().dir;
    },
    get keys() {
      return running().keys;
    },
    stop: () => running().stop(),
    start: () => running().start(),
    destroy: () => running().destroy(),
  };
}

/** The service's bundle of a session, verified offline (with `allowIncomplete` for a session left open). */
export async function sessionInLog(svc: TestService, agentId: string, sessionId: string, allowIncomplete = false): Promise<{ report: SessionReport; records: Record<string, unknown>[] }> {
  const bytes = await createClient({ url: svc.url }).sessionBundle(agentId, sessionId);
  const report = await verifySessionBundle(bytes, { serviceKeys: svc.keys, allowIncomplete });
  const records = decodeBundle(bytes).statements.map((s) => JSON.parse(new TextDecoder().decode(decodeSign1(s).payload ?? new Uint8Array())) as Record<string, unknown>);
  return { report, records };
}

/** A URL where nothing listens (a port just freed). */
export async function deadUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

/** Client settings that give up quickly on a dead service (tests only). */
export const QUICK = { retries: 0, timeoutMs: 5000, registerTimeoutMs: 5000 } as const;
