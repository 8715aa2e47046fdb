import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isAtlogErrorCode, type AtlogErrorCode } from '../src/error-codes.js';
import { AtlogError, isAtlogError } from '../src/errors.js';
import { chainBreakCode, delegationBreakCode, PUBLISHED_FAILURE_CODES } from '../src/verify/codes.js';

/** The error code table (src/error-codes.ts): the one list of codes, their meanings and HTTP answers. */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const codes = Object.keys(ERROR_CODES) as AtlogErrorCode[];

describe('AtlogErrorCode', () => {
  it('is the union of the table: a mistyped code does not compile', () => {
    // `npm run typecheck` covers test/: each @ts-expect-error fails it if the line below it compiles.
    // @ts-expect-error ERR_LOG_PUSHBAK is not a code (ERR_LOG_PUSHBACK is)
    const typo = new AtlogError('ERR_LOG_PUSHBAK', 'queue full');
    // @ts-expect-error nor is a code of the right shape that nobody defined
    expect(isAtlogError(typo, 'ERR_SOMETHING_ELSE')).toBe(false);
    // @ts-expect-error a verifier failure code is checked the same way
    const bad: AtlogErrorCode = 'ERR_AAT_CHAIN_EDITTED';
    expect(isAtlogErrorCode(bad)).toBe(false);
    expect(isAtlogErrorCode(typo.code)).toBe(false);
    expect(isAtlogErrorCode('ERR_LOG_PUSHBACK')).toBe(true);
    expect(isAtlogErrorCode('toString')).toBe(false);
  });

  it('every code is ERR_ plus upper-case words, with a meaning; every HTTP answer is a 4xx or 503', () => {
    expect(codes.length).toBeGreaterThan(100);
    for (const c of codes) {
      expect(c).toMatch(/^ERR_[A-Z0-9]+(_[A-Z0-9]+)*$/);
      expect(ERROR_CODES[c].meaning.length, c).toBeGreaterThan(5);
      const http = ERROR_CODES[c].http;
      if (http) expect(http[0] === 503 || (http[0] >= 400 && http[0] < 500), c).toBe(true);
    }
  });

  it('AAT chain and delegation break kinds have their codes', () => {
    expect(chainBreakCode('edited')).toBe('ERR_AAT_CHAIN_EDITED');
    expect(chainBreakCode('timestamp_regression')).toBe('ERR_AAT_CHAIN_TIMESTAMP_REGRESSION');
    expect(delegationBreakCode('entry_mismatch')).toBe('ERR_DELEGATION_ENTRY_MISMATCH');
    for (const c of Object.values(PUBLISHED_FAILURE_CODES)) expect(isAtlogErrorCode(c)).toBe(true);
  });
});

describe('the docs name only codes that exist', () => {
  /** Markdown files of the docs and the spec, and the README. */
  const pages = [
    'README.md',
    ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
    ...readdirSync(join(root, 'spec')).filter((f) => f.endsWith('.md')).map((f) => `spec/${f}`),
  ];

  it.each(pages)('%s', (page) => {
    const text = readFileSync(join(root, page), 'utf8');
    // A family written as ERR_TSA_*, ERR_AAT_CHAIN_<KIND> or ERR_… names no single code.
    const named = [...text.matchAll(/ERR_[A-Z0-9_]+(?![A-Z0-9_]*[<*…])/g)].map((m) => m[0]).filter((c) => !c.endsWith('_'));
    const unknown = named.filter((c) => !isAtlogErrorCode(c));
    expect(unknown, `${page} names codes that are not in src/error-codes.ts`).toEqual([]);
  });

  it('spec/api.md section 6 lists every status and title the table answers', () => {
    const api = readFileSync(join(root, 'spec/api.md'), 'utf8');
    for (const c of codes) {
      const http = ERROR_CODES[c].http;
      if (http) expect(api, c).toContain(`| ${http[0]} | ${http[1]} |`);
    }
  });
});
