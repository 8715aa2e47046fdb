import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AtlogError } from '../errors.js';

/**
 * A local headless Chromium for `atlog report --pdf`: Chromium prints the report page to PDF with its own
 * print engine (`--print-to-pdf`), so atlog needs no PDF library. Found as ATLOG_CHROMIUM or on PATH.
 */

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The Chromium binary to use: ATLOG_CHROMIUM when set, else the first of NAMES on PATH; undefined when none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = env.ATLOG_CHROMIUM;
  if (given) return executable(given) ? given : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    for (const name of NAMES) {
      const p = join(dir, name);
      if (dir !== '' && executable(p)) return p;
    }
  }
  return undefined;
}

/**
 * Prints an HTML file to PDF with headless Chromium (no header or footer, the page's own print styles), in a
 * throwaway profile so that it neither reads nor writes the user's.
 * @throws AtlogError ERR_CLI_USAGE when no Chromium is found; ERR_CLI_PDF when it fails or writes no PDF.
 */
export async function printToPdf(htmlFile: string, pdfFile: string, chromium = findChromium()): Promise<void> {
  if (chromium === undefined) throw new AtlogError('ERR_CLI_USAGE', '--pdf needs Chromium: install it (Debian: apt-get install chromium) or set ATLOG_CHROMIUM');
  const profile = mkdtempSync(join(tmpdir(), 'atlog-chromium-'));
  // Chromium refuses to start as root with its sandbox; the page it loads is the report atlog just wrote.
  const sandbox = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  const args = [...sandbox, '--headless', '--disable-gpu', '--no-first-run', '--no-default-browser-check', `--user-data-dir=${profile}`, '--no-pdf-header-footer', `--print-to-pdf=${pdfFile}`, pathToFileURL(htmlFile).href];
  try {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(chromium, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err = (err + d.toString()).slice(-4000);
      });
      child.once('error', reject);
      child.once('exit', (c) => resolve({ code: c, stderr: err }));
    });
    let size = 0;
    try {
      size = statSync(pdfFile).size;
    } catch {
      size = 0;
    }
    if (code !== 0 || size === 0) throw new AtlogError('ERR_CLI_PDF', `Chromium (${chromium}) did not print the PDF (exit ${String(code)}): ${stderr.trim().split('\n').at(-1) ?? ''}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
