/**
 * A progress line on stderr for commands that stream many entries (`atlog export`, `atlog audit`): at most once a
 * second, "export: 120000 entries, 2310/s". On a terminal the line rewrites itself; otherwise (`--progress` into a
 * log file) each update is its own line. Off unless stderr is a terminal or `--progress` asks for it, so scripts
 * and pipes see exactly what they saw before. stdout (results, --json) is never touched.
 */
export interface Progress {
  /** The running count of entries. */
  update(entries: number): void;
  /** Ends the line with the final count (nothing when off). */
  done(): void;
}

export function progress(label: string, asked: boolean | undefined, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  if (!asked && !tty) return { update() {}, done() {} };
  const t0 = Date.now();
  let last = t0;
  let count = 0;
  const line = (): string => {
    const s = (Date.now() - t0) / 1000;
    return `${label}: ${count} entries${s >= 1 ? `, ${Math.round(count / s)}/s` : ''}`;
  };
  const write = (text: string, final: boolean): void => void stream.write(tty ? `\r${text}${final ? '\n' : ''}` : `${text}\n`);
  return {
    update(entries) {
      count = entries;
      const now = Date.now();
      if (now - last < 1000) return;
      last = now;
      write(line(), false);
    },
    done() {
      write(`${line()}, done`, true);
    },
  };
}
