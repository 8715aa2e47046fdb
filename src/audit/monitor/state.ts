import { AtlogError } from '../../errors.js';
import { fromBase64, fromHex, toBase64, toHex } from '../../util/bytes.js';
import type { HeadFormat, ObservedHead } from './head-source.js';

/**
 * The monitor's state file (spec/monitor.md section 4): JSON, so an operator can read it. It holds the pinned
 * service keys and the last head that verified and was consistent with everything seen before. Parsing is
 * strict: a state file that is not exactly this shape is refused (the monitor cannot evaluate), never repaired.
 */

export const STATE_FORMAT = 'atlog-monitor-state';
export const STATE_VERSION = 1;

/** How the pinned keys came to be trusted. */
export type KeySource = 'trust-on-first-use' | 'given';

export interface PinnedKeys {
  source: KeySource;
  /** When they were pinned (RFC 3339). */
  pinnedAt: string;
  /** The kids (base64url), for people; the key file below decides. */
  kids: string[];
  /** The key file as given or fetched (COSE_KeySet, COSE_Key or PEM): what verifies the heads. */
  file: Uint8Array;
}

export interface RecordedHead {
  format: HeadFormat;
  treeSize: number;
  /** For people; must equal the root the signed head carries. */
  root: Uint8Array;
  /** When this head was first seen (RFC 3339). */
  seenAt: string;
  /** The head as served (ObservedHead.bytes). */
  bytes: Uint8Array;
}

export interface MonitorState {
  /** The service the monitor watches (informative: the keys, not the URL, identify the log). */
  url: string;
  keys: PinnedKeys;
  /** Absent until the log has signed a head. */
  head?: RecordedHead;
  /** The last check that found nothing wrong (RFC 3339). */
  checkedAt: string;
  /** Checks that found nothing wrong, over the life of this file. */
  checks: number;
}

function bad(why: string, cause?: unknown): AtlogError {
  return new AtlogError('ERR_MONITOR_STATE', `not a monitor state file: ${why}`, cause === undefined ? {} : { cause });
}

function text(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string' || v === '') throw bad(`${k} must be non-empty text`);
  return v;
}

function time(o: Record<string, unknown>, k: string): string {
  const v = text(o, k);
  if (Number.isNaN(Date.parse(v))) throw bad(`${k} must be an RFC 3339 time`);
  return v;
}

function object(v: unknown, k: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${k} must be an object`);
  return v as Record<string, unknown>;
}

function bytes(o: Record<string, unknown>, k: string, decode: (s: string, name: string) => Uint8Array): Uint8Array {
  try {
    return decode(text(o, k), k);
  } catch (e) {
    throw bad(`${k} does not decode`, e);
  }
}

function count(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw bad(`${k} must be a non-negative integer`);
  return v as number;
}

/**
 * Reads a state file's text.
 * @throws AtlogError ERR_MONITOR_STATE naming what is wrong.
 */
export function parseState(json: string): MonitorState {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw bad('it is not JSON', e);
  }
  const o = object(raw, 'the file');
  if (o.format !== STATE_FORMAT) throw bad(`format must be "${STATE_FORMAT}"`);
  if (o.version !== STATE_VERSION) throw bad(`version ${String(o.version)} is not ${STATE_VERSION}`);
  const k = object(o.keys, 'keys');
  const source = k.source;
  if (source !== 'trust-on-first-use' && source !== 'given') throw bad('keys.source must be "trust-on-first-use" or "given"');
  if (!Array.isArray(k.kids) || !k.kids.every((x) => typeof x === 'string')) throw bad('keys.kids must be a list of text');
  const state: MonitorState = {
    url: text(o, 'url'),
    keys: { source, pinnedAt: time(k, 'pinnedAt'), kids: k.kids as string[], file: bytes(k, 'file', fromBase64) },
    checkedAt: time(o, 'checkedAt'),
    checks: count(o, 'checks'),
  };
  if (o.head !== undefined) {
    const h = object(o.head, 'head');
    if (h.format !== 'atlog-checkpoint') throw bad('head.format must be "atlog-checkpoint"');
    const root = bytes(h, 'root', fromHex);
    if (root.length !== 32) throw bad('head.root must be 32 bytes');
    state.head = { format: h.format, treeSize: count(h, 'treeSize'), root, seenAt: time(h, 'seenAt'), bytes: bytes(h, 'bytes', fromBase64) };
  }
  return state;
}

/** The state file's text: one JSON object, keys in a fixed order, ending in a newline. */
export function serializeState(s: MonitorState): string {
  const out: Record<string, unknown> = {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    url: s.url,
    checkedAt: s.checkedAt,
    checks: s.checks,
    keys: { source: s.keys.source, pinnedAt: s.keys.pinnedAt, kids: s.keys.kids, file: toBase64(s.keys.file) },
  };
  if (s.head) out.head = { format: s.head.format, treeSize: s.head.treeSize, root: toHex(s.head.root), seenAt: s.head.seenAt, bytes: toBase64(s.head.bytes) };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** The record of a head first seen at `seenAt`. */
export function recordHead(h: ObservedHead, seenAt: string): RecordedHead {
  return { format: h.format, treeSize: h.treeSize, root: h.root, seenAt, bytes: h.bytes };
}
