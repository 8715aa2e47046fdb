import type { AatRecord } from '../../src/aat/index.js';

/** STANDARDS.md check value: the genesis record and the prev_hash of the record that follows it. */
export const CHECK_GENESIS = {
  record_id: '0b6f1c3e-8a4d-4c1e-9f2a-3d5b7c9e1a20',
  timestamp: '2026-03-29T12:00:00.000Z',
  agent_id: 'urn:agent:example:bot-1',
  agent_version: '1.0.0',
  session_id: '5a1f2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b',
  action_type: 'lifecycle',
  action_detail: { event: 'session_start' },
  outcome: 'success',
  trust_level: 'L1',
  parent_record_id: null,
  prev_hash: null,
} as const;
export const CHECK_NEXT_PREV_HASH = 'dee1367e90424d827160d382d69154bbd571b051918baa05062bfcbfc34c50c5';

export const H = (c: string): string => c.repeat(64).slice(0, 64);

/** A deterministic UUIDv4 from a small number (tests only). */
export function uuidN(n: number, salt = 0): string {
  const hex = (n + salt * 0x10000).toString(16).padStart(12, '0').slice(-12);
  return `00000000-0000-4000-8000-${hex}`;
}

/** Timestamp n seconds after 2026-03-29T12:00:00Z. */
export function ts(n: number): string {
  return new Date(Date.UTC(2026, 2, 29, 12, 0, 0) + n * 1000).toISOString();
}

export function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

export type Rec = AatRecord;
