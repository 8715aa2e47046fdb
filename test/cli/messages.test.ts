import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes, genesisRecord } from '../../src/aat/index.js';
import { createClient, type TransparencyClient } from '../../src/client/index.js';
import { exportCoseKey, exportSpkiPem, generateKey } from '../../src/keys/index.js';
import { buildStatement } from '../../src/statements/index.js';
import { toBase64Url } from '../../src/util/bytes.js';
import { atlog } from '../helpers/cli.js';
import { rejection } from '../helpers/errors.js';
import { tempDir } from '../helpers/temp.js';
import { aatStatement, makeAgent, startTestServer } from '../http/helpers.js';

/**
 * The messages a newcomer meets first (issue 9 item 4): each names what is wrong and what to do about it.
 * Refusals are checked by their reason code; the words a user reads are checked where they are the point.
 */

async function problemOf(p: Promise<unknown>): Promise<{ code?: string; detail: string; extensions: Record<string, string> }> {
  return (await rejection(p)).details!.problem as { code?: string; detail: string; extensions: Record<string, string> };
}

describe('messages', () => {
  const agent = makeAgent('ESP256');
  const other = makeAgent('ESP256');
  const dir = tempDir('atlog-messages-');
  let url: string;
  let stop: () => Promise<void>;
  let client: TransparencyClient;
  const f = (name: string): string => join(dir, name);

  beforeAll(async () => {
    ({ url, stop } = await startTestServer([agent], { adminToken: 'messages-token' }));
    client = createClient({ url });
  });
  afterAll(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serve --help names ATLOG_ADMIN_TOKEN, the one setting without a flag', async () => {
    const r = await atlog(['serve', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Environment only:\n\s+ATLOG_ADMIN_TOKEN\s/);
  });

  it('a port in use: one line on stderr naming --port and ATLOG_PORT, exit 1', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await atlog(['serve', '--port', String(port), '--tsa', 'none', '--data', f('busy-data')]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^atlog serve: port ${port} is already in use .*--port or ATLOG_PORT\\n$`));
    } finally {
      busy.close();
    }
  });

  it.each<[string, string | Uint8Array, RegExp]>([
    ['record.json', canonicalBytes(genesisRecord({ agentId: 'urn:agent:x', agentVersion: '1.0.0', trustLevel: 'L1' })), /is not a Signed Statement \(COSE_Sign1\): it is an AAT record in JSON: sign it first with atlog sign --content-type application\/aat\+json/],
    ['note.json', '{"note":"hello"}', /it is JSON text: sign it first with atlog sign/],
    ['agent.pem', exportSpkiPem(generateKey('ESP256').publicKey), /it is a PEM file \(PUBLIC KEY\)/],
    ['empty.cose', '', /the file is empty/],
    ['agent.cose.pub', exportCoseKey(generateKey('ESP256').publicKey), /it is a COSE_Key/],
  ])('register %s: says what the file is, sends nothing, exit 2', async (name, content, want) => {
    writeFileSync(f(name), content);
    // port 9 (discard) on loopback: nothing listens, and nothing is sent anyway
    const r = await atlog(['register', '--url', 'http://127.0.0.1:9', '--in', f(name)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(want);
    expect(r.stderr).not.toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('the service says the same when a client posts such a body', async () => {
    const p = await problemOf(client.register(new TextEncoder().encode('{"note":"hello"}')));
    expect(p.code).toBe('ERR_REG_MALFORMED');
    expect(p.detail).toMatch(/JSON text: sign it first with atlog sign/);
  });

  it('an unknown issuer, and an unknown key of a known issuer, name atlog issuers add', async () => {
    const stranger = await problemOf(client.register(aatStatement(other).bytes));
    expect(stranger.extensions.reason).toBe('unknown_issuer');
    expect(stranger.detail).toContain(`atlog issuers add --iss ${other.agentId}`);
    const newKey = { key: generateKey('ESP256'), agentId: agent.agentId };
    const unknownKey = await problemOf(client.register(aatStatement(newKey).bytes));
    expect(unknownKey.extensions.reason).toBe('unknown_key');
    expect(unknownKey.detail).toContain(toBase64Url(newKey.key.kid)); // the kid as keygen prints it
    expect(unknownKey.detail).toContain(`atlog issuers add --iss ${agent.agentId}`);
    // and the CLI passes it on
    writeFileSync(f('stranger.cose'), aatStatement(other).bytes);
    const r = await atlog(['register', '--url', url, '--in', f('stranger.cose')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^atlog register: Rejected: .*atlog issuers add/);
  });

  it('keygen, issuers list and refusals show one kid: base64url of the RFC 9679 thumbprint', async () => {
    const kg = await atlog(['keygen', '--alg', 'ESP256', '--out', f('late.cose')]);
    expect(kg.code).toBe(0);
    const kid = kg.stdout.trim();
    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const env = { ATLOG_ADMIN_TOKEN: 'messages-token' };
    expect((await atlog(['issuers', 'add', '--url', url, '--iss', 'urn:agent:late', '--key', f('late.cose.pub')], env)).code).toBe(0);
    const list = JSON.parse((await atlog(['issuers', 'list', '--url', url], env)).stdout) as { issuers: Array<{ iss: string; keys: Array<{ kid: string }> }> };
    expect(list.issuers.find((i) => i.iss === 'urn:agent:late')!.keys[0]!.kid).toBe(kid);
    expect((await atlog(['issuers', 'revoke', '--url', url, '--iss', 'urn:agent:late', '--kid', kid], env)).code).toBe(0);
  });

  it('an iss that is not the record\'s agent_id is reported as exactly that, known issuer or not', async () => {
    const record = genesisRecord({ agentId: other.agentId, agentVersion: '1.0.0', trustLevel: 'L1' });
    const sign = (iss: string): Uint8Array =>
      buildStatement({ key: agent.key, iss, sub: `urn:uuid:${record.session_id}`, payload: canonicalBytes(record), contentType: 'application/aat+json' });
    for (const iss of [agent.agentId, 'urn:agent:typo']) {
      const p = await problemOf(client.register(sign(iss)));
      expect(p.extensions.reason).toBe('iss_mismatch');
      expect(p.detail).toBe(`CWT iss ${iss} is not the record's agent_id ${other.agentId}`);
    }
    // atlog sign catches it before signing
    writeFileSync(f('other.json'), canonicalBytes(record));
    writeFileSync(f('agent.key'), exportCoseKey(agent.key));
    const base = ['sign', '--key', f('agent.key'), '--in', f('other.json'), '--out', f('x.cose')];
    let r = await atlog([...base, '--iss', agent.agentId, '--sub', `urn:uuid:${record.session_id}`, '--content-type', 'application/aat+json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--iss ${agent.agentId} is not the record's agent_id ${other.agentId}`);
    r = await atlog([...base, '--iss', other.agentId, '--sub', 'urn:uuid:00000000-0000-4000-8000-000000000000', '--content-type', 'application/aat+json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is not urn:uuid:" + record.session_id);
  });

  it('an AAT record under another content type is refused, naming application/aat+json', async () => {
    const record = genesisRecord({ agentId: agent.agentId, agentVersion: '1.0.0', trustLevel: 'L1' });
    for (const contentType of ['application/json', 'text/plain']) {
      const st = buildStatement({ key: agent.key, iss: agent.agentId, sub: `urn:uuid:${record.session_id}`, payload: canonicalBytes(record), contentType });
      const p = await problemOf(client.register(st));
      expect(p.code).toBe('ERR_REG_REJECTED');
      expect(p.extensions.reason).toBe('aat_wrong_content_type');
      expect(p.detail).toContain('application/aat+json');
    }
    // other JSON under application/json is still fine
    const plain = buildStatement({ key: agent.key, iss: agent.agentId, sub: 'urn:note', payload: new TextEncoder().encode('{"agent_id":"not a record"}'), contentType: 'application/json' });
    expect((await client.register(plain)).entryId).toMatch(/^[0-9a-f]{64}$/);
    // atlog sign refuses to make such a statement
    writeFileSync(f('mine.json'), canonicalBytes(record));
    writeFileSync(f('agent.key'), exportCoseKey(agent.key));
    const r = await atlog(['sign', '--key', f('agent.key'), '--in', f('mine.json'), '--out', f('y.cose'), '--iss', agent.agentId, '--sub', `urn:uuid:${record.session_id}`, '--content-type', 'application/json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--content-type application/aat+json');
  });

  it('a service that is not running: one line naming the URL', async () => {
    writeFileSync(f('ok.cose'), aatStatement(agent).bytes);
    const r = await atlog(['register', '--url', 'http://127.0.0.1:9', '--in', f('ok.cose'), '--timeout', '5']);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/is a service running at http:\/\/127\.0\.0\.1:9\?/);
  });
});
