// docs/agents.md: two agents record their work in an atlog service, one delegating to the other, and everything
// they did can then be verified offline. Runs with one command against a local service:
//
//   ATLOG_ADMIN_TOKEN=dev-token npm start                                   # terminal 1: the service
//   ATLOG_ADMIN_TOKEN=dev-token node --import tsx docs/examples/agent/main.ts   # terminal 2: this example
//
// ATLOG_URL (default http://127.0.0.1:8080) names another service; ATLOG_EXAMPLE_DIR where the keys, service
// keys and session bundles go (default: a new temporary directory).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, exportCoseKey, generateKey, isAtlogError, loadKey, openSession } from 'atlog';

const url = process.env['ATLOG_URL'] ?? 'http://127.0.0.1:8080';
const adminToken = process.env['ATLOG_ADMIN_TOKEN'];
if (!adminToken) {
  console.error('Set ATLOG_ADMIN_TOKEN, here and for the service (ATLOG_ADMIN_TOKEN=dev-token npm start): the example registers its agents as issuers.');
  process.exit(2);
}
const dir = process.env['ATLOG_EXAMPLE_DIR'] ?? mkdtempSync(join(tmpdir(), 'atlog-agent-example-'));
mkdirSync(dir, { recursive: true });
const log = createClient({ url, adminToken });

// 1. Two agents, each with a key the service trusts (what `atlog keygen` and `atlog issuers add` do).
const PLANNER = 'urn:agent:example:planner';
const RESEARCHER = 'urn:agent:example:researcher';
for (const [name, id, alg] of [['planner', PLANNER, 'ESP256'], ['researcher', RESEARCHER, 'ML-DSA-65']] as const) {
  const key = generateKey(alg);
  writeFileSync(join(dir, `${name}.cose`), exportCoseKey(key), { mode: 0o600 });
  writeFileSync(join(dir, `${name}.cose.pub`), exportCoseKey(key.publicKey));
  await log.issuers.add(id, exportCoseKey(key.publicKey));
  console.log(`registered ${id} as an issuer (${alg})`);
}
// The service's public keys, pinned: the strong tier checks receipts with them, and auditors verify with them.
const serviceKeys = join(dir, 'service-keys.cbor');
writeFileSync(serviceKeys, (await log.keys()).bytes);

// 2. The planner's session, in the strong tier: each tool runs only once its tool_call record is in the log and
//    the receipt verifies against the pinned service keys. Its local policy is a policy file.
const policy = fileURLToPath(new URL('policy.yaml', import.meta.url));
const planner = await openSession({
  url,
  agentId: PLANNER,
  key: loadKey(join(dir, 'planner.cose')),
  agentVersion: '1.0.0',
  trustLevel: 'L2',
  tier: 'strong',
  serviceKeys,
  policy,
});
console.log(`planner session ${planner.sessionId} (tier ${planner.tier})`);

const search = planner.wrap('search', async (query: string) => ({ hits: [`${query}: result 1`, `${query}: result 2`] }));
const deleteFile = planner.wrap('delete_file', async (path: string) => `deleted ${path}`);
const fetchPage = planner.wrap('fetch_page', async (address: string): Promise<string> => {
  throw new Error(`${address} answered 503`);
});

const found = await search('transparency logs'); // allowed: decision, tool_call, tool_response
console.log(`search: ${found.hits.length} hits`);
try {
  await deleteFile('/etc/passwd'); // the local policy refuses: a denied decision is recorded, the tool never runs
} catch (e) {
  if (!isAtlogError(e, 'ERR_POLICY_DENIED')) throw e;
  console.log(`delete_file: denied by rule ${String(e.details?.['rule'])}`);
}
try {
  await fetchPage('https://example.com/'); // runs and fails: an error record, and the caller gets the error unchanged
} catch (e) {
  console.log(`fetch_page: failed (${(e as Error).message})`);
}

// 3. Delegation: the planner hands a task to the researcher, at a trust level no higher than its own.
const token = await planner.delegate(RESEARCHER, { trustLevel: 'L1', task: { goal: 'summarise the search results' } });
console.log(`delegated to ${RESEARCHER} (record ${token.record_id})`);

// The researcher (in a real system, another process that received the token) opens its own session from it:
// its genesis record links back to the delegation. Asking for more trust than it was given is refused locally.
const researcherKey = loadKey(join(dir, 'researcher.cose'));
try {
  await openSession({ url, agentId: RESEARCHER, key: researcherKey, delegatedBy: token, trustLevel: 'L2' });
} catch (e) {
  if (!isAtlogError(e, 'ERR_SDK_TRUST_ESCALATION')) throw e;
  console.log('researcher asking for L2: refused (it was delegated L1)');
}
const researcher = await openSession({ url, agentId: RESEARCHER, key: researcherKey, agentVersion: '0.3.0', delegatedBy: token, policy });
// The detectable tier (the default): records go to the log in the background, and a sync tool stays sync.
const summarise = researcher.wrap('summarise', (texts: string[]) => texts.join(' / ').slice(0, 60));
console.log(`researcher session ${researcher.sessionId} (tier ${researcher.tier}, trust ${researcher.trustLevel}): ${summarise(found.hits)}`);
const sendEmail = researcher.wrap('send_email', (to: string) => `sent to ${to}`);
try {
  sendEmail('board@example.com'); // the same policy file: at L1, no e-mail
} catch (e) {
  if (!isAtlogError(e, 'ERR_POLICY_DENIED')) throw e;
  console.log(`send_email: denied by rule ${String(e.details?.['rule'])}`);
}

// 4. Both sessions close: session_end carries record_count and session_hash, so a verifier can tell a complete
//    session from a truncated one.
const r = await researcher.close();
const p = await planner.close();
console.log(`closed: planner ${p.records} records, researcher ${r.records} records, all registered: ${p.queued + r.queued === 0}`);

// 5. Everything an auditor needs, saved (this is what `atlog fetch bundle` does), then verified without the network.
for (const [name, s] of [['planner', planner], ['researcher', researcher]] as const) {
  writeFileSync(join(dir, `${name}.bundle`), await log.sessionBundle(s.agentId, s.sessionId));
}
const f = (name: string): string => join(dir, name);
console.log(`
Verify offline (atlog is \`npm run -s atlog --\` in the repository, \`npx atlog\` where atlog is installed):
atlog verify --bundle ${f('planner.bundle')} --keys ${serviceKeys} --issuer-key ${f('planner.cose.pub')}
atlog verify --bundle ${f('researcher.bundle')} --keys ${serviceKeys} --issuer-key ${f('researcher.cose.pub')}
atlog verify --bundle ${f('planner.bundle')} --bundle ${f('researcher.bundle')} --keys ${serviceKeys} --issuer-key ${f('planner.cose.pub')} --issuer-key ${f('researcher.cose.pub')}`);
