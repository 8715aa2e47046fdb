import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { AtlogError } from '../../errors.js';
import type { ServiceLogger } from '../options.js';
import type { PolicyInfo } from '../types.js';
import { defaultPolicy, parsePolicy, type Policy } from '../../policy/schema.js';

/**
 * Holds the current Registration Policy and swaps it atomically on reload. A reload that fails keeps the old
 * policy and remembers the error (reported by `info()` and logged), so a typo in production never leaves the
 * service without a policy or with half of one.
 */
export class PolicyHolder {
  private policy: Policy;
  private loadedAt = new Date();
  private lastError: string | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly file: string | undefined,
    private readonly logger: ServiceLogger,
    initial: Policy,
  ) {
    this.policy = initial;
  }

  /**
   * Loads the policy file (or the built-in default when `file` is undefined).
   * @throws AtlogError ERR_POLICY_SYNTAX / ERR_POLICY_INVALID for a bad file, ERR_POLICY_READ when unreadable.
   */
  static async open(file: string | undefined, logger: ServiceLogger): Promise<PolicyHolder> {
    return new PolicyHolder(file, logger, file === undefined ? defaultPolicy() : await readPolicy(file));
  }

  /** The policy in force. Callers take it once per registration, so one registration sees one policy. */
  get current(): Policy {
    return this.policy;
  }

  /**
   * Re-reads the file. On error the old policy stays in force and the error is thrown and remembered.
   * @throws AtlogError ERR_POLICY_SYNTAX, ERR_POLICY_INVALID or ERR_POLICY_READ.
   */
  async reload(): Promise<Policy> {
    if (this.file === undefined) return this.policy;
    try {
      const next = await readPolicy(this.file);
      const changed = next.hashHex !== this.policy.hashHex;
      this.policy = next;
      this.loadedAt = new Date();
      this.lastError = undefined;
      if (changed) this.logger.info({ policyHash: next.hashHex, file: this.file }, 'registration policy loaded');
      return next;
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
      this.logger.error({ err: this.lastError, file: this.file, keptPolicyHash: this.policy.hashHex }, 'policy reload failed; keeping the old policy');
      throw e;
    }
  }

  /**
   * Reloads on file changes, debounced. Watches the directory, not the file, because editors replace files
   * by rename, which ends a watch on the old inode.
   */
  watch(debounceMs: number, onReload: (p: Policy) => void = () => {}): void {
    if (this.file === undefined || this.watcher) return;
    const name = basename(this.file);
    this.watcher = watch(dirname(this.file), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed.toString() !== name) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.reload().then(onReload, () => {
          /* remembered in lastError and logged by reload() */
        });
      }, debounceMs);
    });
    this.watcher.on('error', (e) => this.logger.warn({ err: String(e) }, 'policy watch failed'));
  }

  /** What /healthz and the admin API show about the policy. */
  info(): PolicyInfo {
    return {
      hash: this.policy.hashHex,
      file: this.policy.source,
      loadedAt: this.loadedAt,
      lastError: this.lastError,
      rules: this.policy.rules.map((r) => r.name),
    };
  }

  /** Stops watching. */
  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }
}

async function readPolicy(file: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new AtlogError('ERR_POLICY_READ', `cannot read policy file ${file}`, { cause: e, details: { file } });
  }
  return parsePolicy(text, file);
}
