// Run by .ci/pack-check.sh in an empty project that installed the packed tarball: the entries load by name and
// work without any framework installed, and nothing else of the package can be imported.
import assert from 'node:assert/strict';
import * as atlog from 'atlog';
import * as verify from 'atlog/verify';

// `atlog`: a key, a record, its Signed Statement; the statement parses back and its signature verifies.
const key = atlog.generateKey('ML-DSA-44');
const record = atlog.genesisRecord({ agentId: 'https://agents.example/smoke', agentVersion: '0.0.1', trustLevel: 'L0' });
const statement = atlog.buildRecordStatement(record, key);
const parsed = atlog.parseStatement(statement);
assert.equal(parsed.iss, 'https://agents.example/smoke');
assert.equal(parsed.sub, `urn:uuid:${record.session_id}`);

// `atlog/verify`: a one-entry log's receipt verifies with the service key read from its PEM; the same receipt
// does not verify for another statement.
const service = atlog.generateKey('ES256');
const root = atlog.leafHash(atlog.entryHash(atlog.registrationEntry(statement)));
const receipt = atlog.issueInclusionReceipt(atlog.signTreeHead({ key: service, issuer: 'https://log.example', treeSize: 1, root }), 0, []);
const serviceKeys = verify.parsePublicKeys(new TextEncoder().encode(atlog.exportSpkiPem(service)));
const ok = await verify.verifyTransparentStatement({ statement, receipts: [receipt], serviceKeys, issuerKeys: [key.publicKey] });
assert.equal(ok.valid, true, JSON.stringify(ok.failure));
const other = atlog.buildRecordStatement(atlog.genesisRecord({ agentId: 'https://agents.example/other', agentVersion: '0.0.1', trustLevel: 'L0' }), key);
const bad = await verify.verifyTransparentStatement({ statement: other, receipts: [receipt], serviceKeys });
assert.equal(bad.failure?.code, 'ERR_RECEIPT_INCLUSION_INVALID');
assert.ok(new verify.AtlogError('ERR_X', 'x') instanceof atlog.AtlogError, 'one AtlogError class behind both entries');

// The agent SDK from the installed package: a queue-only session (no service here) leaves its records in the
// queue directory for `atlog sync`; the client is there too.
const { mkdtempSync, readdirSync, rmSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const queueDir = mkdtempSync(join(tmpdir(), 'atlog-smoke-queue-'));
const session = await atlog.openSession({ agentId: 'https://agents.example/smoke', key, queueDir });
assert.equal(session.wrap('add', (a, b) => a + b)(2, 3), 5);
const summary = await session.close();
assert.equal(summary.queued, 5);
assert.deepEqual(readdirSync(queueDir), [`${session.sessionId}.atq`]);
rmSync(queueDir, { recursive: true });
assert.equal(typeof atlog.createClient({ url: 'http://127.0.0.1:1' }).register, 'function');

// The integrations' entries: none of their frameworks is installed here (they are optional peers), and the
// root entry above loaded without them. atlog/ai and atlog/otel need their framework's types only, so they
// load; atlog/openai-agents needs @openai/agents at run time and says so.
const ai = await import('atlog/ai');
assert.equal(typeof ai.auditTools, 'function');
const otel = await import('atlog/otel');
assert.equal(typeof otel.AatSpanExporter, 'function');
await assert.rejects(import('atlog/openai-agents'), (e) => e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('@openai/agents'));

// Nothing else of the package is importable.
await assert.rejects(import('atlog/dist/service/index.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
assert.equal(verify.generateKey, undefined);
console.log(`pack-smoke: ok (atlog ${Object.keys(atlog).length} exports, atlog/verify ${Object.keys(verify).length})`);
