import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAtlogError } from '../../src/errors.js';
import { exportCoseKey, exportSpkiPem, generateKey } from '../../src/keys/index.js';
import { parseRule } from '../../src/policy/dsl.js';
import { PolicyHolder } from '../../src/service/policy/holder.js';
import { compileGlob, compileRule, evaluateRules } from '../../src/policy/rules.js';
import { defaultPolicy, parsePolicy } from '../../src/policy/schema.js';
import { toBase64, toHex } from '../../src/util/bytes.js';
import { codeOf } from '../helpers/errors.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

const dir = tempDir('atlog-policy-');
afterAll(removeTempDirs);

function record(action_type: string, detail: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { action_type, action_detail: detail, trust_level: 'L1', outcome: 'success', ...extra };
}

describe('rule DSL', () => {
  it('parses both rule forms from the issue', () => {
    expect(parseRule('deny tool_call where tool_name matches "data:delete:*"')).toEqual({
      kind: 'deny',
      actions: ['tool_call'],
      conditions: [{ field: ['tool_name'], op: 'matches', value: 'data:delete:*' }],
    });
    expect(parseRule('require trust_level >= L2 for delegation')).toEqual({
      kind: 'require',
      actions: ['delegation'],
      conditions: [{ field: ['trust_level'], op: '>=', value: 'L2' }],
    });
    expect(parseRule('deny [tool_call, decision] where outcome in ["denied", "escalated"] and risk_score > 0.5').conditions).toHaveLength(2);
    expect(parseRule('deny *').actions).toBeUndefined();
  });

  it.each([
    ['', 1],
    ['allow tool_call', 1],
    ['deny tool_call where', 21],
    ['deny tool_call where tool_name ~ "x"', 32],
    ['deny tool_call where tool_name matches 3', 40],
    ['deny tool_call where tool_name == "x', 35],
    ['require trust_level >= "high" for delegation', 24],
    ['require trust_level >= L2', 26],
    ['deny tool_call where a == 1 or b == 2', 29],
    ['deny tool_call where x in "a"', 27],
  ])('rejects %j with the column of the error', (src, col) => {
    try {
      parseRule(src);
      expect.unreachable();
    } catch (e) {
      expect(isAtlogError(e, 'ERR_POLICY_RULE_SYNTAX')).toBe(true);
      expect((e as { details: { column: number } }).details.column).toBe(col);
    }
  });

  it('globs: * spans colons, ? is one character, \\* is literal', () => {
    expect(compileGlob('data:delete:*').test('data:delete:users')).toBe(true);
    expect(compileGlob('data:delete:*').test('data:read:users')).toBe(false);
    expect(compileGlob('a?c').test('abc')).toBe(true);
    expect(compileGlob('a?c').test('abbc')).toBe(false);
    expect(compileGlob('a\\*').test('a*')).toBe(true);
    expect(compileGlob('a\\*').test('ab')).toBe(false);
    expect(compileGlob('x.y').test('xzy')).toBe(false);
    expect(compileGlob('(a|b)+').test('(a|b)+')).toBe(true);
    expect(compileGlob('(a|b)+').test('a')).toBe(false);
    expect(compileGlob('a*z').test('a\nz')).toBe(true);
  });

  it('a rule compiles its globs once, at the position of their comparison', () => {
    const r = compileRule('g', 'deny tool_call where outcome == "success" and tool_name matches "fs:*"');
    expect(r.globs[0]).toBeUndefined();
    expect(r.globs[1]).toBeInstanceOf(RegExp);
    expect(evaluateRules([r], record('tool_call', { tool_name: 'fs:rm' }))?.rule).toBe('g');
    expect(evaluateRules([r], record('tool_call', { tool_name: 'net:get' }))).toBeUndefined();
  });
});

