import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport, type ReportInput } from '../../src/audit/report/index.js';
import { chromiumArgs, ensureChromium } from '../helpers/chromium.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { REPO_ROOT } from '../helpers/vectors.js';
import { details, HOSTILE_ERROR, HOSTILE_TOOL, invalidAudit, validAudit } from './report-fixture.js';

/**
 * The report in a real browser: headless Chromium (Debian's package, driven by playwright-core over CDP) loads
 * each page from a file:// URL. It must make no request at all, log no console error, run no script (the
 * hostile record's markup stays text), and hold the verdict, every session id and every check's status in its
 * DOM. A full-page screenshot of each is kept in test-artifacts/ (git-ignored) for people to look at.
 */

export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

let browser: Browser;
const dir = tempDir('atlog-report-browser-');

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: ensureChromium(), args: chromiumArgs() });
  mkdirSync(ARTIFACTS, { recursive: true });
}, 600_000);
afterAll(async () => {
  await browser?.close();
  removeTempDirs();
});

interface Loaded {
  problems: string[];
  verdict: string | null;
  text: string;
  sessions: string[];
  checks: Array<[string | null, string | null]>;
  active: number;
  title: string;
  svgWidths: number[];
}

/** Loads a report page and reads what a person would see. */
async function load(name: string, input: ReportInput | string): Promise<Loaded> {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, typeof input === 'string' ? input : renderReport(input));
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
  await page.close();
  return { problems, ...seen };
}

describe('the report in headless Chromium', { timeout: 120_000 }, () => {
  const at = '2026-12-03T10:00:00.000Z';

  it('a valid audit (EU AI Act): no request, no console error, the verdict, every session and check, pictures drawn', async () => {
    const audit = validAudit();
    const r = await load('valid-eu-ai-act', { audit, details: details(), generatedAt: at, file: 'evidence.cbor' });
    expect(r.problems).toEqual([]);
    expect(r.verdict).toBe('valid');
    expect(r.text).toContain('Verified: the evidence is intact');
    const ids = audit.agents.flatMap((g) => g.sessions.map((s) => s.session));
    expect(r.sessions).toEqual(ids);
    for (const id of ids) expect(r.text).toContain(id);
    expect(r.checks).toEqual(audit.checks.map((c) => [c.name, c.status]));
    expect(r.text).toMatch(/How this evidence maps to the EU AI Act/);
    expect(r.text).toMatch(/What this evidence cannot prove/);
    expect(r.svgWidths.length).toBe(2);
    for (const w of r.svgWidths) expect(w).toBeGreaterThan(300);
    expect(statSync(join(ARTIFACTS, 'report-valid-eu-ai-act.png')).size).toBeGreaterThan(20_000);
  });

  it('an invalid audit (DORA) with hostile records: markup in action_detail is shown as text and never runs', async () => {
    const audit = invalidAudit();
    const r = await load('invalid-dora', { audit, details: details(), framework: 'dora', generatedAt: at });
    expect(r.problems).toEqual([]);
    expect(r.verdict).toBe('invalid');
    expect(r.text).toMatch(/Not valid/);
    expect(r.text).toContain('ERR_AAT_CHAIN_EDITED');
    expect(r.text).toContain('ERR_DELEGATION_TRUST_ESCALATION');
    expect(r.text).toContain(HOSTILE_TOOL);
    expect(r.text).toContain(`E_TOOL: ${HOSTILE_ERROR}`);
    expect(r.active).toBe(0);
    expect(r.title).toBe('Agent audit report: not valid');
    expect(r.text).toMatch(/How this evidence maps to the DORA/);
    expect(r.checks.filter(([, s]) => s === 'fail').map(([n]) => n)).toEqual(['sessions.chain', 'delegation.trust']);
  });

  it('the checks above can fail: a page that reaches out or runs a script is caught (control)', async () => {
    const bad = renderReport({ audit: validAudit(), generatedAt: at }).replace('<main>', '<main><img src="http://127.0.0.1:9/x.png"><script>console.error("ran")</script>');
    const r = await load('control', bad);
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.active).toBe(2);
  });
});
