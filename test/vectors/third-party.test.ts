import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKeyFile } from '../../src/keys/index.js';
import { parseReceipt } from '../../src/receipts/index.js';
import { parseStatement } from '../../src/statements/index.js';
import { ccfTrustStoreKeys } from '../../src/verify/ccf-trust.js';
import { THIRD_PARTY_VECTORS, filesUnder, listVectorFiles, readVector, readVectorJson } from '../helpers/vectors.js';

/**
 * The published vectors under test-vectors/third-party/ are other projects' data, kept byte for byte: every file
 * matches its set's SHA256SUMS, no file is unlisted, each set says where it came from and under which licence,
 * and the loaders the tests use find vectors in every set (a renamed folder must not turn tests into no-ops).
 */

/** Upstream files byte for byte. */
const FILE_SETS = ['merkle', 'cose-mldsa', 'cose-receipts', 'scitt-rfc9162', 'scitt-ccf'];
/** Upstream values copied into JSON (test/tlog reads them). */
const JSON_SETS: Record<string, string[]> = {
  c2sp: ['vectors.json'],
  'go-sumdb-note': ['vectors.json'],
  torchwood: ['mldsa-log.json'],
  'transparency-dev-formats': ['mldsa-subtree.json'],
};
const SETS = [...FILE_SETS, ...Object.keys(JSON_SETS)];
/** Files a set adds to upstream's: its README and the manifest itself. */
const OURS = new Set(['README.md', 'SHA256SUMS']);

/** `sha256sum` output: "<64 hex>  <path>" per line. */
function manifest(set: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of readFileSync(join(THIRD_PARTY_VECTORS, set, 'SHA256SUMS'), 'utf8').split('\n')) {
    if (line === '') continue;
    const hit = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    expect(hit, `malformed SHA256SUMS line in ${set}: ${line}`).not.toBeNull();
    m.set(hit![2]!, hit![1]!);
  }
  return m;
}

describe('test-vectors/third-party', () => {
  it('holds exactly the documented sets', () => {
    const dirs = readdirSync(THIRD_PARTY_VECTORS).filter((n) => statSync(join(THIRD_PARTY_VECTORS, n)).isDirectory());
    expect(dirs.sort()).toEqual([...SETS].sort());
  });

  it.each(SETS)('%s: every file matches SHA256SUMS and none is unlisted', (set) => {
    const dir = join(THIRD_PARTY_VECTORS, set);
    const want = manifest(set);
    expect(want.size).toBeGreaterThan(0);
    const have = filesUnder(dir).filter((f) => !OURS.has(f));
    expect(have).toEqual([...want.keys()].sort());
    for (const [f, hash] of want) expect(createHash('sha256').update(readFileSync(join(dir, f))).digest('hex'), f).toBe(hash);
  });

  it.each(SETS)('%s: its README names the upstream repository, commit and licence', (set) => {
    const readme = readFileSync(join(THIRD_PARTY_VECTORS, set, 'README.md'), 'utf8');
    expect(readme).toMatch(/https:\/\/github\.com\/[\w.-]+\/[\w.-]+/);
    expect(readme).toMatch(/commit\s+`?[0-9a-f]{8,40}/);
    expect(readme).toMatch(/\*\*Licence:\*\*|Licence: /);
  });
});

describe('the loaders find vectors in every set', () => {
  it('merkle: 196 transparency-dev cases', () => {
    expect(listVectorFiles('merkle', '.json')).toHaveLength(196);
  });

  it('cose-mldsa: the three RFC 9964 examples', () => {
    const files = listVectorFiles('cose-mldsa', '.json');
    expect(files).toHaveLength(3);
    for (const f of files) expect(readVectorJson<{ sign1: string }>('cose-mldsa', f.split('/').pop()!).sign1.length).toBeGreaterThan(0);
  });

  it('cose-receipts: both receipts parse', () => {
    const files = listVectorFiles('cose-receipts', '.cbor');
    expect(files).toHaveLength(2);
    for (const f of files) expect(parseReceipt(readVector('cose-receipts', f.split('/').pop()!)).vds).toBe(1);
  });

  it('scitt-rfc9162: every case of the manifest that was copied has all six files', () => {
    const m = readVectorJson<{ vectors: Array<{ id: string }> }>('scitt-rfc9162', 'manifest.json');
    const present = m.vectors.map((v) => v.id).filter((id) => readdirSync(join(THIRD_PARTY_VECTORS, 'scitt-rfc9162')).includes(id));
    expect(present).toEqual(['valid-eddsa', 'valid-es256', 'fail-tampered-path', 'fail-unsupported-vds', 'fail-bad-statement-sig']);
    for (const id of present) {
      expect(parseKeyFile(readVector('scitt-rfc9162', id, 'log-key.pub'))).toHaveLength(1);
      expect(parseKeyFile(readVector('scitt-rfc9162', id, 'issuer-key.pub'))).toHaveLength(1);
      expect(readVectorJson<{ result: string }>('scitt-rfc9162', id, 'expected.json').result).toMatch(/^(IN)?VALID$/);
      expect(readVector('scitt-rfc9162', id, 'statement.cose').length).toBeGreaterThan(0);
      expect(readVector('scitt-rfc9162', id, 'receipt.cose').length).toBeGreaterThan(0);
      expect(readVector('scitt-rfc9162', id, 'payload.bin').length).toBeGreaterThan(0);
    }
  });

  it.each(Object.entries(JSON_SETS))('%s: its JSON files parse and hold values', (set, files) => {
    for (const f of files) expect(Object.keys(readVectorJson<Record<string, unknown>>(set, f)).length, f).toBeGreaterThan(0);
  });

  it('scitt-ccf: three transparent statements and a trust store with keys', () => {
    for (const f of ['uvm_0.2.10.cose', '1ts.scitt', '2ts.scitt']) expect(parseStatement(readVector('scitt-ccf', f)).iss).toMatch(/^did:x509:/);
    expect(ccfTrustStoreKeys(readVector('scitt-ccf', 'esrp-cts-db.json')).length).toBeGreaterThan(0);
  });
});
