import { readFileSync } from 'node:fs';
import { AtlogError } from '../errors.js';
import { isPrivateKey, parseKeyFile, parsePublicKeys, type PrivateKey, type PublicKey } from '../keys/index.js';
import { parsePolicy } from '../policy/schema.js';
import type { SessionOptions, Tier } from './options.js';
import { LocalPolicy, type RuleSpec } from './policy.js';
import { FileQueue } from './queue/file-queue.js';
import { createSession, type Session } from './session.js';

/**
 * The Node side of the SDK: what reads files. `openSession` is `createSession` with a key, a policy, the
 * service keys and a queue given as files; `loadKey`, `loadPolicy` and `loadPublicKeys` read one each.
 */

/** `openSession`'s options: SessionOptions, where the policy, the queue and the service keys may be files. */
export interface OpenSessionOptions extends Omit<SessionOptions, 'policy' | 'serviceKeys'> {
  /** A policy file in the service's format (its `rules` apply locally), inline `{ rules }`, or a LocalPolicy. */
  policy?: string | LocalPolicy | { rules: readonly RuleSpec[] };
  /** A directory for the durable offline queue (created when missing). */
  queueDir?: string;
  /** The service's public keys: a key file (COSE_KeySet as `atlog fetch keys` saves it, COSE_Key or PEM), its bytes, or keys. */
  serviceKeys?: string | Uint8Array | readonly PublicKey[];
}

function read(file: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new AtlogError('ERR_INVALID_ARGUMENT', `cannot read ${what} ${file}: ${(e as Error).message}`, { cause: e, details: { file } });
  }
}

/**
 * The signing key in a key file: the private COSE_Key `atlog keygen` writes (any algorithm atlog supports:
 * ESP256, ES256, ES384, Ed25519, EdDSA, ML-DSA-44/65/87), a COSE_KeySet with one private key, or a PKCS#8 /
 * SEC1 PEM.
 * @throws AtlogError ERR_KEY_NOT_PRIVATE (a public key, e.g. the `.pub` file, or several private keys),
 *   ERR_KEY_FORMAT / ERR_KEY_* / ERR_CBOR_* for a file that is no key, ERR_INVALID_ARGUMENT when unreadable.
 */
export function loadKey(file: string): PrivateKey {
  const keys = parseKeyFile(read(file, 'key file'));
  const priv = keys.filter(isPrivateKey);
  if (priv.length !== 1) {
    throw new AtlogError('ERR_KEY_NOT_PRIVATE', priv.length === 0
      ? `${file} holds no private key${file.endsWith('.pub') ? ` (give the private key file, ${file.slice(0, -4)})` : ''}`
      : `${file} holds ${priv.length} private keys; give a file with one`, { details: { file } });
  }
  return priv[0]!;
}

/**
 * The action rules of a Registration Policy file (YAML or JSON, spec/policy.md), as a local policy.
 * @throws AtlogError ERR_POLICY_SYNTAX, ERR_POLICY_INVALID, ERR_POLICY_RULE_SYNTAX (with file, line, column),
 *   ERR_POLICY_READ when unreadable.
 */
export function loadPolicy(file: string): LocalPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AtlogError('ERR_POLICY_READ', `cannot read policy file ${file}`, { cause: e, details: { file } });
  }
  return LocalPolicy.fromPolicy(parsePolicy(text, file));
}

/** Public keys from a key file (private keys reduced to their public halves). @throws as parsePublicKeys. */
export function loadPublicKeys(file: string): PublicKey[] {
  return parsePublicKeys(read(file, 'key file'));
}

/**
 * Opens an agent session (docs/agents.md): files resolved, then `createSession`.
 * @throws AtlogError as createSession, loadPolicy and loadPublicKeys.
 */
export async function openSession<T extends Tier = 'detectable'>(options: OpenSessionOptions & { tier?: T }): Promise<Session<T>> {
  const { policy, queueDir, serviceKeys, ...rest } = options;
  if (queueDir !== undefined && rest.queue !== undefined) throw new AtlogError('ERR_INVALID_ARGUMENT', 'give queueDir or queue, not both');
  return createSession<T>({
    ...rest,
    ...(typeof policy === 'string' ? { policy: loadPolicy(policy) } : policy !== undefined ? { policy } : {}),
    ...(queueDir !== undefined ? { queue: new FileQueue(queueDir) } : {}),
    ...(typeof serviceKeys === 'string' ? { serviceKeys: loadPublicKeys(serviceKeys) } : serviceKeys instanceof Uint8Array ? { serviceKeys: parsePublicKeys(serviceKeys) } : serviceKeys !== undefined ? { serviceKeys } : {}),
  });
}
