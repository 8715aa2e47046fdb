import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextRecord, type AatRecord } from '../../src/aat/index.js';
import { createClient } from '../../src/client/index.js';
import { exportCoseKey } from '../../src/keys/index.js';
import { atlog } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { aatStatement, makeAgent, startTestServer } from '../http/helpers.js';

/** `atlog fetch …` saves what `atlog verify` then checks offline, against a real service with its embedded TSA. */

describe('atlog fetch', { timeout: 120_000 }, () => {
  const agent = makeAgent('ESP256');
  const dir = tempDir('atlog-fetch-');
  const f = (n: string): string => join(dir, n);
  let url: string;
  let stop: () => Promise<void>;
  let entry: string;
  let first: AatRecord;

  beforeAll(async () => {
    ({ url, stop } = await startTestServer([agent], { tsa: 'embedded' }));
    const st = aatStatement(agent);
    first = st.record;
    entry = (await createClient({ url }).register(st.bytes)).entryId!;
    writeFileSync(f('agent.pub'), exportCoseKey(agent.key.publicKey));
  });
  afterAll(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const ok = async (args: string[]): Promise<string> => {
    const r = await atlog(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r.stdout;
  };

  it('keys, tsa-root, statement and receipt: enough to verify an entry offline, with its timestamps', async () => {
    const [keys] = await Promise.all([
      ok(['fetch', 'keys', '--url', url, '--out', f('keys.cbor')]),
      ok(['fetch', 'tsa-root', '--url', url, '--out', f('tsa.pem')]),
      ok(['fetch', 'statement', '--url', url, '--entry', entry, '--out', f('ts.cose')]),
      ok(['fetch', 'receipt', '--url', url, '--entry', entry, '--alg', 'ML-DSA-65', '--out', f('ml.cose')]),
      ok(['fetch', 'receipt', '--url', url, '--entry', entry, '--out', f('p256.cose')]),
    ]);
    expect(keys).toMatch(/^2 keys written to .*keys\.cbor: [A-Za-z0-9_-]{43}, [A-Za-z0-9_-]{43}\n$/);
    // anchoring follows the registration; fetch again until the statement's receipts carry tokens
    let v = await atlog(['verify', '--statement', f('ts.cose'), '--keys', f('keys.cbor'), '--issuer-key', f('agent.pub'), '--tsa-root', f('tsa.pem')]);
    for (let i = 0; v.code !== 0 && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 200));
      await ok(['fetch', 'statement', '--url', url, '--entry', entry, '--out', f('ts.cose')]);
      v = await atlog(['verify', '--statement', f('ts.cose'), '--keys', f('keys.cbor'), '--issuer-key', f('agent.pub'), '--tsa-root', f('tsa.pem')]);
    }
    expect(v.stdout).toMatch(/receipt\[0\]\.timestamp\[0\]: genTime/);
    expect(v.code).toBe(0);
    const r = await atlog(['verify', '--statement', f('ts.cose'), '--receipt', f('ml.cose'), '--keys', f('keys.cbor'), '--require-alg', 'ML-DSA-65']);
    expect(r.code).toBe(0);
    const kid = /: ([A-Za-z0-9_-]{43}),/.exec(keys)![1]!;
    await ok(['fetch', 'keys', '--url', url, '--kid', kid, '--out', f('one.cbor')]);
    // the first key is the P-256 one, which signs the default receipt
    expect((await atlog(['verify', '--statement', f('ts.cose'), '--receipt', f('p256.cose'), '--keys', f('one.cbor')])).code).toBe(0);
  });

  it('checkpoint, then consistency from the kept checkpoint file to the latest, and bundle', async () => {
    expect(await ok(['fetch', 'checkpoint', '--url', url, '--out', f('old.cbor')])).toMatch(/^checkpoint of size \d+/);
    await createClient({ url }).register(aatStatement(agent, nextRecord(first, { action_type: 'tool_call', action_detail: { tool_name: 't', parameters_hash: 'b'.repeat(64) } })).bytes);
    await ok(['fetch', 'checkpoint', '--url', url, '--out', f('new.cbor')]);
    expect(await ok(['fetch', 'consistency', '--url', url, '--from', f('old.cbor'), '--to', f('new.cbor'), '--out', f('c.cose')])).toMatch(/^consistency receipt 1 -> 2 /);
    const v = await atlog(['verify', '--consistency', f('c.cose'), '--old-checkpoint', f('old.cbor'), '--new-checkpoint', f('new.cbor'), '--keys', f('keys.cbor')]);
    expect(v.stdout).toMatch(/VALID\n$/);
    expect(v.code).toBe(0);
    await ok(['fetch', 'consistency', '--url', url, '--from', '1', '--out', f('c2.cose')]); // --to defaults to the latest
    expect(readFileSync(f('c2.cose'))).toEqual(readFileSync(f('c.cose')));
    await ok(['fetch', 'bundle', '--url', url, '--agent', agent.agentId, '--session', first.session_id, '--out', f('s.bundle')]);
    // the session has no session_end: not proven complete, so valid only with --allow-incomplete
    expect((await atlog(['verify', '--bundle', f('s.bundle'), '--keys', f('keys.cbor'), '--issuer-key', f('agent.pub')])).code).toBe(1);
    const b = await atlog(['verify', '--bundle', f('s.bundle'), '--keys', f('keys.cbor'), '--issuer-key', f('agent.pub'), '--allow-incomplete']);
    expect(b.stdout).toMatch(/^VALID \(session inconclusive: not proven complete\)$/m);
    expect(b.code).toBe(0);
  });

  it('failures: not found exits 1 with the problem; bad input exits 2; nothing is written', async () => {
    const nf = await atlog(['fetch', 'statement', '--url', url, '--entry', 'f'.repeat(64), '--out', f('none.cose')]);
    expect(nf.code).toBe(1);
    expect(nf.stderr).toMatch(/^atlog fetch statement: Not Found: /);
    const bad = await atlog(['fetch', 'consistency', '--url', url, '--from', f('no-such-file'), '--out', f('none.cose')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from takes a tree size or a checkpoint file/);
    expect((await atlog(['fetch', 'keys', '--url', 'ftp://x', '--out', f('none.cose')])).code).toBe(2);
    expect(() => readFileSync(f('none.cose'))).toThrow();
  });
});
