import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AtlogError } from '../errors.js';
import { fromBase64, toBase64 } from '../util/bytes.js';
import { parseCertificate } from '../x509/certificate.js';
import { certificateToPem } from '../x509/pem.js';
import { createTsaCredentials, type TsaCredentials } from './credentials.js';

/**
 * Node-only persistence of the embedded TSA's keys and certificates under `<dataDir>/tsa/`:
 * `root.pem` (the root CA certificate, for auditors), `root.key.pem`, `tsa.pem`, `tsa.key.pem`.
 * Private keys are written with mode 0600. A TSA certificate within 30 days of expiry is renewed from the root.
 */

const RENEW_BEFORE_MS = 30 * 24 * 3600_000;

function keyToPem(pkcs8: Uint8Array): string {
  const b64 = toBase64(pkcs8).replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

function pemBody(pem: string, label: string, file: string): Uint8Array {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  if (!m) throw new AtlogError('ERR_TSA_STORE', `${file} holds no ${label}`);
  return fromBase64(m[1]!.replace(/\s+/g, ''), file);
}

/** Write atomically (temp file + rename) with the given mode. */
async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode });
  await chmod(tmp, mode); // the umask may have narrowed or the file may have existed
  await rename(tmp, path);
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Paths of the embedded TSA's files. */
export function tsaPaths(dataDir: string): { dir: string; rootPem: string; rootKey: string; tsaPem: string; tsaKey: string } {
  const dir = join(dataDir, 'tsa');
  return { dir, rootPem: join(dir, 'root.pem'), rootKey: join(dir, 'root.key.pem'), tsaPem: join(dir, 'tsa.pem'), tsaKey: join(dir, 'tsa.key.pem') };
}

async function save(dataDir: string, c: TsaCredentials): Promise<void> {
  const p = tsaPaths(dataDir);
  await mkdir(p.dir, { recursive: true, mode: 0o700 });
  if (c.rootKeyPkcs8) await writeAtomic(p.rootKey, keyToPem(c.rootKeyPkcs8), 0o600);
  await writeAtomic(p.tsaKey, keyToPem(c.tsaKeyPkcs8), 0o600);
  await writeAtomic(p.tsaPem, certificateToPem(c.tsaDer), 0o644);
  await writeAtomic(p.rootPem, certificateToPem(c.rootDer), 0o644);
}

/**
 * Load the embedded TSA credentials from `<dataDir>/tsa/`, creating them on first start.
 * @param now the clock, for renewal decisions.
 * @throws AtlogError `ERR_TSA_STORE` when some but not all files exist, or a file does not hold what it should.
 */
export async function loadOrCreateCredentials(dataDir: string, now: Date = new Date()): Promise<{ credentials: TsaCredentials; created: boolean; renewed: boolean }> {
  const p = tsaPaths(dataDir);
  const [rootPem, rootKey, tsaPem, tsaKey] = await Promise.all([p.rootPem, p.rootKey, p.tsaPem, p.tsaKey].map(readIfExists));
  if (rootPem === undefined && tsaPem === undefined && tsaKey === undefined) {
    const credentials = await createTsaCredentials();
    await save(dataDir, credentials);
    return { credentials, created: true, renewed: false };
  }
  if (rootPem === undefined || tsaPem === undefined || tsaKey === undefined) {
    throw new AtlogError('ERR_TSA_STORE', `incomplete embedded TSA files in ${p.dir}: need root.pem, tsa.pem and tsa.key.pem`);
  }
  let credentials: TsaCredentials = {
    rootDer: pemBody(rootPem, 'CERTIFICATE', p.rootPem),
    ...(rootKey !== undefined ? { rootKeyPkcs8: pemBody(rootKey, 'PRIVATE KEY', p.rootKey) } : {}),
    tsaDer: pemBody(tsaPem, 'CERTIFICATE', p.tsaPem),
    tsaKeyPkcs8: pemBody(tsaKey, 'PRIVATE KEY', p.tsaKey),
  };
  const tsaCert = parseCertificate(credentials.tsaDer);
  if (tsaCert.notAfter.getTime() - now.getTime() < RENEW_BEFORE_MS && credentials.rootKeyPkcs8) {
    credentials = await createTsaCredentials({ root: { der: credentials.rootDer, keyPkcs8: credentials.rootKeyPkcs8 } });
    await save(dataDir, credentials);
    return { credentials, created: false, renewed: true };
  }
  return { credentials, created: false, renewed: false };
}
