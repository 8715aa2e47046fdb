import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { AtlogError, isAtlogError } from '../errors.js';
import { assertKeyName } from '../tlog/index.js';
import { generateWitnessKeys, startWitnessServer, type RunningWitness } from '../witness/index.js';
import { runOffline, usageExit2 } from './keygen.js';
import { stopOnSignals } from './shutdown.js';

/**
 * `atlog witness keygen` and `atlog witness serve`: a C2SP tlog-witness (spec/tlog.md "Witness",
 * docs/operations.md). keygen exits 2 on bad input like `atlog keygen`; serve exits 2 on bad settings, 1 when
 * it cannot start, 0 after SIGTERM/SIGINT.
 */

interface KeygenOptions {
  name: string;
  out: string;
  force?: boolean;
}

interface ServeOptions {
  key: string;
  log: string[];
  port: string;
  host: string;
  data: string;
  logLevel: string;
}

export function register(program: Command): void {
  const witness = program.command('witness').description('run a C2SP tlog-witness that cosigns checkpoints of the logs it follows');

  usageExit2(
    witness
      .command('keygen')
      .description('generate witness keys: Ed25519 (cosignature/v1) and ML-DSA-44 (subtree/v1) skeys in FILE (0600), vkeys in FILE.vkey')
      .requiredOption('--name <name>', 'the witness name, e.g. witness.example.com/w1 (a schema-less URL)')
      .requiredOption('--out <file>', 'where to write the private keys')
      .option('--force', 'overwrite existing files'),
  ).action(
    runOffline('witness keygen', (o: KeygenOptions) => {
      assertKeyName(o.name);
      for (const f of [o.out, `${o.out}.vkey`]) {
        if (!o.force && existsSync(f)) throw new AtlogError('ERR_CLI_EXISTS', `${f} exists (use --force to overwrite)`);
      }
      const { skeys, vkeys } = generateWitnessKeys(o.name);
      const flag = o.force ? 'w' : 'wx';
      mkdirSync(dirname(o.out), { recursive: true });
      writeFileSync(o.out, `# atlog witness keys of ${o.name}: keep secret\n${skeys.join('\n')}\n`, { mode: 0o600, flag });
      chmodSync(o.out, 0o600); // `mode` only applies when the file is created
      writeFileSync(`${o.out}.vkey`, `${vkeys.join('\n')}\n`, { mode: 0o644, flag });
      process.stdout.write(`${vkeys.join('\n')}\n`);
    }),
  );

  usageExit2(
    witness
      .command('serve')
      .description('serve POST /add-checkpoint and GET /<origin hash>/checkpoint')
      .requiredOption('--key <file>', 'witness key file (atlog witness keygen)')
      .requiredOption('--log <origin=vkey...>', 'a log to witness: ORIGIN=VKEY, or a VKEY named after the origin; repeat for more keys and logs')
      .option('--port <n>', 'TCP port (0 picks a free one)', '7380')
      .option('--host <addr>', 'listen address', '127.0.0.1')
      .option('--data <dir>', 'state directory (LevelDB)', './witness-data')
      .option('--log-level <level>', 'pino log level', 'info'),
  ).action(async (o: ServeOptions) => {
    const port = Number(o.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      process.stderr.write(`atlog witness serve: --port ${o.port} is not a TCP port\n`);
      process.exitCode = 2;
      return;
    }
    const logger = pino({ level: o.logLevel, base: { service: 'atlog-witness' } });
    const starting = startWitnessServer({ keyFile: o.key, logs: o.log, port, host: o.host, dataDir: o.data }, logger);
    // The handlers go in before the start completes: the `listening` line is logged inside it, and a
    // supervisor may send SIGTERM as soon as it reads that line. A signal during the start waits for it, then
    // closes cleanly.
    stopOnSignals(logger, async () => {
      const running: RunningWitness | undefined = await starting.catch(() => undefined);
      await running?.close();
    });
    try {
      await starting;
    } catch (err) {
      const code = isAtlogError(err) ? err.code : undefined;
      process.stderr.write(`atlog witness serve: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = code === 'ERR_WITNESS_CONFIG' || code?.startsWith('ERR_KEY_') ? 2 : 1;
    }
  });
}
