import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cborDecode } from '../../src/cose/cbor.js';
import { createClient } from '../../src/client/index.js';
import { decodeSign1 } from '../../src/cose/sign1.js';
import { importCoseKey, importCoseKeySet, type PublicKey } from '../../src/keys/index.js';
import { verifyConsistencyReceipt, verifyReceipt } from '../../src/receipts/index.js';
import { fromBase64Url, fromHex, toBase64Url } from '../../src/util/bytes.js';
import { verifySessionBundle } from '../../src/verify/index.js';
import { aatStatement, call, makeAgent, postEntry, startTestServer, treeSize, type Agent } from './helpers.js';

const CBOR = 'application/cbor';
const COSE = 'application/cose';

function publicKeys(set: Uint8Array): PublicKey[] {
  return importCoseKeySet(set).map((k) => ('publicKey' in k ? k.publicKey : k));
}

describe('SCRAPI resources on a real server', () => {
  const agent: Agent = makeAgent('ESP256');
  let url: string;
  let stop: () => Promise<void>;
  let keys: PublicKey[];
  let firstEntry: string;
  let firstRoot: Uint8Array;

  beforeAll(async () => {
    ({ url, stop } = await startTestServer([agent]));
  });
  afterAll(async () => stop());

  it('GET /.well-known/scitt-keys is a COSE_KeySet; each kid resolves; unknown kids are "No such key"', async () => {
    const a = await call(`${url}/.well-known/scitt-keys`, { headers: { Accept: CBOR } });
    expect(a.status).toBe(200);
    expect(a.type).toMatch(/^application\/cbor/);
    keys = publicKeys(a.body);
    expect(keys.length).toBe(2);
    for (const k of keys) {
      const one = await call(`${url}/.well-known/scitt-keys/${toBase64Url(k.kid)}`);
      expect(one.status).toBe(200);
      expect(one.type).toMatch(/^application\/cbor/);
      const back = importCoseKey(one.body);
      expect(toBase64Url(back.kid)).toBe(toBase64Url(k.kid));
    }
    const missing = await call(`${url}/.well-known/scitt-keys/${toBase64Url(new Uint8Array(32))}`);
    expect(missing.status).toBe(404);
    expect(missing.type).toMatch(/^application\/concise-problem-details\+cbor/);
    expect(missing.problem?.title).toBe('No such key');
  });

  it('POST /entries answers 201 with a receipt that verifies, and Location /entries/{entry id}', async () => {
    const { bytes } = aatStatement(agent);
    const a = await postEntry(url, bytes);
    expect(a.status).toBe(201);
    expect(a.type).toMatch(/^application\/cose/);
    const loc = a.headers.get('location') ?? '';
    expect(loc).toMatch(/^\/entries\/[0-9a-f]{64}$/);
    firstEntry = loc.slice('/entries/'.length);
    const v = verifyReceipt(a.body, { entryHash: fromHex(firstEntry), keys });
    expect(v.leafIndex).toBe(0);
    firstRoot = v.root;
  });

  it('accepts application/scitt-statement+cose; a duplicate answers 201 with the same entry and no new leaf', async () => {
    const { bytes } = aatStatement(agent);
    const a = await postEntry(url, bytes, 'application/scitt-statement+cose; charset=binary');
    expect(a.status).toBe(201);
    const size = await treeSize(url);
    const again = await postEntry(url, bytes);
    expect(again.status).toBe(201);
    expect(again.headers.get('location')).toBe(a.headers.get('location'));
    expect(await treeSize(url)).toBe(size);
  });

  it('POST /entries/ (trailing slash) registers like POST /entries', async () => {
    const { bytes } = aatStatement(agent);
    const a = await call(`${url}/entries/`, { method: 'POST', headers: { 'Content-Type': COSE }, body: bytes });
    expect(a.status).toBe(201);
    const entry = (a.headers.get('location') ?? '').slice('/entries/'.length);
    expect(verifyReceipt(a.body, { entryHash: fromHex(entry), keys }).leafIndex).toBeGreaterThan(0);
    const bad = await call(`${url}/entries/`, { method: 'POST', headers: { 'Content-Type': COSE, Accept: 'application/json' }, body: bytes.subarray(1) });
    expect(bad.status).toBe(400);
    expect(JSON.parse(new TextDecoder().decode(bad.body))).toMatchObject({ title: 'Malformed request', code: 'ERR_REG_MALFORMED' });
  });

  it('GET /entries/{entry}, /entries/{index} and ?alg=ML-DSA-65 return receipts', async () => {
    const a = await call(`${url}/entries/${firstEntry}`, { headers: { Accept: COSE } });
    expect(a.status).toBe(200);
    expect(a.type).toMatch(/^application\/cose/);
    expect(a.headers.get('location')).toBe(`/entries/${firstEntry}`);
    verifyReceipt(a.body, { entryHash: fromHex(firstEntry), keys });
    const byIndex = await call(`${url}/entries/0`);
    expect(byIndex.status).toBe(200);
    expect(byIndex.headers.get('location')).toBe(`/entries/${firstEntry}`);
    const pq = await call(`${url}/entries/${firstEntry}?alg=ML-DSA-65`);
    expect(pq.status).toBe(200);
    const v = verifyReceipt(pq.body, { entryHash: fromHex(firstEntry), keys });
    expect(v.alg).toBe(-49);
    const bad = await call(`${url}/entries/${firstEntry}?alg=RSA`);
    expect(bad.status).toBe(400);
    expect(bad.problem?.title).toBe('Malformed request');
  });

  it.each([
    ['f'.repeat(64), 404, 'Not Found'],
    ['999999', 404, 'Not Found'],
    ['op-doesnotexist', 404, 'Operation Not Found'],
    ['not-a-locator!', 400, 'Invalid locator'],
    ['F'.repeat(64), 400, 'Invalid locator'],
  ])('GET /entries/%s is %i %s', async (loc, status, title) => {
    const a = await call(`${url}/entries/${loc}`);
    expect(a.status).toBe(status);
    expect(a.type).toMatch(/^application\/concise-problem-details\+cbor/);
    expect(a.problem?.title).toBe(title);
  });

  it('answers problems as JSON when Accept prefers it', async () => {
    const a = await call(`${url}/entries/op-doesnotexist`, { headers: { Accept: 'application/json' } });
    expect(a.status).toBe(404);
    expect(a.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(new TextDecoder().decode(a.body))).toMatchObject({ title: 'Operation Not Found', status: 404, code: 'ERR_HTTP_OPERATION_NOT_FOUND' });
  });

  it('415 for another Content-Type', async () => {
    const a = await postEntry(url, aatStatement(agent).bytes, 'application/json');
    expect(a.status).toBe(415);
    expect(a.type).toMatch(/^application\/concise-problem-details\+cbor/);
    expect(a.problem?.title).toBe('Unsupported Media Type');
  });

  it('GET /entries/{id}/statement is the Transparent Statement with receipts under 394', async () => {
    const a = await call(`${url}/entries/${firstEntry}/statement`);
    expect(a.status).toBe(200);
    expect(a.type).toMatch(/^application\/scitt-statement\+cose/);
    const s = decodeSign1(a.body);
    const receipts = s.unprotected.get(394) as Uint8Array[];
    expect(receipts.length).toBeGreaterThanOrEqual(1);
    verifyReceipt(receipts[0]!, { entryHash: fromHex(firstEntry), keys });
  });

  it('GET /checkpoint (CBOR and JSON) and a consistency receipt from size 1 verify', async () => {
    const a = await call(`${url}/checkpoint`);
    expect(a.status).toBe(200);
    expect(a.type).toMatch(/^application\/cbor/);
    const cp = cborDecode(a.body) as Map<string, unknown>;
    const size = cp.get('treeSize') as number;
    expect(size).toBeGreaterThanOrEqual(2);
    expect((cp.get('signedTreeHeads') as unknown[]).length).toBe(2);
    expect(typeof cp.get('anchored')).toBe('boolean');
    const j = await call(`${url}/checkpoint`, { headers: { Accept: 'application/json' } });
    expect(j.type).toMatch(/^application\/json/);
    const c = await call(`${url}/proofs/consistency?from=1&to=${size}`);
    expect(c.status).toBe(200);
    expect(c.type).toMatch(/^application\/cose/);
    const v = verifyConsistencyReceipt(c.body, { oldRoot: firstRoot, keys });
    expect(v.newRoot).toEqual(cp.get('root'));
    for (const q of ['from=0&to=1', 'from=2&to=1', 'from=a&to=2', '']) {
      const bad = await call(`${url}/proofs/consistency?${q}`);
      expect(bad.status).toBe(400);
      expect(bad.problem?.title).toBe('Malformed request');
    }
    const beyond = await call(`${url}/proofs/consistency?from=1&to=${size + 100}`);
    expect(beyond.status).toBe(404);
  });

  it('GET /agents/{agent}/sessions/{session} lists the session entries', async () => {
    const { bytes, record } = aatStatement(agent);
    const a = await postEntry(url, bytes);
    const entry = (a.headers.get('location') ?? '').slice('/entries/'.length);
    const s = await call(`${url}/agents/${encodeURIComponent(agent.agentId)}/sessions/${record.session_id}`);
    expect(s.status).toBe(200);
    expect(s.type).toMatch(/^application\/json/);
    expect(JSON.parse(new TextDecoder().decode(s.body))).toMatchObject({ agentId: agent.agentId, sessionId: record.session_id, entries: [entry] });
    const none = await call(`${url}/agents/${encodeURIComponent(agent.agentId)}/sessions/00000000-0000-4000-8000-000000000000`);
    expect(none.status).toBe(404);
    expect(none.problem?.title).toBe('Not Found');

    const b = await call(`${url}/agents/${encodeURIComponent(agent.agentId)}/sessions/${record.session_id}/bundle`);
    expect(b.status).toBe(200);
    expect(b.type).toMatch(/^application\/cbor/);
    // one record, no session_end yet: the chain verifies, the session is not proven complete
    const report = await verifySessionBundle(b.body, { serviceKeys: keys, issuerKeys: [agent.key.publicKey], requireIssuerSignature: true, allowIncomplete: true });
    expect(report.valid).toBe(true);
    expect(report.completeness?.state).toBe('inconclusive');
    expect(report.entries).toEqual([entry]);
    const noBundle = await call(`${url}/agents/${encodeURIComponent(agent.agentId)}/sessions/00000000-0000-4000-8000-000000000000/bundle`);
    expect(noBundle.status).toBe(404);
    expect(noBundle.problem?.title).toBe('Not Found');
  });

  it('serves the transparency configuration, health and metrics', async () => {
    const tc = await call(`${url}/.well-known/transparency-configuration`);
    expect(tc.status).toBe(200);
    expect(tc.type).toMatch(/^application\/cbor/);
    expect((cborDecode(tc.body) as Map<string, unknown>).get('issuer')).toBe(url);
    const h = await call(`${url}/healthz`);
    expect(h.status).toBe(200);
    expect(JSON.parse(new TextDecoder().decode(h.body))).toMatchObject({ status: 'ok' });
    const m = await call(`${url}/metrics`);
    expect(m.status).toBe(200);
    expect(m.type).toMatch(/^text\/plain/);
    const text = new TextDecoder().decode(m.body);
    for (const name of ['atlog_registrations_total', 'atlog_time_to_receipt_seconds', 'atlog_batch_size', 'atlog_queue_depth', 'atlog_tree_size', 'atlog_unanchored_checkpoints']) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/atlog_registrations_total\{outcome="created"\} [1-9]/);
  });

  it('unknown paths are "Not Found" problems', async () => {
    const a = await call(`${url}/nope`);
    expect(a.status).toBe(404);
    expect(a.type).toMatch(/^application\/concise-problem-details\+cbor/);
    expect(a.problem?.title).toBe('Not Found');
    // admin is off without a token
    const admin = await call(`${url}/admin/issuers`);
    expect(admin.status).toBe(404);
  });

  it('kid lookups take unpadded base64url only', async () => {
    const k = keys[0]!;
    const padded = `${toBase64Url(k.kid)}=`;
    expect((await call(`${url}/.well-known/scitt-keys/${encodeURIComponent(padded)}`)).status).toBe(404);
    expect(fromBase64Url(toBase64Url(k.kid))).toEqual(k.kid);
  });
});

