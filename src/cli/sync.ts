import type { Command } from 'commander';
import { syncQueue } from '../sdk/queue/sync.js';
import { clientFlags, connect, runCommand, type ClientFlags } from './client-command.js';
import { usageExit2 } from './keygen.js';

/**
 * `atlog sync --queue DIR --url URL`: sends what agent sessions left in an offline queue directory (a process
 * that died, or ran without the service), each session in chain order. One line per session, then a summary;
 * exit 0 when nothing failed (sessions a live process still owns are skipped and say so), 1 otherwise.
 */
export function register(program: Command): void {
  clientFlags(
    usageExit2(program.command('sync'))
      .description('send the records an agent left in its offline queue directory (queueDir) to a transparency service')
      .requiredOption('--queue <dir>', 'the queue directory (the SDK\'s queueDir, or atlog session --queue)'),
    120,
  ).action(
    runCommand('sync', async (o: ClientFlags & { queue: string }) => {
      let sent = 0;
      let failed = 0;
      const results = await syncQueue(o.queue, connect(o), (r) => {
        sent += r.sent;
        if (r.status === 'failed') failed++;
        const line = r.status === 'sent'
          ? `${r.sessionId}: sent ${r.sent} of ${r.waiting}`
          : r.status === 'locked'
            ? `${r.sessionId}: skipped, ${r.error?.message ?? 'a running process owns it'}`
            : `${r.sessionId}: failed after ${r.sent} of ${r.waiting}: ${r.error?.message ?? 'unknown error'}`;
        process.stdout.write(`${line}\n`);
      });
      process.stdout.write(`${results.length} session(s), ${sent} statement(s) sent${failed > 0 ? `, ${failed} failed` : ''}\n`);
      if (failed > 0) process.exitCode = 1;
    }),
  );
}
