import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKeyFile, type PublicKey } from '../../src/keys/index.js';
import { verifyDelegation, verifySessionBundle, verifyTransparentStatement, verifyTreeHeadConsistency, type VerificationReport } from '../../src/verify/index.js';
import type { Case } from '../../test-vectors/lib/build.js';

/** Runs one test-vectors/manifest.json case through the verifier in-process (the CLI maps the same files to flags). */
export async function runCase(dir: string, c: Case): Promise<VerificationReport> {
  const read = (p: string): Uint8Array => new Uint8Array(readFileSync(join(dir, p)));
  const keys = (p: string): PublicKey[] => parseKeyFile(read(p)).map((k) => ('publicKey' in k ? k.publicKey : k));
  const f = c.files;
  const serviceKeys = keys(f.serviceKey);
  const issuerKeys = f.issuerKey ? keys(f.issuerKey) : undefined;
  const common = { serviceKeys, ...(issuerKeys ? { issuerKeys } : {}) };
  if (c.kind === 'statement') {
    return verifyTransparentStatement({ statement: read(f.statement!), ...(f.receipt ? { receipts: f.receipt.map(read) } : {}), ...common });
  }
  if (c.kind === 'bundle') {
    const bundles = f.bundle!.map(read);
    return bundles.length === 1 ? verifySessionBundle(bundles[0]!, common) : verifyDelegation(bundles, common);
  }
  return verifyTreeHeadConsistency({ oldCheckpoint: read(f.oldCheckpoint!), receipt: read(f.consistency!), serviceKeys, ...(f.newCheckpoint ? { newCheckpoint: read(f.newCheckpoint) } : {}) });
}

/** The `atlog verify` arguments for a case. */
export function cliArgs(dir: string, c: Case): string[] {
  const p = (x: string): string => join(dir, x);
  const f = c.files;
  const a: string[] = ['--service-key', p(f.serviceKey)];
  if (f.issuerKey) a.push('--issuer-key', p(f.issuerKey));
  if (f.statement) a.push('--statement', p(f.statement));
  for (const r of f.receipt ?? []) a.push('--receipt', p(r));
  for (const b of f.bundle ?? []) a.push('--bundle', p(b));
  if (f.consistency) a.push('--consistency', p(f.consistency), '--old-checkpoint', p(f.oldCheckpoint!));
  if (f.newCheckpoint) a.push('--new-checkpoint', p(f.newCheckpoint));
  return a;
}