describe('asynchronous registration (wait limit 0)', () => {
  const agent = makeAgent('ESP256');
  let url: string;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ url, stop } = await startTestServer([agent], { waitLimitMs: 0, retryAfterS: 0 }));
  });
  afterAll(async () => stop());

  it('303 to /entries/op-..., then 302 while running, then 200 with the receipt and the entry Location', async () => {
    const a = await postEntry(url, aatStatement(agent).bytes);
    expect(a.status).toBe(303);
    const loc = a.headers.get('location') ?? '';
    expect(loc).toMatch(/^\/entries\/op-[A-Za-z0-9_-]+$/);
    expect(a.headers.get('retry-after')).toBe('0');
    let final;
    for (let i = 0; i < 200; i++) {
      final = await call(`${url}${loc}`);
      if (final.status !== 302) break;
      expect(final.headers.get('location')).toBe(loc);
      expect(final.headers.get('retry-after')).not.toBeNull();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(final?.status).toBe(200);
    expect(final?.type).toMatch(/^application\/cose/);
    expect(final?.headers.get('location')).toMatch(/^\/entries\/[0-9a-f]{64}$/);
  });

  it('the client library follows 303 and 302 to the receipt', async () => {
    const reg = await createClient({ url, registerTimeoutMs: 10_000 }).register(aatStatement(agent).bytes);
    expect(reg.polled).toBe(true);
    expect(reg.entryId).toMatch(/^[0-9a-f]{64}$/);
    const again = await call(`${url}/entries/${reg.entryId}`);
    expect(again.status).toBe(200);
    expect(Buffer.from(again.body).equals(Buffer.from(reg.receipt))).toBe(true);
  });
});

