import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport, type ReportInput } from '../../src/audit/report/index.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { details, HOSTILE_ERROR, HOSTILE_TOOL, invalidAudit, validAudit } from './report-fixture.js';
import { ARTIFACTS, loadReport, openBrowser, type Loaded } from './report-page.js';

/**
 * The renderer's pages in a real browser (report-page.ts): each must make no request at all, log no console
 * error, run no script (the hostile record's markup stays text), and hold the verdict, every session id and
 * every check's status in its DOM.
 */

let browser: Browser;
const dir = tempDir('atlog-report-browser-');

beforeAll(async () => {
  browser = await openBrowser();
}, 600_000);
afterAll(async () => {
  await browser?.close();
  removeTempDirs();
});

/** Writes the page (rendered here, or given whole) and loads it. */
function load(name: string, input: ReportInput | string): Promise<Loaded> {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, typeof input === 'string' ? input : renderReport(input));
  return loadReport(browser, file, name);
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
