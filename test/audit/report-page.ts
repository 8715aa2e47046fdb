import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { chromiumArgs, ensureChromium } from '../helpers/chromium.js';
import { REPO_ROOT } from '../helpers/vectors.js';

/**
 * A report page in a real browser: headless Chromium (Debian's package, driven by playwright-core over CDP)
 * loads it from a file:// URL and reads what a person would see, counting every request it makes beyond the
 * page itself, every console error or warning and every page error. Each page and a full-page screenshot of it
 * are kept in test-artifacts/ (git-ignored) for people to look at.
 */

export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

export interface Loaded {
  problems: string[];
  verdict: string | null;
  text: string;
  sessions: string[];
  checks: Array<[string | null, string | null]>;
  active: number;
  title: string;
  svgWidths: number[];
}

/** Starts the browser (installing Chromium first when missing and possible; fails, never skips, otherwise). */
export async function openBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: ensureChromium(), args: chromiumArgs() });
}

/** Loads the HTML file `file`, reads its DOM and keeps test-artifacts/report-NAME.html and .png. */
export async function loadReport(browser: Browser, file: string, name: string): Promise<Loaded> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (r.url() !== pathToFileURL(file).href) problems.push(`request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  // the page's own DOM, read in the page (a string: this project's TypeScript has no DOM types)
  const seen = (await page.evaluate(`(() => ({
    verdict: document.querySelector('#verdict')?.getAttribute('data-verdict') ?? null,
    text: document.body.innerText,
    sessions: [...document.querySelectorAll('#sessions tr[data-session]')].map((r) => r.getAttribute('data-session')),
    checks: [...document.querySelectorAll('[data-check]')].map((c) => [c.getAttribute('data-check'), c.getAttribute('data-status')]),
    active: document.querySelectorAll('script, img, iframe, object, embed, link').length,
    title: document.title,
    svgWidths: [...document.querySelectorAll('figure svg')].map((s) => s.getBoundingClientRect().width),
  }))()`)) as Omit<Loaded, 'problems'>;
  await page.screenshot({ path: join(ARTIFACTS, `report-${name}.png`), fullPage: true });
  copyFileSync(file, join(ARTIFACTS, `report-${name}.html`));
  await page.close();
  return { problems, ...seen };
}
