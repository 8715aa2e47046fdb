import type { Command } from 'commander';
import { pino } from 'pino';
import { loadServeConfig } from '../config/load.js';
import { OPTIONS, type ServeConfig } from '../config/options.js';
import { isAtlogError } from '../errors.js';
import { startServer, type OpenService } from '../http/server.js';
import { openService } from '../http/open-service.js';
import { stopOnSignals } from './shutdown.js';

/**
 * `atlog serve`: the transparency service over HTTP (= `npm start`). Every flag comes from the settings
 * table in src/config/options.ts; precedence flags > ATLOG_* environment > --config file > defaults.
 * Logs JSON lines (pino) to stdout: the URL and the service key ids, never private keys.
 */
export function register(program: Command): void {
  const cmd = program.command('serve').description('run the transparency service (SCRAPI over HTTP)');
  cmd.option('--config <file>', 'config file (YAML or JSON); also ATLOG_CONFIG');
  for (const o of OPTIONS) {
    if (o.flag === undefined) continue; // secrets come from the environment only
    const shown = o.default === undefined ? '' : ` (default ${String(o.default)})`;
    if (o.kind === 'list') cmd.option(`--${o.flag} <value>`, `${o.doc}; env ${o.env}`, (v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
    else cmd.option(`--${o.flag} <value>`, `${o.doc}; env ${o.env}${shown}`);
  }
  // Settings without a flag (secrets) exist only in the environment: --help must still name them.
  const envOnly = OPTIONS.filter((o) => o.flag === undefined).map((o) => `  ${o.env}  ${o.doc}`);
  cmd.addHelpText('after', `\nEnvironment only:\n${envOnly.join('\n')}\nEvery flag has an ATLOG_* variable too (shown with each option); see docs/operations.md.`);
  cmd.action(async (raw: Record<string, unknown>) => {
    const flags: Partial<Record<keyof ServeConfig, unknown>> = {};
    for (const o of OPTIONS) {
      if (o.flag === undefined) continue;
      const v = raw[camel(o.flag)];
      if (v !== undefined) flags[o.key] = v;
    }
    await serve(flags, typeof raw.config === 'string' ? raw.config : undefined, openService);
  });
}

/** One line for the listen errors a user can fix with a setting; undefined for anything else. */
function bindFailure(err: unknown, config: ServeConfig): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const where = `${config.host}:${config.port}`;
  if (code === 'EADDRINUSE') return `port ${config.port} is already in use (${where}); choose another with --port or ATLOG_PORT`;
  if (code === 'EACCES') return `not allowed to listen on ${where}; choose a port above 1023 with --port or ATLOG_PORT`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return `cannot listen on ${config.host}: no such local address; set --host or ATLOG_HOST`;
  return undefined;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Starts the server and turns SIGTERM/SIGINT into a graceful shutdown. */
async function serve(flags: Partial<Record<keyof ServeConfig, unknown>>, configPath: string | undefined, open: OpenService): Promise<void> {
  let config: ServeConfig;
  try {
    config = loadServeConfig(flags, configPath);
  } catch (err) {
    process.stderr.write(`atlog serve: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
    return;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'atlog' } });
  const starting = startServer(config, open, logger);
  // The handlers go in before the start completes: the `listening` line is logged inside it, and a supervisor
  // may send SIGTERM as soon as it reads that line (or while recovery runs). A signal during the start waits for
  // it, then closes the service cleanly; a start that failed has nothing to close.
  stopOnSignals(logger, async () => {
    const running = await starting.catch(() => undefined);
    await running?.close();
  });
  try {
    await starting;
  } catch (err) {
    const bind = bindFailure(err, config);
    if (bind !== undefined) process.stderr.write(`atlog serve: ${bind}\n`);
    else logger.fatal({ code: isAtlogError(err) ? err.code : undefined, err }, 'cannot start');
    process.exitCode = 1;
  }
}