describe('rule evaluation', () => {
  const rules = [
    compileRule('no-deletes', 'deny tool_call where tool_name matches "data:delete:*"'),
    compileRule('trusted-delegation', 'require trust_level >= L2 for delegation'),
    compileRule('no-prod-shell', 'deny tool_call where tool_name == "shell" and detail.env in ["prod", "staging"]'),
    compileRule('escalate-cheap', 'require record.cost_estimate <= 10 for escalation'),
  ];
  it.each([
    ['tool_call delete', record('tool_call', { tool_name: 'data:delete:users' }), 'no-deletes'],
    ['tool_call read', record('tool_call', { tool_name: 'data:read:users' }), undefined],
    ['delegation at L1', record('delegation', {}, { trust_level: 'L1' }), 'trusted-delegation'],
    ['delegation at L2', record('delegation', {}, { trust_level: 'L2' }), undefined],
    ['delegation at L4', record('delegation', {}, { trust_level: 'L4' }), undefined],
    ['shell in prod', record('tool_call', { tool_name: 'shell', env: 'prod' }), 'no-prod-shell'],
    ['shell in dev', record('tool_call', { tool_name: 'shell', env: 'dev' }), undefined],
    ['shell without env', record('tool_call', { tool_name: 'shell' }), undefined],
    ['escalation missing cost', record('escalation', {}), 'escalate-cheap'],
    ['escalation cheap', record('escalation', {}, { cost_estimate: 3 }), undefined],
    ['escalation costly', record('escalation', {}, { cost_estimate: 30 }), 'escalate-cheap'],
    ['decision untouched', record('decision', { tool_name: 'data:delete:x' }), undefined],
  ])('%s', (_name, rec, want) => {
    expect(evaluateRules(rules, rec)?.rule).toBe(want);
  });

  it('a bare name is a record member when the AAT schema defines it (signer_kid), else an action_detail member', () => {
    const r = [compileRule('kid', 'deny tool_call where signer_kid == "k1"')];
    expect(evaluateRules(r, record('tool_call', { signer_kid: 'k2' }, { signer_kid: 'k1' }))?.rule).toBe('kid');
    expect(evaluateRules(r, record('tool_call', { signer_kid: 'k1' }, { signer_kid: 'k2' }))).toBeUndefined();
    const d = [compileRule('custom', 'deny tool_call where custom_field == 1')];
    expect(evaluateRules(d, record('tool_call', { custom_field: 1 }, { custom_field: 2 }))?.rule).toBe('custom');
  });

  it('a comparison with a missing field is false, also for !=', () => {
    const r = [compileRule('n', 'deny tool_call where tool_name != "x"')];
    expect(evaluateRules(r, record('tool_call', {}))).toBeUndefined();
    expect(evaluateRules(r, record('tool_call', { tool_name: 'y' }))?.rule).toBe('n');
  });
});

