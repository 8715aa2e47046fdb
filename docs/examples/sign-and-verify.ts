// docs/library.md: an agent signs its audit records, a log issues a receipt, an auditor verifies offline.
// Runs as is: `node --import tsx docs/examples/sign-and-verify.ts` in the repository, or compiled in a project
// that installed atlog. The log is played here by a one-entry tree so that the example needs no server.
import { createHash } from 'node:crypto';
import {
  buildRecordStatement,
  canonicalBytes,
  entryHash,
  exportSpkiPem,
  generateKey,
  genesisRecord,
  issueInclusionReceipt,
  leafHash,
  nextRecord,
  registrationEntry,
  signTreeHead,
  toTransparentStatement,
} from 'atlog';
import { parsePublicKeys, verifyTransparentStatement } from 'atlog/verify';

// 1. The agent: a key, and two records of one session, each signed as a SCITT Signed Statement.
const agentKey = generateKey('ES256');
const start = genesisRecord({ agentId: 'https://agents.example/support-bot', agentVersion: '1.4.0', trustLevel: 'L2' });
const parameters = { query: 'refund policy', limit: 5 };
const parametersHash = createHash('sha256').update(canonicalBytes(parameters)).digest('hex'); // the parameters stay private
const call = nextRecord(start, { action_type: 'tool_call', action_detail: { tool_name: 'search', parameters_hash: parametersHash } });
const statement = buildRecordStatement(call, agentKey);

// 2. The log (an atlog service does this on POST /entries): append the entry, sign the tree head, issue the
//    receipt. Here the tree holds this one entry, so its root is the entry's leaf hash and the proof is empty.
const serviceKey = generateKey('ES256');
const root = leafHash(entryHash(registrationEntry(statement)));
const treeHead = signTreeHead({ key: serviceKey, issuer: 'https://log.example', treeSize: 1, root });
const transparent = toTransparentStatement(statement, [issueInclusionReceipt(treeHead, 0, [])]);

// 3. The auditor, offline, with the service's public key as the PEM it publishes and the agent's key.
const report = await verifyTransparentStatement({
  statement: transparent,
  serviceKeys: parsePublicKeys(new TextEncoder().encode(exportSpkiPem(serviceKey))),
  issuerKeys: [agentKey.publicKey],
});
console.log(report.valid ? 'VALID' : `NOT VALID: ${report.failure?.code}`);

// A record changed after signing no longer matches its receipt.
const forged = buildRecordStatement({ ...call, outcome: 'failure' }, agentKey);
const tampered = await verifyTransparentStatement({ statement: forged, receipts: [issueInclusionReceipt(treeHead, 0, [])], serviceKeys: [serviceKey.publicKey] });
console.log(tampered.valid ? 'VALID' : `NOT VALID: ${tampered.failure?.code}`);
