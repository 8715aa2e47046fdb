import type { Completeness } from '../aat/index.js';
import { isAtlogError, type AtlogErrorCode } from '../errors.js';

/**
 * The verifier's report (docs/auditor.md): every check, in order, and the first failure. `valid` is true only
 * when at least one check ran and passed and none failed. A check the verifier did not run is listed as `skip`
 * with the reason (no issuer key, no TSA root, no record key...): never as `ok`. Which checks may be skipped
 * without failing is each verifier's documented choice; anything it could not evaluate otherwise fails (fail
 * closed).
 */

/** `ok`: ran and passed; `fail`: ran and failed; `skip`: not run, the detail says why. */
export type CheckStatus = 'ok' | 'fail' | 'skip';

export interface Check {
  /** Stable dotted name, e.g. `statement.signature`, `receipt[0].inclusion`, `receipt[0].timestamp[0]`. */
  name: string;
  /** True only for `status: 'ok'` (kept for readers of the earlier report shape). */
  ok: boolean;
  detail: string;
  /** Last, so JSON readers of the earlier shape see `name`, `ok`, `detail` as before. */
  status: CheckStatus;
}

export interface Failure {
  /** The failing check's code (src/error-codes.ts; docs/auditor.md explains them). */
  code: AtlogErrorCode;
  detail: string;
}

export interface VerificationReport {
  valid: boolean;
  checks: Check[];
  failure?: Failure;
  /** For a session or bare AAT chain: whether it shows the whole session (spec/aat.md 2.6). */
  completeness?: Completeness;
}

/** Collects checks; the first failing check's code becomes the report's failure. */
export class ReportBuilder {
  readonly checks: Check[] = [];
  failure: Failure | undefined;

  pass(name: string, detail: string): void {
    this.checks.push({ name, ok: true, detail, status: 'ok' });
  }

  fail(name: string, code: AtlogErrorCode, detail: string): void {
    this.checks.push({ name, ok: false, detail: `${code}: ${detail}`, status: 'fail' });
    this.failure ??= { code, detail: `${name}: ${detail}` };
  }

  /** A check that was not run; `detail` says why (and, where it matters, how to run it). */
  skip(name: string, detail: string): void {
    this.checks.push({ name, ok: false, detail, status: 'skip' });
  }

  /**
   * Run one check: its return value is the pass detail; an AtlogError fails it with its code, anything else
   * with ERR_VERIFY_INTERNAL (fail closed: an unexpected exception never counts as success).
   */
  run<T>(name: string, f: () => T, detail: (v: T) => string): T | undefined {
    try {
      const v = f();
      this.pass(name, detail(v));
      return v;
    } catch (e) {
      this.failWith(name, e);
      return undefined;
    }
  }

  /** Async variant of {@link run}. */
  async runAsync<T>(name: string, f: () => Promise<T>, detail: (v: T) => string): Promise<T | undefined> {
    try {
      const v = await f();
      this.pass(name, detail(v));
      return v;
    } catch (e) {
      this.failWith(name, e);
      return undefined;
    }
  }

  failWith(name: string, e: unknown): void {
    if (isAtlogError(e)) this.fail(name, e.code, e.message);
    else this.fail(name, 'ERR_VERIFY_INTERNAL', e instanceof Error ? e.message : String(e));
  }

  /** Merge another report's checks under a prefix (bundles verify each statement as a sub-report). */
  include(prefix: string, r: VerificationReport): void {
    for (const c of r.checks) this.checks.push({ ...c, name: `${prefix}.${c.name}` });
    if (r.failure) this.failure ??= { code: r.failure.code, detail: `${prefix}.${r.failure.detail}` };
    else if (!r.valid) this.failure ??= { code: 'ERR_VERIFY_INTERNAL', detail: `${prefix}: not valid` };
  }

  build(): VerificationReport {
    const valid = this.failure === undefined && this.checks.some((c) => c.status === 'ok') && this.checks.every((c) => c.status !== 'fail');
    const r: VerificationReport = { valid, checks: this.checks };
    if (this.failure) r.failure = this.failure;
    else if (!valid) r.failure = { code: 'ERR_VERIFY_NOTHING_CHECKED', detail: 'no check ran' };
    return r;
  }
}