describe('policy file', () => {
  const es = generateKey('ES256').publicKey;
  const ed = generateKey('Ed25519').publicKey;
  const good = `# comment
version: 1
algorithms: [ES256, ESP256, Ed25519, -49]
max_statement_bytes: 65536
issuers:
  - iss: urn:agent:example:bot-1
    keys:
      - cose: ${toBase64(exportCoseKey(es))}
        not_before: 2026-01-01T00:00:00Z
      - cose: ${toHex(exportCoseKey(ed))}
        status: revoked
  - iss: https://agents.example/bot-2
    keys:
      - pem: |
${exportSpkiPem(es).trim().split('\n').map((l) => '          ' + l).join('\n')}
aat:
  require_record_phase: true
rules:
  - name: no-deletes
    rule: deny tool_call where tool_name matches "data:delete:*"
`;

  it('loads a complete YAML file and normalises it', () => {
    const p = parsePolicy(good, 'p.yaml');
    expect([...p.algorithms].sort()).toEqual([-49, -19, -9, -7].sort());
    expect(p.maxStatementBytes).toBe(65536);
    expect(p.issuers).toHaveLength(2);
    expect(p.issuers[0]!.keys[1]!.status).toBe('revoked');
    expect(toHex(p.issuers[1]!.keys[0]!.key.thumbprint)).toBe(toHex(es.thumbprint));
    expect(p.aat).toEqual({ validate: true, requireChain: true, requireRecordPhase: true, hashEnvelope: 'reject', required: false });
    expect(p.rules.map((r) => r.name)).toEqual(['no-deletes']);
    expect(p.hashHex).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes meaning, not formatting: the same policy as JSON has the same hash', () => {
    const a = parsePolicy('version: 1\nmax_statement_bytes: 2048\n# x\n', 'a.yaml');
    const b = parsePolicy('{"max_statement_bytes": 2048, "version": 1}', 'b.json');
    const c = parsePolicy('version: 1\nmax_statement_bytes: 2049\n', 'c.yaml');
    expect(a.hashHex).toBe(b.hashHex);
    expect(a.hashHex).not.toBe(c.hashHex);
    expect(defaultPolicy().hashHex).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['version: 2\n', 'ERR_POLICY_INVALID', 'version', 1],
    ['version: 1\nalgorithms: [ES256, RS256]\n', 'ERR_POLICY_INVALID', 'algorithms[1]', 2],
    ['version: 1\nmax_statement_bytes: -1\n', 'ERR_POLICY_INVALID', 'max_statement_bytes', 2],
    ['version: 1\nfoo: 1\n', 'ERR_POLICY_INVALID', 'foo', 2],
    ['version: 1\nissuers:\n  - iss: bot\n', 'ERR_POLICY_INVALID', 'issuers[0].iss', 3],
    ['version: 1\nissuers:\n  - iss: urn:a:b\n    keys:\n      - cose: AAAA\n', 'ERR_POLICY_INVALID', 'issuers[0].keys[0].cose', 5],
    ['version: 1\nissuers:\n  - iss: urn:a:b\n    keys:\n      - {}\n', 'ERR_POLICY_INVALID', 'issuers[0].keys[0]', 5],
    ['version: 1\nrules:\n  - name: r\n    rule: deny tool_call where x ~ 1\n', 'ERR_POLICY_INVALID', 'rules[0].rule', 4],
    ['version: 1\nrules:\n  - name: r\n    rule: deny *\n  - name: r\n    rule: deny *\n', 'ERR_POLICY_INVALID', 'rules[1].name', 5],
    ['version: 1\naat:\n  hash_envelope: maybe\n', 'ERR_POLICY_INVALID', 'aat.hash_envelope', 3],
    ['version: 1\naat:\n  validate: false\n', 'ERR_POLICY_INVALID', 'aat.require_chain', undefined],
  ])('rejects %j naming the field and line', (text, code, field, line) => {
    try {
      parsePolicy(text, 'p.yaml');
      expect.unreachable();
    } catch (e) {
      expect(isAtlogError(e, code as 'ERR_POLICY_INVALID')).toBe(true);
      const d = (e as { details: { field: string; line?: number } }).details;
      expect(d.field).toBe(field);
      if (line !== undefined) expect(d.line).toBe(line);
    }
  });

  it('reports YAML and JSON syntax errors with a line', () => {
    expect(codeOf(() => parsePolicy('version: 1\nversion: 1\n', 'p.yaml'))).toBe('ERR_POLICY_SYNTAX');
    expect(codeOf(() => parsePolicy('{"version": 1,,}', 'p.json'))).toBe('ERR_POLICY_SYNTAX');
    expect(codeOf(() => parsePolicy('version: 1\nrules: *nowhere\n', 'p.yaml'))).toBe('ERR_POLICY_SYNTAX');
    // an alias bomb: 10 levels of 10 aliases would expand to 10^10 nodes
    const bomb = ['a0: &a0 [x]', ...Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`)].join('\n');
    expect(codeOf(() => parsePolicy(`${bomb}\nversion: 1\n`, 'p.yaml'))).toBe('ERR_POLICY_SYNTAX');
    try {
      parsePolicy('version: 1\nrules: [\n', 'p.yaml');
    } catch (e) {
      expect((e as { details: { line: number } }).details.line).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('policy holder', () => {
  it('reloads a changed file, keeps the old policy on a bad file and reports the error', async () => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'version: 1\nmax_statement_bytes: 1000\n');
    const h = await PolicyHolder.open(file, { info() {}, warn() {}, error() {}, debug() {} });
    const first = h.current.hashHex;
    expect(h.current.maxStatementBytes).toBe(1000);

    writeFileSync(file, 'version: 1\nmax_statement_bytes: 2000\n');
    await h.reload();
    expect(h.current.maxStatementBytes).toBe(2000);
    expect(h.info().hash).not.toBe(first);

    writeFileSync(file, 'version: 1\nmax_statement_bytes: nope\n');
    await expect(h.reload()).rejects.toMatchObject({ code: 'ERR_POLICY_INVALID' });
    expect(h.current.maxStatementBytes).toBe(2000);
    expect(h.info().lastError).toMatch(/max_statement_bytes/);

    writeFileSync(file, 'version: 1\nmax_statement_bytes: 3000\n');
    await h.reload();
    expect(h.info().lastError).toBeUndefined();
    h.close();
  });

  it('picks up a file change through the watcher', async () => {
    const file = join(dir, 'watched.yaml');
    writeFileSync(file, 'version: 1\nmax_statement_bytes: 1000\n');
    const h = await PolicyHolder.open(file, { info() {}, warn() {}, error() {}, debug() {} });
    const reloaded = new Promise<number>((res) => h.watch(20, (p) => res(p.maxStatementBytes)));
    writeFileSync(file, 'version: 1\nmax_statement_bytes: 4096\n');
    expect(await reloaded).toBe(4096);
    expect(h.current.maxStatementBytes).toBe(4096);
    h.close();
  });

  it('refuses to start with a bad or missing file', async () => {
    const log = { info() {}, warn() {}, error() {}, debug() {} };
    await expect(PolicyHolder.open(join(dir, 'missing.yaml'), log)).rejects.toMatchObject({ code: 'ERR_POLICY_READ' });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"version": 1, "issuers": 3}');
    await expect(PolicyHolder.open(bad, log)).rejects.toMatchObject({ code: 'ERR_POLICY_INVALID' });
  });
});

describe('hostile input', () => {
  it('the rule parser fails only with ERR_POLICY_RULE_SYNTAX and a column inside the rule', async () => {
    const fc = await import('fast-check');
    const words = fc.constantFrom('deny', 'require', 'for', 'where', 'and', 'tool_call', '*', '[', ']', ',', '"x*"', '==', '!=', '>=', 'in', 'matches', 'L2', '3', 'a.b', '"', '\\', '~', 'é');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(words, { maxLength: 12 }).map((w) => w.join(' '))), (src) => {
        try {
          parseRule(src);
        } catch (e) {
          expect(isAtlogError(e, 'ERR_POLICY_RULE_SYNTAX')).toBe(true);
          const col = (e as { details: { column: number } }).details.column;
          expect(col).toBeGreaterThanOrEqual(1);
          expect(col).toBeLessThanOrEqual(Math.max(1, src.length + 1));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('the policy loader fails only with ERR_POLICY_* codes', async () => {
    const fc = await import('fast-check');
    const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ version: 1, ...(typeof v === 'object' && v !== null && !Array.isArray(v) ? v : { rules: v }) }));
    fc.assert(
      fc.property(fc.oneof(fc.string(), json), (text) => {
        try {
          parsePolicy(text, 'fuzz.yaml');
        } catch (e) {
          expect(isAtlogError(e) && e.code.startsWith('ERR_POLICY_')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
