import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/keys/index.js';
import { issueInclusionReceipt, signTreeHead, type SignedTreeHead } from '../../src/receipts/index.js';
import { buildStatement, entryHash, registrationEntry, toTransparentStatement } from '../../src/statements/index.js';
import { cttImprint } from '../../src/tsa/ctt.js';
import { EmbeddedTsa } from '../../src/tsa-server/embedded.js';
import { ReportBuilder, verifyTransparentStatement } from '../../src/verify/index.js';
import { MemoryTree } from '../../test-vectors/tree.js';

/** verifyTransparentStatement: options, timestamps against a real (embedded) RFC 3161 TSA, fail-closed rules. */

const issuer = generateKey('ESP256');
const svcEs = generateKey('ES256');
const svcMl = generateKey('ML-DSA-65');
const serviceKeys = [svcEs.publicKey, svcMl.publicKey];
const enc = new TextEncoder();
/** 18([<<{1: -7}>>, {}, h'00', h'']): a COSE_Sign1 without CWT claims. */
const NO_CLAIMS = new Uint8Array([0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26, 0xa0, 0x41, 0x00, 0x40]);

const statement = buildStatement({ key: issuer, iss: 'https://issuer.example', sub: 'urn:test:1', payload: enc.encode('{"a":1}'), contentType: 'application/json' });
const envelope = buildStatement({ key: issuer, iss: 'https://issuer.example', sub: 'urn:test:2', payload: enc.encode('secret'), hashEnvelope: { preimageContentType: 'text/plain' } });
const tree = new MemoryTree([entryHash(registrationEntry(envelope)), entryHash(registrationEntry(statement))]);
const sth = (key = svcEs): SignedTreeHead => signTreeHead({ key, issuer: 'https://log.example', treeSize: 2, root: tree.rootAt() });
const sthEs = sth();
const sthMl = sth(svcMl);
const receipt = async (s: SignedTreeHead, timestamps?: Uint8Array[], i = 1): Promise<Uint8Array> => issueInclusionReceipt(s, i, await tree.inclusion(i), timestamps ? { timestamps } : {});

describe('verifyTransparentStatement', () => {
  it('verifies receipts from label 394 and reports each check', async () => {
    const ts = toTransparentStatement(statement, [await receipt(sthEs), await receipt(sthMl)]);
    const r = await verifyTransparentStatement({ statement: ts, serviceKeys, issuerKeys: [issuer.publicKey], requireAlgs: [-7, -49] });
    expect(r.valid).toBe(true);
    expect(r.checks.map((c) => c.name)).toEqual(['statement.decode', 'statement.signature', 'statement.entry', 'receipt[0].inclusion', 'receipt[1].inclusion', 'require.alg(-7)', 'require.alg(-49)']);
    expect(r.receipts.map((v) => v.alg)).toEqual([-7, -49]);
  });

  it('a Hash Envelope statement verifies the same way', async () => {
    const r = await verifyTransparentStatement({ statement: envelope, receipts: [await receipt(sthEs, undefined, 0)], serviceKeys, issuerKeys: [issuer.publicKey] });
    expect(r.valid).toBe(true);
  });

  it('every receipt must verify, and at least one must be there', async () => {
    const both = await verifyTransparentStatement({ statement, receipts: [await receipt(sthEs), await receipt(sthEs, undefined, 0)], serviceKeys });
    expect(both).toMatchObject({ valid: false, failure: { code: 'ERR_RECEIPT_INCLUSION_INVALID' } });
    expect(both.failure!.detail).toMatch(/^receipt\[1\]/);
    expect(await verifyTransparentStatement({ statement, serviceKeys })).toMatchObject({ valid: false, failure: { code: 'ERR_VERIFY_NO_RECEIPT' } });
  });

  it('requireAlgs fails when no verified receipt uses the algorithm', async () => {
    const r = await verifyTransparentStatement({ statement, receipts: [await receipt(sthEs)], serviceKeys, requireAlgs: [-49] });
    expect(r).toMatchObject({ valid: false, failure: { code: 'ERR_VERIFY_MISSING_ALG' } });
    // ESP256 (-9) and ES256 (-7) are one family: a -7 receipt satisfies a -9 requirement
    expect((await verifyTransparentStatement({ statement, receipts: [await receipt(sthEs)], serviceKeys, requireAlgs: [-9] })).valid).toBe(true);
  });

  it('issuer keys: wrong key, key of another algorithm, required but absent', async () => {
    const receipts = [await receipt(sthEs)];
    expect(await verifyTransparentStatement({ statement, receipts, serviceKeys, issuerKeys: [generateKey('ESP256').publicKey] })).toMatchObject({ failure: { code: 'ERR_STATEMENT_BAD_SIGNATURE' } });
    expect(await verifyTransparentStatement({ statement, receipts, serviceKeys, issuerKeys: [generateKey('Ed25519').publicKey] })).toMatchObject({ failure: { code: 'ERR_STATEMENT_UNKNOWN_KEY' } });
    expect(await verifyTransparentStatement({ statement, receipts, serviceKeys, requireIssuerSignature: true })).toMatchObject({ failure: { code: 'ERR_VERIFY_NO_ISSUER_KEY' } });
    const lenient = await verifyTransparentStatement({ statement, receipts, serviceKeys });
    expect(lenient.valid).toBe(true);
    expect(lenient.checks[1]).toMatchObject({ name: 'statement.signature', status: 'skip', ok: false });
  });

  it.each([
    ['not a COSE_Sign1', new Uint8Array([1, 2, 3]), 'ERR_STATEMENT_MALFORMED'],
    ['no CWT claims (RFC 9943 header profile)', NO_CLAIMS, 'ERR_STATEMENT_MISSING_CWT'],
  ])('statement problems fail at decode: %s', async (_n, bad, want) => {
    expect(await verifyTransparentStatement({ statement: bad, serviceKeys })).toMatchObject({ valid: false, failure: { code: want } });
    expect((await verifyTransparentStatement({ statement: bad, serviceKeys })).checks).toHaveLength(1);
  });
});

