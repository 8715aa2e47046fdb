import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalBytes, genesisRecord, type AatRecord } from '../../src/aat/index.js';
import { resolveConfig, type ServeConfig } from '../../src/config/index.js';
import { decodeProblem, type DecodedProblem } from '../../src/client/index.js';
import { openService } from '../../src/http/open-service.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { exportCoseKey, generateKey, type PrivateKey } from '../../src/keys/index.js';
import type { ServiceLogger } from '../../src/service/options.js';
import { buildStatement } from '../../src/statements/index.js';
import { toBase64 } from '../../src/util/bytes.js';
import { removeTempDir, tempDir } from '../helpers/temp.js';

/** Test fixtures for the HTTP tests: agents, policies, statements, a real server on an ephemeral port. */

export interface Agent {
  key: PrivateKey;
  agentId: string;
}

let agentCounter = 0;

/** A fresh agent key (ESP256 by default) with a unique agent id. */
export function makeAgent(alg = 'ESP256', agentId = `urn:agent:test:bot-${process.pid}-${++agentCounter}`): Agent {
  return { key: generateKey(alg), agentId };
}

/** A policy file text that trusts `agents`; `aat` overrides the AAT section. */
export function policyYaml(agents: readonly Agent[], aat = ''): string {
  const lines = ['version: 1', 'issuers:'];
  for (const a of agents) {
    lines.push(`  - iss: "${a.agentId}"`, '    keys:', `      - cose: "${toBase64(exportCoseKey(a.key.publicKey))}"`);
  }
  if (agents.length === 0) lines[1] = 'issuers: []';
  if (aat) lines.push(aat);
  return `${lines.join('\n')}\n`;
}

/** A Signed Statement carrying a fresh genesis AAT record (its own session), and the record. */
export function aatStatement(agent: Agent, record?: AatRecord): { bytes: Uint8Array; record: AatRecord } {
  const rec = record ?? genesisRecord({ agentId: agent.agentId, agentVersion: '1.0.0', trustLevel: 'L1' });
  const bytes = buildStatement({
    key: agent.key,
    iss: agent.agentId,
    sub: `urn:uuid:${rec.session_id}`,
    payload: canonicalBytes(rec),
    contentType: 'application/aat+json',
  });
  return { bytes, record: rec };
}

const silent: ServiceLogger = { info() {}, warn() {}, error() {}, debug() {} };

/** A real server (HTTP on 127.0.0.1, ephemeral port) over the real service, in this process. */
export async function startTestServer(
  agents: readonly Agent[],
  overrides: Partial<ServeConfig> = {},
  aat = '',
): Promise<{ server: RunningServer; url: string; dir: string; stop: () => Promise<void> }> {
  const dir = tempDir('atlog-http-');
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, policyYaml(agents, aat));
  // Tests expect 201 with the receipt: a long wait keeps a loaded machine's slow batch from turning it into 303
  // (the tests of 303 set waitLimitMs: 0 themselves).
  const config: ServeConfig = { ...resolveConfig({}), dataDir: join(dir, 'data'), port: 0, tsa: 'none', policy, waitLimitMs: 30_000, ...overrides };
  const server = await startServer(config, openService, silent);
  return {
    server,
    url: server.url,
    dir,
    stop: async () => {
      await server.close();
      removeTempDir(dir);
    },
  };
}

/** A response read to the end, with the problem decoded when there is one. */
export interface Answer {
  status: number;
  type: string;
  headers: Headers;
  body: Uint8Array;
  problem: DecodedProblem | undefined;
}

/** fetch without following redirects, reading the whole body. */
export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const body = new Uint8Array(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  const problem = res.status >= 400 ? decodeProblem(res.status, type, body) : undefined;
  return { status: res.status, type, headers: res.headers, body, problem };
}

/** POST /entries with the given body and content type. */
export function postEntry(url: string, body: Uint8Array, contentType = 'application/cose', extra: Record<string, string> = {}): Promise<Answer> {
  return call(`${url}/entries`, { method: 'POST', headers: { 'Content-Type': contentType, ...extra }, body });
}

/** The current tree size, from /checkpoint (0 for an empty log). */
export async function treeSize(url: string): Promise<number> {
  const a = await call(`${url}/checkpoint`, { headers: { Accept: 'application/json' } });
  if (a.status === 404) return 0;
  return (JSON.parse(new TextDecoder().decode(a.body)) as { treeSize: number }).treeSize;
}
