import type { AtlogErrorCode } from './error-codes.js';

/**
 * The one error class of atlog. Every failure that crosses a module boundary is an AtlogError with a stable
 * `code` (tests assert codes, never messages) and, where useful, `details` with the evidence.
 * Codes, their meanings and their HTTP status are one table (src/error-codes.ts); the HTTP layer turns them
 * into problem details in one place (src/http/problems.ts).
 */
export type { AtlogErrorCode } from './error-codes.js';

export class AtlogError extends Error {
  override readonly name = 'AtlogError';
  readonly code: AtlogErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: AtlogErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}

/** True when `e` is an AtlogError, optionally with the given code. */
export function isAtlogError(e: unknown, code?: AtlogErrorCode): e is AtlogError {
  return e instanceof AtlogError && (code === undefined || e.code === code);
}