describe('rate limiting and admin', () => {
  const agent = makeAgent('ESP256');
  const newcomer = makeAgent('ESP256');
  let url: string;
  let dir: string;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ url, dir, stop } = await startTestServer([agent], { rateLimit: 1, rateBurst: 12, adminToken: 'test-token' }));
  });
  afterAll(async () => stop());

  it('admin needs the bearer token; adding a key lets a new issuer register; revoking stops it', async () => {
    const noAuth = await call(`${url}/admin/issuers`);
    expect(noAuth.status).toBe(401);
    expect(noAuth.problem?.title).toBe('Unauthorized');
    const auth = { Authorization: 'Bearer test-token' };
    const { exportCoseKey } = await import('../../src/keys/index.js');
    const add = await call(`${url}/admin/issuers/${encodeURIComponent(newcomer.agentId)}/keys`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/cbor' },
      body: exportCoseKey(newcomer.key.publicKey),
    });
    expect(add.status).toBe(200);
    expect(new TextDecoder().decode(add.body)).toContain(newcomer.agentId);
    const ok = await postEntry(url, aatStatement(newcomer).bytes);
    expect(ok.status).toBe(201);
    const rev = await call(`${url}/admin/issuers/${encodeURIComponent(newcomer.agentId)}/revoke`, { method: 'POST', headers: auth });
    expect(rev.status).toBe(200);
    const refused = await postEntry(url, aatStatement(newcomer).bytes);
    expect(refused.status).toBe(400);
    expect(refused.problem?.title).toBe('Rejected');
  });

  it('admin policy: info, reload, and a broken file keeps the old policy (400 Rejected naming the field)', async () => {
    const auth = { Authorization: 'Bearer test-token', Accept: 'application/json' };
    const info = await call(`${url}/admin/policy`, { headers: auth });
    expect(info.status).toBe(200);
    const hash = (JSON.parse(new TextDecoder().decode(info.body)) as { hash: string }).hash;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const ok = await call(`${url}/admin/policy/reload`, { method: 'POST', headers: auth });
    expect(ok.status).toBe(200);
    writeFileSync(join(dir, 'policy.yaml'), 'version: 1\nmax_statement_bytes: "lots"\n');
    const bad = await call(`${url}/admin/policy/reload`, { method: 'POST', headers: auth });
    expect(bad.status).toBe(400);
    expect(bad.type).toMatch(/^application\/problem\+json/);
    expect(bad.problem?.title).toBe('Rejected');
    expect(JSON.parse(new TextDecoder().decode(bad.body))).toMatchObject({ code: 'ERR_POLICY_INVALID', field: 'max_statement_bytes' });
    expect((await postEntry(url, aatStatement(agent).bytes)).status).toBe(201);
  });

  it('429 "Too Many Requests" with Retry-After once the bucket is empty; /healthz is exempt', async () => {
    let limited;
    for (let i = 0; i < 30 && !limited; i++) {
      const a = await call(`${url}/checkpoint`);
      if (a.status === 429) limited = a;
    }
    expect(limited?.status).toBe(429);
    expect(limited?.type).toMatch(/^application\/concise-problem-details\+cbor/);
    expect(limited?.problem?.title).toBe('Too Many Requests');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await call(`${url}/healthz`)).status).toBe(200);
    // The client waits out Retry-After instead of failing.
    const reg = await createClient({ url, registerTimeoutMs: 10_000 }).register(aatStatement(agent).bytes);
    expect(reg.entryId).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('with the embedded TSA (the default)', () => {
  const agent = makeAgent('ESP256');
  let url: string;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ url, stop } = await startTestServer([agent], { tsa: 'embedded' }));
  });
  afterAll(async () => stop());

  it('anchors checkpoints and serves the TSA root', async () => {
    expect((await postEntry(url, aatStatement(agent).bytes)).status).toBe(201);
    let anchored = false;
    for (let i = 0; i < 100 && !anchored; i++) {
      const j = await call(`${url}/checkpoint`, { headers: { Accept: 'application/json' } });
      anchored = (JSON.parse(new TextDecoder().decode(j.body)) as { anchored: boolean }).anchored;
      if (!anchored) await new Promise((r) => setTimeout(r, 50));
    }
    expect(anchored).toBe(true);
    const root = await call(`${url}/tsa/root.pem`);
    expect(root.status).toBe(200);
    expect(new TextDecoder().decode(root.body)).toContain('BEGIN CERTIFICATE');
    const h = await call(`${url}/healthz`);
    expect(JSON.parse(new TextDecoder().decode(h.body))).toMatchObject({ status: 'ok', unanchoredCheckpoints: 0, timestampersDown: [] });
  });
});
