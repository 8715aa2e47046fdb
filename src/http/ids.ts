/**
 * Locators of /entries/{locator} (spec/api.md "Identifiers"):
 * - an entry id: 64 lowercase hex characters, the entry hash (STANDARDS.md Decision (leaf));
 * - an operation id: `op-` followed by the service's operation id (letters, digits, `-`, `_`; 1 to 100),
 *   so it can never be read as an entry id or an index;
 * - a log index: decimal digits without leading zeros (convenience; same answer as the entry id).
 */

/** What a locator names. */
export type Locator =
  | { kind: 'entry'; entryId: string }
  | { kind: 'operation'; operationId: string }
  | { kind: 'index'; index: number }
  | { kind: 'invalid' };

const ENTRY_RE = /^[0-9a-f]{64}$/;
const OP_PREFIX = 'op-';
const OP_RE = /^op-([A-Za-z0-9_-]{1,100})$/;
const INDEX_RE = /^(0|[1-9][0-9]{0,14})$/;

/** Parses the last path segment of /entries/{locator}. Upper-case hex is not an entry id (ids are canonical). */
export function parseLocator(s: string): Locator {
  if (ENTRY_RE.test(s)) return { kind: 'entry', entryId: s };
  const op = OP_RE.exec(s);
  if (op) return { kind: 'operation', operationId: op[1]! };
  if (INDEX_RE.test(s)) return { kind: 'index', index: Number(s) };
  return { kind: 'invalid' };
}

/** The public locator of a service operation id. */
export function operationLocator(operationId: string): string {
  return OP_PREFIX + operationId;
}

/** True when `s` is a canonical entry id. */
export function isEntryId(s: string): boolean {
  return ENTRY_RE.test(s);
}

/** Parses a non-negative decimal query value (tree sizes), or undefined when it is not one. */
export function parseSize(s: unknown): number | undefined {
  return typeof s === 'string' && INDEX_RE.test(s) ? Number(s) : undefined;
}
