import { readFileSync } from 'node:fs';
import { AtlogError, isAtlogError } from '../errors.js';
import {
  SIG_COSIGNATURE_ED25519,
  SIG_COSIGNATURE_MLDSA44,
  generateNoteKey,
  signerFromSkey,
  verifierFromVkey,
  vkeyOf,
  type NoteSigner,
  type NoteVerifier,
} from '../tlog/index.js';

/**
 * The witness's settings: every default in one place (`resolveWitnessOptions`), its key file and its list of
 * logs. spec/tlog.md "Witness" describes the formats.
 */

export interface WitnessOptions {
  /** The key file `atlog witness keygen` writes: one skey per line (types 0x04 and 0x06), one name. */
  keyFile: string;
  /** `ORIGIN=VKEY` (or just `VKEY`, the origin then being the key's name); repeat for a log's other keys. */
  logs: readonly string[];
  /** TCP port; 0 picks a free one. Default 7380. */
  port?: number;
  /** Listen address. Default 127.0.0.1 (put it behind a proxy, or pass 0.0.0.0, to expose it). */
  host?: string;
  /** State directory (LevelDB). Default ./witness-data. */
  dataDir?: string;
  /** Largest request body accepted (bytes). Default 1 MiB + 4 KiB: a note of MAX_NOTE_BYTES and 63 proof lines. */
  maxBodyBytes?: number;
}

export function resolveWitnessOptions(o: WitnessOptions): Required<WitnessOptions> {
  return {
    keyFile: o.keyFile,
    logs: o.logs,
    port: o.port ?? 7380,
    host: o.host ?? '127.0.0.1',
    dataDir: o.dataDir ?? './witness-data',
    maxBodyBytes: o.maxBodyBytes ?? (1 << 20) + 4096,
  };
}

/**
 * Parse `--log` values into origin -> log keys.
 * @throws AtlogError `ERR_WITNESS_CONFIG` for an empty list or an unusable value (the cause says why).
 */
export function parseLogs(values: readonly string[]): Map<string, NoteVerifier[]> {
  if (values.length === 0) throw new AtlogError('ERR_WITNESS_CONFIG', 'give at least one --log ORIGIN=VKEY');
  const logs = new Map<string, NoteVerifier[]>();
  for (const value of values) {
    const eq = value.indexOf('=');
    // An ORIGIN= prefix is recognised when the text before the first "=" has no "+" (vkeys always do).
    const hasOrigin = eq > 0 && !value.slice(0, eq).includes('+');
    const vkey = hasOrigin ? value.slice(eq + 1) : value;
    let v: NoteVerifier;
    try {
      v = verifierFromVkey(vkey);
    } catch (e) {
      throw new AtlogError('ERR_WITNESS_CONFIG', `--log ${value.slice(0, 60)}: ${isAtlogError(e) ? e.message : String(e)}`, { cause: e });
    }
    const origin = hasOrigin ? value.slice(0, eq) : v.name;
    logs.set(origin, [...(logs.get(origin) ?? []), v]);
  }
  return logs;
}

/**
 * Read the witness key file: skeys of types 0x04 (Ed25519 cosignature/v1) and 0x06 (ML-DSA-44 subtree/v1),
 * one per line, all under one name; empty lines and lines starting with `#` are skipped.
 * @throws AtlogError `ERR_WITNESS_CONFIG` (unreadable file, no keys, a note key 0x01, several names) or the
 *   key parsing error (`ERR_KEY_NOTE_*`).
 */
export function loadWitnessKeys(file: string): NoteSigner[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AtlogError('ERR_WITNESS_CONFIG', `cannot read the witness key file ${file}`, { cause: e });
  }
  const signers = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => signerFromSkey(l));
  if (signers.length === 0) throw new AtlogError('ERR_WITNESS_CONFIG', `${file} holds no keys`);
  // A plain note key (0x01) would make signatures a verifier could mistake for the log's own.
  if (signers.some((s) => s.type !== SIG_COSIGNATURE_ED25519 && s.type !== SIG_COSIGNATURE_MLDSA44)) {
    throw new AtlogError('ERR_WITNESS_CONFIG', `${file}: witness keys are cosignature keys (types 0x04 and 0x06)`);
  }
  if (new Set(signers.map((s) => s.name)).size !== 1) throw new AtlogError('ERR_WITNESS_CONFIG', `${file}: all keys must share one name`);
  return signers;
}

/** A new witness key pair set for `name`: an Ed25519 and an ML-DSA-44 cosigner key (skeys, vkeys). */
export function generateWitnessKeys(name: string): { skeys: string[]; vkeys: string[] } {
  const keys = [generateNoteKey(name, SIG_COSIGNATURE_ED25519), generateNoteKey(name, SIG_COSIGNATURE_MLDSA44)];
  return { skeys: keys.map((k) => k.skey), vkeys: keys.map((k) => k.vkey) };
}

/** The vkeys of loaded signers, for printing. */
export function vkeysOf(signers: readonly NoteSigner[]): string[] {
  return signers.map((s) => vkeyOf(s.verifier));
}
