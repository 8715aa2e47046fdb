import { decodeSequence } from '../cose/cbor-seq.js';
import type { CallOptions } from './options.js';

/**
 * atlog's paged reads (docs/api.md "Pages"): the answer shapes and their parsers. Pages are CBOR sequences
 * (RFC 8742) of maps, or JSON for an agent's sessions; a parser throws for anything else, and the client turns
 * that into ERR_CLIENT_UNEXPECTED. Nothing here is trusted: the audit verifies what an export holds.
 */

/** One entry of a page: a Transparent Statement with its log index and the checkpoint size its receipts use. */
export interface PageEntry {
  index: number;
  treeSize: number;
  statement: Uint8Array;
}

/** One signed checkpoint of a page; `consistency` is the RFC 9162 proof to the `to` size asked for. */
export interface PageCheckpoint {
  treeSize: number;
  root: Uint8Array;
  signedTreeHeads: Uint8Array[];
  anchored: boolean;
  consistency?: Uint8Array[];
}

/** One session of an agent, as the service's chain tip describes it. */
export interface AgentSession {
  sessionId: string;
  records: number | null;
  ended: boolean;
  lastRecordId: string;
  lastTimestamp: string;
}

/** Page size (the service serves at most 1000, 100 by default). */
export interface PageOptions extends CallOptions {
  limit?: number;
}

export interface CheckpointPageOptions extends PageOptions {
  /** Smallest tree size (default 1). */
  from?: number;
  /** Only checkpoints up to this size, each with a consistency proof to it. */
  to?: number;
}

export interface SessionPageOptions extends PageOptions {
  /** Session id to continue after (the last one of the previous page). */
  after?: string;
}

const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isBytesList = (v: unknown): v is Uint8Array[] => Array.isArray(v) && v.every((x) => x instanceof Uint8Array);

function maps(body: Uint8Array): Map<unknown, unknown>[] {
  return decodeSequence(body).map((v) => {
    if (!(v instanceof Map)) throw new TypeError('a page item is not a map');
    return v;
  });
}

/** Entries of a page, in strictly increasing index order. @throws TypeError for another shape. */
export function parseEntryPage(body: Uint8Array): PageEntry[] {
  let last = -1;
  return maps(body).map((m) => {
    const index = m.get('index');
    const treeSize = m.get('treeSize');
    const statement = m.get('statement');
    if (!isUint(index) || !isUint(treeSize) || index >= treeSize || !(statement instanceof Uint8Array)) throw new TypeError('not a page entry');
    if (index <= last) throw new TypeError('page entries out of order');
    last = index;
    return { index, treeSize, statement };
  });
}

/** Checkpoints of a page, in strictly increasing size order. @throws TypeError for another shape. */
export function parseCheckpointPage(body: Uint8Array): PageCheckpoint[] {
  let last = 0;
  return maps(body).map((m) => {
    const treeSize = m.get('treeSize');
    const root = m.get('root');
    const heads = m.get('signedTreeHeads');
    const consistency = m.get('consistency');
    if (!isUint(treeSize) || treeSize <= last || !(root instanceof Uint8Array) || root.length !== 32) throw new TypeError('not a page checkpoint');
    if (!isBytesList(heads) || heads.length === 0) throw new TypeError('signedTreeHeads');
    if (consistency !== undefined && !isBytesList(consistency)) throw new TypeError('consistency');
    last = treeSize;
    const out: PageCheckpoint = { treeSize, root, signedTreeHeads: heads, anchored: m.get('anchored') === true };
    if (consistency !== undefined) out.consistency = consistency;
    return out;
  });
}

/** The JSON list of an agent's sessions. @throws TypeError / SyntaxError for another shape. */
export function parseSessionList(body: Uint8Array): AgentSession[] {
  const j = JSON.parse(new TextDecoder().decode(body)) as { sessions?: unknown };
  if (!Array.isArray(j.sessions)) throw new TypeError('sessions');
  return j.sessions.map((s: unknown) => {
    const x = s as Partial<AgentSession>;
    if (typeof x.sessionId !== 'string' || typeof x.ended !== 'boolean') throw new TypeError('session');
    return {
      sessionId: x.sessionId,
      records: typeof x.records === 'number' ? x.records : null,
      ended: x.ended,
      lastRecordId: String(x.lastRecordId ?? ''),
      lastTimestamp: String(x.lastTimestamp ?? ''),
    };
  });
}
