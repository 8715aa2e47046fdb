import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKeyFile, type PublicKey } from '../../src/keys/index.js';
import {
  parseAatRecords,
  recordKey,
  verifyAatChain,
  verifyDelegation,
  verifySessionBundle,
  verifyTransparentStatement,
  verifyTreeHeadConsistency,
  type RecordCheckOptions,
  type VerificationReport,
} from '../../src/verify/index.js';
import { createPublicKey } from 'node:crypto';
import type { EcJwk } from '../../src/aat/index.js';
import type { Case } from '../../test-vectors/lib/build.js';

/** A record key file of the vectors (JWK, or PEM through node:crypto's JWK export). */
function recordKeyFile(text: string): EcJwk & { kid?: string } {
  return text.trimStart().startsWith('{') ? (JSON.parse(text) as EcJwk & { kid?: string }) : (createPublicKey(text).export({ format: 'jwk' }) as EcJwk);
}

/** The case's record-level options (what --record-key, --at, --allow-incomplete... set on the CLI). */
function recordOptions(dir: string, c: Case): RecordCheckOptions {
  const o = c.options ?? {};
  const keys = (c.files.recordKey ?? []).map((p) => recordKey(recordKeyFile(readFileSync(join(dir, p), 'utf8'))));
  return {
    ...(o.at ? { at: new Date(o.at) } : {}),
    ...(o.draft !== undefined ? { draft: o.draft } : {}),
    ...(o.allowIncomplete ? { allowIncomplete: true } : {}),
    ...(o.requireRecordSignatures ? { requireRecordSignatures: true } : {}),
    ...(keys.length ? { recordKeys: keys } : {}),
  };
}

/** Runs one test-vectors/manifest.json case through the verifier in-process (the CLI maps the same files to flags). */
export async function runCase(dir: string, c: Case): Promise<VerificationReport> {
  const read = (p: string): Uint8Array => new Uint8Array(readFileSync(join(dir, p)));
  const keys = (p: string): PublicKey[] => parseKeyFile(read(p)).map((k) => ('publicKey' in k ? k.publicKey : k));
  const f = c.files;
  if (c.kind === 'aat') return verifyAatChain(parseAatRecords(readFileSync(join(dir, f.aat!), 'utf8')), recordOptions(dir, c));
  const serviceKeys = keys(f.serviceKey!);
  const issuerKeys = f.issuerKey ? keys(f.issuerKey) : undefined;
  const common = { serviceKeys, ...(issuerKeys ? { issuerKeys } : {}) };
  if (c.kind === 'statement') {
    return verifyTransparentStatement({ statement: read(f.statement!), ...(f.receipt ? { receipts: f.receipt.map(read) } : {}), ...common });
  }
  if (c.kind === 'bundle') {
    const bundles = f.bundle!.map(read);
    const opts = { ...common, ...recordOptions(dir, c) };
    return bundles.length === 1 ? verifySessionBundle(bundles[0]!, opts) : verifyDelegation(bundles, opts);
  }
  return verifyTreeHeadConsistency({ oldCheckpoint: read(f.oldCheckpoint!), receipt: read(f.consistency!), serviceKeys, ...(f.newCheckpoint ? { newCheckpoint: read(f.newCheckpoint) } : {}) });
}

/** The `atlog verify` arguments for a case. */
export function cliArgs(dir: string, c: Case): string[] {
  const p = (x: string): string => join(dir, x);
  const f = c.files;
  const a: string[] = f.serviceKey ? ['--service-key', p(f.serviceKey)] : [];
  if (f.aat) a.push('--aat', p(f.aat));
  for (const k of f.recordKey ?? []) a.push('--record-key', p(k));
  const o = c.options ?? {};
  if (o.at) a.push('--at', o.at);
  if (o.draft !== undefined) a.push('--draft', String(o.draft));
  if (o.allowIncomplete) a.push('--allow-incomplete');
  if (o.requireRecordSignatures) a.push('--require-record-signatures');
  if (f.issuerKey) a.push('--issuer-key', p(f.issuerKey));
  if (f.statement) a.push('--statement', p(f.statement));
  for (const r of f.receipt ?? []) a.push('--receipt', p(r));
  for (const b of f.bundle ?? []) a.push('--bundle', p(b));
  if (f.consistency) a.push('--consistency', p(f.consistency), '--old-checkpoint', p(f.oldCheckpoint!));
  if (f.newCheckpoint) a.push('--new-checkpoint', p(f.newCheckpoint));
  return a;
}
