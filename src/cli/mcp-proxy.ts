import { Option, type Command } from 'commander';
import { AtlogError, isAtlogError } from '../errors.js';
import { runStdioProxy } from '../mcp/stdio.js';
import { loadKey, loadPolicy, loadPublicKeys, openSession } from '../sdk/open.js';
import { TIERS, type Tier } from '../sdk/options.js';
import { isInputError } from './keygen.js';

/**
 * `atlog mcp-proxy --url URL --agent-id ID --key FILE [...] -- COMMAND [ARGS...]`: an MCP server behind an
 * audit trail (docs/integrations.md "MCP proxy"). An MCP client starts this command instead of the server; every
 * tools/call is recorded in three phases as an agent session, and a call the policy denies never reaches the
 * server. Files are read before the server starts, so a bad flag fails at once (exit 2). stdout carries MCP only.
 */

interface ProxyFlags {
  url: string;
  agentId: string;
  key: string;
  sessionId?: string;
  policy?: string;
  tier: Tier;
  queue?: string;
  serviceKey?: string[];
  agentVersion: string;
  timeout: string;
}

const collect = (v: string, all: string[] = []): string[] => [...all, v];

function log(line: string): void {
  process.stderr.write(`atlog mcp-proxy: ${line}\n`);
}

/** Exits once stdout has drained (the last MCP answers must reach the client). */
function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

async function run(command: string, args: string[], o: ProxyFlags): Promise<number> {
  const s = Number(o.timeout);
  if (!Number.isFinite(s) || s <= 0) throw new AtlogError('ERR_CLI_USAGE', `--timeout must be a positive number of seconds, got "${o.timeout}"`);
  if (o.tier === 'strong' && !o.serviceKey?.length) throw new AtlogError('ERR_CLI_USAGE', 'the strong tier verifies every receipt before a tool runs: give --service-key FILE (from atlog fetch keys)');
  const key = loadKey(o.key);
  const policy = o.policy !== undefined ? loadPolicy(o.policy) : undefined;
  const serviceKeys = (o.serviceKey ?? []).flatMap((f) => loadPublicKeys(f));
  const result = await runStdioProxy({
    command,
    args,
    log,
    openSession: () => openSession({
      url: o.url,
      agentId: o.agentId,
      agentVersion: o.agentVersion,
      key,
      tier: o.tier,
      client: { timeoutMs: s * 1000, registerTimeoutMs: s * 1000 },
      ...(o.sessionId !== undefined ? { sessionId: o.sessionId } : {}),
      ...(policy ? { policy } : {}),
      ...(o.queue !== undefined ? { queueDir: o.queue } : {}),
      ...(serviceKeys.length ? { serviceKeys } : {}),
      onError: (e) => log(`${e.code}: ${e.message}`),
    }),
  });
  if (result.reason === 'spawn') return 1;
  if (result.error !== undefined) {
    const e = result.error;
    log(`session not closed: ${isAtlogError(e) ? `${e.code} ` : ''}${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  const sum = result.summary;
  if (sum) log(`session ${sum.sessionId} closed: ${sum.records} records, ${sum.registered} registered${sum.queued ? `, ${sum.queued} queued for atlog sync` : ''}`);
  return result.reason === 'server' ? 1 : 0;
}

/** Adds `atlog mcp-proxy`. */
export function register(program: Command): void {
  program
    .command('mcp-proxy')
    .description('run an MCP server (stdio) behind an audit trail: every tools/call is recorded, and denied calls never reach the server')
    .usage('--url URL --agent-id ID --key FILE [options] -- COMMAND [ARGS...]')
    .argument('<command>', 'the MCP server to start (after --)')
    .argument('[args...]', 'its arguments')
    .requiredOption('--url <url>', 'the transparency service')
    .requiredOption('--agent-id <uri>', 'the agent id (agent_id, and the issuer the service knows)')
    .requiredOption('--key <file>', 'the agent\'s private key (what atlog keygen wrote)')
    .option('--session-id <uuid>', 'the session id (default: a fresh UUIDv4)')
    .option('--policy <file>', 'a policy file in the service\'s format: its rules apply before a call reaches the server')
    .addOption(new Option('--tier <tier>', 'when a tool may run relative to its record reaching the log').choices([...TIERS]).default('detectable'))
    .option('--queue <dir>', 'durable offline queue for records the service cannot take yet (atlog sync sends them)')
    .option('--service-key <file>', 'the service\'s public keys (atlog fetch keys); the strong tier needs them (repeatable)', collect)
    .option('--agent-version <semver>', 'the agent\'s version', '0.0.0')
    .option('--timeout <seconds>', 'give up on one registration after this many seconds', '30')
    .action(async (command: string, args: string[], o: ProxyFlags) => {
      let code: number;
      try {
        code = await run(command, args, o);
      } catch (e) {
        log(e instanceof Error ? e.message : String(e));
        code = isInputError(e) ? 2 : 1;
      }
      exit(code);
    });
}
