import { codeOfAsync } from '../helpers/errors.js';

/** The `code` of the AtlogError a promise (or async function) rejects with; 'resolved' if it does not reject. */
export async function rejectCode(p: Promise<unknown> | (() => Promise<unknown>)): Promise<string> {
  return (await codeOfAsync(typeof p === 'function' ? p : () => p)) ?? 'resolved';
}

const enc = new TextEncoder();
/** Deterministic entry bytes. */
export const entryBytes = (tag: string, i: number): Uint8Array => enc.encode(`entry:${tag}:${i}`);
