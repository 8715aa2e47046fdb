import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AtlogError } from '../errors.js';
import { exportCoseKey, exportCoseKeySet, generateKey, importCoseKey, isPrivateKey, type PrivateKey, type PublicKey } from '../keys/index.js';
import { equalBytes, toBase64Url } from '../util/bytes.js';
import type { ServiceLogger } from './options.js';

/**
 * The service's own signing keys (STANDARDS.md Decision (algorithms)): a P-256 key and an ML-DSA-65 key, each
 * signing every tree head. They live under `<dataDir>/keys/` as COSE_Key files: the private file with mode
 * 0600 (refused when group- or world-accessible), the public one beside it for operators and auditors.
 */

/** One service key slot. */
interface Slot {
  name: string;
  alg: 'ES256' | 'ESP256' | 'ML-DSA-65';
}

/** The loaded service keys. */
export interface ServiceKeys {
  /** P-256, signs the first (classical) tree head. */
  readonly p256: PrivateKey;
  /** ML-DSA-65, signs the second (post-quantum) tree head. */
  readonly mldsa: PrivateKey;
  /** The keys that sign tree heads, in receipt order (P-256 first). */
  readonly signing: readonly PrivateKey[];
}

export const PRIVATE_MODE = 0o600;

/** True when `p` exists. @throws the stat error for anything but ENOENT. */
export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/**
 * Refuses private key files that others may read: a leaked service key lets anyone forge receipts.
 * @throws AtlogError ERR_SERVICE_KEY_PERMISSIONS naming the file and its mode.
 */
export async function checkMode(file: string): Promise<void> {
  if (process.platform === 'win32') return; // POSIX modes do not describe Windows ACLs
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new AtlogError(
      'ERR_SERVICE_KEY_PERMISSIONS',
      `private key file ${file} has mode ${mode.toString(8).padStart(4, '0')}; it must not be readable by group or others (chmod 600 ${file})`,
      { details: { file, mode } },
    );
  }
}

async function loadOrCreate(dir: string, slot: Slot, logger: ServiceLogger): Promise<PrivateKey> {
  const privFile = join(dir, `${slot.name}.cose`);
  const pubFile = join(dir, `${slot.name}.pub.cose`);
  if (await exists(privFile)) {
    await checkMode(privFile);
    let key: PublicKey | PrivateKey;
    try {
      key = importCoseKey(new Uint8Array(await readFile(privFile)));
    } catch (e) {
      throw new AtlogError('ERR_SERVICE_KEY_INVALID', `cannot read service key ${privFile}`, { cause: e, details: { file: privFile } });
    }
    if (!isPrivateKey(key)) throw new AtlogError('ERR_SERVICE_KEY_INVALID', `${privFile} holds no private key`, { details: { file: privFile } });
    const want = slot.alg === 'ML-DSA-65' ? 'ML-DSA-65' : 'P-256';
    if (key.family !== want) {
      throw new AtlogError('ERR_SERVICE_KEY_INVALID', `${privFile} holds a ${key.family} key, expected ${want}`, { details: { file: privFile } });
    }
    // Recreate a missing or stale public file; never trust it as the source of the private one.
    const pub = exportCoseKey(key.publicKey);
    if (!(await exists(pubFile)) || !equalBytes(new Uint8Array(await readFile(pubFile)), pub)) await writeFile(pubFile, pub, { mode: 0o644 });
    logger.info({ key: slot.name, kid: toBase64Url(key.kid) }, 'service key loaded');
    return key;
  }
  const key = generateKey(slot.alg);
  // 'wx': never overwrite a key another process created meanwhile; mode 0600 from the first byte.
  await writeFile(privFile, exportCoseKey(key), { mode: PRIVATE_MODE, flag: 'wx' });
  await chmod(privFile, PRIVATE_MODE); // the umask can only narrow the mode, but be explicit
  await writeFile(pubFile, exportCoseKey(key.publicKey), { mode: 0o644 });
  logger.info({ key: slot.name, kid: toBase64Url(key.kid) }, 'service key generated');
  return key;
}

/**
 * Loads the service keys from `<dataDir>/keys/`, generating any that is missing.
 * @param receiptAlg the label a new P-256 key is bound to (an existing key keeps its own; ES256 and ESP256
 *   are aliases, so tree heads may use either).
 * @throws AtlogError ERR_SERVICE_KEY_PERMISSIONS (private file group/world-accessible), ERR_SERVICE_KEY_INVALID
 *   (unreadable file, public-only file, wrong key type).
 */
export async function loadServiceKeys(dataDir: string, receiptAlg: 'ES256' | 'ESP256', logger: ServiceLogger): Promise<ServiceKeys> {
  const dir = join(dataDir, 'keys');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const p256 = await loadOrCreate(dir, { name: 'service-p256', alg: receiptAlg }, logger);
  const mldsa = await loadOrCreate(dir, { name: 'service-mldsa65', alg: 'ML-DSA-65' }, logger);
  return { p256, mldsa, signing: [p256, mldsa] };
}

/** The COSE_KeySet of the public halves (for /.well-known/scitt-keys). */
export function serviceKeySet(keys: readonly PrivateKey[]): Uint8Array {
  return exportCoseKeySet(keys.map((k) => k.publicKey));
}
