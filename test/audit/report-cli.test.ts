import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atlog } from '../helpers/cli.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { makeAgent, startTestServer } from '../http/helpers.js';
import { ARTIFACTS, loadReport, openBrowser } from './report-page.js';
import { registerChain, type Chain } from './report-service.js';

/**
 * `atlog report` end to end: a real service (embedded TSA) holds a delegation chain A -> B -> C, `atlog export`
 * writes the evidence file, `atlog report` audits it with the pinned keys and TSA root and writes the page, and
 * headless Chromium loads the page with no request and no console error and shows the verdict and every session.
 * A tampered copy gives a report that says not valid (exit 1); inputs it cannot use give exit 2 and no report.
 */

const dir = tempDir('atlog-report-cli-');
const at = (name: string): string => join(dir, name);
let browser: Browser;
let chain: Chain;

beforeAll(async () => {
  const agents = [makeAgent(), makeAgent(), makeAgent()] as const;
  const svc = await startTestServer(agents, { tsa: 'embedded', tsaIntervalS: 0 });
  try {
    chain = await registerChain(svc.url, agents);
    for (const args of [
      ['fetch', 'keys', '--out', at('service-keys.cbor')],
      ['fetch', 'tsa-root', '--out', at('tsa-root.pem')],
      ['export', '--all', '--out', at('chain.evidence')],
    ]) {
      const r = await atlog([...args, '--url', svc.url]);
      expect(r.code, r.stderr).toBe(0);
    }
  } finally {
    await svc.stop();
  }
  browser = await openBrowser();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  removeTempDirs();
});

const trust = (): string[] => ['--keys', at('service-keys.cbor'), '--tsa-root', at('tsa-root.pem')];
const sessionIds = (): string[] => [chain.a, chain.b, chain.c].map((s) => s.records[0]!.session_id);
const entries = (): number => [chain.a, chain.b, chain.c].reduce((n, s) => n + s.records.length, 0);

describe('atlog report', { timeout: 300_000 }, () => {
  it('a valid export: the page says valid, shows every session and the delegation chain, in Chromium with no console error', async () => {
    const r = await atlog(['report', at('chain.evidence'), ...trust(), '--out', at('report.html')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`: valid (3 agent(s), 3 session(s), ${entries()} entries)\n`);
    expect(r.stdout).toMatch(/^report written to \S*report\.html: valid /);
    const page = await loadReport(browser, at('report.html'), 'cli-valid');
    expect(page.problems).toEqual([]);
    expect(page.verdict).toBe('valid');
    expect(page.active).toBe(0);
    expect([...page.sessions].sort()).toEqual([...sessionIds()].sort());
    for (const s of [chain.a, chain.b, chain.c]) expect(page.text).toContain(s.agent.agentId);
    expect(page.checks.length).toBeGreaterThan(5);
    expect(page.checks.every(([, status]) => status !== 'fail')).toBe(true);
    // the records were read: the failed booking and the escalation are notable events
    expect(page.text).toContain('book_flight');
    expect(page.text).toContain('amount above the approval limit');
    expect(page.text).toMatch(/How this evidence maps to the EU AI Act/);
    expect(page.svgWidths.length).toBe(2);
    expect(statSync(join(ARTIFACTS, 'report-cli-valid.png')).size).toBeGreaterThan(20_000);
  });

  it('--framework dora --pdf: the DORA mapping, and a PDF printed by Chromium', async () => {
    const r = await atlog(['report', at('chain.evidence'), ...trust(), '--framework', 'dora', '--out', at('dora.html'), '--pdf', at('dora.pdf')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^PDF written to .*dora\.pdf$/m);
    expect(new TextDecoder().decode(readFileSync(at('dora.pdf')).subarray(0, 5))).toBe('%PDF-');
    const page = await loadReport(browser, at('dora.html'), 'cli-dora');
    expect(page.problems).toEqual([]);
    expect(page.text).toMatch(/How this evidence maps to the DORA/);
  });

  it('a tampered copy: the report is still written, says not valid and names the failure (exit 1)', async () => {
    const bytes = readFileSync(at('chain.evidence'));
    const text = bytes.toString('latin1');
    const i = text.indexOf('compare_prices');
    expect(i).toBeGreaterThan(0);
    bytes.write('compare_pricez', i, 'latin1');
    writeFileSync(at('tampered.cbor'), bytes);
    const r = await atlog(['report', at('tampered.cbor'), ...trust(), '--out', at('tampered.html')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`: NOT VALID (3 agent(s), 3 session(s), ${entries()} entries): receipts.inclusion ERR_RECEIPT_INCLUSION_INVALID entry `);
    expect(r.stdout).toMatch(/^report written to \S*tampered\.html: /);
    const page = await loadReport(browser, at('tampered.html'), 'cli-tampered');
    expect(page.problems).toEqual([]);
    expect(page.verdict).toBe('invalid');
    expect(page.checks.some(([, status]) => status === 'fail')).toBe(true);
    expect([...page.sessions].sort()).toEqual([...sessionIds()].sort());
  });

  it('without pinned keys: a report that says it cannot evaluate (exit 2)', async () => {
    const r = await atlog(['report', at('chain.evidence'), '--out', at('unpinned.html')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/: CANNOT EVALUATE \(.*\): trust\.keys ERR_AUDIT_UNPINNED_KEYS /m);
    const page = await loadReport(browser, at('unpinned.html'), 'cli-unpinned');
    expect(page.problems).toEqual([]);
    expect(page.verdict).toBe('cannot-evaluate');
  });

  it('inputs it cannot use: exit 2, one line, and no report', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['report', at('missing.cbor'), ...trust(), '--out', at('x1.html')], /^atlog report: cannot read evidence file .*missing\.cbor/],
      [['report', at('chain.evidence'), '--keys', at('missing-keys.cbor'), '--out', at('x2.html')], /^atlog report: cannot read service key /],
      [['report', at('chain.evidence'), ...trust(), '--framework', 'gdpr', '--out', at('x3.html')], /^atlog report: --framework must be one of eu-ai-act, dora, not "gdpr" \(ERR_CLI_USAGE\)$/m],
      [['report', at('chain.evidence'), ...trust()], /required option '--out <file>'/],
    ];
    for (const [args, msg] of cases) {
      const r = await atlog(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe('');
    }
    for (const n of ['x1.html', 'x2.html', 'x3.html', 'x1.html.partial']) expect(existsSync(at(n))).toBe(false);
  });

  it('--pdf without Chromium: the HTML is written, the PDF is not, exit 2 saying how to get Chromium', async () => {
    const r = await atlog(['report', at('chain.evidence'), ...trust(), '--out', at('nopdf.html'), '--pdf', at('nopdf.pdf')], { ATLOG_CHROMIUM: at('no-such-chromium') });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^report written to .*nopdf\.html: valid /m);
    expect(r.stderr).toMatch(/^atlog report: --pdf needs Chromium: .* \(ERR_CLI_USAGE\)$/m);
    expect(existsSync(at('nopdf.html'))).toBe(true);
    expect(existsSync(at('nopdf.pdf'))).toBe(false);
  });
});
