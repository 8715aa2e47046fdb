import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOTABLE_LIMIT, SAMPLE_LIMIT } from '../../src/audit/report/details.js';
import { LANES_LIMIT } from '../../src/audit/report/timeline.js';
import { escapeText, readReportDetails, RecordDigest, renderReport } from '../../src/audit/report/index.js';
import { importGraph } from '../helpers/imports.js';
import { REPO_ROOT } from '../helpers/vectors.js';
import { details, HOSTILE_ERROR, HOSTILE_TOOL, invalidAudit, records, validAudit } from './report-fixture.js';

/**
 * The report renderer (src/audit/report/) without a browser: pure, escapes everything from the evidence, holds
 * what a reader needs (verdict, sessions, checks, the regulation mapping, the limits), and stays bounded.
 * test/audit/report-browser.test.ts loads the same pages in Chromium.
 */

const at = '2026-12-03T10:00:00.000Z';
const page = (audit = validAudit(), more: Partial<Parameters<typeof renderReport>[0]> = {}): string => renderReport({ audit, details: details(), generatedAt: at, file: 'evidence.cbor', ...more });

describe('report renderer', () => {
  it('imports nothing that does I/O: the renderer is a function from data to a string, the reader takes chunks', () => {
    const { packages, files } = importGraph(join(REPO_ROOT, 'src', 'audit', 'report', 'render.ts'));
    expect(files.size).toBeGreaterThan(5);
    expect([...packages]).toEqual([]);
    expect([...files].filter((f) => !/src\/(audit\/report|audit\/types|error-codes|errors)/.test(f))).toEqual([]);
    // the records' reader (read.ts) uses the evidence and statement decoders, never node:
    const all = importGraph(join(REPO_ROOT, 'src', 'audit', 'report', 'index.ts'));
    expect([...all.packages].filter((p) => p.startsWith('node:'))).toEqual([]);
  });

  it('is deterministic for the same input', () => {
    expect(page()).toBe(page());
  });

  it('escapes every string from the evidence: markup in records and ids is text', () => {
    const a = invalidAudit();
    a.agents[0]!.sessions[0]!.agent = 'urn:agent:<b>bold</b>';
    a.caveats.push('<iframe src="https://evil.example"></iframe>');
    a.checks[0]!.detail = '"><svg onload=alert(1)>';
    const html = page(a);
    expect(html).not.toMatch(/<script|<img|<iframe|<svg onload|<b>bold/i);
    expect(html).toContain(escapeText(HOSTILE_TOOL));
    expect(html).toContain(escapeText(HOSTILE_ERROR));
    expect(html).toContain('urn:agent:&lt;b&gt;bold&lt;/b&gt;');
    expect(escapeText(`a&b<c>"d"'e'\u0000\u001b`)).toBe('a&amp;b&lt;c&gt;&quot;d&quot;&#39;e&#39;');
  });

  it('is self-contained: a CSP that forbids every fetch, no script, no external URL in any src or href', () => {
    const html = page();
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(html).not.toMatch(/<script|<link|@import|url\((?!#arrow-)/i);
    expect(html.match(/\b(src|href)="[^"#]/g) ?? []).toEqual([]);
  });

  it.each([
    ['valid', validAudit(), /data-verdict="valid"[^]*Verified: the evidence is intact/],
    ['invalid', invalidAudit(), /data-verdict="invalid"[^]*Not valid[^]*Sessions chain[^]*ERR_AAT_CHAIN_EDITED/],
    ['cannot-evaluate', { ...validAudit(), verdict: 'cannot-evaluate' as const, exitCode: 2 as const }, /data-verdict="cannot-evaluate"[^]*Cannot be evaluated/],
  ])('shows the %s verdict in its banner', (_v, audit, re) => {
    expect(page(audit)).toMatch(re);
  });

  it('holds every session id, every check with its status and what it proves, and both pictures', () => {
    const a = invalidAudit();
    const html = page(a);
    for (const s of a.agents.flatMap((g) => g.sessions)) expect(html).toContain(`data-session="${s.session}"`);
    for (const c of a.checks) {
      expect(html).toContain(`data-check="${c.name}" data-status="${c.status}"`);
      expect(html).toContain(escapeText(c.proves));
    }
    expect(html.match(/<svg /g)?.length).toBe(2);
    expect(html).toMatch(/class="edge fail" data-delegation="22222222-/);
    expect(html.match(/class="ev[ "]/g)?.length).toBe(records().length);
  });

  it('maps the evidence to EU AI Act Articles 12 and 19 by default, or to DORA Article 17', () => {
    const eu = page();
    expect(eu).toContain('data-framework="eu-ai-act"');
    for (const art of ['Art. 12(1)', 'Art. 12(2)', 'Art. 12(3)(a)', 'Art. 12(3)(b)', 'Art. 12(3)(c)', 'Art. 12(3)(d)', 'Art. 19(1)']) expect(eu).toContain(art);
    expect(eu).toMatch(/An input_hash in 93 of 105 records/);
    const dora = page(validAudit(), { framework: 'dora' });
    expect(dora).toContain('data-framework="dora"');
    expect(dora).toContain('Art. 17(3)(b)');
    expect(dora).not.toContain('Art. 12(1)');
    // an invalid audit undermines every row
    expect(page(invalidAudit())).not.toMatch(/class="pill supported"/);
  });

  it('says what the evidence cannot prove, with the audit\'s own caveats', () => {
    const a = invalidAudit();
    a.trust.serviceKeys = 'file';
    const html = page(a);
    expect(html).toMatch(/id="limits"[^]*An action the agent never recorded[^]*agent’s key was not stolen[^]*inside the agent’s own process/);
    expect(html).toContain('taken from the evidence file itself');
    expect(html).toContain(escapeText(a.caveats[0]!));
  });

  it('renders without record details and without delegations', () => {
    const a = validAudit();
    a.delegation = { nodes: a.delegation.nodes, edges: [] };
    const html = renderReport({ audit: a, generatedAt: at });
    expect(html).toContain('No delegations');
    expect(html).toContain('The records were not read for this report');
    expect(html.match(/<svg /g)?.length).toBe(1);
  });

  it('draws at most LANES_LIMIT sessions on the timeline and says how many it left out; the table lists them all', () => {
    const a = validAudit();
    const one = a.agents[0]!;
    const many = Array.from({ length: LANES_LIMIT + 5 }, (_, i) => ({ ...one.sessions[0]!, session: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
    a.agents = [{ ...one, sessions: many }];
    const html = renderReport({ audit: a, generatedAt: at });
    expect(html.match(/<g class="lane"/g)?.length).toBe(LANES_LIMIT);
    expect(html).toContain('5 later sessions not drawn; the sessions table lists them.');
    expect(html.match(/<tr data-session=/g)?.length).toBe(LANES_LIMIT + 5);
  });
});

describe('RecordDigest', () => {
  it('keeps notable events and a thinning sample of the rest, so a session of any length stays small', () => {
    const d = new RecordDigest();
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const failing = i % 1000 === 0;
      d.add({ agent_id: 'urn:agent:x', session_id: 's', timestamp: new Date(i * 1000).toISOString(), action_type: 'tool_call', outcome: failing ? 'failure' : 'success', action_detail: { tool_name: `t${i % 7}` } }, i);
    }
    const r = d.result();
    const s = r.sessions[0]!;
    expect(s.records).toBe(n);
    expect(s.events.filter((e) => e.notable).length).toBe(NOTABLE_LIMIT);
    expect(s.events.filter((e) => !e.notable).length).toBeLessThanOrEqual(SAMPLE_LIMIT);
    expect(s.events.length + s.omitted).toBe(n);
    expect(s.events.map((e) => e.index)).toEqual([...s.events.map((e) => e.index)].sort((x, y) => x - y));
    expect(r.tools.distinct).toBe(7);
    expect(r.outcomes).toEqual({ success: n - 100, failure: 100 });
  });

  it('ignores what is not a record, and counts the fields the mapping uses', () => {
    const d = new RecordDigest();
    for (const junk of [null, 1, 'x', [], { agent_id: 1 }, { agent_id: 'a' }]) d.add(junk, 0);
    expect(d.result().fields.records).toBe(0);
    const r = details();
    expect(r.fields).toMatchObject({ records: records().length, sessionStart: 3, sessionEnd: 3, delegation: 2, escalation: 1, humanOverride: 1, error: 1 });
    expect(r.tools.names).toContain(HOSTILE_TOOL);
  });
});

describe('readReportDetails', () => {
  it('never throws: a stream that is not an evidence file gives no details (the audit names the fault)', async () => {
    for (const chunks of [[], [new Uint8Array([0xff, 0x00])], [new Uint8Array([0xa0]), new Uint8Array([0x01, 0x1c])]]) {
      const d = await readReportDetails(chunks);
      expect(d.sessions).toEqual([]);
      expect(d.fields.records).toBe(0);
    }
  });
});