describe('timestamps (RFC 9921 3161-ctt) against pinned TSA roots', () => {
  let dir1: string;
  let dir2: string;
  let tsa: EmbeddedTsa;
  let other: EmbeddedTsa;
  beforeAll(async () => {
    dir1 = mkdtempSync(join(tmpdir(), 'atlog-verify-tsa-'));
    dir2 = mkdtempSync(join(tmpdir(), 'atlog-verify-tsa-'));
    tsa = await EmbeddedTsa.open(dir1);
    other = await EmbeddedTsa.open(dir2);
  });
  afterAll(() => {
    rmSync(dir1, { recursive: true, force: true });
    rmSync(dir2, { recursive: true, force: true });
  });

  it('reports the trusted genTime of each token', async () => {
    const token = await tsa.timestamp(cttImprint(sthEs.signature));
    const r = await verifyTransparentStatement({ statement, receipts: [await receipt(sthEs, [token])], serviceKeys, tsaRoots: [tsa.rootDer] });
    expect(r.valid).toBe(true);
    const c = r.checks.find((x) => x.name === 'receipt[0].timestamp[0]')!;
    expect(c.ok).toBe(true);
    expect(c.detail).toMatch(/^genTime \d{4}-\d\d-\d\dT/);
    // without roots the token is noted, not trusted, and does not fail the statement
    const noRoots = await verifyTransparentStatement({ statement, receipts: [await receipt(sthEs, [token])], serviceKeys });
    expect(noRoots.valid).toBe(true);
    expect(noRoots.checks.find((x) => x.name === 'receipt[0].timestamp')!.detail).toMatch(/not checked/);
  });

  it('fails closed: untrusted TSA, token over another signature, no token when roots are given', async () => {
    const token = await tsa.timestamp(cttImprint(sthEs.signature));
    const untrusted = await verifyTransparentStatement({ statement, receipts: [await receipt(sthEs, [token])], serviceKeys, tsaRoots: [other.rootDer] });
    expect(untrusted.valid).toBe(false);
    expect(untrusted.failure!.code).toMatch(/^ERR_TSA_/);
    const wrong = await tsa.timestamp(cttImprint(sthMl.signature));
    const mismatch = await verifyTransparentStatement({ statement, receipts: [await receipt(sthEs, [wrong])], serviceKeys, tsaRoots: [tsa.rootDer] });
    expect(mismatch.failure!.code).toBe('ERR_TSA_IMPRINT_MISMATCH');
    const none = await verifyTransparentStatement({ statement, receipts: [await receipt(sthEs)], serviceKeys, tsaRoots: [tsa.rootDer] });
    expect(none.failure!.code).toBe('ERR_VERIFY_NO_TIMESTAMP');
    // with two tokens, both are checked
    const two = await verifyTransparentStatement({ statement, receipts: [await receipt(sthEs, [token, await other.timestamp(cttImprint(sthEs.signature))])], serviceKeys, tsaRoots: [tsa.rootDer, other.rootDer] });
    expect(two.valid).toBe(true);
    expect(two.checks.filter((x) => x.name.startsWith('receipt[0].timestamp['))).toHaveLength(2);
  });
});

describe('ReportBuilder fails closed', () => {
  it('no checks is not valid', () => {
    expect(new ReportBuilder().build()).toMatchObject({ valid: false, failure: { code: 'ERR_VERIFY_NOTHING_CHECKED' } });
  });
  it('a non-atlog exception is a failure, and the first failure wins', () => {
    const b = new ReportBuilder();
    b.run('a', () => {
      throw new TypeError('boom');
    }, () => '');
    b.fail('b', 'ERR_VERIFY_SPLIT_VIEW', 'later');
    expect(b.build()).toMatchObject({ valid: false, failure: { code: 'ERR_VERIFY_INTERNAL' } });
  });
  it('an included invalid sub-report without a failure is still a failure', () => {
    const b = new ReportBuilder();
    b.pass('x', 'fine');
    b.include('sub', { valid: false, checks: [] });
    expect(b.build()).toMatchObject({ valid: false, failure: { code: 'ERR_VERIFY_INTERNAL' } });
  });
});
