import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../helpers/vectors.js';

/** `atlog serve` in a child process (the compiled dist/, built by the global test setup). */
export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Every stdout line seen so far (pino JSON). */
  lines: string[];
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

/**
 * Spawns `node dist/cli/main.js serve ARGS --port 0` and waits for its `listening` log line, which carries
 * the bound port.
 * @throws when the process exits or stays silent for `timeoutMs` first.
 */
export function spawnServer(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not log "listening" within ${timeoutMs} ms\n${lines.join('\n')}\n${stderr}`));
    }, timeoutMs);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening\n${lines.join('\n')}\n${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      try {
        const j = JSON.parse(line) as { msg?: string; url?: string; port?: number };
        if (j.msg === 'listening' && typeof j.url === 'string' && typeof j.port === 'number') {
          clearTimeout(timer);
          resolve({ child, url: j.url, port: j.port, lines, exited });
        }
      } catch {
        // not JSON: ignore
      }
    });
  });
}
