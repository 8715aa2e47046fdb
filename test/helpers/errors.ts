import { expect } from 'vitest';
import { AtlogError, isAtlogError } from '../../src/errors.js';

/**
 * The `code` of the AtlogError that `f` throws, or undefined when it throws nothing. Anything thrown that is
 * not an AtlogError is rethrown, so a test asserting a code fails loudly on a crash of another kind.
 */
export function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (isAtlogError(e)) return e.code;
    throw e;
  }
  return undefined;
}

/** `codeOf` for async functions. */
export async function codeOfAsync(f: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await f();
  } catch (e) {
    if (isAtlogError(e)) return e.code;
    throw e;
  }
  return undefined;
}

/** Asserts that `f` throws an AtlogError with `code`. */
export function expectCode(f: () => unknown, code: string): void {
  expect(codeOf(f)).toBe(code);
}

/** The AtlogError a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejection(p: Promise<unknown>): Promise<AtlogError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AtlogError);
  return e as AtlogError;
}
