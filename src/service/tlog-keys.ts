import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AtlogError, isAtlogError } from '../errors.js';
import { formatSkey, parseSkey, SIG_COSIGNATURE_MLDSA44, SIG_ED25519, signerFromSeed } from '../tlog/index.js';
import { checkMode, exists, PRIVATE_MODE } from './keys.js';
import type { ServiceLogger } from './options.js';

/**
 * The log's note keys (spec/tlog.md section 2): an Ed25519 key (type 0x01, the checkpoint signature witnesses
 * require) and an ML-DSA-44 key (type 0x06, the post-quantum checkpoint signature in the cosignature format).
 * They live in `<dataDir>/keys/tlog-note.skey`, one C2SP skey per line (mode 0600, refused when others may
 * read it), generated on first start like the COSE service keys. A note key is bound to its name, the origin;
 * the seeds are what is kept, so a changed origin signs with the same seeds under the new name (and new key
 * IDs: witnesses and clients then need the new vkeys).
 */

/** The seeds of the two note keys and the name they were stored under. */
export interface NoteKeySeeds {
  readonly ed25519: Uint8Array;
  readonly mldsa44: Uint8Array;
  /** The key name in the file (the origin when the file was written). */
  readonly storedName: string;
}

export const NOTE_KEY_FILE = 'tlog-note.skey';
export const NOTE_VKEY_FILE = 'tlog-note.vkey';

function invalid(file: string, why: string, cause?: unknown): AtlogError {
  return new AtlogError('ERR_SERVICE_KEY_INVALID', `${file}: ${why}`, { cause, details: { file } });
}

/**
 * Loads the note keys from `<dataDir>/keys/`, generating them (named `origin`) when the file is missing.
 * @throws AtlogError ERR_SERVICE_KEY_PERMISSIONS (group/world-readable file), ERR_SERVICE_KEY_INVALID (not one
 *   Ed25519 and one ML-DSA-44 skey of one name).
 */
export async function loadNoteKeys(dataDir: string, origin: string, logger: ServiceLogger): Promise<NoteKeySeeds> {
  const file = join(dataDir, 'keys', NOTE_KEY_FILE);
  if (!(await exists(file))) {
    const seeds = { ed25519: crypto.getRandomValues(new Uint8Array(32)), mldsa44: crypto.getRandomValues(new Uint8Array(32)), storedName: origin };
    const line = (type: number, seed: Uint8Array): string => formatSkey(origin, type, seed, signerFromSeed(origin, type, seed).keyId);
    const text = `# atlog note keys (C2SP skeys) of ${origin}: keep secret\n${line(SIG_ED25519, seeds.ed25519)}\n${line(SIG_COSIGNATURE_MLDSA44, seeds.mldsa44)}\n`;
    // 'wx': never overwrite keys another process created meanwhile; mode 0600 from the first byte.
    await writeFile(file, text, { mode: PRIVATE_MODE, flag: 'wx' });
    await chmod(file, PRIVATE_MODE);
    logger.info({ key: NOTE_KEY_FILE, origin }, 'note keys generated');
    return seeds;
  }
  await checkMode(file);
  const lines = (await readFile(file, 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  let keys;
  try {
    keys = lines.map((l) => parseSkey(l));
  } catch (e) {
    throw invalid(file, `not a list of skeys (${isAtlogError(e) ? e.code : String(e)})`, e);
  }
  const ed = keys.filter((k) => k.type === SIG_ED25519);
  const ml = keys.filter((k) => k.type === SIG_COSIGNATURE_MLDSA44);
  if (keys.length !== 2 || ed.length !== 1 || ml.length !== 1 || ed[0]!.name !== ml[0]!.name) {
    throw invalid(file, 'expected one Ed25519 (0x01) and one ML-DSA-44 (0x06) skey under one name');
  }
  const storedName = ed[0]!.name;
  if (storedName !== origin) logger.warn({ key: NOTE_KEY_FILE, storedName, origin }, 'note keys are stored under another name; signing as the configured origin (new vkeys)');
  else logger.info({ key: NOTE_KEY_FILE, origin }, 'note keys loaded');
  return { ed25519: ed[0]!.seed, mldsa44: ml[0]!.seed, storedName };
}

/** Writes the vkeys beside the keys, for operators (`<dataDir>/keys/tlog-note.vkey`). */
export async function saveNoteVkeys(dataDir: string, vkeys: readonly string[]): Promise<void> {
  await writeFile(join(dataDir, 'keys', NOTE_VKEY_FILE), `${vkeys.join('\n')}\n`, { mode: 0o644 });
}
