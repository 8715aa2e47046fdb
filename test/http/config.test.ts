import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServeConfig, OPTIONS, resolveConfig } from '../../src/config/index.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { REPO_ROOT } from '../helpers/vectors.js';

afterAll(removeTempDirs);

describe('resolveConfig', () => {
  it('fills every documented default', () => {
    const c = resolveConfig();
    expect(c.dataDir).toBe('./data');
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(8080);
    expect(c.tsa).toBe('embedded');
    expect(c.waitLimitMs).toBe(2000);
    expect(c.adminToken).toBeUndefined();
    for (const o of OPTIONS) expect(c[o.key]).toBe(o.default);
  });

  it('applies flags > env > file > defaults', () => {
    const file = { port: 1, host: 'file-host', data: '/file', logLevel: 'warn' };
    const env = { ATLOG_PORT: '2', ATLOG_HOST: 'env-host' };
    const c = resolveConfig({ flags: { port: '3' }, env, file });
    expect(c.port).toBe(3);
    expect(c.host).toBe('env-host');
    expect(c.logLevel).toBe('warn');
    expect(c.dataDir).toBe('/file');
  });

  it.each([
    [{ flags: { port: '70000' } }, 'port'],
    [{ flags: { port: '-1' } }, 'port'],
    [{ env: { ATLOG_RATE_LIMIT: 'lots' } }, 'rateLimit'],
    [{ env: { ATLOG_LOG_LEVEL: 'loud' } }, 'logLevel'],
    [{ file: { tsa: 'ftp://x' } }, 'tsa'],
  ])('rejects %j naming the option', (sources, option) => {
    try {
      resolveConfig(sources as Parameters<typeof resolveConfig>[0]);
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('ERR_CONFIG_INVALID');
      expect((e as { details: { option: string } }).details.option).toBe(option);
    }
  });

  it('refuses unknown config file keys and the admin token from a file', () => {
    expect(() => resolveConfig({ file: { prot: 1 } })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    expect(() => resolveConfig({ file: { adminToken: 'x' } })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    expect(resolveConfig({ env: { ATLOG_ADMIN_TOKEN: 's3cret' } }).adminToken).toBe('s3cret');
  });

  it('reads YAML and JSON config files', () => {
    const dir = tempDir('atlog-config-');
    writeFileSync(join(dir, 'a.yaml'), 'port: 9001\ntsa: none\n');
    writeFileSync(join(dir, 'b.json'), '{"port": 9002, "rateLimit": 0}');
    expect(loadServeConfig({}, join(dir, 'a.yaml'), {})).toMatchObject({ port: 9001, tsa: 'none' });
    expect(loadServeConfig({}, join(dir, 'b.json'), {})).toMatchObject({ port: 9002, rateLimit: 0 });
    expect(loadServeConfig({}, undefined, { ATLOG_CONFIG: join(dir, 'b.json') }).port).toBe(9002);
    expect(() => loadServeConfig({}, join(dir, 'missing.yaml'), {})).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_UNREADABLE' }));
    writeFileSync(join(dir, 'c.yaml'), '- 1\n- 2\n');
    expect(() => loadServeConfig({}, join(dir, 'c.yaml'), {})).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
  });
});

describe('docs/operations.md', () => {
  it('documents every setting with its flag, environment variable and default, and nothing else', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');
    const rows = doc.split('\n').filter((l) => /^\| (`\w+`|\(env only\)) \|/.test(l) && /\| `ATLOG_/.test(l));
    expect(rows).toHaveLength(OPTIONS.length);
    OPTIONS.forEach((o, i) => {
      const cells = rows[i]!.split('|').map((c) => c.trim());
      expect(cells[1]).toBe(o.fileKey ? `\`${o.fileKey}\`` : '(env only)');
      expect(cells[2]).toBe(o.flag ? `\`--${o.flag}\`` : '');
      expect(cells[3]).toBe(`\`${o.env}\``);
      expect(cells[4]).toBe(o.default === undefined ? '(none)' : `\`${String(o.default)}\``);
    });
  });
});
