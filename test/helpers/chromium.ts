import { spawnSync } from 'node:child_process';
import { findChromium } from '../../src/cli/chromium.js';

/**
 * The headless Chromium the browser tests drive (Debian's `chromium` package). .ci/run installs it before the
 * tests; a test run elsewhere installs it here when it is missing and we may (root with apt-get), and otherwise
 * fails saying how to get it: a browser test never passes by being skipped.
 */
export function ensureChromium(): string {
  const found = findChromium();
  if (found !== undefined) return found;
  const root = process.getuid?.() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (root && apt) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env, stdio: 'inherit' });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update'], { env, stdio: 'inherit' });
      r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env, stdio: 'inherit' });
    }
    const now = findChromium();
    if (now !== undefined) return now;
  }
  throw new Error('the browser tests need Chromium: install Debian\'s chromium package (apt-get install -y chromium) or set ATLOG_CHROMIUM to a Chromium or Chrome binary');
}

/** Chromium refuses to run as root with its sandbox on; the pages it loads here are our own reports. */
export function chromiumArgs(): string[] {
  return process.getuid?.() === 0 ? ['--no-sandbox'] : [];
}
